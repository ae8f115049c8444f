"""Browser tests: the real app under uvicorn, driven by PyPI Playwright on Debian's Chromium.

- ``live_server`` (session): a fresh SQLite workspace with the small demo (seed 7) and the demo
  logins, served by ``uvicorn --factory tenbin.web.asgi:app_factory`` in a subprocess on
  127.0.0.1 and a free port. The subprocess keeps uvicorn's own warnings out of this process
  (pytest runs with filterwarnings=error); its log is printed when it fails to start.
- ``browser`` (session): ``/usr/bin/chromium`` (never ``playwright install``).
- ``page`` (per test): a fresh context (ja-JP, 1280×900). The test FAILS at teardown on any console
  error, uncaught page error or request to a host other than 127.0.0.1 (no CDN, no telemetry).
- ``login(page, username)``, ``shot(page, name)`` (PNG in tests/e2e/artifacts/, kept by CI),
  ``base_url``, ``passwords`` ({username: password}).

Without /usr/bin/chromium the whole folder is skipped, unless CI is set: then it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
HOST = "127.0.0.1"
DEMO_SCALE = 0.2
_PASSWORDS: dict[str, str] = {}  # the demo logins of this session, filled by ``live_server``
_COOKIES: dict[str, list[Any]] = {}  # username → session cookie of its first sign-in


def _missing_reason() -> str | None:
    if not os.access(CHROMIUM, os.X_OK):
        return f"{CHROMIUM} is missing (apt-get install chromium fonts-ipaexfont-gothic; CI installs it)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing_reason()
    if reason is None or os.environ.get("CI"):
        return  # in CI a missing browser fails in the ``browser`` fixture
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason=f"browser tests skipped: {reason} (set CI to make this a failure)")
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class LiveServer:
    url: str
    passwords: dict[str, str]
    roles: dict[str, str]
    db_url: str = ""  # the served workspace, for tests that prepare data the UI cannot


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from tenbin.db.engine import make_engine
    from tenbin.db.migrate import upgrade
    from tenbin.demo.service import build_demo
    from tenbin.demo.users import ensure_demo_users

    workdir = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{workdir / 'tenbin.db'}"
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        build_demo(engine, seed=7, scale=DEMO_SCALE, progress=lambda label, n: None)
        logins = ensure_demo_users(engine)
    finally:
        engine.dispose()

    port = _free_port()
    env = {
        **os.environ,
        "TENBIN_DATABASE_URL": db_url,
        "TENBIN_SECRET_KEY": "e2e-" + "s" * 40,
        "TENBIN_ENVIRONMENT": "development",  # plain http on 127.0.0.1: no Secure cookie
        "TENBIN_LANG": "ja",
        "PYTHONWARNINGS": "default",
    }
    log_path = workdir / "uvicorn.log"
    log = log_path.open("wb")
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tenbin.web.asgi:app_factory"]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--ws", "none", "--no-server-header"]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"uvicorn exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not answer within 30 s:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        _PASSWORDS.update({u: p for u, _, p in logins})
        yield LiveServer(url, {u: p for u, _, p in logins}, {u: r for u, r, _ in logins}, db_url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        text = log_path.read_text(errors="replace")
        if "Traceback" in text:
            print(f"\n--- uvicorn log (contains tracebacks) ---\n{text}")


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    return live_server.url


@pytest.fixture(scope="session")
def passwords(live_server: LiveServer) -> dict[str, str]:
    return live_server.passwords


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = _missing_reason()
    if reason is not None:
        pytest.fail(f"browser tests need Chromium in CI: {reason}")
    if os.environ.get("CI") and not _has_japanese_font():
        pytest.fail("browser tests need a Japanese font in CI (fonts-ipaexfont-gothic)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _has_japanese_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, check=False).stdout
    return bool(out.strip())


@dataclass
class Watch:
    """What a page did: console errors, uncaught errors, and every request URL."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    # Console errors a test expects (e.g. the 401 of a deliberately wrong password): substrings.
    allowed: list[str] = field(default_factory=list)

    def allow_console(self, fragment: str) -> None:
        self.allowed.append(fragment)

    def problems(self) -> list[str]:
        found = [f"console error: {m}" for m in self.console_errors if not any(a in m for a in self.allowed)]
        found += [f"page error: {m}" for m in self.page_errors]
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != HOST:
                found.append(f"request to another host: {url}")
        return found


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch = Watch()
    page.watch = watch  # type: ignore[attr-defined]  # tests may call page.watch.allow_console("...")

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            watch.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("request", lambda req: watch.requests.append(req.url))
    try:
        yield page
    finally:
        context.close()
    problems = watch.problems()
    if problems:
        pytest.fail("the browser reported problems:\n  " + "\n  ".join(problems), pytrace=False)


def login(page: Page, username: str, password: str | None = None, *, lang: str = "ja", form: bool = False) -> None:
    """Sign in as a demo user (password looked up), then make sure the UI is in ``lang`` (the
    language is stored on the user, so an earlier test may have left it in English).

    The first sign-in of each user goes through the form; later ones reuse its session cookie (the
    password hash is deliberately slow), unless ``form=True`` or the cookie no longer works.
    """
    cookies = _COOKIES.get(username)
    if cookies and not form and password is None:
        page.context.add_cookies(cookies)
        page.goto("/")
        if "/login" not in page.url:
            set_lang(page, lang)
            return
        page.context.clear_cookies()
    if password is None:
        password = _PASSWORDS[username]
    page.context.clear_cookies()  # signed in already, /login would redirect away
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")
    assert "/login" not in page.url, f"sign-in as {username} failed"
    _COOKIES[username] = [c for c in page.context.cookies() if c["name"] == "tenbin_session"]
    set_lang(page, lang)


def set_lang(page: Page, lang: str) -> None:
    """Switch the UI language with the header button (a no-op when already in ``lang``)."""
    current = page.get_attribute("html", "lang")
    if current == lang:
        return
    with page.expect_navigation():
        page.click(f"form[action='/lang'] button[name=lang][value={lang}]")
    assert page.get_attribute("html", "lang") == lang


def shot(page: Page, name: str) -> Path:
    """A full-page PNG screenshot in tests/e2e/artifacts/<name>.png (CI keeps the folder)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.wait_for_load_state("networkidle")  # charts fetch their data after the page loads
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(name="login")
def login_fixture(live_server: LiveServer) -> Callable[..., None]:
    """The ``login`` helper as a fixture, for tests that prefer fixtures to imports."""
    return login


@pytest.fixture(name="shot")
def shot_fixture() -> Callable[[Page, str], Path]:
    return shot


@pytest.fixture(name="set_lang")
def set_lang_fixture() -> Callable[[Page, str], None]:
    return set_lang
