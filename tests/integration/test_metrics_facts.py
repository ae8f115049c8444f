"""The precomputed metrics cells stay exactly the straightforward computation when the data change,
on SQLite and PostgreSQL.

Workspace: the declared 400 leads of ``test_metrics`` (ICP = industry E, 150 ICP leads; campaigns
A, B, C by first touch). Each test changes the data the way a user would (a new lead, a stage event,
a response, an account edited into the ICP, a new ICP version adopted, a campaign deleted), then
checks (1) the change by hand and (2) that every metric call answered from the cells equals the
same query run by the straightforward statements over the leads (:mod:`tenbin.metrics.statements`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, delete, event, func, insert, select, update
from test_metrics import declare, table

from tenbin.db import schema as s
from tenbin.db.revision import WATCHED_TABLES, bulk_write
from tenbin.icp.versions import adopt_version, save_version, version_condition
from tenbin.metrics import facts, statements
from tenbin.metrics import leads as lq
from tenbin.metrics.service import (
    CampaignCostQuery,
    ConversionQuery,
    IcpRateQuery,
    LeadFilter,
    compute_campaign_costs,
    compute_conversion,
    compute_icp_rate,
)

APRIL, MARCH = dt.date(2025, 4, 1), dt.date(2026, 3, 31)
QUERIES = (
    IcpRateQuery(),
    IcpRateQuery(by=("campaign", "stage", "month")),
    IcpRateQuery(by=("stage",)),
    IcpRateQuery(by=("month",), stage="sql"),
    IcpRateQuery(by=("channel", "quarter")),
    IcpRateQuery(by=("orientation", "fiscal_year"), stage="mql"),
    IcpRateQuery(by=("offer", "team")),
    IcpRateQuery(by=("offer", "quarter"), stage="won"),
    IcpRateQuery(by=("stage", "team"), period_from=APRIL, period_to=MARCH),
    IcpRateQuery(by=("campaign",), filters=LeadFilter(campaigns=("A", "(none)"), teams=("フィールドセールス",))),
    IcpRateQuery(by=("stage",), icp_version=2, filters=LeadFilter(channels=("広告",), offers=("(none)", "資料請求"))),
    # not answered by the cells (industry; a period inside a month): the statements run, same numbers
    IcpRateQuery(by=("industry", "stage")),
    IcpRateQuery(by=("campaign",), period_from=dt.date(2025, 4, 2)),
)
CONVERSIONS = (
    ConversionQuery(),
    ConversionQuery(steps=(("mql", "won"), ("lead", "mql")), period_from=APRIL, period_to=MARCH),
    ConversionQuery(filters=LeadFilter(orientations=("quantity",)), icp_version=2),
)


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    declare(engine)
    return engine


def _straight_rate(engine: Engine, query: IcpRateQuery) -> dict[tuple[str, ...], tuple[int, int]]:
    with engine.connect() as conn:
        funnel = lq.load_funnel(conn)
        found = conn.execute(statements.icp_rate(funnel, query, version_condition(conn, query.icp_version))).all()
    width = len(query.by)
    return {tuple(lq.key_text(v) for v in row[:width]): (int(row.total), int(row.icp)) for row in found if row.total}


def _straight_conversion(engine: Engine, query: ConversionQuery) -> dict[str, int]:
    with engine.connect() as conn:
        funnel = lq.load_funnel(conn)
        row = conn.execute(statements.conversion(funnel, query, version_condition(conn, query.icp_version))).one()
    return {k: int(v) for k, v in row._mapping.items()}


def _conversion_counts(engine: Engine, query: ConversionQuery) -> dict[str, int]:
    counts = {}
    for i, step in enumerate(compute_conversion(engine, query).steps):
        c = step.comparison
        counts |= {f"n{i}": c.icp.total + c.non_icp.total, f"n{i}_icp": c.icp.total,
                   f"k{i}": c.icp.hits + c.non_icp.hits, f"k{i}_icp": c.icp.hits}  # fmt: skip
    return counts


def _straight_costs(engine: Engine) -> list[tuple[str, int, int]]:
    with engine.connect() as conn:
        found = conn.execute(statements.campaign_costs(CampaignCostQuery(), version_condition(conn))).all()
    return [(str(r.name), int(r.leads), int(r.icp)) for r in found]


def assert_same_as_straightforward(engine: Engine) -> None:
    for query in QUERIES:
        assert table(compute_icp_rate(engine, query)) == _straight_rate(engine, query), query
    for conversion in CONVERSIONS:
        assert _conversion_counts(engine, conversion) == _straight_conversion(engine, conversion), conversion
    costs = [
        (c.campaign, c.leads.total, c.leads.hits) for c in compute_campaign_costs(engine, CampaignCostQuery()).campaigns
    ]
    assert costs == _straight_costs(engine)


def _by_campaign(engine: Engine, **kw: Any) -> dict[tuple[str, ...], tuple[int, int]]:
    return table(compute_icp_rate(engine, IcpRateQuery(by=("campaign",), **kw)))


def _respond(conn: Any, contact: int, campaign: int, at: dt.datetime) -> None:
    """A response with the next id (the declared ones have explicit ids: PostgreSQL's sequence is behind)."""
    r = s.responses
    number = int(conn.execute(select(func.max(r.c.id))).scalar_one()) + 1
    conn.execute(insert(r).values(id=number, contact_id=contact, campaign_id=campaign, responded_at=at))


def _revision(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(s.data_revision.c.revision).where(s.data_revision.c.id == 1)).scalar_one())


