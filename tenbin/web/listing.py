"""Lists every page shows the same way: paginated, sortable, filterable, exportable to CSV.

A list is a :class:`ListSpec` (a base ``SELECT`` with labelled columns, and what each column is);
the request's query string becomes a :class:`ListState`; :func:`fetch_page` runs the filtered,
sorted, paginated query in the database (never loading the table into Python), and
:func:`csv_response` streams every matching row as UTF-8 with BOM (Excel opens it as Japanese),
with formula-like cells defused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

from fastapi.responses import StreamingResponse
from sqlalchemy import Engine, Select, func, or_, select

from tenbin.errors import TenbinError
from tenbin.i18n import gettext
from tenbin.imports.writers import csv_text
from tenbin.web.errors import LIST_SORT_INVALID

PAGE_SIZES = (25, 50, 100, 200)


@dataclass(frozen=True)
class Col:
    key: str  # the label of the column in the spec's SELECT
    label: str  # English source text, translated when shown
    kind: str = "text"  # text | number | yen | percent | date | datetime | bool | code
    sortable: bool = True
    filter: str | None = None  # None | "text" (contains) | "choice" (equals)
    choices: tuple[tuple[str, str], ...] = ()  # (value, English label) for "choice"
    link: Callable[[Mapping[str, Any]], str] | None = None  # cell → URL
    # Choice labels are English source text translated when shown; labels built from data (company
    # names, reference data already in the reader's language) must set False: _() marks its result
    # safe (no escaping) and %-formats it.
    translate_choices: bool = True

    def choice_label(self, value: object) -> str | None:
        """The label of a coded value (東京都 for 13), when the column has choices."""
        text = str(value)
        return next((label for v, label in self.choices if v == text), None)


@dataclass(frozen=True)
class ListSpec:
    name: str  # also the export's file name
    columns: tuple[Col, ...]
    query: Callable[[], Select[Any]]
    default_sort: str
    default_desc: bool = False
    search: tuple[str, ...] = ()  # columns the free-text box searches
    empty: str = "Nothing here yet."  # English; what to do to fill the list

    def col(self, key: str) -> Col | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass(frozen=True)
class ListState:
    sort: str
    desc: bool
    page: int = 1
    size: int = 50
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, spec: ListSpec, params: Mapping[str, str]) -> ListState:
        sort = params.get("sort") or spec.default_sort
        col = spec.col(sort)
        if col is None or not col.sortable:
            choices = ", ".join(c.key for c in spec.columns if c.sortable)
            raise TenbinError(LIST_SORT_INVALID, {"sort": sort, "choices": choices})
        direction = params.get("dir")
        desc = spec.default_desc if direction not in ("asc", "desc") else direction == "desc"
        page = _int(params.get("page"), 1, 1, 10**7)
        size = _int(params.get("size"), 50, PAGE_SIZES[0], PAGE_SIZES[-1])
        filters = {}
        for c in spec.columns:
            value = (params.get("f_" + c.key) or "").strip()[:200]
            if c.filter and value and (c.filter != "choice" or value in {v for v, _ in c.choices}):
                filters[c.key] = value
        return cls(sort, desc, page, size, (params.get("q") or "").strip()[:200], filters)

    def params(self, **changes: Any) -> dict[str, str]:
        state = replace(self, **changes)
        out = {
            "sort": state.sort,
            "dir": "desc" if state.desc else "asc",
            "page": str(state.page),
            "size": str(state.size),
        }
        if state.q:
            out["q"] = state.q
        out.update({"f_" + k: v for k, v in state.filters.items()})
        return out

    def url(self, **changes: Any) -> str:
        return "?" + urlencode(self.params(**changes), quote_via=quote)

    def sort_url(self, key: str) -> str:
        """Sorting by a column: ascending first, then toggling; back to page 1."""
        return self.url(sort=key, desc=(not self.desc) if key == self.sort else False, page=1)


@dataclass
class ListPage:
    spec: ListSpec
    state: ListState
    rows: list[dict[str, Any]]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.state.size))

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.state.page - 1) * self.state.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.state.page * self.state.size)

    @property
    def filtered(self) -> bool:
        return bool(self.state.q or self.state.filters)


def _int(value: str | None, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(value or default), low), high)
    except ValueError:
        return default


def _filtered(spec: ListSpec, state: ListState) -> Select[Any]:
    sub = spec.query().subquery("l")
    query = select(sub)
    for key, value in state.filters.items():
        col = spec.col(key)
        assert col is not None
        if col.filter == "choice":
            query = query.where(sub.c[key] == value)
        else:
            query = query.where(func.lower(sub.c[key]).contains(value.lower(), autoescape=True))
    if state.q and spec.search:
        needle = state.q.lower()
        conditions = [func.lower(sub.c[k]).contains(needle, autoescape=True) for k in spec.search]
        query = query.where(or_(*conditions))
    return query


def _sorted(spec: ListSpec, state: ListState, query: Select[Any]) -> Select[Any]:
    sub_cols = query.selected_columns
    key = sub_cols[state.sort]
    if state.sort == spec.columns[0].key:  # the id: unique and never NULL, so its index serves the order
        return query.order_by(key.desc() if state.desc else key.asc())
    order = key.desc().nulls_last() if state.desc else key.asc().nulls_last()
    tiebreak = sub_cols[spec.columns[0].key]  # a stable order, so pages never repeat or skip rows
    return query.order_by(order, tiebreak.desc() if state.desc else tiebreak.asc())


def fetch_page(engine: Engine, spec: ListSpec, state: ListState) -> ListPage:
    query = _filtered(spec, state)
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        pages = max(1, -(-total // state.size))
        if state.page > pages:
            state = replace(state, page=pages)
        page_query = _sorted(spec, state, query).limit(state.size).offset((state.page - 1) * state.size)
        rows = [dict(r._mapping) for r in conn.execute(page_query)]
    return ListPage(spec, state, rows, total)


def _csv_lines(engine: Engine, spec: ListSpec, state: ListState) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([gettext(c.label) for c in spec.columns])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    query = _sorted(spec, state, _filtered(spec, state))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=2000).execute(query)
        for chunk in result.partitions():
            buffer.seek(0)
            buffer.truncate()
            for row in chunk:
                m = row._mapping
                writer.writerow([csv_text(m[c.key]) for c in spec.columns])
            yield buffer.getvalue().encode("utf-8")


def csv_response(engine: Engine, spec: ListSpec, state: ListState) -> StreamingResponse:
    """Every row matching the list's filters, in its order, as CSV (UTF-8 with BOM, CRLF)."""
    lines = _csv_lines(engine, spec, state)
    first = next(lines)  # header rendered now, in this request's language (the body streams later)
    filename = f"tenbin-{spec.name}.csv"

    def body() -> Iterator[bytes]:
        yield first
        yield from lines

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"},
    )
