"""Users' entries on the leaderboards: week and month, all users and per partner.

Four index boards, gCO2e as their numeric sort keys:

    gsi2  a week's all-users board    RANK#week#<week>#ALL#<shard>    (users' stats items)
    gsi4  a month's all-users board   RANK#month#<month>#ALL#<shard>
    gsi5  a week's board of a partner RANK#week#<week>#P#<partner>   (stats items and partner boards)
    gsi6  a month's board of a partner RANK#month#<month>#P#<partner>

A user's stats item (`UserStats`) holds their entries on the all-users boards of their latest week
and month and, for their home partner (that of their first credit with a partner), on that
partner's boards; a `PartnerBoard` item per other partner holds their entries on its boards. Most
users earn with one partner in a period: their credits change one item. The all-users board of a
period is spread over RANK_SHARDS partitions (by user), a partner's is one.

A credit of a later week (month) than the item's starts the new period with it: the entries move
to the new boards (the old ones are past: only the current period's boards are shown). A credit of
the item's period adds to it. A credit of an earlier period (a late file row, last week's credit
taken back) changes no board, only the lifetime. Periods are those of the local date
(Asia/Shanghai) of occurred_at; a week is the ISO week, named by its ISO year (2027-01-01 is in
2026-W53); "2026-W49" < "2026-W50" < "2027-W01" as strings, as in time.
"""

from __future__ import annotations

from datetime import date

from tanhui.models.reductions import PartnerBoard, UserStats, board_pk
from tanhui.reductions.deltas import Delta

# period → (the item's period attribute, the all-users board's index keys, a partner board's)
BOARDS = {"week": ("week", ("gsi2pk", "gsi2sk"), ("gsi5pk", "gsi5sk")),
          "month": ("month", ("gsi4pk", "gsi4sk"), ("gsi6pk", "gsi6sk"))}
Entries = list[tuple[tuple[str, str], str | None]]  # (index keys, partner or None for all users')


def periods(day: str) -> list[str]:
    """week#<ISO year>-W<ISO week> and month#<YYYY-MM> of a local date YYYY-MM-DD."""
    year, week, _ = date.fromisoformat(day).isocalendar()
    return [f"week#{year}-W{week:02d}", f"month#{day[:7]}"]


def home_of(stats: UserStats, deltas: list[Delta]) -> str | None:
    """The user's home partner once these deltas (in order) are applied."""
    first = (d.partner_id for d in deltas if d.partner_id is not None and d.count > 0)
    return stats.home or next(first, None)


def add_to_stats(stats: UserStats, delta: Delta) -> None:
    """A delta's gCO2e on the user's all-users entries and, if it is with their home partner, on
    that partner's (a first credit with a partner makes it the home partner)."""
    assert delta.user_id is not None
    if stats.home is None and delta.partner_id is not None and delta.count > 0:
        stats.home = delta.partner_id
        for kind, (name, _, partner) in BOARDS.items():  # the periods it already has entries in
            if getattr(stats, name) is not None:
                _start(stats, f"{kind}#{getattr(stats, name)}", partner, delta.user_id, stats.home)
    for period in periods(delta.day):
        _, everyone, partner = BOARDS[period.split("#")[0]]
        entries: Entries = [(everyone, None)]
        if stats.home is not None:
            entries.append((partner, stats.home))
        if _in_period(stats, period, delta.user_id, entries):
            _add(stats, everyone, delta.gco2e)
            if stats.home is not None and delta.partner_id == stats.home:
                _add(stats, partner, delta.gco2e)


def add_to_partner_board(board: PartnerBoard, delta: Delta) -> None:
    """A delta's gCO2e on the user's entries on the boards of a partner other than their home."""
    assert delta.user_id is not None and delta.partner_id is not None
    for period in periods(delta.day):
        _, _, partner = BOARDS[period.split("#")[0]]
        if _in_period(board, period, delta.user_id, [(partner, delta.partner_id)]):
            _add(board, partner, delta.gco2e)


def _in_period(item: UserStats | PartnerBoard, period: str, user_id: str, entries: Entries) -> bool:
    """Whether a credit of `period` counts on the item's boards: its period (a later one starts
    the item's entries again at 0), not an earlier one."""
    kind, key = period.split("#")
    name = BOARDS[kind][0]
    current = getattr(item, name)
    if current is None or key > current:
        setattr(item, name, key)
        for keys, partner_id in entries:
            _start(item, period, keys, user_id, partner_id)
    return key == getattr(item, name)


def _start(item: UserStats | PartnerBoard, period: str, keys: tuple[str, str], user_id: str,
           partner_id: str | None) -> None:
    pk, sk = keys
    setattr(item, pk, board_pk(period, user_id, partner_id))
    setattr(item, sk, 0)


def _add(item: UserStats | PartnerBoard, keys: tuple[str, str], gco2e: int) -> None:
    _, sk = keys
    setattr(item, sk, int(getattr(item, sk) or 0) + gco2e)