def test_every_watched_table_has_its_trigger_and_a_rollback_moves_nothing(workspace: Engine) -> None:
    with workspace.connect() as conn:
        if workspace.dialect.name == "sqlite":
            names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
            expected = {f"trg_{t}_{e}_revision" for t in WATCHED_TABLES for e in ("insert", "update", "delete")}
        else:
            names = set(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())
            expected = {f"trg_{t}_revision" for t in WATCHED_TABLES}
    assert expected <= names  # a migration that rebuilds a watched table must recreate its triggers
    before = _revision(workspace)
    with pytest.raises(RuntimeError), workspace.begin() as conn:
        conn.execute(update(s.accounts).values(industry_code="E"))
        raise RuntimeError("roll back")
    assert _revision(workspace) == before
    with workspace.begin() as conn:  # every kind of change moves it: insert, update, delete
        conn.execute(insert(s.offers).values(name="新オファー", ladder_rank=9))
        conn.execute(update(s.offers).where(s.offers.c.name == "新オファー").values(ladder_rank=8))
    after_insert = _revision(workspace)
    assert after_insert == before + (1 if workspace.dialect.name == "postgresql" else 2)  # PG: once per transaction
    with workspace.begin() as conn:
        conn.execute(update(s.team_members).where(s.team_members.c.name == "鈴木").values(email="s@example.jp"))
    after_update = _revision(workspace)
    with workspace.begin() as conn:
        conn.execute(delete(s.offers).where(s.offers.c.name == "新オファー"))
    assert before < after_insert < after_update < _revision(workspace)


def test_the_cells_are_built_once_and_reused_until_the_data_change(workspace: Engine) -> None:
    statements_run: list[str] = []
    listen = (workspace, "before_cursor_execute", lambda *args: statements_run.append(args[2]))
    event.listen(*listen)
    first = _by_campaign(workspace)
    builds = [sql for sql in statements_run if sql.lstrip().upper().startswith("INSERT INTO METRIC_CELLS ")]
    statements_run.clear()
    again = _by_campaign(workspace)
    event.remove(*listen)
    assert len(builds) == 1 + len(facts.GRAINS)  # the cells (SQLite: one executemany), then each roll-up
    assert first == again == {("A",): (100, 60), ("B",): (200, 50), ("C",): (40, 20), ("(none)",): (60, 20)}
    assert not [sql for sql in statements_run if "contacts" in sql or "INSERT" in sql.upper()]  # cells only
    with workspace.connect() as conn:
        assert facts.is_fresh(conn, 1)
        assert not facts.is_fresh(conn, 2)  # built per version, when asked for
    assert facts.refresh(workspace, 1) is None  # fresh: nothing to do


