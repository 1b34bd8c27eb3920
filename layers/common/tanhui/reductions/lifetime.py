"""A user's lifetime reductions, on their stats item (`UserStats`): gco2e, coins, count and the sets
of scenes (behaviours), channels and local days (YYYY-MM-DD) seen. The sets only grow: a credit
taken back lowers the numbers, not the days a user was active."""

from __future__ import annotations

from tanhui.models.reductions import UserStats
from tanhui.reductions.deltas import Delta


def add(stats: UserStats, delta: Delta) -> None:
    stats.gco2e = int(stats.gco2e or 0) + delta.gco2e
    stats.coins = int(stats.coins or 0) + delta.coins
    stats.credits = int(stats.credits or 0) + delta.count
    if delta.count <= 0:
        return
    stats.days = (stats.days or set()) | {delta.day}
    if delta.behaviour:
        stats.scenes = (stats.scenes or set()) | {delta.behaviour}
    if delta.channel:
        stats.channels = (stats.channels or set()) | {delta.channel}
