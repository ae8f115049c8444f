"""Scoring one lead (as the real-time intake does, once per request) gives exactly what scoring it
among every open lead gives: the same probability, band and factors, on a small demo workspace with a
lead without an account added, at two times (mid-history, so the as-of cutoff matters, and after it),
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, insert, select

from tenbin.db import schema
from tenbin.demo.service import build_demo
from tenbin.likelihood.service import score_contacts


def _add_lead_without_account(engine: Engine, acquired: dt.datetime, responses: list[dt.datetime]) -> int:
    with engine.begin() as conn:
        lead = conn.execute(
            insert(schema.contacts)
            .values(email="solo@example.jp", acquired_at=acquired)
            .returning(schema.contacts.c.id)
        ).scalar_one()
        offer = conn.execute(select(schema.offers.c.id).where(schema.offers.c.ladder_rank == 3)).scalar_one()
        campaign = conn.execute(select(func.min(schema.campaigns.c.id))).scalar_one()
        for at in responses:
            conn.execute(insert(schema.responses).values(contact_id=lead, campaign_id=campaign, offer_id=offer,
                                                         responded_at=at))  # fmt: skip
    return int(lead)


def test_one_lead_alone_scores_as_among_all_open_leads(engine: Engine) -> None:
    build_demo(engine, seed=3, scale=0.05)
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(schema.responses.c.responded_at), func.max(schema.responses.c.responded_at))
        ).one()
    end = last.replace(microsecond=0) + dt.timedelta(days=1)
    middle = (first + (last - first) / 2).replace(microsecond=0)
    week = dt.timedelta(days=7)
    solo = _add_lead_without_account(engine, first, [middle - week, end - week])
    with engine.connect() as conn:
        accounts = dict(conn.execute(select(schema.contacts.c.id, schema.contacts.c.account_id)).tuples().all())
        for when in (middle, end):
            everyone = score_contacts(conn, None, as_of=when)
            ids = sorted(everyone)
            assert len(ids) > 100
            assert any(accounts[i] is None for i in ids) and any(accounts[i] is not None for i in ids)
            assert len({round(s.probability, 6) for s in everyone.values()}) > 10  # not one constant score
            for sid in ids:
                assert score_contacts(conn, [sid], as_of=when) == {sid: everyone[sid]}, sid
            handful = [*ids[:: len(ids) // 6][:6], 10**9]  # spread over the ids, plus an unknown one
            assert score_contacts(conn, handful, as_of=when) == {i: everyone[i] for i in handful[:-1]}
        assert solo not in score_contacts(conn, None, as_of=first - week)  # not yet acquired
