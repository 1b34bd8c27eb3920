"""De-duplication keys: the identity of one behaviour, whichever channel reports it.

A scan and a partner's file row that describe the same behaviour produce the same key, so the
behaviour is credited once (去重). The behaviour record is stored at pk=<key> (`tanhui.models.behaviour`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

NIGHT_ROLLOVER_HOUR = 12  # scans before noon belong to the previous night
DEFAULT_TZ = "Asia/Shanghai"
LOCAL = ZoneInfo(DEFAULT_TZ)  # local days (caps, totals, periods) are this zone's dates
RIDE_WINDOW_SECONDS = 30 * 60


def single_use_code(serial: str) -> str:
    """Ticket and packaging codes: the printed serial is the behaviour."""
    return f"BEHAVIOUR#code#{serial}"


def hotel_night(user_id: str, night: str) -> str:
    """One low-carbon night per person, whichever room or hotel reports it."""
    return f"BEHAVIOUR#night#{user_id}#{night}"


def vehicle_ride(partner_id: str, asset_id: str, user_id: str, window: int) -> str:
    return f"BEHAVIOUR#ride#{partner_id}{asset_id}#{user_id}#{window}"


# behaviours only partners' files report: the row's own identity, whichever file carries it
def product_sale(partner_id: str, receipt: str, line: str) -> str:
    return f"BEHAVIOUR#sale#{partner_id}#{receipt}#{line}"


def plant_adoption(partner_id: str, tree_id: str, year: int) -> str:
    return f"BEHAVIOUR#plant#{partner_id}#{tree_id}#{year}"


def transit_month(card: str, month: str) -> str:
    return f"BEHAVIOUR#transit#{card}#{month}"


def utility_period(utility: str, account: str, period: str) -> str:
    return f"BEHAVIOUR#utility#{utility}#{account}#{period}"


def car_month(plate: str, month: str) -> str:
    return f"BEHAVIOUR#car#{plate}#{month}"


def waste_drop(card: str, at_iso: str, category: str) -> str:
    return f"BEHAVIOUR#waste#{card}#{at_iso}#{category}"


def night_of(at: datetime, tz: str = DEFAULT_TZ) -> str:
    """The local date of the evening a stay belongs to (YYYY-MM-DD)."""
    local = at.astimezone(ZoneInfo(tz))
    if local.hour < NIGHT_ROLLOVER_HOUR:
        local -= timedelta(days=1)
    return local.date().isoformat()


def ride_window(at: datetime, window_seconds: int = RIDE_WINDOW_SECONDS) -> int:
    return int(at.timestamp()) // window_seconds
