"""Factories and tools shared by tests and benches: partners, assets and printed codes made
directly (no dependency on the code API), a template-declared function loaded as a warm container,
a DynamoDB request counter, and a recording stand-in for the claim's transaction connection."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from tanhui.codes import keyring, token
from tanhui.codes.token import Kind
from tanhui.config import get_settings
from tanhui.models.assets import Asset, GeoFence
from tanhui.models.base import TanhuiModel, utc_now
from tanhui.models.behaviour import STATUS_CREDITED, BehaviourRecord, ledger_pk
from tanhui.models.partner import Partner
from tanhui.models.transactions import connection

ASSET_KIND = {Kind.TICKET: "ticket_product", Kind.PACKAGING: "product_sku", Kind.VEHICLE: "vehicle",
              Kind.VEHICLE_ROTATING: "vehicle", Kind.HOTEL_ROOM: "hotel_room"}
ATTRIBUTES = {
    "ticket_product": {"name": "丹霞山 年卡"},
    "vehicle": {"vehicle_type": "shuttle", "plate": "粤F·E1234", "route_km": 12.5},
    "hotel_room": {"room_number": "808"},
    "product_sku": {"sku": "FR-1", "gtin": "6901234567892", "product_name": "节能冰箱"},
}


def partner_item(role: str = "scenic_spot", name: str | None = None) -> str:
    partner_id, now = secrets.token_hex(3).upper(), utc_now()
    Partner(*Partner.key(partner_id), partner_id=partner_id, name=name or f"{role} {partner_id}",
            role=role, created_at=now, gsi1pk="PARTNERS", gsi1sk=f"{now}#{partner_id}").save()
    return partner_id


def make_wallets(user_ids: list[str], consent_version: str = "bench") -> None:
    """Wallets with consent for users made around Cognito (benches' claimants)."""
    from tanhui.models.wallet import Wallet

    now = utc_now()
    with Wallet.batch_write() as batch:
        for u in user_ids:
            batch.save(Wallet(*Wallet.key(u), user_id=u, consent_version=consent_version, consent_at=now,
                              created_at=now, updated_at=now))


def make_asset(
    partner_id: str, kind: str, *, attributes: dict[str, Any] | None = None,
    geofence: dict[str, Any] | None = None, timezone: str = "Asia/Shanghai",
) -> Asset:
    asset_id, now = secrets.token_hex(3).upper(), utc_now()
    asset = Asset(
        *Asset.key(partner_id, asset_id), partner_id=partner_id, asset_id=asset_id, kind=kind,
        name=f"{kind} {asset_id}", attributes=attributes or ATTRIBUTES[kind],
        geofence=GeoFence(**geofence) if geofence else None, timezone=timezone,
        created_at=now, updated_at=now,
    )
    asset.save()
    return asset


def single_use(asset: Asset, count: int = 1, batch_id: str | None = None) -> list[str]:
    kind = Kind.TICKET if asset.kind == "ticket_product" else Kind.PACKAGING
    kid, key = keyring.keyring().signing_key()
    batch = batch_id or secrets.token_hex(3).upper()
    gtin = asset.attributes["gtin"] if kind is Kind.PACKAGING else None
    tokens = token.issue_serials(kind, kid, key, asset.partner_id, asset.asset_id, batch, count)
    return [token.code_url(get_settings().code_base_url, t, gtin) for t in tokens]


def static(asset: Asset, kind: Kind | None = None, step: int | None = None) -> str:
    kid, key = keyring.keyring().signing_key()
    kind = kind or (Kind.HOTEL_ROOM if asset.kind == "hotel_room" else Kind.VEHICLE)
    return token.code_url(get_settings().code_base_url,
                          token.issue(kind, kid, key, asset.partner_id, asset.asset_id, step=step))


def ledger_record(
    user_id: str, behaviour: str | None, *, coins: int, gco2e: int, occurred_at: str | None,
    created_at: str | None = None, kind: str = "earn", status: str = STATUS_CREDITED,
) -> BehaviourRecord:
    """A record in the user's ledger written directly (as a partner file's row credits one: what
    happened earlier than it was credited), without touching the wallet."""
    created, entry = created_at or utc_now(), secrets.token_hex(8)
    record = BehaviourRecord(
        *BehaviourRecord.key(f"BEHAVIOUR#test#{entry}"), status=status, kind=kind, claim_id=entry,
        user_id=user_id, behaviour=behaviour, channel="import", coins=coins, gco2e=gco2e,
        occurred_at=occurred_at, created_at=created, gsi1pk=ledger_pk(user_id), gsi1sk=f"{created}#{entry}",
    )
    record.save()
    return record


# ------------------------------------------------------------------------ request counting
def _clients() -> list[Any]:
    models: list[type] = []
    todo = list(TanhuiModel.__subclasses__())
    while todo:
        m = todo.pop()
        models.append(m)
        todo.extend(m.__subclasses__())
    return [connection().client] + [m._get_connection().connection.client for m in models]


@contextmanager
def dynamodb_calls(items: Counter | None = None) -> Iterator[Counter]:
    """Counts DynamoDB API calls by operation name (botocore `before-call` events); with `items`,
    also what they carry (`before-parameter-build`): TransactWriteItems' items by kind ("Put",
    "Update", ...) and the keys BatchGetItem asks for ("BatchGetItem keys")."""
    seen: Counter = Counter()

    def count(model: Any, **_: Any) -> None:
        seen[model.name] += 1

    def carried(params: Any, **_: Any) -> None:
        assert items is not None
        for item in params.get("TransactItems", ()):
            items.update(item.keys())
        items["BatchGetItem keys"] += sum(len(r["Keys"]) for r in params.get("RequestItems", {}).values())

    hooks = [("before-call.dynamodb", count)]
    if items is not None:
        hooks.append(("before-parameter-build.dynamodb", carried))
    clients = _clients()
    uid = f"count-{id(seen)}"
    for c in clients:
        for event, hook in hooks:
            c.meta.events.register(event, hook, unique_id=f"{uid}-{event}")
    try:
        yield seen
    finally:
        for c in clients:
            for event, hook in hooks:
                c.meta.events.unregister(event, hook, unique_id=f"{uid}-{event}")


# ------------------------------------------------------------------------------- functions
def function(logical_id: str) -> Any:
    """A function declared in template.yaml, loaded as one warm container (`.invoke(event)`)."""
    from infra.local import cfn
    from infra.local.functions import LocalFunction

    return LocalFunction(cfn.functions(cfn.load_template())[logical_id])


# ------------------------------------------------------------------ recording transactions
class RecordingConnection:
    """Stands in for the write path's `connection()` (`models.writes`): keeps each
    TransactWriteItems call's items, then sends them on to `forward` (a real connection) or,
    without one, answers as DynamoDB does when the transaction succeeds."""

    def __init__(self, forward: Any = None):
        self.forward = forward
        self.calls: list[dict[str, list[dict[str, Any]]]] = []

    def transact_write_items(self, **items: Any) -> Any:
        self.calls.append(items)
        return self.forward.transact_write_items(**items) if self.forward is not None else {}


def written_keys(call: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str]]:
    """(operation, pk, sk) of every item a TransactWriteItems call writes or condition-checks."""
    ops = {"condition_check_items": "ConditionCheck", "put_items": "Put", "update_items": "Update",
           "delete_items": "Delete"}
    found = []
    for arg, op in ops.items():
        for item in call.get(arg) or []:
            key = item.get("Key") or item["Item"]
            found.append((op, key["pk"]["S"], key["sk"]["S"]))
    return found


@contextmanager
def recorded_claims(*, forward: bool = True) -> Iterator[RecordingConnection]:
    """Records the transactions write plans send inside the block, e.g. `tanhui.claims.scan.claim`'s
    (and still sends them, unless `forward=False`)."""
    recorder = RecordingConnection(connection() if forward else None)
    with mock.patch("tanhui.models.writes.connection", return_value=recorder):
        yield recorder
