"""The aggregator's domain with no AWS: deltas of stream records, contributors' items, merging,
packing into transactions, and the local stack's stream filters and event sources."""

from __future__ import annotations

import json

import pytest
from tanhui.models.reductions import RANK_SHARDS, TOTALS_SHARDS, stable_shard
from tanhui.reductions import aggregator, lifetime, medals, ranks, totals
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


def test_given_a_delta_then_totals_are_per_day_and_value_and_no_item_is_per_day_alone():
    [delta] = deltas_of("e1", None, CREDITED)
    keys = {(a.pk, a.sk) for a in totals.contribute(delta)}
    shard = stable_shard("P1", TOTALS_SHARDS)
    assert (f"TOTALS#partner#2026-12#{shard}", "2026-12-01#P1") in keys
    assert ("PARTNER#P1#TOTALS#asset#2026-12", "2026-12-01#A1") in keys
    assert len(keys) == 5 and all("#" in sk[len("2026-12-01"):] for _, sk in keys)
    [no_partner] = deltas_of("e2", None, CREDITED | {"partner_id": None, "asset_id": None})
    assert [a.pk.split("#")[1] for a in totals.contribute(no_partner)] == ["behaviour"]


def test_given_a_delta_then_its_user_period_items_are_the_leaderboard_shapes():
    [delta] = deltas_of("e1", None, CREDITED | {"occurred_at": "2026-12-03T02:00:00.000Z"})
    adds = {a.sk: a for a in ranks.contribute(delta)}
    shard = stable_shard("u1", RANK_SHARDS)
    assert set(adds) == {"RANK#week#2026-W49", "RANK#month#2026-12", "RANK#week#2026-W49#P#P1",
                         "RANK#month#2026-12#P#P1"}
    assert adds["RANK#week#2026-W49"].keep["gsi2pk"] == f"RANK#week#2026-W49#ALL#{shard}"
    assert adds["RANK#month#2026-12#P#P1"].keep["gsi2pk"] == "RANK#month#2026-12#P#P1"
    assert all(a.pk == "USER#u1" and a.numbers["gsi2sk"] == a.numbers["gco2e"] == 20 for a in adds.values())
    assert ranks.periods("2027-01-01") == ["week#2026-W53", "month#2027-01"]


def test_given_a_taken_back_credit_then_lifetime_numbers_drop_and_its_sets_stay():
    [plus] = deltas_of("e1", None, CREDITED)
    [minus] = deltas_of("e2", CREDITED, None)
    [up], [down] = lifetime.contribute(plus), lifetime.contribute(minus)
    assert up.sets == {"days": {"2026-12-01"}, "scenes": {"ticket_non_disposable"}, "channels": {"scan"}}
    assert down.sets == {} and down.numbers == {"gco2e": -20, "coins": -1, "count": -1}
    [kept] = merged([up, down]).values()  # the sets alone still change the item
    assert kept.numbers == {"gco2e": 0, "coins": 0, "count": 0} and kept.sets == up.sets
    assert list(merged([Add("p", "s", {"n": 1}), Add("p", "s", {"n": -1})])) == []


def test_given_adds_on_one_item_then_numbers_sum_sets_unite_and_the_first_keep_wins():
    one = Add("p", "s", {"gco2e": 20, "count": 1}, {"days": {"2026-12-01"}}, {"user_id": "u1"})
    two = Add("p", "s", {"gco2e": 5, "count": 1}, {"days": {"2026-12-02"}}, {"user_id": "other"})
    [both] = merged([one, two]).values()
    assert (both.numbers, both.sets, both.keep) == (
        {"gco2e": 25, "count": 2}, {"days": {"2026-12-01", "2026-12-02"}}, {"user_id": "u1"})
    update = update_kwargs("t", both)
    assert update["UpdateExpression"] == "ADD #n0 :n0, #n1 :n1, #s0 :s0 SET #k0 = if_not_exists(#k0, :k0)"
    assert update["ExpressionAttributeValues"][":s0"] == {"SS": ["2026-12-01", "2026-12-02"]}


def test_given_many_records_then_each_transaction_holds_at_most_100_items():
    changes = [
        aggregator.Change(f"e{i}", str(i), [], merged([Add("T", "t", {"n": 1}), Add(f"U{i}", "u", {"n": i})]))
        for i in range(150)
    ]
    chunks = list(aggregator._chunks(changes))
    sizes = [len(c) + len({k for ch in c for k in ch.adds}) for c in chunks]
    assert sum(len(c) for c in chunks) == 150 and max(sizes) <= aggregator.MAX_ITEMS
    assert sizes[0] in (99, 100)  # packed full, not one record per transaction


def test_given_the_aggregator_then_totals_ranks_lifetime_contribute_and_medals_follow_each_batch():
    assert [totals.contribute, ranks.contribute, lifetime.contribute] == aggregator.CONTRIBUTORS
    assert [medals.award_for] == aggregator.AFTER_COMMIT


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
