"""Precomputed metrics cells: leads and ICP leads counted once per ICP version, so that a metric over a
million leads reads tens of thousands of rows instead of joining millions.

A **cell** (table ``metric_cells``) is a group of leads sharing, for one ICP version: a funnel stage
they reached, the month they reached it (``acquired_at`` for the first stage), the furthest stage
they reached, their first-touch campaign and offer, and their team — with the number of leads and
of ICP leads in it. The definitions are those of :mod:`tenbin.metrics.leads`; the cells are built by
one ``INSERT … SELECT`` from the same relations (:func:`build_statement`), so they hold exactly what
the straightforward statements count. Because a lead's stages are a prefix of the funnel, "reached
stage S" is "furthest position ≥ position of S", which gives stage conversion from the same cells.

**Freshness**: ``data_revision`` is moved by triggers on every table the cells are derived from
(:mod:`tenbin.db.revision`); ``metric_cells_state`` records the revision each version's cells were
built at. A metric call whose version's cells are older than the revision rebuilds them first
(:func:`refresh`), then reads them. Reading the revision
before the data makes the cells at least as new as the revision they are marked with.

Queries the cells cannot answer (industry or size band, periods that do not start and end on month
boundaries, filters or fields added later) run the straightforward statements
(:mod:`tenbin.metrics.statements`); :mod:`tenbin.metrics.cells` decides.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Select, delete, func, insert, literal, select

from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.icp.versions import definition_sql, get_version, version_definition
from tenbin.metrics import leads as lq
from tenbin.metrics.sqlfunc import month_start_of

LOCK_KEY = 0x7465_6E62_696E  # PostgreSQL advisory lock: one refresh at a time per database

CELL_COLUMNS = ("icp_version", "grain", "stage", "month", "top_position", "campaign_id", "offer_id", "team_id",
                "leads", "icp")  # fmt: skip
# Roll-ups of the ``all`` cells that keep one column (or none) of campaign, offer and team: a query
# reads the smallest grain that has the columns it needs (a few thousand rows instead of 10⁵).
GRAINS: dict[str, str | None] = {"base": None, "campaign": "campaign_id", "offer": "offer_id", "team": "team_id"}


def build_select(funnel: lq.Funnel, version: int, condition: Any) -> Select[Any]:
    """The ``all`` cells (columns :data:`CELL_COLUMNS`): every (lead, stage reached) of
    :func:`lq.reach`, with the lead's furthest stage, first touch, team and ICP flag, grouped."""
    ev, fs, c, a = s.stage_events, s.funnel_stages, s.contacts, s.accounts
    first = funnel.stages[0][1]
    furthest = (
        select(ev.c.contact_id, func.max(fs.c.position).label("top"))
        .select_from(ev.join(fs, fs.c.id == ev.c.stage_id))
        .where(ev.c.contact_id.is_not(None))
        .group_by(ev.c.contact_id)
        .subquery("furthest")
    )
    reach, touch, owners = lq.reach(funnel), lq.first_touch(), lq.owner_team()
    source = (
        reach.join(c, c.c.id == reach.c.contact_id)
        .outerjoin(a, a.c.id == c.c.account_id)
        .outerjoin(touch, touch.c.contact_id == c.c.id)
        .outerjoin(owners, owners.c.owner == c.c.owner)
        .outerjoin(furthest, furthest.c.contact_id == c.c.id)
    )
    top = func.coalesce(furthest.c.top, first)  # no event: the first stage (the lowest position)
    keys = [reach.c.stage, month_start_of(reach.c.reached_at), top, touch.c.campaign_id, touch.c.offer_id,
            owners.c.team_id]  # fmt: skip
    return (
        select(
            literal(version), literal("all"), *keys, func.count(), func.coalesce(func.sum(lq.icp_flag(condition)), 0)
        )
        .select_from(source)
        .group_by(*keys)
    )


def build_statement(funnel: lq.Funnel, version: int, condition: Any) -> Insert:
    """``INSERT INTO metric_cells SELECT …`` of :func:`build_select`."""
    return insert(s.metric_cells).from_select(list(CELL_COLUMNS), build_select(funnel, version, condition))


