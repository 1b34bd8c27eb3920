"""Every request that moves coins carries an `Idempotency-Key`: a double tap or a retry after a
lost answer moves them once. The OpenAPI document says so (the header `required: true`, which the
web client's generated types then cannot leave out) and the route refuses a request without one
(400 `invalid_idempotency_key`, before anything is read or written).

Each operation that writes is decided here, once: it moves coins (`MOVES_COINS`: the header is
required) or it does not (`MOVES_NO_COINS`, with the reason a retry of it cannot move coins twice).
A new route that writes fails the first test until someone decides which it is.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.local import cfn, openapi_json
from infra.local.functions import LambdaContext, load_module

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = cfn.load_template()
WRITES = ("post", "put", "patch", "delete")
HEADER = "idempotency-key"

MOVES_COINS = {
    "POST /v1/donations": "takes coins from the tourist's wallet and gives them to a project",
    "POST /v1/redemptions": "takes an offer's coins from the tourist's wallet for a voucher",
    "POST /v1/me/account/close": "forfeits the closing person's coins (a `forfeit` entry) or donates "
    "them to a project",
    "POST /v1/buyback-rounds/{round_id}/offers": "retires the tourist's coins into a buyback round "
    "(a `buyback` ledger entry) against the round's budget",
    "POST /v1/me/offsets": "takes the tourist's coins (an `offset` ledger entry) for registry units "
    "retired for them",
}

_CONFIG = "sets configuration; credits and spending happen on other routes"
MOVES_NO_COINS = {
    # credits that are once by nature: the behaviour's de-duplication key, not the request
    "POST /v1/claims": "credits a scanned code, but once per behaviour (its de-duplication key is "
    "the claim's item key): a retry or double tap answers 200 already credited and credits nothing",
    "PUT /v1/me/bindings": "binding a number may credit the pending credits kept for it, each once "
    "(the pending credit is deleted in the transaction that credits it): binding again finds none",
    "POST /v1/auth/register": "joining may credit pending credits, each once as for a binding; a "
    "second registration of the phone is refused",
    "POST /v1/partner/imports": "opens an upload (a presigned POST); the file's rows are credited "
    "by the import worker, each once by its behaviour's de-duplication key",
    "POST /v1/partner/imports/preview": "reads a file's first rows; writes nothing",
    # coins moved earlier, by a route above
    "POST /v1/partner/vouchers/consume": "marks a voucher used: its coins left the wallet at the "
    "redemption, and the voucher's status condition takes it once (again: 409 voucher_used); a "
    "key, when sent, turns a lost answer's retry into 200",
    # codes, offers, partners, projects: nothing in a wallet changes
    "POST /v1/partner/code-batches": "prints codes, each credited once when claimed; a key, when "
    "sent, keeps a retried order from printing a second batch",
    "POST /v1/partner/code-batches/{batch_id}/revoke": "revokes codes",
    "POST /v1/partner/codes": "issues one code, credited once when claimed",
    "POST /v1/partner/codes/{code_id}/revoke": "revokes a code",
    "POST /v1/partner/assets": "registers an asset",
    "PATCH /v1/partner/assets/{asset_id}": "edits an asset",
    "DELETE /v1/partner/assets/{asset_id}": "retires an asset",
    "POST /v1/partner/assets/{asset_id}/revoke": "revokes an asset's code",
    "POST /v1/partner/offers": "publishes an offer; coins move when a tourist redeems it",
    "PATCH /v1/partner/offers/{offer_id}": "edits an offer",
    "DELETE /v1/partner/offers/{offer_id}": "withdraws an offer; issued vouchers stay valid",
    "PUT /v1/partner/import-mappings/{file_type}": _CONFIG,
    "PUT /v1/admin/factors/{behaviour}": _CONFIG,
    "PUT /v1/admin/partners/{partner_id}/quota": _CONFIG + " (a cap on what files may issue)",
    "PUT /v1/admin/partners/{partner_id}/alliance": _CONFIG,
    "PUT /v1/admin/coin-policy": _CONFIG + " (coins lapse later, by the daily ExpiryFunction, once per lot)",
    "POST /v1/admin/partners": "registers a partner",
    "POST /v1/admin/partners/{partner_id}/users": "adds a partner's staff login",
    "DELETE /v1/admin/partners/{partner_id}/users/{user_id}": "ends a staff login; staff hold no coins",
    "POST /v1/admin/projects": "opens a project; coins move when tourists donate",
    "POST /v1/admin/projects/{project_id}/close": "closes a project; what it raised stays",
    "POST /v1/admin/exports": "writes files of the ledgers; reads coins, moves none",
    "POST /v1/admin/buyback-rounds": "opens a buyback round; coins move when tourists sell into it",
    "POST /v1/admin/buyback-rounds/{round_id}/close": "closes a buyback round; what it bought stays",
    "POST /v1/admin/buyback-rounds/{round_id}/payouts": "writes a round's payouts file; reads the "
    "sellers' totals, moves no coins",
    # the registry (签发 / 转移登记 / 注销): units of verified reductions, no wallet; transfers and
    # retirements require an Idempotency-Key all the same (a unit moves or retires once)
    "POST /v1/admin/registry/issuances": "issues units from an export, each record once (the days' "
    "cutoffs); issuing the same export again issues nothing (409 registry_nothing_to_issue)",
    "POST /v1/admin/registry/transfers": "moves registry units between holding accounts (key required)",
    "POST /v1/partner/registry/transfers": "a holder moves registry units (key required)",
    "POST /v1/partner/registry/retirements": "retires a holder's registry units (key required)",
    "PUT /v1/admin/registry/accounts/{account_id}": _CONFIG + " (whether a holder may transfer)",
    "PUT /v1/admin/registry/offset-rate": _CONFIG + " (coins per unit of an offset)",
    # de-duplication with peer platforms (滤重): keyed hashes, no wallet
    "POST /v1/admin/peers": "onboards a peer platform (its app client); a second time: 409 peer_exists",
    "PATCH /v1/admin/peers/{peer_id}": _CONFIG + " (a peer's status and keys a minute)",
    "POST /v1/peers/keys/check": "reads which keys were counted; writes only the peer's rate and audit",
    "POST /v1/peers/keys/register": "registers a peer's keys, each once (attribute_not_exists): sent "
    "again, they are answered `you`",
    # a person's session and consent
    "POST /v1/auth/login": "signs in",
    "POST /v1/auth/logout": "signs out",
    "POST /v1/auth/refresh": "renews a session",
    "POST /v1/auth/confirm": "confirms a phone",
    "POST /v1/me/consent": "records consent",
    "DELETE /v1/me/consent": "withdraws consent; moves no coins (drops rows that never credited)",
    "POST /v1/me/data-export": "writes a copy of the person's data to files; reads coins, moves none",
}

# Error codes only a route that takes coins from a wallet can answer.
SPENDS = {"insufficient_coins"}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi_json.document()  # what DocsFunction serves and the web client is generated from


def writes(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in WRITES
    }


def key_header(operation: dict[str, Any]) -> dict[str, Any] | None:
    params = operation.get("parameters", [])
    return next((p for p in params if p["in"] == "header" and p["name"].lower() == HEADER), None)


def error_codes(operation: dict[str, Any], status: str | None = None) -> set[str]:
    return {
        code
        for s, response in operation["responses"].items()
        if status is None or str(s) == status
        for code in response.get("content", {}).get("application/json", {}).get("examples", {})
    }


def test_given_every_operation_that_writes_then_it_is_decided_whether_it_moves_coins(doc):
    ops = set(writes(doc))
    undecided = ops - set(MOVES_COINS) - set(MOVES_NO_COINS)
    assert not undecided, f"decide in this file whether these move coins: {sorted(undecided)}"
    assert not set(MOVES_COINS) & set(MOVES_NO_COINS)
    assert not (set(MOVES_COINS) | set(MOVES_NO_COINS)) - ops, "decided routes the API does not have"


@pytest.mark.parametrize("route_key", sorted(MOVES_COINS))
def test_given_an_operation_that_moves_coins_then_the_key_is_a_required_header(doc, route_key):
    operation = writes(doc)[route_key]
    header = key_header(operation)
    assert header is not None and header.get("required") is True, (route_key, header)
    assert header["schema"]["type"] == "string"
    assert "invalid_idempotency_key" in error_codes(operation, "400"), route_key
    assert "idempotency_key_reused" in error_codes(operation, "422"), route_key


def test_given_an_operation_that_can_take_coins_from_a_wallet_then_it_is_one_that_moves_coins(doc):
    spending = {key for key, operation in writes(doc).items() if error_codes(operation) & SPENDS}
    assert spending, "no operation documents insufficient_coins: has the code been renamed?"
    assert spending <= set(MOVES_COINS), sorted(spending - set(MOVES_COINS))


def _sample_with_key(route_key: str) -> tuple[Path, dict[str, Any]]:
    """The route's sample event (events/<function>/) that sends an Idempotency-Key."""
    for file in sorted((ROOT / "events").glob("*/*.json")):
        event = json.loads(file.read_text(encoding="utf-8"))
        if event.get("routeKey") == route_key and HEADER in {h.lower() for h in event.get("headers", {})}:
            return file, event
    raise AssertionError(f"{route_key}: no sample event in events/ sends an Idempotency-Key")


@pytest.mark.parametrize("route_key", sorted(MOVES_COINS))
def test_given_a_request_that_moves_coins_without_the_key_then_400_before_anything_is_read(route_key):
    """Sockets are blocked here: the refusal comes before any call to DynamoDB."""
    file, event = _sample_with_key(route_key)
    function = next(r.function for r in cfn.http_routes(TEMPLATE) if r.route_key == route_key)
    handler = load_module(cfn.functions(TEMPLATE)[function]).lambda_handler
    for headers in (
        {k: v for k, v in event["headers"].items() if k.lower() != HEADER},
        {k: ("" if k.lower() == HEADER else v) for k, v in event["headers"].items()},
    ):
        without = copy.deepcopy(event) | {"headers": headers}
        reply = handler(without, LambdaContext(function))
        body = json.loads(reply["body"])
        assert (reply["statusCode"], body["error"]["code"]) == (400, "invalid_idempotency_key"), (file, body)
