"""The engagement slice on a tiny declared workspace (tests/engagement_workspace.py), on SQLite and
PostgreSQL: step-up conversion per rung, seminar coverage before/after, whitespace — all hand-counted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from engagement_workspace import build
from helpers import count, snapshot
from sqlalchemy import Engine

from tenbin.engagement import service as svc
from tenbin.errors import TenbinError


@pytest.fixture
def workspace(engine: Engine) -> Engine:
    build(engine)
    return engine


def _counts(step: svc.LadderStep) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """((ICP total, higher, next), (non-ICP total, higher, next))."""
    return (
        (step.higher.icp.total, step.higher.icp.hits, step.next.icp.hits),
        (step.higher.non_icp.total, step.higher.non_icp.hits, step.next.non_icp.hits),
    )


def test_ladder_by_lead(workspace: Engine) -> None:
    result = svc.compute_ladder(workspace, by="lead")
    assert result.icp_version == 1
    steps = {s.rank: s for s in result.steps}
    assert [s.rank for s in result.steps] == [1, 2, 3, 4, 5]
    # rank 1: ICP L1 (higher, not next), L2 (higher and next); non-ICP L3 (stays); L4 reached 1 after 2,
    # L5 reached 1 and 2 at the same minute: neither stood at 1
    assert _counts(steps[1]) == ((2, 2, 1), (1, 0, 0))
    # rank 2: ICP L2 (went to 4, never 3), L6 (to 3); non-ICP L4, L5 (no higher)
    assert _counts(steps[2]) == ((2, 2, 1), (2, 0, 0))
    assert _counts(steps[3]) == ((2, 0, 0), (0, 0, 0))
    assert _counts(steps[4]) == ((1, 0, 0), (0, 0, 0))
    assert _counts(steps[5]) == ((0, 0, 0), (0, 0, 0))
    assert steps[5].next_rank is None and steps[1].next_rank == 2
    assert steps[3].offers == ("個別セミナー",) and steps[3].next_offers == ("デモ申込",)
    assert steps[1].higher_all.hits == 2 and steps[1].higher_all.total == 3
    # Fisher, one-sided, [[2, 0], [0, 1]]: P(ICP hits ≥ 2 | margins) = C(2,2)·C(1,0) / C(3,2) = 1/3
    assert steps[1].higher.p_icp_higher == pytest.approx(1 / 3)
    # Wilson 95 % for 2/2: low = 1 / (1 + 1.96²/2) = 0.34238
    assert steps[1].higher.icp.low == pytest.approx(1 / (1 + 1.959964**2 / 2), abs=1e-5)
    assert steps[1].higher.icp.high == pytest.approx(1.0)
    assert result.subjects == 3 + 4 + 2 + 1


def test_ladder_by_account(workspace: Engine) -> None:
    steps = {s.rank: s for s in svc.compute_ladder(workspace, by="account").steps}
    # A1's first times: 1@1, 2@2, 4@3, 3@4 → stood at 1 (next 2), 2 (next 3 on day 4), not 3 (4 came first), 4
    # A2: 1@1 and 2@1 at the same minute → not at 1; stood at 2
    assert _counts(steps[1]) == ((1, 1, 1), (0, 0, 0))
    assert _counts(steps[2]) == ((1, 1, 1), (1, 0, 0))
    assert _counts(steps[3]) == ((0, 0, 0), (0, 0, 0))
    assert _counts(steps[4]) == ((1, 0, 0), (0, 0, 0))


def test_ladder_period_and_no_icp(engine: Engine) -> None:
    build(engine, icp=False)
    result = svc.compute_ladder(engine, by="lead", period_from=dt.date(2026, 4, 2))
    steps = {s.rank: s for s in result.steps}
    assert result.icp_version is None
    assert steps[1].higher_all.total == 0
    # rank 2 from day 2: L2, L6 (both stepped up, L6 to the next rung); without an ICP all are non-ICP
    assert _counts(steps[2]) == ((0, 0, 0), (2, 2, 1))
    with pytest.raises(TenbinError) as caught:
        svc.compute_ladder(engine, by="team")
    assert caught.value.code == "LADDER_BY_INVALID"
    with pytest.raises(TenbinError) as caught:
        svc.compute_ladder(engine, period_from=dt.date(2026, 5, 1), period_to=dt.date(2026, 4, 1))
    assert caught.value.code == "LADDER_PERIOD_ORDER"
    with pytest.raises(TenbinError) as caught:
        svc.compute_ladder(engine, period_from=dt.date(1, 1, 1))  # found by schemathesis: an overflow before
    assert caught.value.code == "LADDER_DATE_RANGE" and caught.value.place.field == "period_from"


def _seminars(engine: Engine) -> tuple[svc.Session, svc.Session]:
    s1 = svc.add_session(engine, account_id=3, title="DX勉強会", held_on="2026/2/1", actor="t", campaign="春の施策")
    svc.add_attendee(engine, session_id=s1.id, contact="c32@example.jp", role="推進者", actor="t")
    svc.add_attendee(engine, session_id=s1.id, name="山田", department="経理課", role="budget_holder", level="課長",
                     actor="t")  # fmt: skip
    s2 = svc.add_session(engine, account_id=3, title="第2回", held_on=dt.date(2026, 3, 1), actor="t")
    svc.add_attendee(engine, session_id=s2.id, name="佐藤", department="経理部", role="決裁者", actor="t")
    svc.add_attendee(engine, session_id=s2.id, contact=31, role="it_evaluator", actor="t")
    return s1, s2


def test_seminar_coverage_before_and_after(workspace: Engine) -> None:
    s1, s2 = _seminars(workspace)
    with workspace.connect() as conn:
        found = svc.account_engagement(conn, 3)
    assert [x.id for x in found.sessions] == [s1.id, s2.id]
    assert found.sessions[0].campaign_name == "春の施策"
    first, second = found.coverage
    # before S1: only C31 (buying group since its opportunity opened 2026-01-10)
    assert first.roles_before == ("it_evaluator",) and first.departments_before == ("情報システム部",)
    assert first.roles_after == ("budget_holder", "it_evaluator", "champion")
    assert first.new_roles == ("budget_holder", "champion")
    assert first.new_departments == ("営業部", "経理課")  # 経理課/経理部 tie: the first in sort order is shown
    assert (first.people_before, first.people_after) == (1, 3)
    # before S2: C31, and S1's attendees (C32's own membership counts only from 2026-03-15)
    assert second.roles_before == ("budget_holder", "it_evaluator", "champion")
    assert second.new_roles == ("decision_maker",) and second.new_departments == ()
    assert (second.people_before, second.people_after) == (3, 4)
    assert found.roles_now == ("decision_maker", "budget_holder", "it_evaluator", "champion")
    assert found.missing_roles == ("user_department",)
    assert dict(found.attendees_by_department) == {"経理課": 2, "営業部": 1, "情報システム部": 1}
    assert dict(found.attendees_by_role)["budget_holder"] == 1
    assert found.whitespace is not None and found.whitespace.account_id == 3
    attendee = found.sessions[0].attendees[0]
    assert (attendee.name, attendee.department, attendee.role) == ("姓32 名", "営業部", "champion")
    assert count(workspace, "audit_log") >= 6


def test_seminar_edits_and_refusals(workspace: Engine) -> None:
    s1, _ = _seminars(workspace)
    changed = svc.update_session(workspace, session_id=s1.id, title="DX勉強会(改)", held_on="2026-02-02", actor="t")
    assert changed.title == "DX勉強会(改)" and changed.held_on == dt.date(2026, 2, 2) and changed.campaign_id is None
    before = snapshot(workspace)
    refusals = [
        (lambda: svc.add_attendee(workspace, session_id=s1.id, contact=41, actor="t"), "SEMINAR_CONTACT_NOT_FOUND"),
        (lambda: svc.add_attendee(workspace, session_id=s1.id, name="x", role="boss", actor="t"),
         "SEMINAR_ROLE_INVALID"),
        (lambda: svc.add_attendee(workspace, session_id=s1.id, actor="t"), "SEMINAR_ATTENDEE_EMPTY"),
        (lambda: svc.add_attendee(workspace, session_id=s1.id, contact=32, actor="t"), "SEMINAR_ATTENDEE_DUPLICATE"),
        (lambda: svc.add_session(workspace, account_id=3, title=" ", held_on="2026-01-01", actor="t"),
         "SEMINAR_TITLE_REQUIRED"),
        (lambda: svc.add_session(workspace, account_id=3, title="x", held_on="2026-13-01", actor="t"),
         "SEMINAR_DATE_INVALID"),
        (lambda: svc.add_session(workspace, account_id=99, title="x", held_on="2026-01-01", actor="t"),
         "SEMINAR_ACCOUNT_NOT_FOUND"),
        (lambda: svc.add_session(workspace, account_id=3, title="x", held_on="2026-01-01", campaign="無い", actor="t"),
         "SEMINAR_CAMPAIGN_NOT_FOUND"),
    ]  # fmt: skip
    for call, code in refusals:
        with pytest.raises(TenbinError) as caught:
            call()
        assert caught.value.code == code
    assert snapshot(workspace) == before
    assert svc.delete_attendee(workspace, attendee_id=s1.attendees[0].id if s1.attendees else 1, actor="t") == s1.id
    assert svc.delete_session(workspace, session_id=s1.id, actor="t") == 3
    assert [x.title for x in svc.list_seminars(workspace, account_id=3)] == ["第2回"]
    assert count(workspace, "seminar_attendees") == 2


def test_whitespace(workspace: Engine) -> None:
    _seminars(workspace)
    result = svc.compute_whitespace(workspace)
    assert result.customers == 3 and result.products == 2 and result.sites_attribute == "拠点数"
    assert [w.account_id for w in result.rows] == [4, 3, 5]
    a4, a3, a5 = result.rows
    # A4: engaged 営業, 総務, 製造; peers A3, A5 (needed 1 of 2): 情報システム (2), 営業, 経理, 総務 expected
    assert [(m.label, m.customers, m.comparable) for m in a4.departments_missing] == [
        ("情報システム課", 2, 2),
        ("経理課", 1, 2),
    ]  # fmt: skip  (課 and 部 once each: the first in sort order)
    assert a4.products_missing == (("P2", 1),) and a4.ltv == 3000 and a4.sites == "12" and a4.is_icp is True
    assert a4.share == pytest.approx(3 / 6) and a4.score == pytest.approx(1500)
    # A3: engaged 情報システム, 営業, 経理 (attendees); expected 営業, 総務 (A4, A5), 製造, 情報システム
    assert [m.label for m in a3.departments_missing] == ["総務部", "製造部"]
    assert a3.products_missing == () and a3.ltv == 1100 and a3.sites is None
    assert a3.share == pytest.approx(2 / 6) and a3.score == pytest.approx(1100 / 3)
    assert a5.ltv == 0 and a5.score == 0
    one = svc.compute_whitespace(workspace, account_id=3)
    assert [w.account_id for w in one.rows] == [3] and one.rows[0].share == pytest.approx(2 / 6)
    with pytest.raises(TenbinError) as caught:
        svc.compute_whitespace(workspace, account_id=1)
    assert caught.value.code == "WHITESPACE_NOT_CUSTOMER"


def test_import_seminars_cp932(workspace: Engine, tmp_path: Path) -> None:
    path = tmp_path / "seminars.csv"
    rows = [
        "会社名,タイトル,開催日,メール,氏名,部署,役割,役職レベル",
        "ガンマ製作所,現場改善セミナー,2026/5/10,c31@example.jp,,,情シス,部長",
        "株式会社ガンマ製作所,現場改善セミナー,2026/5/10,,鈴木,製造部,利用部門,担当",
        "デルタ機械,導入説明会,2026年5月12日,,,,,",
    ]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp932"))
    summary = svc.import_seminars(workspace, path, actor="t")
    assert summary.encoding == "cp932"
    assert (summary.rows, summary.sessions_added, summary.attendees_added) == (3, 2, 2)
    sessions = svc.list_seminars(workspace, account_id=3)
    assert [(a.contact_id, a.name, a.role, a.level) for a in sessions[0].attendees] == [
        (31, "姓31 名", "it_evaluator", "director"), (None, "鈴木", "user_department", "staff")]  # fmt: skip
    again = svc.import_seminars(workspace, path, actor="t")
    assert (again.sessions_added, again.sessions_existing, again.attendees_added, again.attendees_existing) == (
        0, 2, 0, 2)  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text("会社名,タイトル,開催日,氏名,役割\n無い会社,x,2026-05-01,a,\nガンマ製作所,y,2026-05-01,b,社長\n",
                   encoding="utf-8-sig")  # fmt: skip
    before = snapshot(workspace)
    with pytest.raises(TenbinError) as caught:
        svc.import_seminars(workspace, bad, actor="t")
    assert caught.value.code == "SEMINAR_IMPORT_ROWS" and caught.value.params["count"] == 2
    assert caught.value.place.row == 2
    assert snapshot(workspace) == before
    missing = tmp_path / "missing.csv"
    missing.write_text("会社名,開催日\nガンマ製作所,2026-05-01\n", encoding="utf-8")
    with pytest.raises(TenbinError) as caught:
        svc.import_seminars(workspace, missing, actor="t")
    assert caught.value.code == "SEMINAR_IMPORT_COLUMNS"