def rollup_statement(version: int, grain: str) -> Insert:
    """``INSERT INTO metric_cells SELECT …``: the version's ``all`` cells summed over the columns the
    grain drops (those become NULL; the grain column tells them from a real "(none)")."""
    m = s.metric_cells
    kept = GRAINS[grain]
    keys = [m.c.stage, m.c.month, m.c.top_position] + ([m.c[kept]] if kept else [])
    values = {"campaign_id": None, "offer_id": None, "team_id": None} | ({kept: m.c[kept]} if kept else {})
    rows = (
        select(
            literal(version),
            literal(grain),
            m.c.stage,
            m.c.month,
            m.c.top_position,
            *(literal(None).label(name) if value is None else value for name, value in values.items()),
            func.sum(m.c.leads),
            func.sum(m.c.icp),
        )
        .where(m.c.icp_version == version, m.c.grain == "all")
        .group_by(*keys)
    )
    return insert(m).from_select(list(CELL_COLUMNS), rows)


def _revision(conn: Connection) -> int | None:
    found = conn.execute(select(s.data_revision.c.revision).where(s.data_revision.c.id == 1)).scalar()
    return None if found is None else int(found)


def _built(conn: Connection, version: int) -> int | None:
    state = s.metric_cells_state
    found = conn.execute(select(state.c.revision).where(state.c.icp_version == version)).scalar()
    return None if found is None else int(found)


def is_fresh(conn: Connection, version: int) -> bool:
    """Whether the cells of ICP version ``version`` were built at the current data revision."""
    current = _revision(conn)
    return current is not None and _built(conn, version) == current


def refresh(engine: Engine, version: int) -> float | None:
    """Rebuild the cells of ICP version ``version`` unless they are fresh; returns the seconds the
    rebuild took (``None`` when another caller had just rebuilt them). The revision, the funnel, the
    ICP condition and the leads are read in one snapshot, the revision first.

    * PostgreSQL: one transaction running ``INSERT … SELECT`` (writers are not blocked); an advisory
      lock makes concurrent callers wait for one rebuild instead of repeating it.
    * SQLite: the cells are read in one read transaction (WAL: writers go on meanwhile), then stored
      in a short write transaction — holding the single write lock for the whole rebuild would make
      imports and edits time out.
    """
    if engine.dialect.name == "postgresql":
        with write_transaction(engine) as conn:
            conn.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
            current = _current(conn)
            if _built(conn, version) == current:
                return None
            started = time.perf_counter()
            funnel, condition = _definitions(conn, version)
            conn.execute(delete(s.metric_cells).where(s.metric_cells.c.icp_version == version))
            conn.execute(build_statement(funnel, version, condition))
            return _store(conn, version, current, started)
    if _revision_missing(engine):
        with write_transaction(engine) as conn:
            _current(conn)
    with engine.connect() as conn:  # one read transaction = one snapshot
        current = _current(conn)
        if _built(conn, version) == current:
            return None
        started = time.perf_counter()
        funnel, condition = _definitions(conn, version)
        found = conn.execute(build_select(funnel, version, condition))
        cells = [dict(zip(CELL_COLUMNS, row, strict=True)) for row in found]
    with write_transaction(engine) as conn:
        if _built(conn, version) == current:
            return None
        conn.execute(delete(s.metric_cells).where(s.metric_cells.c.icp_version == version))
        if cells:
            conn.execute(insert(s.metric_cells), cells)
        return _store(conn, version, current, started)


def _revision_missing(engine: Engine) -> bool:
    with engine.connect() as conn:
        return _revision(conn) is None


def _current(conn: Connection) -> int:
    """The data revision; when its row was removed, a new one above every recorded revision (so no
    version's cells pass for fresh)."""
    current = _revision(conn)
    if current is None:
        state = s.metric_cells_state
        current = int(conn.execute(select(func.coalesce(func.max(state.c.revision), 0) + 1)).scalar_one())
        conn.execute(insert(s.data_revision).values(id=1, revision=current))
    return current


def _definitions(conn: Connection, version: int) -> tuple[lq.Funnel, Any]:
    found = get_version(conn, version)
    return lq.load_funnel(conn), definition_sql(version_definition(conn, found))


def _store(conn: Connection, version: int, revision: int, started: float) -> float:
    """The roll-ups of the version's new ``all`` cells, and its state."""
    for grain in GRAINS:
        conn.execute(rollup_statement(version, grain))
    seconds = time.perf_counter() - started
    state = s.metric_cells_state
    conn.execute(delete(state).where(state.c.icp_version == version))
    conn.execute(insert(state).values(icp_version=version, revision=revision, seconds=seconds))
    return seconds
