"""``tenbin ladder``, ``tenbin seminars …`` and ``tenbin whitespace`` as a user runs them, in-process, on
the tiny declared workspace of tests/engagement_workspace.py (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from engagement_workspace import build
from sqlalchemy import Engine

from tenbin.cli import common
from tenbin.cli.common import out
from tenbin.cli.main import main
from tenbin.db.engine import make_engine
from tenbin.engagement import service as svc

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.setattr(out, "_width", 300)
    opened: list[Engine] = []

    def make(url: str) -> Engine:
        opened.append(make_engine(url))
        return opened[-1]

    monkeypatch.setattr(common, "make_engine", make)

    def call(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--database", db_url, *args])
        finally:
            while opened:
                opened.pop().dispose()
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call


def test_ladder(engine: Engine, run: Run) -> None:
    build(engine)
    code, stdout, _ = run("ladder", "--by", "account", "--json")
    assert code == 0 and json.loads(stdout) == svc.as_plain(svc.compute_ladder(engine, by="account"))
    _, ja, _ = run("--lang", "ja", "ladder")
    assert (
        "オファー設計: ステップアップ率" in ja and "100.0% [34.2–100.0] (2/2)" in ja and "0.0% [0.0–79.3] (0/1)" in ja
    )
    code, _, err = run("--lang", "en", "ladder", "--by", "team")
    assert code == 2 and err.startswith("LADDER_BY_INVALID: Step-up conversion is counted per lead or per account")


def test_seminars_add_attend_list_and_import(engine: Engine, run: Run, tmp_path: Path) -> None:
    build(engine)
    code, stdout, _ = run(
        "--lang", "en", "seminars", "add", "--account", "3", "--title", "DX勉強会", "--date", "2026/2/1"
    )
    assert code == 0 and "Recorded individual seminar 1." in stdout
    code, stdout, _ = run(
        "seminars", "attendee-add", "--session", "1", "--contact", "c32@example.jp", "--role", "推進者"
    )
    assert code == 0
    code, _, err = run("--lang", "ja", "seminars", "attendee-add", "--session", "1", "--role", "社長", "--name", "x")
    assert code == 2 and err.startswith("SEMINAR_ROLE_INVALID: '社長' は購買グループの役割ではありません")
    _, listed, _ = run("--lang", "ja", "seminars", "list", "--account", "3")
    assert "DX勉強会" in listed and "姓32 名(営業部/推進者)" in listed and "1→2/5" in listed
    data = json.loads(run("seminars", "list", "--account", "3", "--json")[1])
    assert data["coverage"][0]["new_roles"] == ["champion"]
    path = tmp_path / "s.csv"
    path.write_bytes("会社名,タイトル,開催日,氏名,部署\r\nデルタ機械,説明会,2026-05-12,鈴木,製造部\r\n".encode("cp932"))
    code, stdout, _ = run("--lang", "en", "seminars", "import", str(path), "--dry-run")
    assert code == 0 and "seminars added 1" in stdout and "(encoding cp932)" in stdout and "dry run" in stdout
    assert svc.list_seminars(engine, account_id=4) == []
    code, stdout, _ = run("--lang", "en", "seminars", "import", str(path))
    assert code == 0 and [x.title for x in svc.list_seminars(engine, account_id=4)] == ["説明会"]


def test_whitespace(engine: Engine, run: Run) -> None:
    build(engine)
    code, stdout, _ = run("whitespace", "--json")
    assert code == 0 and [r["account_id"] for r in json.loads(stdout)["rows"]] == [4, 3, 5]
    _, ja, _ = run("--lang", "ja", "whitespace", "--account", "4")
    # without seminars: expected 情報システム (A3, A5), 営業, 総務; missing 情報システム and P2 → 2/5 of 3,000円
    assert "デルタ機械" in ja and "情報システム課" in ja and "P2" in ja and "40%" in ja and "1,200円" in ja
    code, _, err = run("--lang", "en", "whitespace", "--account", "1")
    assert code == 2 and err.startswith("WHITESPACE_NOT_CUSTOMER")
