"""Totals kept by the stream aggregator: table writes → moto's stream → dispatcher (`drain()`) →
AggregatorFunction → totals items, read back through the totals routes and compared with the
behaviour records themselves."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
import urllib3
from pynamodb.exceptions import TransactWriteError
from tanhui.claims import factors
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.reductions import StreamMark, UserStats
from tanhui.models.transactions import connection
from tanhui.reductions import totals
from tanhui.reductions.deltas import local_day

from tests.factories import make_asset, single_use, static

EVENTS = Path(__file__).resolve().parents[2] / "events"
GROUPS = ("behaviour", "partner", "asset", "day")


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()



def _today() -> datetime:
    return datetime.now(UTC) + timedelta(hours=8)


def _day(days_ago: int = 0) -> str:
    return (_today() - timedelta(days=days_ago)).date().isoformat()


def _claim(api, who, code):
    return api.post("/v1/claims", {"code": code}, as_=who)


def _totals(api, who, route: str, first: str, last: str, group_by: str) -> dict[str, tuple[int, int, int]]:
    reply = api.get(route, as_=who, query={"from": first, "to": last, "group_by": group_by})
    assert reply.status == 200, reply.body
    groups = {g["key"]: (g["gco2e"], g["coins"], g["count"]) for g in reply.body["groups"]}
    overall = reply.body["totals"]
    assert (overall["gco2e"], overall["coins"], overall["count"]) == tuple(
        sum(g[i] for g in groups.values()) for i in range(3))
    return groups


def _expected(records: list[BehaviourRecord], group_by: str) -> dict[str, tuple[int, int, int]]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in records:
        key = {"behaviour": r.behaviour, "partner": r.partner_id, "asset": r.asset_id,
               "day": local_day({"occurred_at": r.occurred_at, "created_at": r.created_at})}[group_by]
        if key is None:
            continue
        s = sums[key]
        s[0], s[1], s[2] = s[0] + int(r.gco2e), s[1] + int(r.coins), s[2] + 1
    return {k: (g, c, n) for k, (g, c, n) in sums.items()}


def _credited(user_ids: list[str]) -> list[BehaviourRecord]:
    """The users' credited earn entries, read from their ledgers."""
    return [r for u in user_ids for r in BehaviourRecord.ledger.query(ledger_pk(u))
            if r.kind == "earn" and r.status == "credited"]


def _difference(after: dict, before: dict) -> dict[str, tuple[int, int, int]]:
    out = {}
    for key in after.keys() | before.keys():
        a, b = after.get(key, (0, 0, 0)), before.get(key, (0, 0, 0))
        d = tuple(x - y for x, y in zip(a, b, strict=True))
        if any(d):
            out[key] = d
    return out


def _plant_file(api, stream_dispatcher, partner, rows: list[str]) -> dict[str, int]:
    """A partner's plant-adoption file through its presigned upload form, then the import."""
    start = {"type": "plant_adoptions", "filename": "trees.csv"}
    created = api.post("/v1/partner/imports", start, as_=partner)
    assert created.status == 201, created.body
    text = "认养人,树木编号,植物种类,树龄,高度,认养日期\n" + "".join(f"{r}\n" for r in rows)
    upload = created.body["upload"]
    fields = dict(upload["fields"]) | {"file": ("trees.csv", text.encode(), "text/csv")}
    assert urllib3.request("POST", upload["url"], fields=fields).status in (200, 201, 204)
    stream_dispatcher.drain()
    job = api.get(f"/v1/partner/imports/{created.body['import_id']}", as_=partner).body
    assert job["status"] == "completed", job
    return job["counts"]