def test_a_new_lead_a_response_and_a_stage_event(workspace: Engine) -> None:
    assert_same_as_straightforward(workspace)
    with workspace.begin() as conn:  # a new ICP lead at account 1 (E), first touched by C in June 2025
        conn.execute(insert(s.contacts).values(id=401, account_id=1, acquired_at=dt.datetime(2025, 6, 2, 9, 0)))
        _respond(conn, 401, 3, dt.datetime(2025, 6, 2))
    assert _by_campaign(workspace)[("C",)] == (41, 21)  # was (40, 20)
    sql = compute_icp_rate(workspace, IcpRateQuery(by=("month",), stage="sql"))
    with workspace.begin() as conn:  # it becomes an SQL in July (and so an MQL: stages are a prefix)
        stage = conn.execute(select(s.funnel_stages.c.id).where(s.funnel_stages.c.code == "sql")).scalar_one()
        conn.execute(insert(s.stage_events).values(contact_id=401, stage_id=stage, entered_at=dt.datetime(2025, 7, 1)))
    after = compute_icp_rate(workspace, IcpRateQuery(by=("month",), stage="sql"))
    assert table(after)[("2025-07",)] == (table(sql).get(("2025-07",), (0, 0))[0] + 1,
                                          table(sql).get(("2025-07",), (0, 0))[1] + 1)  # fmt: skip
    stages = table(compute_icp_rate(workspace, IcpRateQuery(by=("stage",))))
    assert stages[("mql",)] == (157, 77) and stages[("sql",)] == (56, 31)  # were (156, 76), (55, 30)
    with workspace.begin() as conn:  # an earlier response makes B its first touch
        _respond(conn, 401, 2, dt.datetime(2025, 6, 1))
    by_campaign = _by_campaign(workspace)
    assert (by_campaign[("B",)], by_campaign[("C",)]) == ((201, 51), (40, 20))
    assert_same_as_straightforward(workspace)


def test_an_account_edited_into_and_out_of_the_icp(workspace: Engine) -> None:
    assert _by_campaign(workspace)[("B",)] == (200, 50)
    # account 16 (G) holds the non-ICP leads j ≡ 0 (mod 25), j < 245: j = 0, 25, …, 225 = 10 leads;
    # j 0–19 are in A (block A-March, A-April), j 40–189 in B: 50, 75, …, 175 = 6 leads in B
    with workspace.begin() as conn:
        conn.execute(update(s.accounts).where(s.accounts.c.id == 16).values(industry_code="E"))
    after = _by_campaign(workspace)
    assert after[("B",)] == (200, 56)
    assert sum(icp for _, icp in after.values()) == 160  # 150 + the 10 leads of account 16
    assert_same_as_straightforward(workspace)
    with workspace.begin() as conn:  # account 1 (E, ICP leads k ≡ 0 mod 15: 10 leads) leaves the ICP
        conn.execute(update(s.accounts).where(s.accounts.c.id == 1).values(industry_code="G"))
    assert sum(icp for _, icp in _by_campaign(workspace).values()) == 150
    assert_same_as_straightforward(workspace)


def test_a_new_icp_version_adopted(workspace: Engine) -> None:
    assert compute_icp_rate(workspace, IcpRateQuery()).icp_version == 1
    saved = save_version(workspace, name="情報通信", rules='industry = "G"', actor="test", adopt=True)
    result = compute_icp_rate(workspace, IcpRateQuery())
    # G = the non-ICP leads with j % 25 in 0–14, j < 245: residues 0–14 hold 10 leads each = 150
    assert (result.icp_version, result.rows[0].total, result.rows[0].icp) == (saved.version, 400, 150)
    assert_same_as_straightforward(workspace)
    adopt_version(workspace, version=1, actor="test")
    assert (compute_icp_rate(workspace, IcpRateQuery()).rows[0].icp, _revision(workspace) > 0) == (150, True)
    assert_same_as_straightforward(workspace)


