"""The ICP pages on SQLite and PostgreSQL: workbench, live count and errors with their position, discovery,
saving once per form (audited, marketing only), adoption, the evidence card with PNG/PDF export,
new-ICP candidates, and escaping of everything users type."""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher
from conftest import Client
from helpers import count
from icp_workspace import N_CUSTOMERS, PLANTED, declare_workspace
from sqlalchemy import Engine, func, select

from tenbin.auth import passwords
from tenbin.db import schema
from tenbin.icp import service as icp

Login = Callable[..., Client]
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sign-ins with a cheap argon2 setting: these tests sign in a dozen times and test ICP pages, not
    password hashing (tests/web/test_auth.py covers that with the real setting)."""
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def planted(engine: Engine) -> tuple[int, int]:
    """The declared workspace; returns (accounts, customers) matching the planted rule, counted from the
    declaration itself, not by the code under test."""
    _, data = declare_workspace(engine)
    return int(data["planted"].sum()), int(data["planted"][:N_CUSTOMERS].sum())


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def form_token(client: Client) -> str:
    found = TOKEN.search(client.page("/icp").text)  # type: ignore[attr-defined]
    assert found, "the save form carries a one-time token"
    return found.group(1)


def audit_count(engine: Engine, action: str) -> int:
    with engine.connect() as conn:
        a = schema.audit_log
        return int(conn.execute(select(func.count()).where(a.c.action == action)).scalar_one())


def test_pages_show_edit_controls_only_to_icp_editors(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    icp.save_icp_version(engine, name="v1", rules=PLANTED, actor="t", adopt=True, notes_fit="属人化の課題")
    icp.save_icp_version(engine, name="v2", rules='industry = "E"', actor="t")
    viewer, marketing = login("viewer"), login("marketing")

    page = viewer.page("/icp").text  # type: ignore[attr-defined]
    assert "ICP ワークベンチ" in page and "属人化の課題" in page and 'id="icp-rules"' in page
    assert 'action="/icp/versions"' not in page and "form_token" not in page and "/adopt" not in page
    assert 'href="/icp" aria-current="page"' in page  # the navigation link
    edit = marketing.page("/icp").text  # type: ignore[attr-defined]
    assert 'action="/icp/versions"' in edit and 'name="notes_fit"' in edit and 'name="adopt"' in edit
    assert 'action="/icp/versions/2/adopt"' in edit and 'action="/icp/versions/1/adopt"' not in edit  # v1 is current

    for client in (viewer, marketing):
        card = client.page("/icp/versions/1").text  # type: ignore[attr-defined]
        assert "ICP 根拠カード" in card and "/icp/versions/1/card.png" in card and "属人化の課題" in card
        assert "data-icp-spec" in card  # the chart
    assert "ICP ワークベンチ" in viewer.page("/").text  # type: ignore[attr-defined]  # linked from home
    candidates = viewer.page("/icp/candidates").text  # type: ignore[attr-defined]
    assert "新たなICP候補" in candidates and "ICP v1 の外" in candidates and "/adopt" not in candidates


def test_live_count_and_rule_errors_with_their_position(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    accounts, customers = planted
    r = viewer.submit("/icp/check", {"rules": "業種 = 製造業 and 従業員数 between 300 and 999"})
    assert r.status_code == 200  # type: ignore[attr-defined]
    fragment = r.text  # type: ignore[attr-defined]
    assert f'data-accounts="{accounts}" data-customers="{customers}"' in fragment
    assert f"該当企業 {accounts} / 500 社、うち顧客 {customers} / {N_CUSTOMERS} 社" in text_of(fragment)
    assert PLANTED in text_of(fragment)  # the canonical rule

    r = viewer.submit("/icp/check", {"rules": '業界 = "x"'})
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in r.text and 'data-position="1"' in r.text  # type: ignore[attr-defined]
    r = viewer.submit("/icp/check", {"rules": 'industry = "E" and 業界 = "x"'})
    fragment = r.text  # type: ignore[attr-defined]
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in fragment and 'data-position="20"' in fragment
    assert "20 文字目" in text_of(fragment) and "<mark>業</mark>" in fragment
    english = login("viewer", username="viewer-en", locale="en")
    fragment = english.submit("/icp/check", {"rules": 'industry = "E" and 業界 = "x"'}).text  # type: ignore[attr-defined]
    assert "Unknown attribute '業界' at position 20" in text_of(fragment)
    assert "Type a rule" in english.submit("/icp/check", {"rules": "  "}).text  # type: ignore[attr-defined]

    evidence = viewer.submit("/icp/evidence", {"rules": PLANTED}).text  # type: ignore[attr-defined]
    assert f"{customers}/{N_CUSTOMERS}" in text_of(evidence) and "data-icp-spec" in evidence

    page = viewer.page("/icp/candidates")  # no current ICP yet: an empty state that says what to do
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "先に ICP を保存して採用してください" in page.text and 'href="/icp"' in page.text  # type: ignore[attr-defined]


def test_discovery_offers_the_planted_rule_first(login: Login, planted: tuple[int, int]) -> None:
    viewer = login("viewer")
    fragment = viewer.submit("/icp/discover", {"target": "ltv", "depth": "3"}).text  # type: ignore[attr-defined]
    best = re.search(r'<p class="notice icp-best">(.*?)</p>', fragment, re.S)
    assert best, fragment[:2000]
    assert PLANTED in text_of(best.group(1))
    first = re.search(r'<tr data-rank="1" class="(\w+-\w+)">(.*?)</tr>', fragment, re.S)
    assert first and first.group(1) == "icp-passed" and PLANTED in text_of(first.group(2))
    assert 'data-use-rule="{}"'.format(PLANTED.replace('"', "&#34;")) in fragment
    assert 'id="icp-compare"' in fragment and fragment.count('data-col="1"') > 10  # one cell per compared measure
    unknown = viewer.submit("/icp/discover", {"target": "nope", "depth": "3"})
    assert 'data-error-code="ICP_TARGET_UNKNOWN"' in unknown.text  # type: ignore[attr-defined]


def test_saving_once_per_form_audited_for_marketing_only_then_adopt(
    login: Login, engine: Engine, planted: tuple[int, int]
) -> None:
    viewer, marketing = login("viewer"), login("marketing")
    token = form_token(marketing)
    form = {"name": "中堅製造業", "rules": PLANTED, "notes_ltv": "LTV が 3 倍", "notes_fit": "課題が合う",
            "notes_market": "未取引 23 社", "adopt": "1", "form_token": token}  # fmt: skip
    assert viewer.submit("/icp/versions", form).status_code == 403  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 0

    with ThreadPoolExecutor(2) as pool:  # a double click: the same form twice at the same time
        both = list(pool.map(lambda _: marketing.submit("/icp/versions", form), range(2)))
    again = marketing.submit("/icp/versions", form)  # and once more later (back button, resend)
    for response in (*both, again):
        assert response.status_code == 200, response.text[:500]  # type: ignore[attr-defined]
        assert str(response.url).endswith("/icp/versions/1")  # type: ignore[attr-defined]
    assert "バージョン 1 として保存済み" in again.text  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 1 and audit_count(engine, "icp.version.create") == 1
    saved = icp.get_icp_version(engine)
    assert saved.version == 1 and saved.notes_market == "未取引 23 社" and saved.author == "user-marketing"

    bad_rule = 'industry = "E" and 業界 = "x"'
    bad = marketing.submit("/icp/versions", {**form, "rules": bad_rule, "form_token": token + "b"})
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert 'aria-invalid="true">industry = &#34;E&#34; and 業界' in bad.text  # type: ignore[attr-defined]  # kept, marked
    assert 'data-error-code="ICP_RULE_UNKNOWN_ATTRIBUTE"' in bad.text  # type: ignore[attr-defined]
    long = marketing.submit("/icp/versions", {**form, "notes_fit": "あ" * 5001, "form_token": token + "c"})
    assert long.status_code == 400 and 'data-error-code="ICP_NOTE_TOO_LONG"' in long.text  # type: ignore[attr-defined]
    assert count(engine, "icp_versions") == 1

    second = {**form, "rules": 'industry = "E"', "adopt": "", "form_token": form_token(marketing)}
    assert str(marketing.submit("/icp/versions", second).url).endswith("/icp/versions/2")  # type: ignore[attr-defined]
    assert icp.get_icp_version(engine).version == 1
    assert viewer.submit("/icp/versions/2/adopt").status_code == 403  # type: ignore[attr-defined]
    adopted = marketing.submit("/icp/versions/2/adopt")
    assert adopted.status_code == 200 and "バージョン 2 を現在の ICP にしました" in adopted.text  # type: ignore[attr-defined]
    assert icp.get_icp_version(engine).version == 2 and audit_count(engine, "icp.version.adopt") == 2


def test_evidence_card_exports_png_and_pdf(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    icp.save_icp_version(engine, name="中堅製造業", rules=PLANTED, actor="t", adopt=True, notes_ltv="粗利が高い")
    viewer = login("viewer")
    png = viewer.get("/icp/versions/1/card.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"  # type: ignore[attr-defined]
    body: bytes = png.content  # type: ignore[attr-defined]
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR"
    width, height = struct.unpack(">II", body[16:24])
    assert width > 600 and height > 600
    pdf = viewer.get("/icp/versions/1/card.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")  # type: ignore[attr-defined]
    assert viewer.get("/icp/versions/7/card.png").status_code == 404  # type: ignore[attr-defined]


def test_everything_typed_is_escaped(login: Login, engine: Engine, planted: tuple[int, int]) -> None:
    rule = f'name contains "{SCRIPT}"'
    icp.save_icp_version(engine, name=SCRIPT, rules=rule, actor="t", adopt=True, notes_ltv=SCRIPT, notes_fit=SCRIPT)
    viewer = login("viewer")
    for url in ("/icp", "/icp/versions/1"):
        page = viewer.page(url).text  # type: ignore[attr-defined]
        assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url
    for rules in (rule, SCRIPT):  # a valid rule echoed back, and one that fails at the "<"
        fragment = viewer.submit("/icp/check", {"rules": rules}).text  # type: ignore[attr-defined]
        assert SCRIPT not in fragment and "&lt;script&gt;" in fragment, rules


def test_account_and_lead_pages_explain_the_current_icp(login: Callable[..., Client], engine: Engine) -> None:
    from icp_workspace import N_CUSTOMERS, declare_workspace

    from tenbin.icp import service as icp

    _, data = declare_workspace(engine)
    viewer = login("viewer")
    page = viewer.page("/records/accounts/1")
    empty = page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    assert "現在の ICP バージョンがまだありません" in empty and 'href="/icp"' in empty  # says what to do, links there
    icp.save_icp_version(engine, name="中堅製造業", rules='industry = "E" and employees between 300 and 999',
                         actor="t", adopt=True)  # fmt: skip
    inside = int(data["planted"].nonzero()[0][0]) + 1
    page = viewer.page(f"/records/accounts/{inside}")
    section = page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    assert "ICP に該当" in section and "ICP に該当しない" not in section and section.count("✓") == 2
    assert "製造業" in section  # the company's industry by name, in the user's language
    lead_page = login("sales", username="sales-en", locale="en").page("/records/contacts/1")  # a prospect's lead
    lead = lead_page.text.split('id="icp-explanation"')[1].split("</section>")[0]
    matches = bool(data["planted"][N_CUSTOMERS])  # the first lead belongs to the first prospect
    assert ("Matches the ICP" in lead) == matches and ("Does not match the ICP" in lead) == (not matches)
