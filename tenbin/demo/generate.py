"""Generate the demo workspace into an open write transaction, phase by phase.

Phases use independent seeded generators (:func:`gen_util.rng_for`), and the lead phase works in
fixed-size chunks, so the output depends only on the seed and the scale, never on the backend.
Order: accounts (prospects and the installed base), campaigns, the window's leads, the deals
migrated from before the window, the window's deals, revenue, owners, challenges.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Connection, select

from tenbin.db import defaults, schema
from tenbin.demo.gen_accounts import generate_accounts
from tenbin.demo.gen_campaigns import plan_campaigns, write_campaigns, write_teams
from tenbin.demo.gen_challenges import write_challenges, write_customer_notes
from tenbin.demo.gen_contacts import Refs, write_contacts
from tenbin.demo.gen_deals import decide, open_deals
from tenbin.demo.gen_history import write_history
from tenbin.demo.gen_leads import allocate_leads
from tenbin.demo.gen_revenue import update_owners, write_revenue
from tenbin.demo.gen_seminars import write_seminars
from tenbin.demo.gen_util import Progress, Writer
from tenbin.errors import ErrorCode, TenbinError

DEMO_DEFAULTS_MISSING = ErrorCode(
    "DEMO_DEFAULTS_MISSING",
    en="The demo needs the default {kind} ({missing}), but the database lacks them. "
    "Build the demo into a new database file.",
    ja="デモには既定の{kind}({missing})が必要ですが、データベースにありません。"
    "新しいデータベースファイルにデモを作成してください。",
    status=409,
)


def load_refs(conn: Connection) -> Refs:
    """Ids of the default offers, stages and challenge categories the migration inserted."""
    offers = dict(conn.execute(select(schema.offers.c.name, schema.offers.c.id)).tuples().all())
    stages = dict(conn.execute(select(schema.funnel_stages.c.code, schema.funnel_stages.c.id)).tuples().all())
    categories = dict(
        conn.execute(select(schema.challenge_categories.c.name, schema.challenge_categories.c.id)).tuples().all()
    )
    wanted = (
        ("offers", "オファー", offers, defaults.OFFER_LADDER),
        ("stages", "ファネルステージ", stages, tuple(code for code, _, _ in defaults.FUNNEL_STAGES)),
        ("categories", "課題カテゴリ", categories, tuple(name for name, _, _ in defaults.CHALLENGE_CATEGORIES)),
    )
    for _, kind, found, names in wanted:
        missing = [n for n in names if n not in found]
        if missing:
            raise TenbinError(DEMO_DEFAULTS_MISSING, {"kind": kind, "missing": ", ".join(missing)})
    return Refs(
        offers=np.array([int(offers[n]) for n in defaults.OFFER_LADDER], dtype=np.int64),
        stages={k: int(v) for k, v in stages.items()},
        categories={k: int(v) for k, v in categories.items()},
    )


def generate(conn: Connection, *, seed: int, scale: float, progress: Progress | None = None) -> dict[str, int]:
    """Write the whole workspace; returns the rows written per table."""
    writer = Writer(conn, progress)
    refs = load_refs(conn)
    staff = write_teams(writer, seed, scale)
    accounts = generate_accounts(writer, seed, scale)
    campaigns = plan_campaigns(writer, seed, scale)
    leads = allocate_leads(seed, scale, accounts, campaigns)
    write_campaigns(writer, seed, campaigns, np.bincount(leads.campaign, minlength=len(campaigns)))
    emails = write_contacts(writer, seed, (accounts, campaigns, leads, staff, refs))
    history = write_history(writer, seed, (accounts, staff, refs), emails)
    deals = open_deals(seed, accounts, leads)
    decide(writer, seed, (accounts, leads, staff, refs), deals)
    paid = write_revenue(writer, seed, (accounts, leads, refs), deals, history)
    update_owners(conn, seed, (accounts, leads, staff, history), deals, paid)
    write_challenges(writer, seed, scale, (accounts, leads, staff, refs), deals)
    write_customer_notes(writer, seed, (accounts, staff, refs), history, paid)
    write_seminars(writer, seed)  # reads what was written above: 個別セミナー responses, buying groups
    return dict(sorted(writer.counts.items()))
