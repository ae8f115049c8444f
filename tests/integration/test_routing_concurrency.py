"""Property: whatever the sequence of intakes and capacity changes, run concurrently from several
threads against the real database (SQLite file, PostgreSQL), no member or team is ever assigned
beyond the capacity in force when the assignment was made, and every lead has exactly one current
decision.

Each example replaces the teams with its own. An intake creates a lead, then routes it in a write
transaction of its own (in one transaction, as ``POST /api/v1/leads`` does, the data-revision row
lock taken by writing the lead would serialise the intakes and hide a missing routing lock);
capacity changes update a member in their own transaction; a retry routes an already written lead
again (a retried request: nothing new may be written); a batch run routes and revisits the
example's leads (an unassigned lead gets a member once a capacity rises, superseding its old
decision). After the threads finish, the decisions are replayed in id order (the order the locks
granted them): the load each decision recorded must equal the recount of the earlier decisions
still current, be below the capacity it recorded, and that capacity must be one the member really
had (its initial value or one set by an operation); only each lead's latest decision is current.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from itertools import count as counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_world import NOW, World, add_lead, add_member, add_team, adopt_icp, set_capacity
from sqlalchemy import Engine, select

from tenbin.db import schema as s
from tenbin.db.engine import write_transaction
from tenbin.routing.service import route_contact, run_routing

THREADS = 4
_serial = counter(1)

capacity = st.one_of(st.none(), st.integers(0, 3))
operation = st.one_of(
    st.tuples(st.just("intake"), st.booleans(), st.booleans()),
    st.tuples(st.just("capacity"), st.integers(0, 3), capacity),
    st.tuples(st.just("retry"), st.integers(0, 30), st.none()),
    st.tuples(st.just("batch"), st.none(), st.none()),
)


@dataclass
class Example:
    world: World
    members: list[int]
    seen: dict[int, set[int | None]]  # member → every day capacity it had


def _setup(engine: Engine, tag: str, caps: list[int | None], team_cap: int | None) -> Example:
    world = World(engine)
    with write_transaction(engine) as conn:
        conn.execute(s.teams.delete())  # the previous examples' teams (their decisions lose the team)
        if conn.execute(select(s.icp_versions.c.id).where(s.icp_versions.c.is_current.is_(True))).first() is None:
            adopt_icp(conn)
        add_team(conn, world, f"営業{tag}", "sales", day=team_cap)
        members = [add_member(conn, world, f"営業{tag}", f"S{tag}-{i}", day=c) for i, c in enumerate(caps[:3])]
        add_team(conn, world, f"IS{tag}", "inside_sales")
        members.append(add_member(conn, world, f"IS{tag}", f"I{tag}", day=caps[3]))
    return Example(world, members, {m: {c} for m, c in zip(members, caps, strict=True)})


def _op(engine: Engine, ex: Example, tag: str, k: int, op: tuple[str, object, object], committed: list[int]) -> None:
    kind, a, b = op
    if kind == "intake":
        # the lead is written first: writing leads moves the data revision, whose row lock would
        # serialise the routing too and hide a missing routing lock
        with write_transaction(engine) as conn:
            lead = add_lead(conn, ex.world, f"p{tag}-{k}", icp=bool(a), high=bool(b))
        committed.append(lead)  # a retry is of a lead some request already wrote
        with write_transaction(engine) as conn:
            route_contact(conn, lead, trigger="intake", actor="property", now=NOW)
    elif kind == "retry" and committed:
        with write_transaction(engine) as conn:
            lead = committed[int(a) % len(committed)]  # type: ignore[call-overload]
            route_contact(conn, lead, trigger="intake", actor="property", now=NOW)
    elif kind == "batch" and committed:  # routes and revisits this example's leads
        run_routing(engine, actor="property", contact_ids=list(committed), now=NOW)
    elif kind == "capacity":
        with write_transaction(engine) as conn:
            set_capacity(conn, ex.members[int(a)], b)  # type: ignore[arg-type, call-overload]


def _run(
    engine: Engine, ex: Example, ops: list[tuple[str, object, object]], tag: str, errors: list[BaseException]
) -> None:
    barrier = threading.Barrier(THREADS)
    committed: list[int] = []

    def work(part: list[tuple[int, tuple[str, object, object]]]) -> None:
        try:
            barrier.wait()
            for k, op in part:
                _op(engine, ex, tag, k, op, committed)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    parts: list[list[tuple[int, tuple[str, object, object]]]] = [[] for _ in range(THREADS)]
    for k, op in enumerate(ops):
        parts[k % THREADS].append((k, op))
    threads = [threading.Thread(target=work, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _check(engine: Engine, ex: Example, team_cap: int | None) -> None:
    d = s.routing_decisions
    team_ids = set(ex.world.teams.values())
    leads = set(ex.world.leads.values())
    with engine.connect() as conn:
        rows = conn.execute(
            select(d.c.id, d.c.contact_id, d.c.team_id, d.c.member_id, d.c.superseded_at, d.c.reason)
            .where(d.c.contact_id.in_(leads) if leads else d.c.id < 0)
            .order_by(d.c.id)
        ).all()
    current = Counter(r.contact_id for r in rows if r.superseded_at is None)
    assert set(current) == leads and set(current.values()) <= {1}, "exactly one current decision per lead"
    member_load: Counter[int] = Counter()
    team_load: Counter[int] = Counter()
    sales = ex.world.teams[next(n for n in ex.world.teams if n.startswith("営業"))]
    last = {r.contact_id: r.id for r in rows}
    holder: dict[int, tuple[int | None, int | None]] = {}
    for r in rows:
        assert (r.superseded_at is None) == (last[r.contact_id] == r.id), "only the latest decision is current"
        before = holder.get(r.contact_id)
        if before is not None:  # superseded in the same transaction, before this decision: its slot is free
            team_load[before[0]] -= int(before[0] is not None)
            member_load[before[1]] -= int(before[1] is not None)  # type: ignore[index]
        holder[r.contact_id] = (r.team_id, r.member_id)
        if r.team_id is None:
            continue
        assert r.team_id in team_ids
        facts = r.reason["facts"]["assigned"]
        assert facts["team_load_day_before"] == team_load[r.team_id]
        if r.team_id == sales and team_cap is not None:
            assert facts["team_capacity_day"] == team_cap and team_load[r.team_id] < team_cap
        team_load[r.team_id] += 1
        cap = facts["capacity_day"]
        assert cap in ex.seen[r.member_id], "the capacity recorded is one the member had"
        assert facts["load_day_before"] == member_load[r.member_id], "the recorded load is the true load"
        assert cap is None or member_load[r.member_id] < cap, "never over the capacity in force"
        member_load[r.member_id] += 1


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    caps=st.lists(capacity, min_size=4, max_size=4),
    team_cap=st.one_of(st.none(), st.integers(0, 4)),
    ops=st.lists(operation, min_size=4, max_size=30),
)
def test_concurrent_intakes_never_exceed_capacity(
    engine: Engine, caps: list[int | None], team_cap: int | None, ops: list[tuple[str, object, object]]
) -> None:
    tag = str(next(_serial))
    ex = _setup(engine, tag, caps, team_cap)
    for kind, a, b in ops:
        if kind == "capacity":
            ex.seen[ex.members[int(a)]].add(b)  # type: ignore[arg-type, call-overload]
    errors: list[BaseException] = []
    _run(engine, ex, ops, tag, errors)
    assert not errors, errors
    _check(engine, ex, team_cap)
