"""The aggregator's domain with no AWS: deltas of stream records, totals items, users' boards,
lifetime and medals, merging, packing into transactions, and the local stack's stream filters and
event sources."""

from __future__ import annotations

import json

import pytest
from tanhui.models.reductions import RANK_SHARDS, PartnerBoard, UserStats, day_and_value, stable_shard
from tanhui.reductions import aggregator, boards, lifetime, medals, totals
from tanhui.reductions.adds import Add, merged, update_kwargs
from tanhui.reductions.deltas import deltas_of, local_day

from infra.local import cfn
from infra.local.event_filters import matches_any

CREDITED = {"pk": "BEHAVIOUR#code#S1", "sk": "BEHAVIOUR", "kind": "earn", "status": "credited",
            "user_id": "u1", "behaviour": "ticket_non_disposable", "channel": "scan", "partner_id": "P1",
            "asset_id": "A1", "gco2e": 20, "coins": 1, "occurred_at": "2026-11-30T17:30:00.000Z",
            "created_at": "2026-11-30T17:30:01.000Z"}


def test_given_a_credited_earn_inserted_then_one_positive_delta_on_its_local_day():
    [delta] = deltas_of("e1", None, CREDITED)
    assert (delta.gco2e, delta.coins, delta.count, delta.day) == (20, 1, 1, "2026-12-01")  # 01:30 in Shanghai


@pytest.mark.parametrize("image", [
    CREDITED | {"status": "revoked", "user_id": None, "coins": 0, "gco2e": 0},  # a tombstone
    CREDITED | {"kind": "spend", "coins": -5, "gco2e": 0},
    CREDITED | {"kind": "refund", "coins": 5},
])
def test_given_what_is_not_a_credited_earn_then_no_delta(image):
    assert deltas_of("e1", None, image) == [] and deltas_of("e1", image, None) == []


def test_given_a_credit_revoked_or_removed_then_its_old_image_is_taken_back():
    [revoked] = deltas_of("e1", CREDITED, CREDITED | {"status": "revoked"})
    [removed] = deltas_of("e2", CREDITED, None)
    assert (revoked.gco2e, revoked.coins, revoked.count) == (removed.gco2e, removed.coins, removed.count) == (
        -20, -1, -1)


def test_given_a_modify_that_changes_no_contribution_then_no_delta_else_minus_old_plus_new():
    assert deltas_of("e1", CREDITED, CREDITED | {"partner_name": "renamed"}) == []
    minus, plus = deltas_of("e1", CREDITED, CREDITED | {"gco2e": 30})
    assert (minus.gco2e, plus.gco2e, minus.count + plus.count) == (-20, 30, 0)


def test_given_a_time_without_occurred_at_then_created_at_names_the_day():
    assert local_day({"created_at": "2026-12-31T16:00:00.000Z"}) == "2027-01-01"


def test_given_a_delta_then_three_totals_items_per_day_and_value_on_the_transactions_shard():
    [delta] = deltas_of("e1", None, CREDITED)
    adds = {(a.pk, a.sk): a for a in totals.contribute(delta, shard=3)}
    assert set(adds) == {("TOTALS#behaviour#2026-12#3", "2026-12-01#ticket_non_disposable"),
                         ("TOTALS#partner#2026-12#3", "2026-12-01#P1#ticket_non_disposable"),
                         ("TOTALS#asset#2026-12#3", "2026-12-01#A1")}
    # the partner's own view: gsi1 of its partner and asset items
    assert adds[("TOTALS#partner#2026-12#3", "2026-12-01#P1#ticket_non_disposable")].keep == {
        "gsi1pk": "PARTNER#P1#TOTALS#behaviour#2026-12", "gsi1sk": "2026-12-01#ticket_non_disposable"}
    asset = adds[("TOTALS#asset#2026-12#3", "2026-12-01#A1")]
    assert asset.keep["gsi1pk"] == "PARTNER#P1#TOTALS#asset#2026-12"
    assert all(a.numbers == {"gco2e": 20, "coins": 1, "count": 1} for a in adds.values())
    assert day_and_value("2026-12-01#P1#ticket_non_disposable") == ("2026-12-01", "P1")
    [no_partner] = deltas_of("e2", None, CREDITED | {"partner_id": None, "asset_id": None})
    assert [a.pk.split("#")[1] for a in totals.contribute(no_partner, shard=0)] == ["behaviour"]


def _delta(day_utc: str, gco2e: int = 20, record=CREDITED, old=None):
    image = record | {"occurred_at": f"{day_utc}T02:00:00.000Z", "gco2e": gco2e}
    return deltas_of("e1", old, image)[-1]