# ---------------------------------------------------------------------------------- exactness
def test_given_1000_mixed_events_then_every_grouping_equals_the_ledger_exactly(
    api, stream_dispatcher, admin, register, make_partner
):
    spot, maker, boat = make_partner("scenic_spot"), make_partner("manufacturer"), make_partner(
        "transport_operator")
    tickets = [make_asset(spot.partner_id, "ticket_product") for _ in range(3)]
    skus = [make_asset(maker.partner_id, "product_sku") for _ in range(2)]
    shuttle = make_asset(boat.partner_id, "vehicle")
    users = [register(f"游客 {i}") for i in range(11)]
    first, last = _day(3), _day(0)
    before = {g: _totals(api, admin, "/v1/admin/totals", first, last, g) for g in GROUPS}
    statuses: Counter = Counter()

    for i, user in enumerate(users):
        codes = single_use(tickets[i % 3], 6)  # the ticket cap is 5 a day: the 6th is refused (429)
        for code in codes:
            statuses[_claim(api, user, code).status] += 1
        statuses[_claim(api, user, codes[0]).status] += 1  # the owner again: 200, nothing new
        statuses[_claim(api, users[i - 1], codes[1]).status] += 1  # someone else's: 409
        for code in single_use(skus[i % 2], 23):  # 20 a day, then 429
            statuses[_claim(api, user, code).status] += 1
        ride = static(shuttle)
        statuses[_claim(api, user, ride).status] += 1
        statuses[_claim(api, user, ride).status] += 1  # the same ride window: nothing new
    for code in single_use(tickets[0], 30):  # tombstones (no user, no coins), then refused claims
        assert api.post(f"/v1/partner/codes/{code.rsplit('/', 1)[1]}/revoke", as_=spot).status == 200
        statuses[_claim(api, users[0], code).status] += 1
    rows = [f"{u.phone},T{i:02d}-{n},木棉,10,5,{_day(n % 3)}" for i, u in enumerate(users) for n in range(24)]
    rows += rows[:40]  # the same trees again: duplicates
    # 5 trees a day per adopter: some over the cap
    counts = Counter(_plant_file(api, stream_dispatcher, spot, rows))
    again = Counter(_plant_file(api, stream_dispatcher, spot, rows))  # the partner sends the file again
    assert again["credited"] == 0
    counts += again
    stream_dispatcher.drain()

    events = sum(statuses.values()) + 30 + counts["rows"]
    assert events >= 1000, (events, statuses, counts)
    assert statuses[201] and statuses[200] and statuses[409] and statuses[410] and statuses[429], statuses
    assert counts["credited"] and counts["duplicate"], counts
    records = _credited([u.user_id for u in users])
    assert len(records) == statuses[201] + counts["credited"]
    for group_by in GROUPS:
        after = _totals(api, admin, "/v1/admin/totals", first, last, group_by)
        assert _difference(after, before[group_by]) == _expected(records, group_by), group_by
    for partner in (spot, maker, boat):
        own = [r for r in records if r.partner_id == partner.partner_id]
        for group_by in ("behaviour", "asset", "day"):
            assert _totals(api, partner, "/v1/partner/totals", first, last, group_by) == _expected(
                own, group_by), (partner.partner_id, group_by)
    # users' own stats: lifetime and this month's board entry equal their ledgers
    for user in users[:3]:
        mine = [r for r in records if r.user_id == user.user_id]
        stats = UserStats.get(*UserStats.key(user.user_id))
        assert (stats.gco2e, stats.coins, stats.credits) == (
            sum(r.gco2e for r in mine), sum(r.coins for r in mine), len(mine))
        assert stats.scenes == {r.behaviour for r in mine} and stats.channels == {"scan", "import"}
        month = _day(0)[:7]
        this_month = [r for r in mine if local_day({"occurred_at": r.occurred_at})[:7] == month]
        assert (stats.month, stats.gsi4sk) == (month, sum(r.gco2e for r in this_month))
        assert stats.gsi4pk.startswith(f"RANK#month#{month}#ALL#")


# ------------------------------------------------------------------------------- idempotency
def _stream_records_after(aws, iterator: str) -> list[dict[str, Any]]:
    streams = boto3.client("dynamodbstreams")
    return streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]


def _behaviour_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"] == "BEHAVIOUR"]


def _latest_iterator(aws) -> str:
    streams = boto3.client("dynamodbstreams")
    arn = aws.resolver.attributes["Table"]["StreamArn"]
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    return streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")[
        "ShardIterator"]


