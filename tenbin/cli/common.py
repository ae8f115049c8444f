"""Shared CLI state: settings, language, engine; one-line errors with stable codes."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import Engine

from tenbin.db.engine import check_connection, make_engine
from tenbin.db.migrate import require_current
from tenbin.settings import Settings


@dataclass
class State:
    settings: Settings
    lang: str
    debug: bool = False
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self, *, migrated: bool = True) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
            check_connection(self._engine)
        if migrated:
            require_current(self._engine)
        return self._engine

    def t(self, ja: str, en: str) -> str:
        """The sentence in the user's language."""
        return ja if self.lang == "ja" else en


out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
