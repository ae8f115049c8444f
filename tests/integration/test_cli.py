"""The ``tenbin`` command as a user runs it: one-line errors with codes, languages, JSON, and an
import killed half-way that leaves the database as it was."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import count
from sqlalchemy import Engine, select

from tenbin.db import schema

ROOT = Path(__file__).resolve().parents[2]


def tenbin(db_url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TENBIN_DATABASE_URL": db_url, "LANG": "C.UTF-8"}
    proc = subprocess.run([sys.executable, "-m", "tenbin.cli.main", *args], capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise AssertionError(f"tenbin {args} failed: {proc.stderr}")
    return proc


def test_errors_are_one_line_with_a_code_in_both_languages(db_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "a.csv"
    bad.write_text("会社名,従業員数\n株式会社あ,-5\n", encoding="utf-8")
    ja = tenbin(db_url, "--lang", "ja", "import", "accounts", str(bad), check=False)
    en = tenbin(db_url, "import", "accounts", str(bad), "--lang", "en", check=False)
    assert ja.returncode == 2 and en.returncode == 2
    assert ja.stderr.strip().startswith("IMPORT_REJECTED: 1 行中 1 行に誤りがある")
    assert en.stderr.strip().startswith("IMPORT_REJECTED: 1 of 1 rows are invalid")
    assert "Traceback" not in ja.stderr + en.stderr
    assert "VALUE_NEGATIVE" in ja.stdout and "行" in ja.stdout
    missing = tenbin(db_url, "import", "accounts", str(tmp_path / "nope.csv"), check=False)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "FILE_NOT_FOUND" in missing.stderr
    unknown = tenbin(db_url, "--lang", "en", "export", "widgets", check=False)
    assert unknown.returncode == 2 and unknown.stderr.startswith("UNKNOWN_ENTITY: Unknown entity 'widgets'")


def test_json_report_and_export_round_trip(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "c.csv"
    src.write_text(
        "施策名,チャネル,量/質,費用\n春の展示会,展示会,量,1200000\n製造業向けWP,ホワイトペーパー,質,300000\n"
    )
    report = json.loads(tenbin(db_url, "import", "campaigns", str(src), "--json").stdout)
    assert report["counts"] == {"inserted": 2, "updated": 0, "unchanged": 0}
    out = tmp_path / "out.xlsx"
    tenbin(db_url, "export", "campaigns", "--format", "xlsx", "-o", str(out))
    again = json.loads(tenbin(db_url, "import", "campaigns", str(out), "--json").stdout)
    assert again["counts"] == {"inserted": 0, "updated": 0, "unchanged": 2}


def test_cp932_export_reports_unencodable_characters(db_url: str, tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("会社名\n𠮷野家商事株式会社\n株式会社髙島\n", encoding="utf-8")
    tenbin(db_url, "import", "accounts", str(src))
    target = tmp_path / "sjis.csv"
    proc = tenbin(db_url, "--lang", "en", "export", "accounts", "--encoding", "cp932", "-o", str(target), check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("EXPORT_UNENCODABLE")
    assert "U+20BB7" in proc.stderr and not target.exists()


def test_killed_import_leaves_nothing_behind(engine: Engine, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_leads.py"), str(path), "300000"], check=True)
    env = {**os.environ, "TENBIN_DATABASE_URL": db_url}
    proc = subprocess.Popen([sys.executable, "-m", "tenbin.cli.main", "import", "leads", str(path), "--no-progress"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    runs = schema.import_runs
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            started = conn.execute(select(runs.c.status)).scalars().all()
        if started:
            break
        time.sleep(0.05)
    time.sleep(0.5)  # well into the writing
    assert proc.poll() is None, "the import finished before it could be killed; use a bigger file"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count(engine, "contacts") == 0 and count(engine, "accounts") == 0
    with engine.connect() as conn:
        assert conn.execute(select(runs.c.status)).scalars().all() == ["running"]
    listed = tenbin(db_url, "import-runs", "--json")
    assert json.loads(listed.stdout)[0]["status"] == "running"