def test_given_a_stream_batch_delivered_twice_then_the_second_changes_no_total(
    aws, api, functions, register, make_partner
):
    from infra.local.events import dynamodb_stream_event

    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    tourists = [register() for _ in range(2)]
    iterator = _latest_iterator(aws)
    for tourist in tourists:
        for code in single_use(asset, 3):
            assert _claim(api, tourist, code).status == 201
    behaviour = _behaviour_records(_stream_records_after(aws, iterator))
    event = dynamodb_stream_event(behaviour, aws.resolver.attributes["Table"]["StreamArn"], "us-east-1")
    aggregator = functions["AggregatorFunction"]

    assert aggregator.invoke(event) == {"batchItemFailures": []}
    once = {g: _totals(api, spot, "/v1/partner/totals", _day(), _day(), g) for g in ("asset", "day")}
    life = UserStats.get(*UserStats.key(tourists[0].user_id)).credits
    assert aggregator.invoke(event) == {"batchItemFailures": []}  # redelivered as it was
    twice = {g: _totals(api, spot, "/v1/partner/totals", _day(), _day(), g) for g in ("asset", "day")}

    assert len(behaviour) == 6
    assert once["asset"] == _expected(_credited([t.user_id for t in tourists]), "asset") and twice == once
    assert once["asset"][asset.asset_id][2] == 6
    assert UserStats.get(*UserStats.key(tourists[0].user_id)).credits == life == 3


def test_given_part_of_a_batch_applied_before_then_only_the_rest_is_added(aws, api, functions, register,
                                                                          make_partner):
    from infra.local.events import dynamodb_stream_event

    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    tourist = register()
    iterator = _latest_iterator(aws)
    for code in single_use(asset, 4):
        assert _claim(api, tourist, code).status == 201
    behaviour = _behaviour_records(_stream_records_after(aws, iterator))
    arn = aws.resolver.attributes["Table"]["StreamArn"]
    aggregator = functions["AggregatorFunction"]

    done = {"batchItemFailures": []}
    assert aggregator.invoke(dynamodb_stream_event(behaviour[1:3], arn, "us-east-1")) == done
    assert aggregator.invoke(dynamodb_stream_event(behaviour, arn, "us-east-1")) == done

    got = _totals(api, spot, "/v1/partner/totals", _day(), _day(), "asset")
    assert got == _expected(_credited([tourist.user_id]), "asset") and got[asset.asset_id][2] == 4


def test_given_a_credit_revoked_by_a_later_change_then_the_totals_take_it_back(
    api, stream_dispatcher, register, make_partner
):
    spot = make_partner("scenic_spot")
    asset = make_asset(spot.partner_id, "ticket_product")
    tourist = register()
    one, two = single_use(asset, 2)
    assert _claim(api, tourist, one).status == 201
    assert _claim(api, tourist, two).status == 201
    stream_dispatcher.drain()
    [record, _] = _credited([tourist.user_id])
    record.update(actions=[BehaviourRecord.status.set("revoked")])  # an operator's correction (MODIFY)
    stream_dispatcher.drain()

    left = _credited([tourist.user_id])
    assert len(left) == 1
    got = _totals(api, spot, "/v1/partner/totals", _day(), _day(), "behaviour")
    assert got == _expected(left, "behaviour")


# ------------------------------------------------------------------------ the moto_atomic fix
def test_given_a_cancelled_transaction_then_the_stream_holds_no_record_of_it(aws):
    table = aws.env["TABLE_NAME"]
    iterator = _latest_iterator(aws)
    items = [{"TableName": table, "Item": {"pk": {"S": f"STREAMTEST#{n}"}, "sk": {"S": "X"}},
              "ConditionExpression": "attribute_not_exists(pk)"} for n in ("a", "b")]
    connection().transact_write_items(condition_check_items=[], delete_items=[], put_items=items[:1],
                                      update_items=[])
    with pytest.raises(TransactWriteError):  # b is new, a exists: cancelled, b is undone
        connection().transact_write_items(condition_check_items=[], delete_items=[], put_items=items[::-1],
                                          update_items=[])

    records = _stream_records_after(aws, iterator)

    seen = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
    assert seen == [("INSERT", "STREAMTEST#a")]


