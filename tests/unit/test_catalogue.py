"""The error catalogue and the docs keep up with the code."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import tenbin
from tenbin.cli.main import app
from tenbin.errors import ErrorCode

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _import_all() -> None:
    for mod in pkgutil.walk_packages(tenbin.__path__, "tenbin."):
        if ".migrations" not in mod.name:
            importlib.import_module(mod.name)


def test_every_error_code_has_both_languages_with_the_same_placeholders() -> None:
    _import_all()
    codes = ErrorCode.registry
    assert len(codes) >= 30
    for code, entry in codes.items():
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", code)
        assert (entry.ja and entry.en and entry.ja != entry.en) or code == "IMPORT_INVALID_ROW"
        assert entry.placeholders("ja") == entry.placeholders("en"), code
        assert re.search(r"[ぁ-んァ-ヶ一-龠]", entry.ja) or code == "IMPORT_INVALID_ROW", code


def test_every_cli_command_is_documented() -> None:
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert names
    for name in names:
        assert f"tenbin {name}" in reference, name


def test_user_guides_exist_in_both_languages_and_credit_aluha() -> None:
    for guide in ("user-guide.ja.md", "user-guide.en.md"):
        assert "ALUHA" in (DOCS / guide).read_text(encoding="utf-8")
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    assert "株式会社ALUHA" in readme and "pip install '.[test]' && pytest" in readme
