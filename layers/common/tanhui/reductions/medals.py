"""Medals: awarded from a user's lifetime reduction stats, exactly once each.

What a user has earned is a pure function of the stats the aggregator keeps
(`REDUCTION#lifetime`: gCO2e, the channels and scenes seen, the local days active), so awarding is
state-based and safe to repeat: after every stream batch (replayed ones too) the users it touched
are looked at again, and each missing medal is put with `attribute_not_exists` — two aggregators
racing for the same user award it once. A medal stays when a later reversal lowers the stats.

    first_scan            the first code scanned
    scene_<behaviour>     the first behaviour of each scene (any channel)
    kg_1 / kg_10 / kg_100 1, 10, 100 kg CO2e reduced in all
    streak_7              seven local days in a row with a credited behaviour
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from tanhui.claims.schemas import BEHAVIOUR_NAMES, BEHAVIOURS
from tanhui.models.base import put_once, utc_now
from tanhui.models.identity import user_pk
from tanhui.models.medals import MEDAL_PREFIX, Medal
from tanhui.models.reductions import UserLifetime
from tanhui.observability import logger, metrics
from tanhui.reductions.deltas import Delta
from tanhui.reductions.schemas import MedalList, MedalOut

KG_THRESHOLDS = (1, 10, 100)
STREAK_DAYS = 7


@dataclass(frozen=True, slots=True)
class MedalRule:
    name: str
    title: str  # shown to the user, in Chinese
    description: str


def _rules() -> dict[str, MedalRule]:
    rules = [MedalRule("first_scan", "初次扫码", "Scanned a Tanhui code for the first time.")]
    rules += [
        MedalRule(f"scene_{b}", f"初体验·{BEHAVIOUR_NAMES[b]}",
                  f"The first {b.replace('_', ' ')} credited.")
        for b in BEHAVIOURS
    ]
    rules += [
        MedalRule(f"kg_{kg}", f"减碳{kg}千克", f"{kg} kg CO2e reduced in all.")
        for kg in KG_THRESHOLDS
    ]
    rules.append(MedalRule(f"streak_{STREAK_DAYS}", f"连续{STREAK_DAYS}天低碳",
                           f"A low-carbon behaviour on {STREAK_DAYS} days in a row."))
    return {r.name: r for r in rules}


RULES = _rules()


def longest_run(days: Iterable[str]) -> int:
    """The most consecutive dates among `days` (YYYY-MM-DD)."""
    dates = sorted({date.fromisoformat(d) for d in days})
    best = run = 0
    for i, d in enumerate(dates):
        run = run + 1 if i and d - dates[i - 1] == timedelta(days=1) else 1
        best = max(best, run)
    return best


def earned(gco2e: int, channels: Iterable[str], scenes: Iterable[str], days: Iterable[str]) -> set[str]:
    """The medals these lifetime stats have earned."""
    names = {f"scene_{s}" for s in scenes if f"scene_{s}" in RULES}
    if "scan" in set(channels):
        names.add("first_scan")
    names |= {f"kg_{kg}" for kg in KG_THRESHOLDS if gco2e >= kg * 1000}
    if longest_run(days) >= STREAK_DAYS:
        names.add(f"streak_{STREAK_DAYS}")
    return names


def award_for(deltas: Sequence[Delta]) -> None:
    """The aggregator's after-commit hook: the users a batch credited get what they have earned."""
    award([d.user_id for d in deltas if d.user_id is not None and d.count > 0])


def award(user_ids: Sequence[str]) -> int:
    """Awards every medal the users' stats have earned and they do not hold yet; returns how many
    were awarded by this call."""
    users = sorted(set(user_ids))
    if not users:
        return 0
    stats = UserLifetime.batch_get([UserLifetime.key(u) for u in users])
    wanted = {
        s.pk.removeprefix(user_pk("")):
            earned(int(s.gco2e or 0), s.channels or (), s.scenes or (), s.days or ())
        for s in stats
    }
    keys = [Medal.key(u, name) for u, names in wanted.items() for name in names]
    held = {(m.user_id, m.name) for m in Medal.batch_get(keys)} if keys else set()
    due = [(u, name) for u, names in wanted.items() for name in sorted(names) if (u, name) not in held]
    awarded = 0
    for user_id, name in due:
        if not put_once(Medal(*Medal.key(user_id, name), user_id=user_id, name=name, awarded_at=utc_now())):
            continue  # another aggregator awarded it a moment ago
        awarded += 1
        logger.info("medal awarded", extra={"user_id": user_id, "medal": name})
    if awarded:
        metrics.add_metric(name="MedalsAwarded", unit="Count", value=awarded)
    return awarded


def my_medals(user_id: str) -> MedalList:
    """The medals the user holds, in the order they were awarded."""
    held = Medal.query(user_pk(user_id), Medal.sk.startswith(MEDAL_PREFIX))
    items = [
        MedalOut(name=m.name, title=RULES[m.name].title, description=RULES[m.name].description,
                 awarded_at=m.awarded_at)
        for m in held if m.name in RULES
    ]
    return MedalList(items=sorted(items, key=lambda m: (m.awarded_at, m.name)))
