"""Pure parts of the engagement slice: department keys and labels, ladder assembly, coverage."""

from __future__ import annotations

import datetime as dt

import pytest

from tenbin.engagement.coverage import Fact, session_coverage
from tenbin.engagement.departments import department_key, label_by_key
from tenbin.engagement.ladder import Rung, assemble
from tenbin.engagement.seminars import Attendee, Session, check_level, check_role, parse_day


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("情報システム部", "情報システム"),
        ("情報システム課", "情報システム"),
        ("情報ｼｽﾃﾑ 部", "情報システム"),
        ("営業本部", "営業"),
        ("営業部門", "営業"),
        ("本部", "本部"),  # nothing would remain
        ("総務", "総務"),
        ("社長室", "社長室"),  # 室 is kept: 社長 would be a person
        ("第一営業部", "第一営業"),
        ("ＩＴ戦略部", "it戦略"),
        ("  ", None),
        (None, None),
    ],
)
def test_department_key(name: str | None, key: str | None) -> None:
    assert department_key(name) == key


def test_label_is_the_most_frequent_spelling() -> None:
    assert label_by_key(["経理部", "経理課", "経理部", None]) == {"経理": "経理部"}
    assert label_by_key(["経理課", "経理部"]) == {"経理": "経理課"}  # tie: the first in sort order


def test_assemble_keeps_every_rung_and_splits_icp() -> None:
    rungs = (Rung(1, ("資料請求",)), Rung(2, ("セミナー申込", "無料相談")), Rung(5, ("見積もり依頼",)))
    steps = assemble(rungs, [(1, 1, 4, 3, 2), (1, 0, 10, 2, 1), (5, 0, 1, 0, 0)])
    assert [s.rank for s in steps] == [1, 2, 5] and steps[0].next_rank == 2 and steps[1].next_rank == 5
    assert steps[1].next_offers == ("見積もり依頼",) and steps[2].next_rank is None
    assert (steps[0].higher.icp.hits, steps[0].higher.icp.total, steps[0].next.non_icp.hits) == (3, 4, 1)
    assert (steps[0].higher_all.hits, steps[0].higher_all.total) == (5, 14)
    assert steps[1].higher_all.total == 0 and steps[1].higher_all.rate is None


def test_values_in_japanese_or_english() -> None:
    assert check_role("情シス") == "it_evaluator" and check_role("Decision maker") == "decision_maker"
    assert check_role(" ") is None and check_level("部長") == "director"
    assert parse_day("２０２６年４月１５日") == dt.date(2026, 4, 15) and parse_day("2026/4/5") == dt.date(2026, 4, 5)


def test_coverage_counts_earlier_sessions_and_dated_buying_group() -> None:
    def session(ident: int, day: dt.date, *people: tuple[int | None, str | None, str | None, str | None]) -> Session:
        attendees = tuple(Attendee(10 * ident + i, ident, c, n, d, r, None) for i, (c, n, d, r) in enumerate(people))
        return Session(ident, 1, f"s{ident}", day, None, None, None, attendees)

    s1 = session(1, dt.date(2026, 3, 1), (1, None, "営業部", "champion"), (None, "山田", "経理課", "budget_holder"))
    s2 = session(2, dt.date(2026, 3, 1), (2, None, "経理部", "decision_maker"))  # same day, recorded later
    facts = [
        Fact(dt.date(2026, 2, 1), None, "c9", "情報システム部", "it_evaluator"),
        Fact(dt.date(2026, 3, 1), None, "c8", "製造部", "user_department"),
    ]  # joins on the day: not before
    facts += [Fact(x.held_on, x.id, f"c{a.contact_id}" if a.contact_id else f"n{a.name}", a.department, a.role)
              for x in (s1, s2) for a in x.attendees]  # fmt: skip
    first, second = session_coverage([s1, s2], facts)
    assert first.roles_before == ("it_evaluator",) and first.new_roles == ("budget_holder", "champion")
    assert (first.people_before, first.people_after) == (1, 3)
    # the buying-group member who joined on 3/1 counts before the next day's sessions only
    assert second.roles_before == ("budget_holder", "it_evaluator", "champion")
    assert second.new_roles == ("decision_maker",) and second.new_departments == ()
