"""moto's UpdateItem fast path (infra/local/moto_updates.py) against moto's own, in process: the
same update on two identical tables (pk/sk, gsi2 on gsi2pk S / gsi2sk N, a NEW_AND_OLD_IMAGES
stream), one through moto's `update_item`, one through `fast_update_item(moto's)`; the items,
returned items, stream records and errors must agree. No server, no network."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    DuplicateUpdateExpression,
    ExpressionAttributeValueNotDefined,
    IncorrectDataType,
    IncorrectOperandType,
    ItemSizeToUpdateTooLarge,
    MockValidationException,
    UpdateHashRangeKeyException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from tanhui.claims.transaction import CONSENT, cap_attribute, cap_day, wallet_credit
from tanhui.reductions import totals
from tanhui.reductions.adds import Add, merged, update_kwargs
from tanhui.reductions.deltas import deltas_of

from infra.local import moto_updates
from infra.local.cfn import ROOT

REGION, ACCOUNT, TABLE = "us-east-1", "123456789012", "t"
KEY = {"pk": {"S": "ITEM#1"}, "sk": {"S": "ITEM"}}
ITEM = {"n": {"N": "5"}, "name": {"S": "Ms Chen"}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2"]},
        "gsi2pk": {"S": "RANK#x"}, "gsi2sk": {"N": "7"}, "flag": {"BOOL": True}}
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
TODAY, STALE = cap_attribute(cap_day(AT), "ticket"), cap_attribute("20261127", "ticket")
WALLET = {CONSENT: {"S": "2026-11"}, "coins": {"N": "10"}, "gco2e": {"N": "200"},
          "lifetime_coins": {"N": "10"}, "lifetime_gco2e": {"N": "200"},
          "updated_at": {"S": "2026-11-29T00:00:00Z"}, TODAY: {"N": "1"}, STALE: {"N": "2"}}
CREDITED = {"pk": "BEHAVIOUR#code#S1", "sk": "BEHAVIOUR", "kind": "earn", "status": "credited",
            "user_id": "u1", "behaviour": "ticket_non_disposable", "channel": "scan", "partner_id": "P1",
            "asset_id": "A1", "gco2e": 20, "coins": 1, "occurred_at": "2026-11-30T17:30:00.000Z",
            "created_at": "2026-11-30T17:30:01.000Z"}
MISSING = object()  # an attribute the item must not have
MOTO_UPDATE_ITEM = ("moto.dynamodb.models", "update_item")


def _moto_update_item() -> Callable[..., Any]:
    """moto's own DynamoDBBackend.update_item, under whatever this process wrapped it in
    (`make_moto_writes_atomic`: a lock around the fast path around moto's)."""
    todo, seen = [DynamoDBBackend.update_item], set()
    while todo:
        fn = todo.pop()
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        if (getattr(fn, "__module__", None), getattr(fn, "__name__", None)) == MOTO_UPDATE_ITEM:
            return fn
        todo += [c.cell_contents for c in getattr(fn, "__closure__", None) or () if callable(c.cell_contents)]
        todo += [v for v in (getattr(fn, "__kwdefaults__", None) or {}).values() if callable(v)]
    raise LookupError("moto's DynamoDBBackend.update_item is not reachable")


MOTO = _moto_update_item()


# ------------------------------------------------------------------------------------ helpers
def n(value: str) -> tuple[str, Any]:
    return "N", Decimal(value)


def s(value: str) -> tuple[str, Any]:
    return "S", value


def ss(*members: str) -> tuple[str, Any]:
    return "SS", frozenset(members)


def _plain(av: dict[str, Any]) -> tuple[str, Any]:
    """An attribute value to compare: numbers as Decimal, sets as sets, the type kept."""
    (kind, value), = av.items()
    if kind == "N":
        return kind, Decimal(value)
    if kind == "NS":
        return kind, frozenset(Decimal(v) for v in value)
    if kind in ("SS", "BS"):
        return kind, frozenset(value)
    if kind == "M":
        return kind, {k: _plain(v) for k, v in value.items()}
    if kind == "L":
        return kind, [_plain(v) for v in value]
    return kind, value


def _image(attrs: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if attrs is None else {k: _plain(v) for k, v in attrs.items()}


def _update(expression: str, values: dict[str, Any] | None = None, names: dict[str, str] | None = None,
            key: dict[str, Any] = KEY, **extra: Any) -> dict[str, Any]:
    """A low-level Update request; every `#x` names attribute `x` unless `names` says otherwise."""
    if names is None:
        names = {p: p[1:] for p in re.findall(r"#\w+", expression + extra.get("ConditionExpression", ""))}
    return {"TableName": TABLE, "Key": key, "UpdateExpression": expression, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values or {}, **extra}


def _arguments(request: dict[str, Any]) -> dict[str, Any]:
    """DynamoDBBackend.update_item's arguments, as moto's request handler passes them."""
    return {"table_name": TABLE, "key": request["Key"], "update_expression": request["UpdateExpression"],
            "expression_attribute_names": request.get("ExpressionAttributeNames", {}),
            "expression_attribute_values": request.get("ExpressionAttributeValues", {}),
            "condition_expression": request.get("ConditionExpression"),
            "return_values_on_condition_check_failure": request.get("ReturnValuesOnConditionCheckFailure")}


def _backend(cls: type[DynamoDBBackend] = DynamoDBBackend) -> DynamoDBBackend:
    backend = cls(REGION, ACCOUNT)
    attributes = (("pk", "S"), ("sk", "S"), ("gsi2pk", "S"), ("gsi2sk", "N"))
    backend.create_table(
        TABLE,
        schema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        throughput=None,
        attr=[{"AttributeName": a, "AttributeType": t} for a, t in attributes],
        global_indexes=[{"IndexName": "gsi2", "Projection": {"ProjectionType": "ALL"},
                         "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"},
                                       {"AttributeName": "gsi2sk", "KeyType": "RANGE"}]}],
        indexes=None, streams={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        billing_mode="PAY_PER_REQUEST", sse_specification=None, tags=[], deletion_protection_enabled=None,
        warm_throughput=None,
    )
    return backend


def _records(backend: DynamoDBBackend, since: int) -> list[tuple[Any, ...]]:
    """(eventName, Keys, OldImage, NewImage) of the stream records after the first `since`."""
    out = []
    for record in backend.get_table(TABLE).stream_shard.items[since:]:
        d = record.to_json()["dynamodb"]
        out.append((record.to_json()["eventName"], _image(d["Keys"]), _image(d.get("OldImage")),
                    _image(d.get("NewImage"))))
    return out


def _stored(backend: DynamoDBBackend, key: dict[str, Any]) -> dict[str, Any] | None:
    item = backend.get_table(TABLE).get_item(DynamoType(key["pk"]), DynamoType(key["sk"]))
    return None if item is None else _image(item.to_json()["Attributes"])


@dataclass
class Outcome:
    item: dict[str, Any] | None = None  # the stored item after the update
    returned: dict[str, Any] | None = None  # what update_item returned
    records: list[tuple[Any, ...]] = field(default_factory=list)
    error: BaseException | None = None
    error_item: dict[str, Any] | None = None  # the item a ConditionalCheckFailed carries (ALL_OLD)

    def error_kind(self) -> tuple[type, str] | None:
        e = self.error
        return None if e is None else (type(e), getattr(e, "message", str(e)))


def _apply(update_item: Callable[..., Any], backend: DynamoDBBackend, request: dict[str, Any]) -> Outcome:
    since = len(backend.get_table(TABLE).stream_shard.items)
    out = Outcome()
    try:
        returned = update_item(backend, **_arguments(copy.deepcopy(request)))
        out.returned = _image(returned.to_json()["Attributes"])
    except Exception as e:
        out.error = e
        if isinstance(e, ConditionalCheckFailed):
            out.error_item = _image(json.loads(e.description).get("Item"))
    out.item = _stored(backend, request["Key"])
    out.records = _records(backend, since)
    return out


def _run(update_item: Callable[..., Any], start: dict[str, Any] | None, request: dict[str, Any]) -> Outcome:
    backend = _backend()
    if start is not None:
        backend.put_item(TABLE, copy.deepcopy(request["Key"] | start))
    return _apply(update_item, backend, request)


def _fast() -> tuple[Callable[..., Any], list[Any]]:
    """The fast path over moto's, and the calls it left to moto's path."""
    calls: list[Any] = []

    def moto(*args: Any) -> Any:
        calls.append(args)
        return MOTO(*args)

    return moto_updates.fast_update_item(moto), calls


def _assert_same(moto: Outcome, fast: Outcome, *, upsert: bool) -> None:
    assert fast.error_kind() == moto.error_kind()
    assert fast.error_item == moto.error_item
    assert fast.item == moto.item
    assert fast.returned == moto.returned
    if not upsert:
        assert fast.records == moto.records
        return
    # an upsert: one INSERT of the whole item, as on AWS; moto's path puts the key first (a key-only
    # INSERT), then records the update with no old image (an INSERT again, not a MODIFY)
    [(event, keys, old, new)] = fast.records
    assert (event, old, new) == ("INSERT", None, fast.item)
    assert [r[0] for r in moto.records] == ["INSERT", "INSERT"]
    assert moto.records[0] == ("INSERT", keys, None, keys)
    assert moto.records[-1][3] == new


def _wallet_credit(**kwargs: Any) -> dict[str, Any]:
    """A claim's wallet update: 1 coin, 20 gCO2e, a daily cap of 3."""
    request = wallet_credit("u1", "ticket", 1, 20, 3, AT, "2026-11-30T09:00:00Z", **kwargs)
    return request | {"TableName": TABLE}


def _without(attributes: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if k != name}


def _aggregator_updates() -> list[dict[str, Any]]:
    """`update_kwargs` (the aggregator's ADDs) of one credited earn: one that ADDs to an index key
    and keeps another (gsi2sk, gsi2pk), a totals item's numbers; then an update of the same plain
    shape with string sets."""
    [delta] = deltas_of("e1", None, CREDITED)
    [totals_item, *_] = totals.contribute(delta, shard=3)
    board = Add("USER#u1", "BOARD#week", {"count": 1, "gsi2sk": delta.gco2e},
                keep={"user_id": "u1", "gsi2pk": "RANK#week#2026-W49#ALL#3"})
    stats = {"TableName": TABLE, "Key": {"pk": {"S": "USER#u1"}, "sk": {"S": "STATS"}},
             "UpdateExpression": "ADD #n0 :n0, #s0 :s0, #s1 :s1",
             "ExpressionAttributeNames": {"#n0": "count", "#s0": "channels", "#s1": "days"},
             "ExpressionAttributeValues": {":n0": {"N": "1"}, ":s0": {"SS": ["scan"]},
                                           ":s1": {"SS": [delta.day]}}}
    return [update_kwargs(TABLE, add) for add in merged([board, totals_item]).values()] + [stats]


# ------------------------------------------------------------------------------------ cases
@dataclass(frozen=True)
class Case:
    start: dict[str, Any] | None  # the item's attributes before (its key is the request's), or none
    request: dict[str, Any]
    path: str  # "fast": answered by moto_updates; "moto": left to moto's own path
    expect: dict[str, Any] | type[BaseException]  # attributes the item then has, or moto's error


ONE, TWO, ZERO = {"N": "1"}, {"N": "2"}, {"N": "0"}
RANK, *_, LIFE = _aggregator_updates()
IF_NOT_EXISTS = "ADD #n :one SET #gsi2pk = if_not_exists(#gsi2pk, :p), #gsi2sk = if_not_exists(#gsi2sk, :z)"
IF_NOT_EXISTS_VALUES = {":one": ONE, ":p": {"S": "RANK#new"}, ":z": ZERO}
LIST_APPEND = "SET #l = list_append(if_not_exists(#l, :empty), :l)"
CASES = {
    # answered here
    "add numbers to a missing item": Case(
        None, _update("ADD #n :one, #m :half", {":one": ONE, ":half": {"N": "0.5"}}), "fast",
        {"n": n("1"), "m": n("0.5")}),
    "add a number to an existing number": Case(
        ITEM, _update("ADD #n :v", {":v": {"N": "-2"}}), "fast", {"n": n("3")}),
    "add with set if_not_exists, missing item": Case(
        None, _update(IF_NOT_EXISTS, IF_NOT_EXISTS_VALUES), "fast",
        {"n": n("1"), "gsi2pk": s("RANK#new"), "gsi2sk": n("0")}),
    "add with set if_not_exists, existing item": Case(
        ITEM, _update(IF_NOT_EXISTS, IF_NOT_EXISTS_VALUES), "fast",
        {"n": n("6"), "gsi2pk": s("RANK#x"), "gsi2sk": n("7")}),
    "add a string set: union with new and existing members": Case(
        ITEM, _update("ADD #tags :v", {":v": {"SS": ["b", "c"]}}), "fast", {"tags": ss("a", "b", "c")}),
    "add a string set to a missing attribute": Case(
        ITEM, _update("ADD #new :v", {":v": {"SS": ["x"]}}), "fast", {"new": ss("x"), "tags": ss("a", "b")}),
    "add a number set": Case(
        ITEM, _update("ADD #nums :v", {":v": {"NS": ["2", "3"]}}), "fast",
        {"nums": ("NS", frozenset(map(Decimal, "123")))}),
    "set values": Case(
        ITEM, _update("SET #name = :v, #flag = :f, #nothing = :null",
                      {":v": {"S": "Mr Li"}, ":f": {"BOOL": False}, ":null": {"NULL": True}}), "fast",
        {"name": s("Mr Li"), "flag": ("BOOL", False), "nothing": ("NULL", True)}),
    "set to another attribute": Case(
        ITEM, _update("SET #copy = #name"), "fast", {"copy": s("Ms Chen")}),
    "set if_not_exists + one, missing attribute": Case(
        ITEM, _update("SET #c = if_not_exists(#c, :zero) + :one", {":zero": ZERO, ":one": ONE}), "fast",
        {"c": n("1")}),
    "set if_not_exists + one, existing attribute": Case(
        ITEM, _update("SET #n = if_not_exists(#n, :zero) + :one", {":zero": ZERO, ":one": ONE}), "fast",
        {"n": n("6")}),
    "set a = a - v": Case(
        ITEM, _update("SET #n = #n - :v", {":v": TWO}), "fast", {"n": n("3")}),
    "set a = v + w": Case(
        ITEM, _update("SET #c = :v + :w", {":v": TWO, ":w": {"N": "0.25"}}), "fast", {"c": n("2.25")}),
    "remove existing and missing attributes": Case(
        ITEM, _update("REMOVE #name, #absent"), "fast", {"name": MISSING, "n": n("5")}),
    "remove on a missing item": Case(
        None, _update("REMOVE #name"), "fast", {"name": MISSING, "pk": s("ITEM#1")}),
    "operands are read from the item as it was": Case(
        ITEM, _update("ADD #n :one SET #m = #n, #copy = if_not_exists(#n, :zero) + :one REMOVE #gsi2sk",
                      {":one": ONE, ":zero": ZERO}), "fast",
        {"n": n("6"), "m": n("5"), "copy": n("6"), "gsi2sk": MISSING}),
    "lowercase keywords": Case(
        ITEM, _update("add #n :one set #m = :one remove #name", {":one": ONE}), "fast",
        {"n": n("6"), "m": n("1"), "name": MISSING}),
    "claim wallet credit": Case(
        WALLET, _wallet_credit(), "fast",
        {"coins": n("11"), "lifetime_gco2e": n("220"), TODAY: n("2"), STALE: MISSING,
         "updated_at": s("2026-11-30T09:00:00Z")}),
    "claim wallet credit, first of the day": Case(
        _without(WALLET, TODAY), _wallet_credit(), "fast", {TODAY: n("1"), "gco2e": n("220")}),
    "claim wallet credit on a file row's days": Case(
        WALLET, _wallet_credit(days={"20261129": 1, "20261130": 1}, clean_stale=False), "fast",
        {cap_attribute("20261129", "ticket"): n("1"), TODAY: n("2"), STALE: n("2")}),
    "claim wallet credit without consent": Case(
        _without(WALLET, CONSENT), _wallet_credit(), "fast", ConditionalCheckFailed),
    "claim wallet credit at the daily cap": Case(
        WALLET | {TODAY: {"N": "3"}}, _wallet_credit(), "fast", ConditionalCheckFailed),
    "claim wallet credit, no wallet": Case(
        None, _wallet_credit(), "fast", ConditionalCheckFailed),
    "aggregator rank, missing item": Case(
        None, RANK, "fast", {"gsi2sk": n("20"), "count": n("1"), "user_id": s("u1")}),
    "aggregator rank, existing item": Case(
        {"gsi2pk": {"S": "RANK#kept"}, "gsi2sk": {"N": "5"}, "count": ONE, "user_id": {"S": "u1"}}, RANK,
        "fast", {"gsi2pk": s("RANK#kept"), "gsi2sk": n("25"), "count": n("2")}),
    "aggregator lifetime, missing item": Case(
        None, LIFE, "fast", {"days": ss("2026-12-01"), "count": n("1")}),
    "aggregator lifetime, existing item": Case(
        {"days": {"SS": ["2026-11-02", "2026-12-01"]}, "channels": {"SS": ["file"]}, "count": {"N": "4"}},
        LIFE, "fast",
        {"days": ss("2026-11-02", "2026-12-01"), "channels": ss("file", "scan"), "count": n("5")}),
    # left to moto's path, which answers as before
    "add a number to a string": Case(
        ITEM, _update("ADD #name :one", {":one": ONE}), "moto", IncorrectDataType),
    "add a set to a number": Case(
        ITEM, _update("ADD #n :v", {":v": {"SS": ["x"]}}), "moto", IncorrectDataType),
    "add a string set to a number set": Case(
        ITEM, _update("ADD #nums :v", {":v": {"SS": ["x"]}}), "moto", IncorrectDataType),
    "add a string": Case(
        ITEM, _update("ADD #n :v", {":v": {"S": "x"}}), "moto", IncorrectDataType),
    "set a missing attribute + v": Case(
        ITEM, _update("SET #n = #missing + :one", {":one": ONE}), "moto", MockValidationException),
    "set a string + v": Case(
        ITEM, _update("SET #c = #name + :one", {":one": ONE}), "moto", IncorrectOperandType),
    "unused expression attribute value": Case(  # refused by moto's request handler, not its backend
        ITEM, _update("ADD #n :one", {":one": ONE, ":unused": TWO}), "moto", {"n": n("6")}),
    "unused expression attribute name": Case(
        ITEM, _update("ADD #n :one", {":one": ONE}, names={"#n": "n", "#x": "x"}), "moto", {"n": n("6")}),
    "missing value placeholder": Case(
        ITEM, _update("ADD #n :nope"), "moto", ExpressionAttributeValueNotDefined),
    "missing name placeholder": Case(  # moto's request handler refuses it before its backend
        ITEM, _update("ADD #n :one", {":one": ONE}, names={}), "moto", KeyError),
    "update the partition key": Case(
        ITEM, _update("SET #pk = :v", {":v": {"S": "X"}}), "moto", UpdateHashRangeKeyException),
    "update the sort key, missing item": Case(
        None, _update("REMOVE #sk"), "moto", UpdateHashRangeKeyException),
    "an index key of the wrong type": Case(  # DynamoDB refuses it; moto's backend stores it
        ITEM, _update("SET #gsi2sk = :v", {":v": {"S": "seven"}}), "moto", {"gsi2sk": s("seven")}),
    "an empty index key": Case(
        ITEM, _update("SET #gsi2pk = :v", {":v": {"S": ""}}), "moto", {"gsi2pk": s("")}),
    "two actions on one attribute": Case(
        ITEM, _update("SET #n = :one ADD #n :one", {":one": ONE}), "moto", DuplicateUpdateExpression),
    "two sets of one attribute": Case(
        ITEM, _update("SET #n = :one, #n = :two", {":one": ONE, ":two": TWO}), "moto",
        DuplicateUpdateExpression),
    "two names of one attribute": Case(
        ITEM, _update("SET #a = :one, #b = :two", {":one": ONE, ":two": TWO}, names={"#a": "n", "#b": "n"}),
        "moto", DuplicateUpdateExpression),
    "an empty string set": Case(
        ITEM, _update("ADD #tags :v", {":v": {"SS": []}}), "moto", MockValidationException),
    "an empty string set, missing item": Case(
        None, _update("ADD #tags :v", {":v": {"SS": []}}), "moto", MockValidationException),
    "a map value": Case(
        ITEM, _update("SET #m = :m", {":m": {"M": {"k": ONE}}}), "moto", {"m": ("M", {"k": n("1")})}),
    "an oversized item": Case(
        ITEM, _update("SET #big = :v", {":v": {"S": "x" * 405_000}}), "moto", ItemSizeToUpdateTooLarge),
    "list_append": Case(
        ITEM, _update(LIST_APPEND, {":empty": {"L": []}, ":l": {"L": [ONE]}}), "moto",
        {"l": ("L", [n("1")])}),
    "delete from a set": Case(
        ITEM, _update("DELETE #tags :v", {":v": {"SS": ["a"]}}), "moto", {"tags": ss("b")}),
    "a nested path": Case(
        ITEM, _update("SET #m.#k = :one", {":one": ONE}), "moto", MockValidationException),
    "a key of the wrong type": Case(
        None, _update("ADD #n :one", {":one": ONE}, key={"pk": {"N": "1"}, "sk": {"S": "ITEM"}}), "moto",
        MockValidationException),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_given_an_update_when_run_through_both_paths_then_items_records_and_errors_agree(case: Case):
    """The fast path answers what it takes as moto's path does; what it does not take goes to moto's."""
    moto = _run(MOTO, case.start, case.request)
    fast_update_item, left_to_moto = _fast()
    fast = _run(fast_update_item, case.start, case.request)

    assert ("moto" if left_to_moto else "fast") == case.path
    if isinstance(case.expect, dict):
        assert moto.error is None, moto.error
        assert moto.item is not None
        assert {k: moto.item.get(k, MISSING) for k in case.expect} == case.expect
    else:
        assert isinstance(moto.error, case.expect), moto.error
    _assert_same(moto, fast, upsert=case.start is None and case.path == "fast" and moto.error is None)


def test_given_a_failed_claim_condition_with_all_old_then_the_error_carries_the_wallet():
    """ReturnValuesOnConditionCheckFailure ALL_OLD: the wallet as it was, on both paths; none if missing."""
    wallet = _without(WALLET, CONSENT)
    request = _wallet_credit()
    fast_update_item, left_to_moto = _fast()
    moto, fast = _run(MOTO, wallet, request), _run(fast_update_item, wallet, request)
    assert fast.error_item == moto.error_item == _image(request["Key"] | wallet)
    assert fast.records == moto.records == [] and left_to_moto == []
    without = _run(fast_update_item, wallet, request | {"ReturnValuesOnConditionCheckFailure": "NONE"})
    missing = _run(fast_update_item, None, request)
    assert isinstance(without.error, ConditionalCheckFailed) and without.error_item is None
    assert isinstance(missing.error, ConditionalCheckFailed)
    assert (missing.error_item, missing.item) == (None, None)


def test_given_a_sequence_of_updates_on_one_item_then_both_paths_agree_after_each():
    """Items the fast path wrote are updated by moto's path and back again, as moto's own are."""
    key = RANK["Key"]
    steps = [
        RANK,
        RANK,
        _update(LIST_APPEND, {":empty": {"L": []}, ":l": {"L": [ONE]}}, key=key),
        _update("ADD #s :v", {":v": {"SS": ["x", "y"]}}, key=key),
        _update("DELETE #s :v", {":v": {"SS": ["x"]}}, key=key),
        _update("ADD #s :v SET #m = :m", {":v": {"SS": ["z"]}, ":m": {"M": {}}}, key=key),
        _update("SET #gsi2sk = #gsi2sk - :v REMOVE #l", {":v": {"N": "15"}}, key=key),
        _update("ADD #s :v", {":v": {"SS": ["y", "w"]}}, key=key),
    ]
    moto_backend, fast_backend = _backend(), _backend()
    fast_update_item, _ = _fast()
    for i, request in enumerate(steps):
        moto, fast = _apply(MOTO, moto_backend, request), _apply(fast_update_item, fast_backend, request)
        assert moto.error is None, (i, moto.error)
        _assert_same(moto, fast, upsert=i == 0)
    assert fast.item is not None
    assert (fast.item["gsi2sk"], fast.item["s"], fast.item["count"]) == (n("25"), ss("y", "z", "w"), n("2"))


def test_given_a_transaction_of_add_updates_then_one_stream_record_per_item():
    """TransactWriteItems through the fast path: a MODIFY of the item there, one INSERT of the new one."""
    fast_update_item, left_to_moto = _fast()
    backend = _backend(type("FastBackend", (DynamoDBBackend,), {"update_item": fast_update_item}))
    backend.put_item(TABLE, LIFE["Key"] | {"count": {"N": "4"}, "days": {"SS": ["2026-11-02"]}})
    backend.transact_write_items([{"Update": RANK}, {"Update": LIFE}])
    records = _records(backend, 1)
    assert [(event, keys) for event, keys, _, _ in records] == [
        ("INSERT", _image(RANK["Key"])), ("MODIFY", _image(LIFE["Key"]))]
    (_, _, old, new), (_, _, life_old, life_new) = records
    assert old is None and new is not None and new["gsi2sk"] == n("20")
    assert life_old is not None and life_new is not None
    assert (life_old["count"], life_new["count"]) == (n("4"), n("5"))
    assert life_new["days"] == ss("2026-11-02", "2026-12-01")
    assert left_to_moto == []


def test_given_one_set_value_added_to_two_attributes_then_a_later_add_to_one_leaves_the_other():
    """`ADD #a :v, #b :v` keeps one DynamoType for both; moto's path adds to a set in place later."""
    first = _update("ADD #a :v, #b :v", {":v": {"SS": ["x"]}})
    then = _update("ADD #a :w SET #m = :m", {":w": {"SS": ["y"]}, ":m": {"M": {}}})  # a map: moto's path
    fast_update_item, _ = _fast()
    items = []
    for update_item in (MOTO, fast_update_item):
        backend = _backend()
        _apply(update_item, backend, first)
        items.append(_apply(update_item, backend, then).item)
    assert items[0] is not None and items[0]["b"] == ss("x")
    assert items[1] == items[0]


def test_given_a_set_with_repeated_members_added_then_each_member_is_stored_once():
    """The members as stored (not as a set): moto's path stores each once."""
    request = _update("ADD #tags :v, #new :v", {":v": {"SS": ["c", "c"]}})
    fast_update_item, _ = _fast()
    stored = []
    for update_item in (MOTO, fast_update_item):
        backend = _backend()
        backend.put_item(TABLE, KEY | ITEM)
        update_item(backend, **_arguments(copy.deepcopy(request)))
        item = backend.get_table(TABLE).get_item(DynamoType(KEY["pk"]), DynamoType(KEY["sk"]))
        stored.append(sorted((k, sorted(item.attrs[k].value)) for k in ("tags", "new")))
    assert stored[0] == [("new", ["c"]), ("tags", ["a", "b", "c"])]
    assert stored[1] == stored[0]


# ------------------------------------------------------------------------------------ the parser
@pytest.mark.parametrize("expression", [
    "SET #a.#b = :v",
    "SET #a[0] = :v",
    "REMOVE #a.#b",
    "REMOVE #a[1]",
    "DELETE #s :v",
    "ADD #n :v DELETE #s :w",
    "SET #l = list_append(#l, :v)",
    "SET #a = if_not_exists(#a, :v) + :w + :x",
    "SET #a = :v + #b",
    "SET #a = size(#b)",
    "ADD #a :v ADD #b :w",
    "SET #a = :v SET #b = :w",
    "SET #a = :v,",
    "ADD #a :v, ",
    "SET a = :v",
    "ADD #a 1",
    "#a = :v",
    "SET",
    "",
    "SET #a = IF_NOT_EXISTS(#a, :v)",
])
def test_given_an_expression_of_another_shape_then_no_plan(expression: str):
    """Left to moto's path: nested paths, list indexes, DELETE, functions, repeated clauses, literals."""
    assert moto_updates.plan(expression) is None


@pytest.mark.parametrize(("expression", "actions"), [
    ("ADD #a :v", (("add", "#a", ":v"),)),
    ("REMOVE #a, #b", (("remove", "#a"), ("remove", "#b"))),
    ("SET #a = :v", (("set", "#a", ":v", None, None, None, None),)),
    ("SET #a = #b - :v", (("set", "#a", None, "#b", None, "-", ":v"),)),
    ("ADD #a :v, #b :w SET #c = if_not_exists(#c, :zero) + :one REMOVE #d",
     (("add", "#a", ":v"), ("add", "#b", ":w"), ("set", "#c", None, None, ("#c", ":zero"), "+", ":one"),
      ("remove", "#d"))),
    ("set #a=if_not_exists( #b , :v ) remove #c", (("set", "#a", None, None, ("#b", ":v"), None, None),
                                                   ("remove", "#c"))),
    ("SET #ADD = :SET", (("set", "#ADD", ":SET", None, None, None, None),)),
])
def test_given_a_plain_expression_then_its_actions(expression: str, actions: tuple[Any, ...]):
    """Every action of the plain shapes, in order; keywords in any case, not inside placeholders."""
    assert moto_updates.plan(expression) == actions


# ------------------------------------------------------------------------------------ installed
def test_given_moto_writes_made_atomic_then_update_item_takes_the_fast_path_once():
    """In a fresh process (the patch is process-wide): an upsert is one INSERT, and installing
    twice wraps moto's update_item once."""
    probe = "from tests.unit.test_moto_updates import installed; installed()"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=dict(os.environ), capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr


def installed() -> None:
    from infra.local.moto_atomic import make_moto_writes_atomic

    make_moto_writes_atomic()
    patched = DynamoDBBackend.update_item
    make_moto_writes_atomic()
    assert DynamoDBBackend.update_item is patched and _moto_update_item() is MOTO
    backend = _backend()
    backend.update_item(**_arguments(_update("ADD #n :one", {":one": ONE})))
    [(event, _, old, new)] = _records(backend, 0)
    assert (event, old, new) == ("INSERT", None, _image(KEY | {"n": ONE}))
