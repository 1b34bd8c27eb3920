"""Medals: awarded from a user's lifetime reductions, exactly once each.

What a user has earned is a pure function of the lifetime stats on their stats item (`UserStats`:
gCO2e, the channels and scenes seen, the local days active). The aggregator awards, on the same
item and in the same write as the credits that earn them, each earned medal the item does not hold
yet (`medals`: name → awarded at): the item is put back on its version, so two deliveries racing
for one user award a medal once. A medal stays when a later reversal lowers the stats.

    first_scan            the first code scanned
    scene_<behaviour>     the first behaviour of each scene (any channel)
    kg_1 / kg_10 / kg_100 1, 10, 100 kg CO2e reduced in all
    streak_7              seven local days in a row with a credited behaviour
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from pynamodb.attributes import MapAttribute

from tanhui.claims.schemas import BEHAVIOUR_NAMES, BEHAVIOUR_NAMES_EN, BEHAVIOURS
from tanhui.models.reductions import UserStats
from tanhui.reductions.schemas import CatalogueMedal, MedalList, MedalOut, Words

KG_THRESHOLDS = (1, 10, 100)
STREAK_DAYS = 7


class Bilingual(NamedTuple):
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class MedalRule:
    name: str
    title: Bilingual  # the medal's name
    earned_by: Bilingual  # how it is earned


def _rules() -> dict[str, MedalRule]:
    names, names_en = BEHAVIOUR_NAMES, BEHAVIOUR_NAMES_EN
    rules = [MedalRule("first_scan", Bilingual("初次扫码", "First scan"),
                       Bilingual("第一次扫描碳惠码领取碳币",
                                 "Scan a Tanhui code and claim coins for the first time"))]
    rules += [
        MedalRule(f"scene_{b}", Bilingual(f"初体验·{names[b]}", f"First {names_en[b].lower()}"),
                  Bilingual(f"第一次获得“{names[b]}”的碳币",
                            f'Get coins for "{names_en[b]}" for the first time'))
        for b in BEHAVIOURS
    ]
    rules += [
        MedalRule(f"kg_{kg}", Bilingual(f"减碳{kg}千克", f"{kg} kg saved"),
                  Bilingual(f"累计减少 {kg} 千克二氧化碳当量", f"Save {kg} kg CO2e in all"))
        for kg in KG_THRESHOLDS
    ]
    n = STREAK_DAYS
    rules.append(MedalRule(f"streak_{n}", Bilingual(f"连续{n}天低碳", f"{n}-day streak"),
                           Bilingual(f"连续 {n} 天都有低碳行为获得碳币",
                                     f"Earn coins for a low-carbon behaviour {n} days in a row")))
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


def held(stats: UserStats) -> dict[str, str]:
    """The medals a stats item holds: name → awarded at."""
    medals = stats.medals
    found = medals.as_dict() if isinstance(medals, MapAttribute) else dict(medals or {})
    return {str(k): str(v) for k, v in found.items()}


def award(stats: UserStats, at: str) -> list[str]:
    """Puts on the stats item each medal its lifetime stats have earned and it does not hold yet
    (awarded `at`); returns their names."""
    have = held(stats)
    due = sorted(earned(int(stats.gco2e or 0), stats.channels or (), stats.scenes or (), stats.days or ())
                 - have.keys())
    if due:
        stats.medals = {**have, **dict.fromkeys(due, at)}  # type: ignore[assignment]
    return due


def my_medals(user_id: str) -> MedalList:
    """Every medal for this user: `catalogue`, the held ones first (oldest first) then the others
    in the catalogue's order (`awarded_at` null); `items`, the held ones alone, as before."""
    try:
        have = held(UserStats.get(*UserStats.key(user_id)))
    except UserStats.DoesNotExist:
        have = {}
    # a medal no longer in the catalogue is not shown
    held_names = sorted((n for n in have if n in RULES), key=lambda n: (have[n], n))
    items = [
        MedalOut(name=n, title=RULES[n].title.zh, description=RULES[n].earned_by.en, awarded_at=have[n])
        for n in held_names
    ]
    order = held_names + [n for n in RULES if n not in have]
    catalogue = [
        CatalogueMedal(id=n, name=Words(**RULES[n].title._asdict()),
                       earned_by=Words(**RULES[n].earned_by._asdict()), awarded_at=have.get(n))
        for n in order
    ]
    return MedalList(items=items, catalogue=catalogue)