def test_given_credits_then_the_board_entries_follow_the_latest_week_and_month():
    stats = UserStats(*UserStats.key("u1"), user_id="u1")
    boards.add_to_stats(stats, _delta("2026-12-03"))
    shard = stable_shard("u1", RANK_SHARDS)
    assert (stats.week, stats.gsi2pk, stats.gsi2sk) == ("2026-W49", f"RANK#week#2026-W49#ALL#{shard}", 20)
    assert (stats.month, stats.gsi4pk, stats.gsi4sk) == ("2026-12", f"RANK#month#2026-12#ALL#{shard}", 20)
    # the first credit with a partner makes it the home partner: its boards ride on the stats item
    assert (stats.home, stats.gsi5pk, stats.gsi5sk) == ("P1", "RANK#week#2026-W49#P#P1", 20)
    assert (stats.gsi6pk, stats.gsi6sk) == ("RANK#month#2026-12#P#P1", 20)
    boards.add_to_stats(stats, _delta("2026-12-04", 5))  # the same week and month: added
    boards.add_to_stats(stats, _delta("2026-12-08", 7))  # the next week starts again, the month goes on
    assert (stats.week, stats.gsi2sk, stats.gsi4sk, stats.gsi5sk, stats.gsi6sk) == ("2026-W50", 7, 32, 7, 32)
    boards.add_to_stats(stats, _delta("2026-11-20", 100))  # a late credit of an earlier period: no board
    assert (stats.week, stats.gsi2sk, stats.month, stats.gsi4sk) == ("2026-W50", 7, "2026-12", 32)
    boards.add_to_stats(stats, _delta("2027-01-01", 1))  # ISO week 53 of 2026, but January 2027
    assert (stats.week, stats.gsi2sk, stats.month, stats.gsi4sk) == ("2026-W53", 1, "2027-01", 1)
    assert boards.periods("2027-01-01") == ["week#2026-W53", "month#2027-01"]


def test_given_a_credit_with_another_partner_then_its_board_is_a_partner_board_and_the_home_one_stays():
    stats = UserStats(*UserStats.key("u1"), user_id="u1")
    boards.add_to_stats(stats, _delta("2026-12-03", record=CREDITED | {"partner_id": None}))  # no partner
    assert stats.home is None and stats.gsi5pk is None
    boards.add_to_stats(stats, _delta("2026-12-03", 5))  # P1 becomes home, in the periods already begun
    other = _delta("2026-12-03", 9, record=CREDITED | {"partner_id": "P2"})
    boards.add_to_stats(stats, other)
    board = PartnerBoard(*PartnerBoard.key("u1", "P2"), user_id="u1", partner_id="P2")
    boards.add_to_partner_board(board, other)
    assert (stats.home, stats.gsi2sk, stats.gsi5pk, stats.gsi5sk) == ("P1", 34, "RANK#week#2026-W49#P#P1", 5)
    assert (board.gsi5pk, board.gsi5sk, board.gsi6pk, board.gsi6sk) == (
        "RANK#week#2026-W49#P#P2", 9, "RANK#month#2026-12#P#P2", 9)
    assert boards.home_of(UserStats(*UserStats.key("u2")), [other]) == "P2"


def test_given_a_taken_back_credit_then_lifetime_numbers_drop_and_its_sets_stay():
    stats = UserStats(*UserStats.key("u1"), user_id="u1")
    [plus] = deltas_of("e1", None, CREDITED)
    [minus] = deltas_of("e2", CREDITED, None)
    lifetime.add(stats, plus)
    lifetime.add(stats, minus)
    assert (stats.gco2e, stats.coins, stats.credits) == (0, 0, 0)
    assert (stats.days, stats.scenes, stats.channels) == ({"2026-12-01"}, {"ticket_non_disposable"}, {"scan"})


def test_given_earned_medals_then_each_is_awarded_once_and_stays():
    stats = UserStats(*UserStats.key("u1"), user_id="u1")
    lifetime.add(stats, _delta("2026-12-03", gco2e=1_000))
    first = medals.award(stats, "2026-12-03T02:00:01.000Z")
    assert first == ["first_scan", "kg_1", "scene_ticket_non_disposable"]
    assert medals.award(stats, "2026-12-04T00:00:00.000Z") == []
    lifetime.add(stats, deltas_of("e2", CREDITED | {"gco2e": 1_000}, None)[0])  # taken back: below 1 kg
    assert medals.award(stats, "2026-12-05T00:00:00.000Z") == []
    assert medals.held(stats)["kg_1"] == "2026-12-03T02:00:01.000Z"


