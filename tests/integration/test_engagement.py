"""Leaderboards and medals, kept by the stream aggregator: claims → stream → `drain()` → the
engagement routes."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.models.medals import Medal
from tanhui.models.reductions import RANK_SHARDS, UserLifetime, UserRank
from tanhui.reductions import medals
from tanhui.reductions.deltas import LOCAL
from tanhui.reductions.ranks import periods

from tests.factories import make_asset, single_use


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _scan(api, who, asset, n: int) -> None:
    for code in single_use(asset, n):
        assert api.post("/v1/claims", {"code": code}, as_=who).status == 201


def _board(api, who, **query):
    reply = api.get("/v1/leaderboard", as_=who, query=query)
    assert reply.status == 200, reply.body
    return reply.body


def test_given_three_tourists_of_one_partner_then_its_board_ranks_them_and_each_sees_their_own_rank(
    api, stream_dispatcher, register, make_partner
):
    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    first, second, third, idle = (register(f"游客{n}") for n in "甲乙丙丁")
    _scan(api, first, asset, 3)
    _scan(api, second, asset, 1)
    _scan(api, third, asset, 1)  # the same as `second`: they share rank 2
    stream_dispatcher.drain()

    board = _board(api, second, period="week", scope="partner", partner_id=spot.partner_id)
    names = [(e["rank"], e["display_name"], e["you"]) for e in board["entries"]]
    assert names[0] == (1, "游客甲", False)
    assert sorted(names[1:]) == [(2, "游客丙", False), (2, "游客乙", True)]
    assert board["me"]["rank"] == 2 and board["key"] == periods(_local_today())[0].split("#")[1]
    assert board["entries"][0]["gco2e"] == 3 * board["entries"][1]["gco2e"] > 0
    assert _board(api, idle, period="month", scope="partner", partner_id=spot.partner_id)["me"] is None
    top1 = _board(api, third, period="month", scope="partner", partner_id=spot.partner_id, limit="1")
    assert [e["display_name"] for e in top1["entries"]] == ["游客甲"] and top1["me"]["rank"] == 2


def test_given_the_all_users_board_then_my_rank_counts_everyone_above_me_in_every_shard(
    api, stream_dispatcher, register, make_partner
):
    asset = make_asset(make_partner("scenic_spot").partner_id, "ticket_product")
    me = register()
    _scan(api, me, asset, 2)
    stream_dispatcher.drain()

    board = _board(api, me, period="week", limit="100")
    week = periods(_local_today())[0]
    mine = UserRank.get(f"USER#{me.user_id}", f"RANK#{week}").gco2e
    # counted here by reading every shard whole (the route counts only the entries above)
    everyone = [e for s in range(RANK_SHARDS) for e in UserRank.by_rank.query(f"RANK#{week}#ALL#{s}")]
    assert board["me"] == {"rank": 1 + sum(e.gco2e > mine for e in everyone), "gco2e": mine}
    scores = [e["gco2e"] for e in board["entries"]]
    assert scores == sorted(scores, reverse=True)
    assert scores == sorted((e.gco2e for e in everyone if e.gco2e > 0), reverse=True)[:100]


@pytest.mark.parametrize(("query", "status", "code"), [
    ({"scope": "partner"}, 400, "partner_id_required"),
    ({"scope": "all", "partner_id": "ABC123"}, 400, "partner_id_required"),
    ({"scope": "partner", "partner_id": "FFFFFF"}, 404, "partner_not_found"),
    ({"period": "year"}, 422, "validation_error"),
    ({"limit": "0"}, 422, "validation_error"),
    ({"partner_id": "x' OR 1"}, 422, "validation_error"),
])
def test_given_bad_board_parameters_then_4xx_with_a_stable_code(api, register, query, status, code):
    reply = api.get("/v1/leaderboard", as_=register(), query=query)
    assert (reply.status, reply.body["error"]["code"]) == (status, code)


# -------------------------------------------------------------------------------------- medals
def test_given_first_scans_then_medals_come_once_each_and_a_replay_awards_nothing(
    api, stream_dispatcher, functions, register, make_partner
):
    spot = make_partner("scenic_spot")
    tourist = register()
    _scan(api, tourist, make_asset(spot.partner_id, "ticket_product"), 2)
    stream_dispatcher.drain()
    _scan(api, tourist, make_asset(spot.partner_id, "ticket_product"), 1)
    stream_dispatcher.drain()

    reply = api.get("/v1/me/medals", as_=tourist)
    assert reply.status == 200
    held = [m["name"] for m in reply.body["items"]]
    assert sorted(held) == ["first_scan", "scene_ticket_non_disposable"]
    assert {m["title"] for m in reply.body["items"]} == {"初次扫码", "初体验·非一次性门票"}
    assert medals.award([tourist.user_id]) == 0  # state-based: asking again awards nothing


def _lifetime(user_id: str, gco2e: int, days: list[str]) -> None:
    scenes = {"hotel_low_carbon_night", "transit_trip"}
    UserLifetime(*UserLifetime.key(user_id), gco2e=gco2e, coins=1, credits=len(days), scenes=scenes,
                 channels={"import"}, days=set(days)).save()


def _days(start: date, n: int, gap_after: int | None = None) -> list[str]:
    out = [start + timedelta(days=i) for i in range(n)]
    if gap_after is not None:
        out = out[:gap_after] + [d + timedelta(days=1) for d in out[gap_after:]]
    return [d.isoformat() for d in out]


def test_given_thresholds_and_a_streak_then_exactly_those_medals_under_concurrency(aws):
    user = str(uuid.uuid4())
    _lifetime(user, 10_000, _days(date(2026, 11, 1), 7))
    results: list[int] = []
    barrier = threading.Barrier(6)

    def race() -> None:
        barrier.wait()
        results.append(medals.award([user]))

    threads = [threading.Thread(target=race) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    held = {m.name for m in Medal.query(f"USER#{user}", Medal.sk.startswith("MEDAL#"))}
    assert held == {"kg_1", "kg_10", "streak_7", "scene_hotel_low_carbon_night", "scene_transit_trip"}
    assert sum(results) == len(held)  # each awarded by exactly one of the racers


def test_given_six_days_or_a_gap_then_no_streak_and_under_a_kilogram_no_kg_medal():
    assert medals.earned(999, ["import"], [], _days(date(2026, 11, 1), 6)) == set()
    assert "streak_7" not in medals.earned(0, [], [], _days(date(2026, 11, 1), 8, gap_after=4))
    assert "streak_7" in medals.earned(0, [], [], _days(date(2026, 12, 28), 7))  # across a year
    assert medals.earned(100_000, ["scan"], ["unknown_scene"], []) == {"first_scan", "kg_1", "kg_10",
                                                                        "kg_100"}


def _local_today() -> str:
    return datetime.now(UTC).astimezone(LOCAL).date().isoformat()
