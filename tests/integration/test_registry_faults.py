"""The registry's write plans under faults (infra.local.faults): a transaction cancelled by
contention or throttling, and a reply lost after the commit (retried within DynamoDB's token
window, or after it). Each issuance, transfer, retirement and offset happens exactly once, and
Σ issued = Σ held + Σ retired holds after each."""

from __future__ import annotations

import uuid

import pytest
from tanhui.models.registry import Issuance, Retirement, Transfer
from tanhui.models.wallet import Wallet

from tests.integration.registry_support import export, fresh_day, invariant, records_on
from tests.integration.test_faults_money_paths import _injected  # one fault, once, asserted

FAULTS = ["conflict", "throttle", "lost_reply", "lost_reply_late"]
RETIREMENT = {"units": 2, "beneficiary": "故障论坛", "purpose": "碳中和",
              "emission": {"kind": "event", "description": "两天"}}


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _listed(model, prefix: str, **equal) -> list:
    return [i for i in model.scan(model.pk.startswith(prefix))
            if all(getattr(i, k) == v for k, v in equal.items())]


def _holder(api, admin, make_partner, units: int):
    day = fresh_day()
    records_on(day, [1_000] * (units + 2))
    assert api.post("/v1/admin/registry/issuances", {"export_id": export(day)}, as_=admin).status == 201
    event = make_partner("event")
    body = {"from": "PLATFORM", "to": event.partner_id, "units": units, "reason": "认购"}
    moved = api.post("/v1/admin/registry/transfers", body, as_=admin, headers=_key())
    assert moved.status == 201, moved.body
    return event


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_an_issuance_then_the_export_is_issued_once(api, admin, fault, monkeypatch):
    day = fresh_day()
    records_on(day, [1_500, 1_500])
    export_id = export(day)
    with _injected(fault, export_id, monkeypatch):
        reply = api.post("/v1/admin/registry/issuances", {"export_id": export_id}, as_=admin)
    assert reply.status == 201, reply.body
    assert [i.issuance_id for i in _listed(Issuance, "ISSUANCE#", export_id=export_id)] == [
        reply.body["issuance_id"]]
    invariant()


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_transfer_then_the_units_move_once(api, admin, make_partner, fault, monkeypatch):
    event = _holder(api, admin, make_partner, 2)  # a retry finds nothing left to move: it must not look
    org = make_partner("organisation")
    body = {"from": event.partner_id, "to": org.partner_id, "units": 2, "reason": "转让"}
    with _injected(fault, org.partner_id, monkeypatch):
        reply = api.post("/v1/admin/registry/transfers", body, as_=admin, headers=_key())
    assert reply.status == 201, reply.body
    assert len(_listed(Transfer, "TRANSFER#", to_account=org.partner_id)) == 1
    invariant()
    holding = api.get("/v1/partner/registry/account", as_=org).body
    assert holding["account"]["held_units"] == 2 == sum(r["units"] for r in holding["held"])


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_a_retirement_of_all_held_then_the_units_retire_once(
        api, admin, make_partner, fault, monkeypatch):
    event = _holder(api, admin, make_partner, 2)  # a retry finds nothing left to retire: it must not look
    with _injected(fault, event.partner_id, monkeypatch):
        reply = api.post("/v1/partner/registry/retirements", RETIREMENT, as_=event, headers=_key())
    assert reply.status == 201, reply.body
    assert len(_listed(Retirement, "RETIREMENT#", account_id=event.partner_id)) == 1
    account = api.get("/v1/partner/registry/account", as_=event).body["account"]
    assert (account["held_units"], account["retired_units"]) == (0, 2)
    invariant()


@pytest.mark.parametrize("fault", FAULTS)
def test_given_a_fault_on_an_offset_then_coins_and_units_go_once(api, admin, register, fault, monkeypatch):
    day = fresh_day()
    records_on(day, [1_000] * 3)
    assert api.post("/v1/admin/registry/issuances", {"export_id": export(day)}, as_=admin).status == 201
    assert api.put("/v1/admin/registry/offset-rate", {"coins_per_unit": 5}, as_=admin).status == 200
    tourist = register("故障游客")
    api.get("/v1/me", as_=tourist)
    Wallet(*Wallet.key(tourist.user_id)).update(actions=[Wallet.coins.add(12)])
    with _injected(fault, tourist.user_id, monkeypatch):
        reply = api.post("/v1/me/offsets", {"coins": 10}, as_=tourist, headers=_key())
    assert reply.status == 201, reply.body
    assert len(_listed(Retirement, "RETIREMENT#", user_id=tourist.user_id)) == 1
    assert api.get("/v1/me/wallet", as_=tourist).body["coins"] == 2
    invariant()
