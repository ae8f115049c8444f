"""Channels with their orientation (量重視 quantity / 質重視 quality), and the balance targets:
the ICP-rate band (below it 量寄り, above it 質寄り), optionally per funnel stage, and volume targets.

Both live in ``workspace_settings`` (keys ``channels`` and ``targets``) as JSON; a workspace that
never saved them reads the defaults below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from tenbin.auth import audit
from tenbin.db import schema
from tenbin.db.engine import write_transaction
from tenbin.errors import Place, TenbinError
from tenbin.workspace.common import clean_count, read_setting, required_text, write_setting
from tenbin.workspace.errors import (
    SETTINGS_BAND_INVALID,
    SETTINGS_CHANNEL_EXISTS,
    SETTINGS_CHANNEL_NOT_FOUND,
    SETTINGS_ORIENTATION_INVALID,
    SETTINGS_TARGET_STAGE_UNKNOWN,
)

CHANNELS_KEY = "channels"
TARGETS_KEY = "targets"
ORIENTATIONS = ("quantity", "quality")

# The import's defaults (tenbin.imports.specs.CHANNEL_ORIENTATION, which a test keeps in step with
# this table) with English names. Codes are the channel as campaigns store it.
DEFAULT_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("展示会", "Trade shows", "quantity"),
    ("ウェビナー", "Webinars", "quantity"),
    ("SEO/コンテンツ", "SEO / content", "quantity"),
    ("広告", "Advertising", "quantity"),
    ("比較サイト", "Comparison sites", "quantity"),
    ("自社セミナー", "Own seminars", "quantity"),
    ("個別セミナー", "Individual seminars", "quality"),
    ("ホワイトペーパー", "White papers", "quality"),
    ("紹介", "Referrals", "quality"),
    ("アウトバウンド", "Outbound", "quality"),
)


@dataclass(frozen=True)
class Channel:
    code: str
    name_ja: str
    name_en: str
    orientation: str  # quantity | quality


@dataclass(frozen=True)
class Band:
    """The ICP-rate target band in percent: below ``low`` is 量寄り, above ``high`` is 質寄り."""

    low: float
    high: float


@dataclass(frozen=True)
class Targets:
    icp_rate: Band = Band(30.0, 50.0)
    stage_bands: dict[str, Band] = field(default_factory=dict)  # stage code → its own band
    leads_per_month: int | None = None
    opportunities_per_month: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# -- channels ---------------------------------------------------------------------------------------
def default_channels() -> list[Channel]:
    return [Channel(code, code, en, orientation) for code, en, orientation in DEFAULT_CHANNELS]


def _clean_channel(channel: Channel) -> Channel:
    orientation = str(channel.orientation or "").strip()
    if orientation not in ORIENTATIONS:
        raise TenbinError(SETTINGS_ORIENTATION_INVALID, {"orientation": orientation}, Place(field="orientation"))
    return Channel(
        required_text(channel.code, "code", 100),
        required_text(channel.name_ja, "name_ja", 100),
        required_text(channel.name_en, "name_en", 100),
        orientation,
    )


def _read_channels(stored: Any) -> list[Channel]:
    if not isinstance(stored, list):
        return default_channels()
    return [Channel(c["code"], c["name_ja"], c["name_en"], c["orientation"]) for c in stored]


def list_channels(engine: Engine) -> list[Channel]:
    with engine.connect() as conn:
        return _read_channels(read_setting(conn, CHANNELS_KEY))


def save_channels(
    engine: Engine, *, channels: Sequence[Channel], actor: str, action: str = "settings.channels.save",
    entity_id: str | None = None,
) -> list[Channel]:  # fmt: skip
    """Replace the channel list (codes unique); audited with the lists before and after."""
    clean = [_clean_channel(c) for c in channels]
    codes: set[str] = set()
    for c in clean:
        if c.code in codes:
            raise TenbinError(SETTINGS_CHANNEL_EXISTS, {"code": c.code}, Place(field="code"))
        codes.add(c.code)
    with write_transaction(engine) as conn:
        before = _read_channels(read_setting(conn, CHANNELS_KEY))
        write_setting(conn, CHANNELS_KEY, [asdict(c) for c in clean])
        audit.record(
            conn, actor=actor, action=action, entity="channel", entity_id=entity_id,
            detail={"before": [asdict(c) for c in before], "after": [asdict(c) for c in clean]},
        )  # fmt: skip
    return clean


def add_channel(engine: Engine, *, channel: Channel, actor: str) -> list[Channel]:
    current = list_channels(engine)
    if any(c.code == channel.code.strip() for c in current):
        raise TenbinError(SETTINGS_CHANNEL_EXISTS, {"code": channel.code.strip()}, Place(field="code"))
    return save_channels(
        engine, channels=[*current, channel], actor=actor, action="settings.channel.add", entity_id=channel.code.strip()
    )


def update_channel(engine: Engine, *, channel: Channel, actor: str) -> list[Channel]:
    """Rename a channel or change its orientation (the code stays)."""
    current = list_channels(engine)
    if not any(c.code == channel.code for c in current):
        raise TenbinError(SETTINGS_CHANNEL_NOT_FOUND, {"code": channel.code})
    changed = [channel if c.code == channel.code else c for c in current]
    return save_channels(
        engine, channels=changed, actor=actor, action="settings.channel.update", entity_id=channel.code
    )


def delete_channel(engine: Engine, *, code: str, actor: str) -> list[Channel]:
    """Remove a channel from the list (campaigns keep their channel text and orientation)."""
    current = list_channels(engine)
    if not any(c.code == code for c in current):
        raise TenbinError(SETTINGS_CHANNEL_NOT_FOUND, {"code": code})
    kept = [c for c in current if c.code != code]
    return save_channels(engine, channels=kept, actor=actor, action="settings.channel.delete", entity_id=code)


# -- targets ----------------------------------------------------------------------------------------
def clean_band(low: object, high: object) -> Band:
    """0 ≤ low < high ≤ 100 (percent), or SETTINGS_BAND_INVALID."""
    try:
        lo = float(str(low).strip().rstrip("%")) if low is not None else float("nan")
        hi = float(str(high).strip().rstrip("%")) if high is not None else float("nan")
    except ValueError:
        raise TenbinError(SETTINGS_BAND_INVALID, {"low": low, "high": high}, Place(field="icp_rate")) from None
    if not 0 <= lo < hi <= 100:  # also false for NaN
        raise TenbinError(SETTINGS_BAND_INVALID, {"low": low, "high": high}, Place(field="icp_rate"))
    return Band(round(lo, 2), round(hi, 2))


def _read_targets(stored: Any) -> Targets:
    if not isinstance(stored, dict):
        return Targets()
    rate = stored.get("icp_rate") or {}
    return Targets(
        icp_rate=Band(float(rate.get("low", 30.0)), float(rate.get("high", 50.0))),
        stage_bands={k: Band(float(v["low"]), float(v["high"])) for k, v in (stored.get("stage_bands") or {}).items()},
        leads_per_month=stored.get("leads_per_month"),
        opportunities_per_month=stored.get("opportunities_per_month"),
    )


def get_targets(engine: Engine) -> Targets:
    with engine.connect() as conn:
        return _read_targets(read_setting(conn, TARGETS_KEY))


def save_targets(
    engine: Engine,
    *,
    icp_rate: tuple[object, object],
    actor: str,
    stage_bands: Mapping[str, tuple[object, object]] | None = None,
    leads_per_month: object = None,
    opportunities_per_month: object = None,
) -> Targets:
    """Validate and store the targets (bands as (low, high) percent; volumes per month or None)."""
    targets = Targets(
        icp_rate=clean_band(*icp_rate),
        stage_bands={code: clean_band(*band) for code, band in (stage_bands or {}).items()},
        leads_per_month=clean_count(leads_per_month, "leads_per_month", high=10_000_000, volume=True),
        opportunities_per_month=clean_count(
            opportunities_per_month, "opportunities_per_month", high=10_000_000, volume=True
        ),
    )
    with write_transaction(engine) as conn:
        codes = set(conn.execute(select(schema.funnel_stages.c.code)).scalars())
        for code in targets.stage_bands:
            if code not in codes:
                raise TenbinError(SETTINGS_TARGET_STAGE_UNKNOWN, {"code": code}, Place(field="stage_bands"))
        before = _read_targets(read_setting(conn, TARGETS_KEY))
        write_setting(conn, TARGETS_KEY, targets.as_json())
        audit.record(
            conn, actor=actor, action="settings.targets.save", entity="targets",
            detail={"before": before.as_json(), "after": targets.as_json()},
        )  # fmt: skip
    return targets
