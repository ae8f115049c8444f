"""The pure routing decision, SLA clock and reason sentences, with hand-computed expectations."""

from __future__ import annotations

import datetime as dt
import string

import pytest

from tenbin.routing import decide, sla, text
from tenbin.routing.decide import Facts, Held, MemberSlot, TeamSlot

T0 = dt.datetime(2026, 11, 25, 10, 0)


def _teams(sales_caps: tuple[int | None, ...] = (2,), inside: int | None = 2, digital: bool = True) -> list[TeamSlot]:
    teams = [
        TeamSlot(1, "営業", "sales", None, None,
                 members=tuple(MemberSlot(10 + i, 1, f"S{i}", c, None) for i, c in enumerate(sales_caps))),
        TeamSlot(2, "IS", "inside_sales", None, None, members=(MemberSlot(20, 2, "I", inside, None),)),
        TeamSlot(3, "AS", "account_sales", None, None, members=(MemberSlot(30, 3, "A", 1, None),)),
    ]  # fmt: skip
    if digital:
        teams.append(TeamSlot(4, "デジタル", "digital", None, None))
    return teams


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(1, True, True, "high"), ("icp_high", "account_sales", 3, 30, False)),
        (Facts(1, True, False, "high"), ("icp_high", "sales_now", 1, 10, False)),
        (Facts(1, True, False, "low"), ("icp_low", "sales_capacity", 1, 10, False)),
        (Facts(1, True, False, None), ("icp_low", "sales_capacity", 1, 10, False)),  # unknown band: low
        (Facts(1, False, True, "high"), ("non_icp_high", "digital_sales", 4, None, True)),
        (Facts(1, False, False, "low"), ("non_icp_low", "digital_nurture", 4, None, False)),
    ],
)
def test_each_quadrant(facts: Facts, expected: tuple[object, ...]) -> None:
    c = decide.choose(facts, _teams())
    assert (c.quadrant, c.action, c.team_id, c.member_id, c.watch) == expected


def test_overflow_and_all_full() -> None:
    full_sales = _teams(sales_caps=(0,))
    c = decide.choose(Facts(1, True, False, "low"), full_sales)
    assert (c.action, c.team_id, c.member_id) == ("inside_sales_overflow", 2, 20)
    assert [(s.kind, s.outcome) for s in c.steps] == [("sales", "full"), ("inside_sales", "taken")]
    # named, account sales full (A at 1/1): sales, then inside sales
    teams = [t if t.id != 3 else TeamSlot(3, "AS", "account_sales", None, None, members=(
        MemberSlot(30, 3, "A", 1, None, load_day=1),)) for t in _teams(sales_caps=(0,), inside=0)]  # fmt: skip
    c = decide.choose(Facts(1, True, True, "high"), teams)
    assert (c.action, c.team_id) == ("unassigned_full", None)
    assert [s.outcome for s in c.steps] == ["full", "full", "full"]
    c = decide.choose(Facts(1, False, False, "low"), _teams(digital=False))
    assert (c.action, [s.outcome for s in c.steps]) == ("unassigned_no_team", ["no_team"])


def test_team_limit_binds_even_with_free_members() -> None:
    team = TeamSlot(1, "営業", "sales", 3, None, load_day=3, members=(MemberSlot(10, 1, "S", None, None),))
    assert decide.candidates([team]) == []
    week = TeamSlot(1, "営業", "sales", None, 5, load_week=5, members=(MemberSlot(10, 1, "S", None, None),))
    assert decide.candidates([week]) == []


def test_rotation_order() -> None:
    members = (
        MemberSlot(1, 1, "a", 5, None, load_day=3, last_assigned_at=T0),  # 2 left
        MemberSlot(2, 1, "b", 3, None, load_day=1, last_assigned_at=T0),  # 2 left, fewer today → before a
        MemberSlot(3, 1, "c", 3, 10, load_day=0, load_week=9),  # 1 left (week)
        MemberSlot(4, 1, "d", 4, None, load_day=2, last_assigned_at=T0 - dt.timedelta(hours=1)),  # 2 left, 2 today
        MemberSlot(5, 1, "e", None, None, load_day=7),  # unlimited: first
        MemberSlot(6, 1, "f", 1, None, load_day=1),  # full
    )
    ranking = decide.candidates([TeamSlot(1, "営業", "sales", None, None, members=members)])
    # b (2 left, 1 today), d (2 left, 2 today, longest ago) before a (2 left, 3 today)
    assert [c.member_id for c in ranking] == [5, 2, 4, 1, 3]


