"""Totals per local day (Asia/Shanghai) × behaviour, × partner, × asset, and a partner's own per
day × behaviour and × asset: the contributor that keeps them and the query behind the routes.

Keys (`tanhui.models.reductions`), three items a credit:
- TOTALS#behaviour#<YYYY-MM>#<shard> / <YYYY-MM-DD>#<behaviour>
- TOTALS#partner#<YYYY-MM>#<shard> / <YYYY-MM-DD>#<partner>#<behaviour>, on gsi1 as
  PARTNER#<id>#TOTALS#behaviour#<YYYY-MM> / <YYYY-MM-DD>#<behaviour> (the partner's own view)
- TOTALS#asset#<YYYY-MM>#<shard> / <YYYY-MM-DD>#<asset>, on gsi1 as
  PARTNER#<id>#TOTALS#asset#<YYYY-MM> / <YYYY-MM-DD>#<asset>
There is no item per day alone (it would be written by every claim of the day): `group_by=day`
sums the day's behaviour items. No record carries a region today (a code knows its partner and
asset, not where it hangs; a file row has no place), so there are no region totals; a region
would be one more group here once assets carry one.

Reading: a range of days is one bounded Query per month and shard (sort keys BETWEEN the first and
last day): ≤ 13 × 8 = 104 Queries for the longest range (366 days) of the admin view, ≤ 13 gsi1
Queries for a partner's own view (eventually consistent, as the stream is); never a Scan. They
run `QUERY_THREADS` at a time, so a year answers in about a month's time.

Hot keys: the stream is read per shard, one batch (≤ 100 records) at a time, and a batch's deltas
are summed per item before they are written, so an item is written at most once per transaction,
whatever the claim rate. Each transaction writes its group totals on one of TOTALS_SHARDS partition
keys (a hash of its first record), so one value's day total is up to 8 items (read and summed by
the query) and concurrent batches of other stream shards mostly write other keys: at 10,000
claims/s, ~40 stream shards × ~3 batches/s ≈ 120 transactions/s spread over 8 keys ≈ 15 updates/s
on the busiest item (one behaviour's total of the day), against the 1,000 WCU/s a partition serves
(a transactional write of ≤ 1 KB is 2 WCU). A partner's own items are its own keys.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

from tanhui import errors
from tanhui.models.assets import Asset
from tanhui.models.partner import Partner
from tanhui.models.reductions import (
    Totals,
    day_and_value,
    partner_totals_gsi1pk,
    totals_pk,
    totals_pks,
    totals_sk,
    totals_sk_range,
)
from tanhui.reductions.adds import Add
from tanhui.reductions.deltas import Delta
from tanhui.reductions.schemas import Group, Sums, TotalsOut

GROUPS = ("behaviour", "partner", "asset")
PARTNER_GROUPS = ("behaviour", "asset")
MAX_DAYS = 366
QUERY_THREADS = 10  # models.base.TableMeta.max_pool_connections: a connection each
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class InvalidDate(errors.BadRequest):
    code, message = "invalid_date", "Send from and to as dates, YYYY-MM-DD."


class InvalidRange(errors.BadRequest):
    code, message = "invalid_range", "to must not be before from."


class RangeTooLong(errors.BadRequest):
    code, message = "range_too_long", f"A range is at most {MAX_DAYS} days."


class InvalidGroupBy(errors.BadRequest):
    code, message = "invalid_group_by", "group_by is not one of this route's groupings."


def _numbers(delta: Delta) -> dict[str, int]:
    return {"gco2e": delta.gco2e, "coins": delta.coins, "count": delta.count}


def contribute(delta: Delta, *, shard: int) -> list[Add]:
    """What a delta adds to the totals items, on the totals shard of the transaction writing it."""
    month, day, behaviour, partner = delta.day[:7], delta.day, delta.behaviour or "", delta.partner_id
    adds = [Add(totals_pk("behaviour", month, shard), totals_sk(day, behaviour), _numbers(delta))]
    if partner is None:
        return adds
    adds.append(Add(totals_pk("partner", month, shard), totals_sk(day, f"{partner}#{behaviour}"),
                    _numbers(delta), keep={"gsi1pk": partner_totals_gsi1pk(partner, "behaviour", month),
                                           "gsi1sk": totals_sk(day, behaviour)}))
    if delta.asset_id is not None:
        adds.append(Add(totals_pk("asset", month, shard), totals_sk(day, delta.asset_id), _numbers(delta),
                        keep={"gsi1pk": partner_totals_gsi1pk(partner, "asset", month),
                              "gsi1sk": totals_sk(day, delta.asset_id)}))
    return adds


# ------------------------------------------------------------------------------------- queries
def _day(text: str | None) -> date:
    if text is None or not _DAY.match(text):
        raise InvalidDate()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDate() from None


def _months(first: date, last: date) -> list[str]:
    out, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def query(
    first_day: str | None, last_day: str | None, group_by: str | None, *, partner_id: str | None = None
) -> TotalsOut:
    """Totals of the local days first..last (inclusive) by `group_by`; a partner's own when
    `partner_id` is given. Partners and assets come with their names, read in batches, so a
    chart by partner or asset is one call."""
    allowed = (*PARTNER_GROUPS, "day") if partner_id else (*GROUPS, "day")
    first, last = _day(first_day), _day(last_day)
    if group_by not in allowed:
        raise InvalidGroupBy(details={"allowed": list(allowed)})
    if last < first:
        raise InvalidRange()
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeTooLong()
    group = "behaviour" if group_by == "day" else str(group_by)
    lo, hi = totals_sk_range(first.isoformat(), last.isoformat())
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    months = _months(first, last)
    if partner_id is not None:
        reads = [_read(Totals.by_partner, partner_totals_gsi1pk(partner_id, group, m), Totals.gsi1sk, lo, hi)
                 for m in months]
    else:
        reads = [_read(Totals, pk, Totals.sk, lo, hi) for m in months for pk in totals_pks(group, m)]
    for found in _concurrently(reads):
        for item, sk in found:
            day, value = day_and_value(sk)
            s = sums[day if group_by == "day" else value]
            s[0] += int(item.gco2e)
            s[1] += int(item.coins)
            s[2] += int(item.credits)
    kept = {k: v for k, v in sums.items() if any(v)}
    names = _names(str(group_by), partner_id, sorted(kept))
    groups = [Group(key=k, name=names.get(k), gco2e=g, coins=c, count=n)
              for k, (g, c, n) in sorted(kept.items())]
    return TotalsOut(
        from_day=first.isoformat(),
        to_day=last.isoformat(),
        group_by=str(group_by),
        partner_id=partner_id,
        groups=groups,
        totals=Sums(gco2e=sum(x.gco2e for x in groups), coins=sum(x.coins for x in groups),
                    count=sum(x.count for x in groups)),
    )


def _read(source: Any, pk: str, sort_key: Any, lo: str, hi: str) -> Callable[[], list[tuple[Totals, str]]]:
    """One bounded Query (the table's or the partner's index), read whole: (item, sort key) pairs."""
    def read() -> list[tuple[Totals, str]]:
        items = source.query(pk, sort_key.between(lo, hi))
        return [(item, str(getattr(item, sort_key.attr_name))) for item in items]

    return read


def _concurrently(reads: list[Callable[[], list[tuple[Totals, str]]]]) -> list[list[tuple[Totals, str]]]:
    """The Queries of a range at once, `QUERY_THREADS` at a time: a year (13 months, each one
    Query of a partner's index or 8 shards of the table) costs about a month's round trips."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, min(QUERY_THREADS, len(reads)))) as pool:
        return list(pool.map(lambda read: read(), reads))


def _names(group_by: str, partner_id: str | None, keys: list[str]) -> dict[str, str]:
    """The names of the partners or of the partner's assets the groups are keyed by."""
    if not keys:
        return {}
    if group_by == "partner":
        return {p.partner_id: p.name for p in Partner.batch_get([Partner.key(k) for k in keys])}
    if group_by == "asset" and partner_id is not None:
        return {a.asset_id: a.name for a in Asset.batch_get([Asset.key(partner_id, k) for k in keys])}
    return {}