def test_given_records_applied_then_applied_keeps_only_the_last_mark_days():
    stats = UserStats(*UserStats.key("u1"), user_id="u1")
    aggregator._note(stats, "old", 1_000)
    aggregator._note(stats, "new", 1_000 + aggregator.MARK_SECONDS)
    assert aggregator._applied_ids(stats) == {"new"}


def test_given_adds_on_one_item_then_numbers_sum_and_the_first_keep_wins():
    one = Add("p", "s", {"gco2e": 20, "count": 1}, {"gsi1pk": "PARTNER#P1#TOTALS#asset#2026-12"})
    two = Add("p", "s", {"gco2e": 5, "count": 1}, {"gsi1pk": "other"})
    [both] = merged([one, two]).values()
    assert both.numbers == {"gco2e": 25, "count": 2}
    assert both.keep == {"gsi1pk": "PARTNER#P1#TOTALS#asset#2026-12"}
    update = update_kwargs("t", both)
    assert update["UpdateExpression"] == "ADD #n0 :n0, #n1 :n1 SET #k0 = if_not_exists(#k0, :k0)"
    assert update["ExpressionAttributeValues"][":k0"] == {"S": "PARTNER#P1#TOTALS#asset#2026-12"}
    assert list(merged([Add("p", "s", {"n": 1}), Add("p", "s", {"n": -1})])) == []


def test_given_many_records_then_each_transaction_holds_at_most_100_items():
    def typed(image: dict) -> dict:
        return {k: {"N" if isinstance(v, int) else "S": str(v)} for k, v in image.items()}

    records = [{"eventID": f"e{i}", "eventName": "INSERT", "dynamodb": {
        "SequenceNumber": str(i), "Keys": {}, "NewImage": typed(CREDITED | {"user_id": f"u{i}"})}}
               for i in range(150)]
    changes = [aggregator.change_of(r) for r in records]
    chunks = list(aggregator._chunks(changes))
    sizes = [len({k for ch in c for k in aggregator._size(ch)}) for c in chunks]
    assert sum(len(c) for c in chunks) == 150 and max(sizes) <= aggregator.MAX_ITEMS
    assert sizes[0] == 100  # packed full: 3 totals items, then a stats item per user (a partner board is
    # counted when the chunk is written: most credits are with the user's home partner)
    assert changes[0].users == {"u0"} and changes[0].boards == {("u0", "P1")} and len(changes[0].totals) == 3


# ------------------------------------------------------------------------- the local stack
def test_given_the_template_then_the_aggregator_reads_the_table_stream_with_its_filter():
    [source] = cfn.stream_sources(cfn.load_template())
    assert (source.table, source.function, source.batch_size, source.starting_position) == (
        "Table", "AggregatorFunction", 100, "TRIM_HORIZON")
    assert source.partial_failures and source.on_failure == "AggregatorDeadLetterQueue"
    behaviour = {"dynamodb": {"Keys": {"pk": {"S": "BEHAVIOUR#x"}, "sk": {"S": "BEHAVIOUR"}}}}
    wallet = {"dynamodb": {"Keys": {"pk": {"S": "USER#u"}, "sk": {"S": "WALLET"}}}}
    assert matches_any(source.patterns, behaviour) and not matches_any(source.patterns, wallet)


def test_given_filter_rules_then_prefix_exists_and_anything_but_match_as_lambda_does():
    record = {"eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "BEHAVIOUR#code#1"}}}}
    prefix = {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "BEHAVIOUR#"}]}}}}
    assert matches_any([json.dumps(prefix)], record)
    assert matches_any([json.dumps({"eventName": [{"anything-but": ["REMOVE"]}]})], record)
    assert not matches_any([json.dumps({"dynamodb": {"NewImage": [{"exists": True}]}})], record)
    with pytest.raises(ValueError):
        matches_any([json.dumps({"eventName": [{"numeric": [">", 0]}]})], record)


def test_given_a_year_of_totals_then_its_month_queries_run_at_once_not_one_after_another(monkeypatch):
    import threading
    import time

    from tanhui.models.reductions import Totals

    running, peak, lock = [0], [0], threading.Lock()

    class SlowIndex:  # a round trip of 50 ms a Query, as DynamoDB's latency would be
        def query(self, *_args, **_kwargs):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return []

    monkeypatch.setattr(Totals, "by_partner", SlowIndex())
    started = time.perf_counter()

    out = totals.query("2025-12-07", "2026-12-06", "day", partner_id="ABCDEF")

    assert out.groups == [] and peak[0] >= 10  # 13 months, `QUERY_THREADS` at a time
    assert time.perf_counter() - started < 13 * 0.05 / 2