def test_assign_and_release_move_the_loads() -> None:
    teams = decide.assign(_teams(), 1, 10, T0)
    sales = teams[0]
    assert (sales.load_day, sales.load_week, sales.members[0].load_day, sales.members[0].last_assigned_at) == (
        1, 1, 1, T0)  # fmt: skip
    back = decide.release(teams, 1, 10, day=False, week=True)
    assert (back[0].load_day, back[0].load_week, back[0].members[0].load_day, back[0].members[0].load_week) == (
        1, 0, 1, 0)  # fmt: skip


def test_keeps() -> None:
    assigned = Held("icp_low", "sales_capacity", "sales", member_lost=False, sticky=False)
    assert decide.keeps(assigned, "icp_low", False)
    assert not decide.keeps(assigned, "non_icp_low", False)  # quadrant changed
    overflow = Held("icp_low", "inside_sales_overflow", "inside_sales", member_lost=False, sticky=False)
    assert decide.keeps(overflow, "icp_low", False)  # not moved back when sales frees up
    assert not decide.keeps(Held("icp_low", "unassigned_full", None, False, False), "icp_low", False)
    assert not decide.keeps(Held("icp_low", "sales_capacity", "sales", True, False), "icp_low", False)
    override = Held("icp_low", "override", "digital", member_lost=False, sticky=True)
    assert decide.keeps(override, "icp_low", False) and not decide.keeps(override, "icp_high", False)
    assert not decide.keeps(Held("non_icp_low", "digital_nurture", "sales", False, False), "non_icp_low", False)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (dt.datetime(2026, 11, 25, 10, 0), 1, dt.datetime(2026, 11, 25, 11, 0)),
        (dt.datetime(2026, 11, 27, 17, 30), 1, dt.datetime(2026, 11, 30, 9, 30)),  # Fri 17:30 → Mon 9:30
        (dt.datetime(2026, 11, 28, 12, 0), 2, dt.datetime(2026, 11, 30, 11, 0)),  # Saturday → Monday
        (dt.datetime(2026, 11, 25, 7, 0), 9, dt.datetime(2026, 11, 25, 18, 0)),  # before opening
        (dt.datetime(2026, 11, 25, 20, 0), 0.5, dt.datetime(2026, 11, 26, 9, 30)),  # after closing
        (dt.datetime(2026, 11, 25, 10, 0), 72, dt.datetime(2026, 12, 7, 10, 0)),  # 8 + 7×9 = 71 h by Fri 4th
    ],
)
def test_business_due(start: dt.datetime, hours: float, due: dt.datetime) -> None:
    assert sla.business_due(start, hours) == due
    assert sla.business_hours_between(start, due) == pytest.approx(hours)


def test_templates_have_the_same_placeholders_in_both_languages() -> None:
    def names(template: str) -> set[str]:
        return {n for _, n, _, _ in string.Formatter().parse(template) if n}

    for key, (ja, en) in text.TEMPLATES.items():
        assert names(ja) == names(en), key
    for labels in (text.QUADRANT_LABELS, text.ACTION_LABELS, text.KIND_LABELS, text.TRIGGER_LABELS):
        assert all(ja != en for ja, en in labels.values())
    assert set(text.ACTION_LABELS) == set(decide.ACTIONS)
    assert set(text.QUADRANT_LABELS) == set(decide.QUADRANTS)


def test_reason_sentences() -> None:
    facts = {
        "icp_version": 3, "has_account": True, "is_icp": True, "likelihood": 0.1234, "threshold": 0.5, "band": "low",
        "quadrant": "icp_low", "action": "inside_sales_overflow",
        "steps": [{"kind": "sales", "outcome": "full"}, {"kind": "inside_sales", "outcome": "taken"}],
        "assigned": {"team": "IS東京", "member": "井上"}, "ranking": [{"left": 4, "load_day": 1}], "candidates": 2,
    }  # fmt: skip
    s = text.reason_sentences(facts)
    assert s["ja"] == (
        "ICP v3 に該当、受注確度 12%(しきい値 50%)→ 低。ICP × 受注確度低(営業は満杯): 営業の対応枠が満杯のため、"
        "インサイドセールス「IS東京」の井上さんに渡します。 候補 2 件のうち、対応枠の残りが最も多く(残り 4 件)、"
        "本日の割り当てが 1 件の担当です。"
    )
    assert s["en"] == (
        "Matches ICP v3; win likelihood 12% (threshold 50%) → low. ICP × unlikely to win (sales is full): Sales is "
        "full: handed to 井上 in inside sales team IS東京. Of 2 candidates, the one with the most capacity left "
        "(4 left) and 1 assignments today."
    )
