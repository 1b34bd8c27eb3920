"""Leaderboards and medals, kept by the stream aggregator: claims → stream → `drain()` → the
engagement routes."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from tanhui.claims import factors
from tanhui.models.reductions import RANK_SHARDS, PartnerBoard, UserStats
from tanhui.reductions import aggregator, medals
from tanhui.reductions.boards import periods
from tanhui.reductions.deltas import LOCAL

from tests.factories import dynamodb_calls, make_asset, single_use


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


def test_given_a_tourist_who_earns_with_two_partners_then_each_partner_board_ranks_what_was_earned_there(
    api, stream_dispatcher, register, make_partner
):
    home, away = make_partner("scenic_spot"), make_partner("scenic_spot")
    home_ticket = make_asset(home.partner_id, "ticket_product")
    away_ticket = make_asset(away.partner_id, "ticket_product")
    roamer, local = register("游客戊"), register("游客己")
    _scan(api, roamer, home_ticket, 1)  # the roamer's first partner: their home one
    _scan(api, roamer, away_ticket, 2)
    _scan(api, local, away_ticket, 1)
    stream_dispatcher.drain()

    at_home = _board(api, roamer, period="week", scope="partner", partner_id=home.partner_id)
    away_board = _board(api, local, period="month", scope="partner", partner_id=away.partner_id)
    everyone = _board(api, roamer, period="week", limit="100")

    one = at_home["entries"][0]["gco2e"]
    assert [(e["display_name"], e["gco2e"]) for e in at_home["entries"]] == [("游客戊", one)]
    assert [(e["rank"], e["display_name"], e["gco2e"]) for e in away_board["entries"]] == [
        (1, "游客戊", 2 * one), (2, "游客己", one)]
    assert away_board["me"] == {"rank": 2, "gco2e": one}
    assert _board(api, roamer, period="week", scope="partner", partner_id=away.partner_id)["me"] == {
        "rank": 1, "gco2e": 2 * one}
    assert everyone["me"]["gco2e"] == 3 * one and at_home["me"] == {"rank": 1, "gco2e": one}


def test_given_the_all_users_board_then_my_rank_counts_everyone_above_me_in_every_shard(
    api, stream_dispatcher, register, make_partner
):
    asset = make_asset(make_partner("scenic_spot").partner_id, "ticket_product")
    me = register()
    _scan(api, me, asset, 2)
    stream_dispatcher.drain()

    board = _board(api, me, period="week", limit="100")
    week = periods(_local_today())[0]
    mine = UserStats.get(*UserStats.key(me.user_id)).gsi2sk
    # counted here by reading every shard whole (the route counts only the entries above)
    everyone = [e for s in range(RANK_SHARDS) for e in UserStats.week_board.query(f"RANK#{week}#ALL#{s}")]
    assert board["me"] == {"rank": 1 + sum(e.gsi2sk > mine for e in everyone), "gco2e": mine}
    scores = [e["gco2e"] for e in board["entries"]]
    assert scores == sorted(scores, reverse=True)
    assert scores == sorted((e.gsi2sk for e in everyone if e.gsi2sk > 0), reverse=True)[:100]


def test_given_the_operator_then_it_reads_any_board_with_no_rank_of_its_own_and_a_partner_may_not(
    api, stream_dispatcher, register, make_partner, admin
):
    spot = make_partner("scenic_spot")
    tourist = register("游客戊")
    _scan(api, tourist, make_asset(spot.partner_id, "ticket_product"), 2)
    stream_dispatcher.drain()

    board = _board(api, admin, period="month", scope="partner", partner_id=spot.partner_id)
    assert [(e["display_name"], e["you"]) for e in board["entries"]] == [("游客戊", False)]
    assert board["me"] is None
    everyone = _board(api, admin, period="week", limit="100")
    assert everyone["me"] is None and not any(e["you"] for e in everyone["entries"])
    refused = api.get("/v1/leaderboard", as_=spot)
    assert (refused.status, refused.error_code) == (403, "forbidden")


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
    stats = UserStats.get(*UserStats.key(tourist.user_id))
    assert medals.award(stats, "2026-12-01T00:00:00.000Z") == []  # state-based: asking again awards nothing


def test_given_a_tourist_then_medals_answer_the_whole_catalogue_earned_first_and_the_rest_not_yet(
    api, stream_dispatcher, register, make_partner
):
    tourist = register()
    fresh = api.get("/v1/me/medals", as_=tourist).body
    assert fresh["items"] == []
    assert [(m["id"], m["awarded_at"]) for m in fresh["catalogue"]] == [(n, None) for n in medals.RULES]
    first = fresh["catalogue"][0]
    assert first["name"] == {"zh": "初次扫码", "en": "First scan"}
    assert set(first["earned_by"]) == {"zh", "en"} and all(first["earned_by"].values())

    _scan(api, tourist, make_asset(make_partner("scenic_spot").partner_id, "ticket_product"), 1)
    stream_dispatcher.drain()
    stats = UserStats.get(*UserStats.key(tourist.user_id))
    stats.update(actions=[UserStats.medals["retired_medal"].set("2026-01-01T00:00:00.000Z")])  # not in RULES
    assert "retired_medal" in medals.held(UserStats.get(*UserStats.key(tourist.user_id)))
    body = api.get("/v1/me/medals", as_=tourist).body
    earned = [(m["id"], m["awarded_at"]) for m in body["catalogue"] if m["awarded_at"]]
    assert earned == [(m["name"], m["awarded_at"]) for m in body["items"]]
    assert sorted(dict(earned)) == ["first_scan", "scene_ticket_non_disposable"]
    assert [m["id"] for m in body["catalogue"][:2]] == [m["name"] for m in body["items"]]  # held first
    assert len(body["catalogue"]) == len(medals.RULES) and "retired_medal" not in str(body)
    hotel = next(m for m in body["catalogue"] if m["id"] == "scene_hotel_low_carbon_night")
    assert hotel["awarded_at"] is None and hotel["name"]["zh"] == "初体验·低碳住宿"


def _days(start: date, n: int, gap_after: int | None = None) -> list[str]:
    out = [start + timedelta(days=i) for i in range(n)]
    if gap_after is not None:
        out = out[:gap_after] + [d + timedelta(days=1) for d in out[gap_after:]]
    return [d.isoformat() for d in out]


def _record(user_id: str, event_id: str, day: str, gco2e: int, partner_id: str = "RACE01") -> dict:
    """A stream record of a credited hotel night of `user_id` on the local `day`."""
    image = {"pk": f"BEHAVIOUR#import#{event_id}", "sk": "BEHAVIOUR", "kind": "earn", "status": "credited",
             "user_id": user_id, "behaviour": "hotel_low_carbon_night", "channel": "import",
             "partner_id": partner_id, "asset_id": "ROOM01", "gco2e": gco2e, "coins": 2,
             "occurred_at": f"{day}T04:00:00.000Z"}
    typed = {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in image.items()}
    return {"eventID": event_id, "eventName": "INSERT", "eventSource": "aws:dynamodb",
            "dynamodb": {"SequenceNumber": event_id, "Keys": {"pk": typed["pk"], "sk": typed["sk"]},
                         "NewImage": typed, "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def test_given_six_deliveries_racing_for_one_user_then_every_credit_counts_once_and_each_medal_comes_once(
    aws, monkeypatch
):
    user = str(uuid.uuid4())
    days = _days(date(2026, 11, 1), 7)
    # six days of 1.5 kg, then six records of the seventh day, each applied by its own delivery at once
    for n, day in enumerate(days[:6]):
        assert aggregator.apply([_record(user, f"{user}-before-{n}", day, 1_500)]) == set()
    awarded: list[tuple[str, str]] = []
    monkeypatch.setattr(aggregator, "_awarded", lambda by_user: awarded.extend(
        (u, name) for u, names in by_user.items() for name in names))
    racers = [_record(user, f"{user}-race-{n}", days[6], 100) for n in range(6)]
    barrier = threading.Barrier(6)
    failed: list[set[str]] = []

    def race(record: dict) -> None:
        barrier.wait()
        failed.append(aggregator.apply([record]))

    threads = [threading.Thread(target=race, args=(r,)) for r in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for record in racers:  # and each delivered again: nothing changes
        assert aggregator.apply([record]) == set()

    stats = UserStats.get(*UserStats.key(user))
    assert failed == [set()] * 6
    assert (stats.gco2e, stats.coins, stats.credits) == (6 * 1_500 + 6 * 100, 12 * 2, 12)
    assert set(medals.held(stats)) == {"kg_1", "streak_7", "scene_hotel_low_carbon_night"}
    assert sorted(awarded) == [(user, "streak_7")]  # kg_1 and the scene came before the race, once each


def test_given_a_batch_whose_partner_boards_overflow_a_transaction_then_it_is_split_and_all_applied(aws):
    users = [str(uuid.uuid4()) for _ in range(60)]
    home, away, day = uuid.uuid4().hex[:6].upper(), uuid.uuid4().hex[:6].upper(), _local_today()
    assert aggregator.apply([_record(u, f"{u}-home", day, 10, home) for u in users]) == set()
    batch = [_record(u, f"{u}-away", day, 30, away) for u in users]
    # 60 stats items, 60 partner boards and the totals: more than one transaction holds
    assert len(list(aggregator._chunks([aggregator.change_of(r) for r in batch]))) == 1

    with dynamodb_calls() as calls:
        assert aggregator.apply(batch) == set()

    assert calls["TransactWriteItems"] == 2
    stats = [UserStats.get(*UserStats.key(u)) for u in users]
    assert {(s.home, s.gsi5sk, s.gsi2sk, s.credits) for s in stats} == {(home, 10, 40, 2)}
    boards = [PartnerBoard.get(*PartnerBoard.key(u, away)) for u in users]
    assert {(b.gsi5pk.split("#P#")[1], b.gsi5sk, b.gsi6sk) for b in boards} == {(away, 30, 30)}


def test_given_six_days_or_a_gap_then_no_streak_and_under_a_kilogram_no_kg_medal():
    assert medals.earned(999, ["import"], [], _days(date(2026, 11, 1), 6)) == set()
    assert "streak_7" not in medals.earned(0, [], [], _days(date(2026, 11, 1), 8, gap_after=4))
    assert "streak_7" in medals.earned(0, [], [], _days(date(2026, 12, 28), 7))  # across a year
    assert medals.earned(100_000, ["scan"], ["unknown_scene"], []) == {"first_scan", "kg_1", "kg_10",
                                                                        "kg_100"}


def _local_today() -> str:
    return datetime.now(UTC).astimezone(LOCAL).date().isoformat()
