"""A user's lifetime stats: pk=USER#<user>, sk=REDUCTION#lifetime with gco2e, coins, count and the
sets of scenes (behaviours), channels and local days (YYYY-MM-DD) seen. The sets only grow: a
credit taken back lowers the numbers, not the days a user was active."""

from __future__ import annotations

from tanhui.models.reductions import UserLifetime
from tanhui.reductions.adds import Add
from tanhui.reductions.deltas import Delta


def contribute(delta: Delta) -> list[Add]:
    if delta.user_id is None:
        return []
    sets: dict[str, set[str]] = {"days": {delta.day}} if delta.count > 0 else {}
    if delta.count > 0 and delta.behaviour:
        sets["scenes"] = {delta.behaviour}
    if delta.count > 0 and delta.channel:
        sets["channels"] = {delta.channel}
    pk, sk = UserLifetime.key(delta.user_id)
    return [Add(pk, sk, {"gco2e": delta.gco2e, "coins": delta.coins, "count": delta.count}, sets)]
