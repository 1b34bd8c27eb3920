"""Users' entries on the leaderboards: week and month, all users and per partner.

A user's stats item (`UserStats`) holds their entry on the all-users boards of their latest week
and month, a `PartnerBoard` item per partner their entry on that partner's boards: gsi2 lists the
week boards (gsi2pk = the board's partition, gsi2sk = the week's gCO2e), gsi4 the month boards
(gsi4pk, gsi4sk). The all-users board of a period is spread over RANK_SHARDS partitions (by
user), a partner's is one.

A credit of a later week (month) than the item's starts the new period with it: the entry moves to
the new board (the old one is past: only the current period's board is shown). A credit of the
item's period adds to it. A credit of an earlier period (a late file row, last week's credit taken
back) changes no board, only the lifetime numbers. Periods are those of the local date
(Asia/Shanghai) of occurred_at; a week is the ISO week, named by its ISO year (2027-01-01 is in
2026-W53); "2026-W49" < "2026-W50" < "2027-W01" as strings, as in time.
"""

from __future__ import annotations

from datetime import date

from tanhui.models.reductions import PartnerBoard, UserStats, board_pk
from tanhui.reductions.deltas import Delta

# period → (the item's period attribute, its board's index key attributes)
BOARDS = {"week": ("week", "gsi2pk", "gsi2sk"), "month": ("month", "gsi4pk", "gsi4sk")}


def periods(day: str) -> list[str]:
    """week#<ISO year>-W<ISO week> and month#<YYYY-MM> of a local date YYYY-MM-DD."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return [f"week#{year}-W{week:02d}", f"month#{day[:7]}"]


def add(item: UserStats | PartnerBoard, delta: Delta, *, partner_id: str | None = None) -> None:
    """Adds a delta's gCO2e to the item's week and month entries (one user's, all users' boards or
    one partner's)."""
    assert delta.user_id is not None
    for period in periods(delta.day):
        kind, key = period.split("#")
        name, pk, sk = BOARDS[kind]
        current = getattr(item, name)
        if current is None or key > current:
            setattr(item, name, key)
            setattr(item, pk, board_pk(period, delta.user_id, partner_id))
            setattr(item, sk, 0)
        if key == getattr(item, name):
            setattr(item, sk, int(getattr(item, sk) or 0) + delta.gco2e)