# ------------------------------------------------------------------------------------- routes
def test_given_two_partners_then_each_sees_only_its_own_totals(
    api, stream_dispatcher, register, make_partner, admin
):
    mine, theirs = make_partner("scenic_spot"), make_partner("scenic_spot")
    my_asset = make_asset(mine.partner_id, "ticket_product")
    their_asset = make_asset(theirs.partner_id, "ticket_product")
    tourist = register()
    for code in single_use(my_asset, 2) + single_use(their_asset, 1):
        assert _claim(api, tourist, code).status == 201
    stream_dispatcher.drain()

    reply = api.get("/v1/partner/totals", as_=mine, query={"from": _day(), "to": _day(), "group_by": "asset"})

    assert reply.status == 200, reply.body
    assert reply.body["partner_id"] == mine.partner_id
    assert [(g["key"], g["name"]) for g in reply.body["groups"]] == [(my_asset.asset_id, my_asset.name)]
    mine_only = [r for r in _credited([tourist.user_id]) if r.partner_id == mine.partner_id]
    [(gco2e, coins, count)] = _expected(mine_only, "partner").values()
    assert reply.body["totals"] == {"gco2e": gco2e, "coins": coins, "count": count} and count == 2

    # the operator's chart by partner and the partner's by behaviour: names come in the same call
    today = {"from": _day(), "to": _day()}
    platform = api.get("/v1/admin/totals", as_=admin, query=today | {"group_by": "partner"})
    named = {g["key"]: g["name"] for g in platform.body["groups"]}
    mine_name = api.get("/v1/partner/profile", as_=mine).body["name"]
    assert named[mine.partner_id] == mine_name and named[theirs.partner_id] != mine_name
    by_behaviour = api.get("/v1/partner/totals", as_=mine, query=today | {"group_by": "behaviour"})
    assert {g["name"] for g in by_behaviour.body["groups"]} == {None}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "region"}, "invalid_group_by"),
        # partner route only
        ({"from": "2026-11-01", "to": "2026-11-30", "group_by": "partner"}, "invalid_group_by"),
        ({"from": "2026-11-1", "to": "2026-11-30", "group_by": "day"}, "invalid_date"),
        ({"from": "20261101", "to": "2026-11-30", "group_by": "day"}, "invalid_date"),
        ({"from": "2026-02-30", "to": "2026-03-01", "group_by": "day"}, "invalid_date"),
        ({"from": "2026-11-30", "to": "2026-11-01", "group_by": "day"}, "invalid_range"),
        ({"from": "2025-01-01", "to": "2026-01-02", "group_by": "day"}, "range_too_long"),  # 367 days
    ],
)
def test_given_bad_totals_parameters_then_400_with_its_code(api, admin, make_partner, query, code):
    partner = make_partner("hotel")
    on_partner = api.get("/v1/partner/totals", as_=partner, query=query)
    assert (on_partner.status, on_partner.error_code) == (400, code), on_partner.body
    if query.get("group_by") != "partner":
        on_admin = api.get("/v1/admin/totals", as_=admin, query=query)
        assert (on_admin.status, on_admin.error_code) == (400, code), on_admin.body


@pytest.mark.parametrize("missing", ["from", "to", "group_by"])
def test_given_a_missing_totals_parameter_then_422_and_the_document_says_it_is_required(api, admin, missing):
    """The routes say what they do: `from`, `to` and `group_by` are required (they answered 400
    while the OpenAPI called them optional)."""
    query = {"from": "2026-11-01", "to": "2026-11-30", "group_by": "day"}
    del query[missing]
    reply = api.get("/v1/admin/totals", as_=admin, query=query)
    assert (reply.status, reply.error_code) == (422, "validation_error"), reply.body
    document = api.get("/openapi.json").body
    for path in ("/v1/admin/totals", "/v1/partner/totals"):
        params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        assert params[missing]["required"] is True, (path, params[missing])


def test_given_a_leap_year_then_366_days_is_the_longest_range(api, admin):
    reply = api.get("/v1/admin/totals", as_=admin, query={"from": "2028-01-01", "to": "2028-12-31",
                                                           "group_by": "partner"})
    assert reply.status == 200, reply.body


def test_given_the_sample_stream_event_then_its_record_is_counted_once(functions):
    event = json.loads((EVENTS / "aggregator" / "behaviour_credited.json").read_text())
    assert functions["AggregatorFunction"].invoke(event) == {"batchItemFailures": []}
    assert functions["AggregatorFunction"].invoke(event) == {"batchItemFailures": []}
    [image] = [r["dynamodb"]["NewImage"] for r in event["Records"]]
    life = UserStats.get(*UserStats.key(image["user_id"]["S"]))
    assert life.credits == 1 and life.days == {"2026-11-22"}


