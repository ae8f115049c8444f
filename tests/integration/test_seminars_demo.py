"""The demo's individual seminars (tenbin/demo/gen_seminars.py), checked with independent SQL on a
demo built once on SQLite: a few hundred sessions, only at accounts whose people took the 個別セミナー
offer, on or after the first such response and inside the window; attendees are the account's own
contacts (buying-group members with their role) or typed names; the same seed gives the same rows;
and the engagement services read them (coverage, ladder, whitespace)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tenbin.db.engine import make_engine
from tenbin.demo.service import build_demo
from tenbin.engagement import service as svc

pytestmark = pytest.mark.slow


def _build(template: Path, path: Path, seed: int = 7) -> Engine:
    shutil.copy(template, path)
    engine = make_engine(f"sqlite:///{path}")
    build_demo(engine, seed=seed, scale=1.0)
    return engine


@pytest.fixture(scope="module")
def demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _build(sqlite_template, tmp_path_factory.mktemp("seminars") / "demo.db")
    yield engine
    engine.dispose()


def _one(engine: Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_a_few_hundred_sessions_where_the_offer_was_taken(demo: Engine) -> None:
    sessions = _one(demo, "select count(*) from seminar_sessions")
    assert 200 <= sessions <= 1_000
    assert _one(demo, "select count(*) from seminar_attendees") >= 2 * sessions
    outside = """select count(*) from seminar_sessions s where not exists (
        select 1 from responses r join offers o on o.id = r.offer_id join contacts c on c.id = r.contact_id
        where o.name = '個別セミナー' and c.account_id = s.account_id and date(r.responded_at) <= s.held_on)"""
    assert _one(demo, outside) == 0
    assert _one(demo, "select count(*) from seminar_sessions where held_on > '2026-09-30'") == 0
    assert _one(demo, "select count(*) from seminar_sessions where campaign_id is not null") > 0


def test_attendees_are_the_accounts_people_with_their_buying_group_roles(demo: Engine) -> None:
    foreign = """select count(*) from seminar_attendees a join seminar_sessions s on s.id = a.session_id
        join contacts c on c.id = a.contact_id where c.account_id <> s.account_id"""
    assert _one(demo, foreign) == 0
    wrong_role = """select count(*) from seminar_attendees a join seminar_sessions s on s.id = a.session_id
        where a.contact_id is not null and a.role is not null and not exists (select 1 from buying_group_members b
        where b.contact_id = a.contact_id and b.account_id = s.account_id and b.role = a.role)"""
    assert _one(demo, wrong_role) == 0
    assert _one(demo, "select count(*) from seminar_attendees where contact_id is null and name is null") == 0
    assert _one(demo, "select count(*) from seminar_attendees where contact_id is null") > 0
    assert _one(demo, "select count(*) from seminar_attendees where role = 'decision_maker'") > 0


def test_same_seed_same_seminars(demo: Engine, sqlite_template: Path, tmp_path: Path) -> None:
    query = text(
        "select s.account_id, s.title, s.held_on, s.campaign_id, a.contact_id, a.name, a.department, a.role "
        "from seminar_sessions s join seminar_attendees a on a.session_id = s.id order by s.id, a.id"
    )
    again = _build(sqlite_template, tmp_path / "again.db")
    with demo.connect() as one, again.connect() as two:
        assert list(one.execute(query)) == list(two.execute(query))
    again.dispose()


def test_the_engagement_services_read_the_demo(demo: Engine) -> None:
    with demo.connect() as conn:
        account = int(conn.execute(text(
            "select account_id from seminar_sessions group by account_id order by count(*) desc, account_id limit 1"
        )).scalar_one())  # fmt: skip
        found = svc.account_engagement(conn, account)
    assert len(found.coverage) >= 2
    assert found.coverage[-1].people_after >= found.coverage[0].people_after
    for c in found.coverage:
        assert set(c.roles_before) <= set(c.roles_after) and set(c.new_roles) == set(c.roles_after) - set(
            c.roles_before
        )
    ladder = svc.compute_ladder(demo, by="account")
    assert ladder.steps[2].offers == ("個別セミナー",) and ladder.steps[2].higher_all.total > 100
    spaces = svc.compute_whitespace(demo)
    assert spaces.products == 3 and spaces.rows[0].score >= spaces.rows[-1].score
