"""`Idempotency-Key` on the routes that create something big: a retry makes nothing new."""

from __future__ import annotations

import time
import uuid

import pytest
from tanhui import idempotency
from tanhui.models.idempotency import IdempotencyRecord

PARTNER = {"name": "丹霞绿色酒店", "role": "hotel", "contact": {"name": "Ms Chen"}}


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_given_same_key_when_partner_created_twice_then_one_partner_and_200(api, admin):
    k = key()
    first = api.post("/v1/admin/partners", PARTNER, as_=admin, headers=k)
    again = api.post("/v1/admin/partners", PARTNER, as_=admin, headers=k)
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    other_body = api.post("/v1/admin/partners", PARTNER | {"name": "另一家"}, as_=admin, headers=k)
    assert (other_body.status, other_body.error_code) == (422, "idempotency_key_reused")
    fresh = api.post("/v1/admin/partners", PARTNER, as_=admin, headers=key())
    unkeyed = api.post("/v1/admin/partners", PARTNER, as_=admin)
    assert len({first.body["partner_id"], fresh.body["partner_id"], unkeyed.body["partner_id"]}) == 3


def test_given_same_key_when_print_batch_created_twice_then_one_batch_and_200(api, make_partner):
    spot = make_partner("scenic_spot")
    ticket = api.post(
        "/v1/partner/assets", {"kind": "ticket_product", "attributes": {"name": "年卡"}}, as_=spot
    )
    body, k = {"asset_id": ticket.body["asset_id"], "count": 10}, key()
    first = api.post("/v1/partner/code-batches", body, as_=spot, headers=k)
    again = api.post("/v1/partner/code-batches", body, as_=spot, headers=k)
    assert (first.status, again.status) == (202, 200)
    assert again.body["batch_id"] == first.body["batch_id"]
    reused = api.post("/v1/partner/code-batches", body | {"count": 11}, as_=spot, headers=k)
    assert (reused.status, reused.error_code) == (422, "idempotency_key_reused")
    bad = api.post("/v1/partner/code-batches", body, as_=spot, headers={"Idempotency-Key": "x" * 256})
    assert (bad.status, bad.error_code) == (400, "invalid_idempotency_key")


def made(n: list[int]):
    def create(_mark: idempotency.Mark) -> str:  # a creation without a plan of its own
        n.append(1)
        return f"id-{len(n)}"

    return create


def test_given_first_attempt_failed_then_the_retry_creates(aws):
    calls: list[int] = []

    def failing(_mark: idempotency.Mark) -> str:
        raise RuntimeError("crash")

    caller, k = "u-" + uuid.uuid4().hex, "k1"
    with pytest.raises(RuntimeError):
        idempotency.once("test", caller, k, {"a": 1}, create=failing, id_of=str, replay=str)
    outcome = idempotency.once("test", caller, k, {"a": 1}, create=made(calls), id_of=str, replay=str)
    assert (outcome.value, outcome.created, len(calls)) == ("id-1", True, 1)
    repeat = idempotency.once("test", caller, k, {"a": 1}, create=made(calls), id_of=str, replay=str)
    assert (repeat.value, repeat.created, len(calls)) == ("id-1", False, 1)


def test_given_first_attempt_still_holding_the_key_then_409_until_its_lock_runs_out(aws):
    calls: list[int] = []
    caller, k = "u-" + uuid.uuid4().hex, "k2"
    pk, sk = IdempotencyRecord.key("test", caller, k)
    held = IdempotencyRecord(pk, sk, request_hash=idempotency.request_hash({"a": 1}),
                             locked_until=int(time.time()) + 60, created_at="t")
    held.save()  # a first attempt that is running (or died) before it recorded what it made
    with pytest.raises(idempotency.InProgress):
        idempotency.once("test", caller, k, {"a": 1}, create=made(calls), id_of=str, replay=str)
    held.update(actions=[IdempotencyRecord.locked_until.set(int(time.time()) - 1)])
    outcome = idempotency.once("test", caller, k, {"a": 1}, create=made(calls), id_of=str, replay=str)
    assert (outcome.created, len(calls)) == (True, 1)