def test_given_a_credit_that_names_no_user_then_a_marker_makes_it_count_once(functions):
    event = json.loads((EVENTS / "aggregator" / "behaviour_credited.json").read_text())
    [record] = event["Records"]
    record["eventID"] = uuid.uuid4().hex
    partner = uuid.uuid4().hex[:6].upper()
    image = record["dynamodb"]["NewImage"]
    image.pop("user_id")
    image["partner_id"] = {"S": partner}
    day = local_day({"occurred_at": image["occurred_at"]["S"]})

    for _ in range(2):  # delivered, then delivered again
        assert functions["AggregatorFunction"].invoke(event) == {"batchItemFailures": []}

    got = totals.query(day, day, "behaviour", partner_id=partner).totals
    assert (got.count, got.gco2e) == (1, int(image["gco2e"]["N"]))
    assert StreamMark.get(*StreamMark.key(record["eventID"])).expires_at > 0


# ------------------------------------------------------------------- the dispatcher's streams
class _Stub:
    """Stands in for the aggregator: records the batches it is given, answers as told."""

    def __init__(self, answer=None):
        self.batches: list[list[str]] = []
        self.answer = answer or (lambda seqs: {"batchItemFailures": []})

    def invoke(self, event):
        seqs = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]]
        self.batches.append(seqs)
        return self.answer(seqs)


def _stub_dispatcher(aws, functions, stub, **kwargs):
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    return Dispatcher(aws, cfn.load_template(), {**functions, "AggregatorFunction": stub}, **kwargs)


def _behaviour_items(n: int) -> None:
    for _ in range(n):
        BehaviourRecord(*BehaviourRecord.key(f"BEHAVIOUR#test#{uuid.uuid4().hex}"), status="revoked",
                        created_at="2026-12-01T00:00:00.000Z").save()


def test_given_a_partial_batch_failure_then_the_records_from_the_first_failed_one_come_again(
    aws, functions
):
    def fail_second_once(seqs):
        return {"batchItemFailures": [{"itemIdentifier": seqs[1]}]} if len(stub.batches) == 1 else {
            "batchItemFailures": []}

    stub = _Stub(fail_second_once)
    d = _stub_dispatcher(aws, functions, stub)
    _behaviour_items(3)
    other = BehaviourRecord(f"NOT-A-BEHAVIOUR#{uuid.uuid4().hex}", "OTHER", created_at="x")
    other.save()  # filtered out: its sk is not BEHAVIOUR

    d.drain()

    first, again = stub.batches
    assert len(first) == 3 and again == first[1:]


def test_given_a_restart_then_the_stream_goes_on_where_it_stopped(aws, functions, tmp_path):
    positions = tmp_path / "stream-positions.json"
    before = _Stub()
    _stub_dispatcher(aws, functions, _Stub(), positions=positions, stream_start="LATEST").drain()
    first = _stub_dispatcher(aws, functions, before, positions=positions, stream_start="LATEST")
    _behaviour_items(2)
    first.drain()
    after = _Stub()
    second = _stub_dispatcher(aws, functions, after, positions=positions, stream_start="LATEST")
    second.drain()
    assert after.batches == []  # nothing handled twice
    _behaviour_items(1)
    second.drain()

    assert [len(b) for b in before.batches] == [2] and [len(b) for b in after.batches] == [1]
    assert int(after.batches[0][0]) > int(before.batches[0][-1])


def test_given_a_batch_that_always_fails_then_after_its_retries_it_goes_to_the_dead_letter_queue(
    aws, functions
):
    def always(seqs):
        raise RuntimeError("boom")

    stub = _Stub(always)
    d = _stub_dispatcher(aws, functions, stub)
    _behaviour_items(2)
    for _ in range(12):  # the first delivery and MaximumRetryAttempts (10) retries
        d.drain()

    sqs = boto3.client("sqs")
    url = aws.queue_urls["AggregatorDeadLetterQueue"]
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    assert len(stub.batches) == 11 and info["batchSize"] == 2
    assert info["startSequenceNumber"] == stub.batches[0][0]
