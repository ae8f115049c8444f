"""Funnel stages and the offer ladder: short ordered lists, edited in place, every change audited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.workspace.common import clean_text, required_text
from tenbin.workspace.errors import (
    SETTINGS_OFFER_EXISTS,
    SETTINGS_OFFER_IN_USE,
    SETTINGS_OFFER_NOT_FOUND,
    SETTINGS_STAGE_CODE_EXISTS,
    SETTINGS_STAGE_CODE_INVALID,
    SETTINGS_STAGE_IN_USE,
    SETTINGS_STAGE_NOT_FOUND,
)

STAGE_CODE = re.compile(r"[a-z0-9_]{1,40}")
stages_t = schema.funnel_stages
offers_t = schema.offers


@dataclass(frozen=True)
class Stage:
    code: str
    name_ja: str
    name_en: str
    position: int


@dataclass(frozen=True)
class StageInput:
    code: str
    name_ja: str
    name_en: str


@dataclass(frozen=True)
class Offer:
    id: int
    name: str
    ladder_rank: int
    description: str | None


@dataclass(frozen=True)
class OfferInput:
    name: str
    description: str | None = None
    id: int | None = None  # None: a new offer


# -- funnel stages ----------------------------------------------------------------------------------
def _stages(conn: Connection) -> list[Stage]:
    rows = conn.execute(select(stages_t).order_by(stages_t.c.position))
    return [Stage(r.code, r.name_ja, r.name_en, r.position) for r in rows]


def _clean_stage(code: object, name_ja: object, name_en: object) -> StageInput:
    text = "" if code is None else str(code).strip()
    if not STAGE_CODE.fullmatch(text):
        raise TenbinError(SETTINGS_STAGE_CODE_INVALID, {"code": text}, Place(field="code"))
    return StageInput(text, required_text(name_ja, "name_ja", 100), required_text(name_en, "name_en", 100))


def _stage(conn: Connection, code: str) -> Stage:
    found = next((s for s in _stages(conn) if s.code == code), None)
    if found is None:
        raise TenbinError(SETTINGS_STAGE_NOT_FOUND, {"code": code}, Place(field="code"))
    return found


def _renumber_stages(conn: Connection, codes: Sequence[str]) -> None:
    """Positions 1…n in the given order. Two passes: ``position`` is unique, so no row may take
    a position another row still holds (PostgreSQL checks unique constraints per statement)."""
    for i, code in enumerate(codes, start=1):
        conn.execute(update(stages_t).where(stages_t.c.code == code).values(position=-i))
    for i, code in enumerate(codes, start=1):
        conn.execute(update(stages_t).where(stages_t.c.code == code).values(position=i))


def _stage_events(conn: Connection, code: str) -> int:
    query = (
        select(func.count())
        .select_from(schema.stage_events.join(stages_t, stages_t.c.id == schema.stage_events.c.stage_id))
        .where(stages_t.c.code == code)
    )
    return int(conn.execute(query).scalar_one())


def list_stages(engine: Engine) -> list[Stage]:
    with engine.connect() as conn:
        return _stages(conn)


def add_stage(engine: Engine, *, code: str, name_ja: str, name_en: str, actor: str) -> Stage:
    """A new stage at the end of the funnel."""
    clean = _clean_stage(code, name_ja, name_en)
    with write_transaction(engine) as conn:
        current = _stages(conn)
        if any(s.code == clean.code for s in current):
            raise TenbinError(SETTINGS_STAGE_CODE_EXISTS, {"code": clean.code}, Place(field="code"))
        position = max((s.position for s in current), default=0) + 1
        conn.execute(insert(stages_t).values(**asdict(clean), position=position))
        stage = _stage(conn, clean.code)
        audit.record(
            conn, actor=actor, action="settings.stage.add", entity="funnel_stage", entity_id=clean.code,
            detail={"before": None, "after": asdict(stage)},
        )  # fmt: skip
    return stage


def update_stage(engine: Engine, *, code: str, name_ja: str, name_en: str, actor: str) -> Stage:
    """Rename a stage (its code stays: metrics and imports refer to it)."""
    clean = _clean_stage(code, name_ja, name_en)
    with write_transaction(engine) as conn:
        before = _stage(conn, clean.code)
        conn.execute(
            update(stages_t).where(stages_t.c.code == clean.code).values(name_ja=clean.name_ja, name_en=clean.name_en)
        )
        after = _stage(conn, clean.code)
        audit.record(
            conn, actor=actor, action="settings.stage.update", entity="funnel_stage", entity_id=clean.code,
            detail={"before": asdict(before), "after": asdict(after)},
        )  # fmt: skip
    return after


def move_stage(engine: Engine, *, code: str, offset: int, actor: str) -> list[Stage]:
    """Move a stage ``offset`` places (-1 up, +1 down); the ends stay where they are."""
    with write_transaction(engine) as conn:
        stage = _stage(conn, code)
        codes = [s.code for s in _stages(conn)]
        i = codes.index(code)
        j = min(max(i + offset, 0), len(codes) - 1)
        if i != j:
            codes.insert(j, codes.pop(i))
            _renumber_stages(conn, codes)
            audit.record(
                conn, actor=actor, action="settings.stage.move", entity="funnel_stage", entity_id=code,
                detail={"before": {"position": stage.position}, "after": {"position": j + 1}},
            )  # fmt: skip
        return _stages(conn)


def delete_stage(engine: Engine, *, code: str, actor: str) -> None:
    """Delete a stage no stage record uses (SETTINGS_STAGE_IN_USE otherwise)."""
    with write_transaction(engine) as conn:
        stage = _stage(conn, code)
        _refuse_stage_in_use(conn, code)
        conn.execute(delete(stages_t).where(stages_t.c.code == code))
        _renumber_stages(conn, [s.code for s in _stages(conn)])
        audit.record(
            conn, actor=actor, action="settings.stage.delete", entity="funnel_stage", entity_id=code,
            detail={"before": asdict(stage), "after": None},
        )  # fmt: skip


def _refuse_stage_in_use(conn: Connection, code: str) -> None:
    events = _stage_events(conn, code)
    if events:
        raise TenbinError(SETTINGS_STAGE_IN_USE, {"code": code, "events": events}, Place(field="code"))


def save_stages(engine: Engine, *, stages: Sequence[StageInput], actor: str) -> list[Stage]:
    """Replace the funnel with ``stages`` in order, matched by code: known codes are renamed and
    moved, new ones added, missing ones deleted (refused when stage records use them)."""
    clean = [_clean_stage(s.code, s.name_ja, s.name_en) for s in stages]
    seen: set[str] = set()
    for s in clean:
        if s.code in seen:
            raise TenbinError(SETTINGS_STAGE_CODE_EXISTS, {"code": s.code}, Place(field="code"))
        seen.add(s.code)
    with write_transaction(engine) as conn:
        before = _stages(conn)
        for gone in {s.code for s in before} - seen:
            _refuse_stage_in_use(conn, gone)
            conn.execute(delete(stages_t).where(stages_t.c.code == gone))
        known = {s.code for s in before}
        top = max((s.position for s in before), default=0)
        for i, s in enumerate(clean, start=1):
            if s.code in known:
                conn.execute(
                    update(stages_t).where(stages_t.c.code == s.code).values(name_ja=s.name_ja, name_en=s.name_en)
                )
            else:
                conn.execute(insert(stages_t).values(**asdict(s), position=top + i))
        _renumber_stages(conn, [s.code for s in clean])
        after = _stages(conn)
        if after != before:
            audit.record(
                conn, actor=actor, action="settings.stages.save", entity="funnel_stage",
                detail={"before": [asdict(s) for s in before], "after": [asdict(s) for s in after]},
            )  # fmt: skip
    return after


# -- offers (the offer ladder: rank 1 is furthest from purchase) ------------------------------------
def _offers(conn: Connection) -> list[Offer]:
    rows = conn.execute(select(offers_t).order_by(offers_t.c.ladder_rank, offers_t.c.id))
    return [Offer(r.id, r.name, r.ladder_rank, r.description) for r in rows]


def _offer(conn: Connection, offer_id: int) -> Offer:
    found = next((o for o in _offers(conn) if o.id == offer_id), None)
    if found is None:
        raise TenbinError(SETTINGS_OFFER_NOT_FOUND, {"offer_id": offer_id})
    return found


def _offer_dict(offer: Offer) -> dict[str, object]:
    return asdict(offer)


def _rerank(conn: Connection, ids: Sequence[int]) -> None:
    for rank, offer_id in enumerate(ids, start=1):
        conn.execute(update(offers_t).where(offers_t.c.id == offer_id).values(ladder_rank=rank))


def _refuse_offer_name(conn: Connection, name: str, offer_id: int | None) -> None:
    query = select(offers_t.c.id).where(offers_t.c.name == name)
    if offer_id is not None:
        query = query.where(offers_t.c.id != offer_id)
    if conn.execute(query).first() is not None:
        raise TenbinError(SETTINGS_OFFER_EXISTS, {"name": name}, Place(field="name"))


def list_offers(engine: Engine) -> list[Offer]:
    with engine.connect() as conn:
        return _offers(conn)


def add_offer(engine: Engine, *, name: str, actor: str, description: str | None = None) -> Offer:
    """A new offer at the top of the ladder (closest to purchase)."""
    clean_name = required_text(name, "name", 200)
    clean_description = clean_text(description, "description", 2000, required=False)
    with write_transaction(engine) as conn:
        _refuse_offer_name(conn, clean_name, None)
        rank = max((o.ladder_rank for o in _offers(conn)), default=0) + 1
        offer_id = conn.execute(
            insert(offers_t)
            .values(name=clean_name, ladder_rank=rank, description=clean_description)
            .returning(offers_t.c.id)
        ).scalar_one()
        offer = _offer(conn, offer_id)
        audit.record(
            conn, actor=actor, action="settings.offer.add", entity="offer", entity_id=offer_id,
            detail={"before": None, "after": _offer_dict(offer)},
        )  # fmt: skip
    return offer


def update_offer(engine: Engine, *, offer_id: int, name: str, actor: str, description: str | None = None) -> Offer:
    clean_name = required_text(name, "name", 200)
    clean_description = clean_text(description, "description", 2000, required=False)
    with write_transaction(engine) as conn:
        before = _offer(conn, offer_id)
        _refuse_offer_name(conn, clean_name, offer_id)
        conn.execute(
            update(offers_t).where(offers_t.c.id == offer_id).values(name=clean_name, description=clean_description)
        )
        after = _offer(conn, offer_id)
        audit.record(
            conn, actor=actor, action="settings.offer.update", entity="offer", entity_id=offer_id,
            detail={"before": _offer_dict(before), "after": _offer_dict(after)},
        )  # fmt: skip
    return after


def move_offer(engine: Engine, *, offer_id: int, offset: int, actor: str) -> list[Offer]:
    """Move an offer ``offset`` rungs (-1 further from purchase, +1 closer)."""
    with write_transaction(engine) as conn:
        offer = _offer(conn, offer_id)
        ids = [o.id for o in _offers(conn)]
        i = ids.index(offer_id)
        j = min(max(i + offset, 0), len(ids) - 1)
        if i != j:
            ids.insert(j, ids.pop(i))
            _rerank(conn, ids)
            audit.record(
                conn, actor=actor, action="settings.offer.move", entity="offer", entity_id=offer_id,
                detail={"before": {"ladder_rank": offer.ladder_rank}, "after": {"ladder_rank": j + 1}},
            )  # fmt: skip
        return _offers(conn)


def _refuse_offer_in_use(conn: Connection, offer: Offer) -> None:
    used = conn.execute(select(func.count()).where(schema.responses.c.offer_id == offer.id)).scalar_one()
    if used:
        raise TenbinError(SETTINGS_OFFER_IN_USE, {"name": offer.name, "responses": used})


def delete_offer(engine: Engine, *, offer_id: int, actor: str) -> None:
    """Delete an offer no response uses (SETTINGS_OFFER_IN_USE otherwise)."""
    with write_transaction(engine) as conn:
        offer = _offer(conn, offer_id)
        _refuse_offer_in_use(conn, offer)
        conn.execute(delete(offers_t).where(offers_t.c.id == offer_id))
        _rerank(conn, [o.id for o in _offers(conn)])
        audit.record(
            conn, actor=actor, action="settings.offer.delete", entity="offer", entity_id=offer_id,
            detail={"before": _offer_dict(offer), "after": None},
        )  # fmt: skip


def save_offers(engine: Engine, *, offers: Sequence[OfferInput], actor: str) -> list[Offer]:
    """Replace the ladder with ``offers`` in order (rank 1 first): items with an id update that
    offer, items without one are added, offers left out are deleted (refused when in use)."""
    clean = [
        OfferInput(
            required_text(o.name, "name", 200), clean_text(o.description, "description", 2000, required=False), o.id
        )
        for o in offers
    ]
    names: set[str] = set()
    for o in clean:
        if o.name in names:
            raise TenbinError(SETTINGS_OFFER_EXISTS, {"name": o.name}, Place(field="name"))
        names.add(o.name)
    with write_transaction(engine) as conn:
        before = _offers(conn)
        known = {o.id: o for o in before}
        for o in clean:
            if o.id is not None and o.id not in known:
                raise TenbinError(SETTINGS_OFFER_NOT_FOUND, {"offer_id": o.id}, Place(field="id"))
        kept = {o.id for o in clean if o.id is not None}
        for gone in [o for o in before if o.id not in kept]:
            _refuse_offer_in_use(conn, gone)
            conn.execute(delete(offers_t).where(offers_t.c.id == gone.id))
        # free every kept name first, so that two offers may swap names in one save
        for offer_id in kept:
            conn.execute(update(offers_t).where(offers_t.c.id == offer_id).values(name=f"~tmp~{offer_id}"))
        ids = []
        for o in clean:
            values = {"name": o.name, "description": o.description}
            if o.id is None:
                ids.append(
                    conn.execute(insert(offers_t).values(**values, ladder_rank=0).returning(offers_t.c.id)).scalar_one()
                )
            else:
                conn.execute(update(offers_t).where(offers_t.c.id == o.id).values(**values))
                ids.append(o.id)
        _rerank(conn, ids)
        after = _offers(conn)
        if after != before:
            audit.record(
                conn, actor=actor, action="settings.offers.save", entity="offer",
                detail={"before": [_offer_dict(o) for o in before], "after": [_offer_dict(o) for o in after]},
            )  # fmt: skip
    return after