def test_a_deleted_campaign_and_a_team_change(workspace: Engine) -> None:
    _by_campaign(workspace)
    with workspace.begin() as conn:  # responses cascade: C's 40 leads have no response left
        conn.execute(delete(s.campaigns).where(s.campaigns.c.name == "C"))
    assert _by_campaign(workspace) == {("A",): (100, 60), ("B",): (200, 50), ("(none)",): (100, 40)}
    with workspace.begin() as conn:  # 鈴木 (non-ICP leads 0–79) moves to team 1
        conn.execute(update(s.team_members).where(s.team_members.c.name == "鈴木").values(team_id=1))
    teams = table(compute_icp_rate(workspace, IcpRateQuery(by=("team",))))
    assert teams == {("インサイドセールス",): (140, 60), ("(none)",): (260, 90)}
    assert_same_as_straightforward(workspace)


def test_a_lead_without_acquisition_date_or_account(workspace: Engine) -> None:
    with workspace.begin() as conn:
        conn.execute(insert(s.contacts).values(id=401, account_id=None, acquired_at=None))
    (row,) = compute_icp_rate(workspace, IcpRateQuery()).rows
    assert (row.total, row.icp) == (401, 150)
    april = compute_icp_rate(workspace, IcpRateQuery(period_from=APRIL, period_to=MARCH)).rows[0]
    assert (april.total, april.icp) == (350, 120)  # an undated lead is in no period
    assert_same_as_straightforward(workspace)


def test_a_bulk_write_moves_the_revision_once_and_keeps_the_triggers(workspace: Engine) -> None:
    def trigger_count() -> int:
        with workspace.connect() as conn:
            if workspace.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            else:
                query = "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
            return int(conn.exec_driver_sql(query).scalar_one())

    triggers, before = trigger_count(), _revision(workspace)
    with workspace.connect() as conn:  # explicit ids: the declared rows left PostgreSQL's sequence behind
        first = int(conn.execute(select(func.max(s.contacts.c.id))).scalar_one()) + 1
    rows = [{"id": first + k, "email": f"bulk{k}@example.jp", "acquired_at": dt.datetime(2026, 3, 2)}
            for k in range(500)]  # fmt: skip
    with workspace.begin() as conn, bulk_write(conn):
        conn.execute(insert(s.contacts), rows)
    assert (_revision(workspace), trigger_count()) == (before + 1, triggers)
    with pytest.raises(RuntimeError), workspace.begin() as conn, bulk_write(conn):
        conn.execute(insert(s.contacts), [{"id": first + 999, "email": "never@example.jp"}])
        raise RuntimeError("roll back")
    assert (_revision(workspace), trigger_count()) == (before + 1, triggers)
    with workspace.begin() as conn:  # the triggers still fire after a bulk write
        conn.execute(insert(s.offers).values(name="後のオファー", ladder_rank=9))
    assert _revision(workspace) == before + 2
    total = compute_icp_rate(workspace, IcpRateQuery()).overall[0].total  # the cells see the bulk rows
    with workspace.connect() as conn:
        assert total == conn.execute(select(func.count()).select_from(s.contacts)).scalar_one()


def test_concurrent_writers_do_not_wait_on_the_revision_and_each_moves_it_at_commit(workspace: Engine) -> None:
    """PostgreSQL moves the revision at commit: a second writer is not blocked by a first one that has
    written but not committed, each commit moves the revision by one, a rolled-back savepoint moves
    nothing, and no marker row is left behind."""
    if workspace.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    before = _revision(workspace)
    with workspace.connect() as first, workspace.connect() as second:
        with first.begin():
            first.execute(update(s.offers).where(s.offers.c.ladder_rank == 1).values(name="資料請求A"))
            with second.begin():
                second.exec_driver_sql("SET LOCAL lock_timeout = '2s'")  # would fail if it waited on the first
                second.execute(insert(s.offers).values(name="新オファー", ladder_rank=9))
                second.execute(update(s.teams).values(name=s.teams.c.name))
            assert _revision(workspace) == before + 1  # the second committed; the first not yet
        assert _revision(workspace) == before + 2
        with first.begin():
            savepoint = first.begin_nested()
            first.execute(delete(s.offers).where(s.offers.c.name == "新オファー"))
            savepoint.rollback()
        assert _revision(workspace) == before + 2
    with workspace.connect() as conn:
        assert conn.execute(select(s.data_revision.c.id)).scalars().all() == [1]
