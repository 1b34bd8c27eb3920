"""Peers API (滤重): peer platforms check and register behaviours by the network's keyed hashes,
and read the audit of their own calls; the operator onboards peers and reads any peer's calls."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from tanhui import api, errors
from tanhui.openapi import responses
from tanhui.peers import callers, exchange
from tanhui.peers.schemas import (
    CheckOut,
    KeysIn,
    PeerCallList,
    PeerChange,
    PeerCredentials,
    PeerId,
    PeerIn,
    PeerList,
    PeerOut,
    RegisterOut,
)
from tanhui.supervision import actions

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app)
app.use(middlewares=[actions.record_operator_writes])  # the operator's writes, in the operators' log
CURSOR = (errors.BadRequest, "invalid_cursor")
Cursor = Annotated[str | None, Query(max_length=2048)]


def _peer(scope: str):
    claims = app.current_event.request_context.authorizer.jwt_claim or {}
    return callers.peer_of(str(claims.get("client_id") or ""), api.principal(app).scopes, scope)


@app.post(
    "/v1/peers/keys/check",
    tags=["peers"],
    summary="Which behaviours were already counted",
    description="Up to 1,000 keys (HMAC-SHA256 of the network key and a behaviour's canonical "
    "natural key, hex). Answers the keys counted somewhere: `here` (Tanhui), `you`, `elsewhere` "
    "(another peer). Scope `tanhui-peers/dedup/read`. Each key counts against the peer's rate.",
    responses=responses(raises=[callers.PeerNotAllowed, exchange.PeerRateLimited]),
)
@api.allow(api.PEER)
def check(body: Annotated[KeysIn, Body()]) -> CheckOut:
    return exchange.check(_peer(callers.READ), body.keys)


@app.post(
    "/v1/peers/keys/register",
    tags=["peers"],
    summary="Register behaviours the peer counts",
    description="Up to 1,000 keys: those counted nowhere become the peer's (`registered`), so "
    "Tanhui refuses them later (`counted_elsewhere`); the others are answered as in check. Safe "
    "to send again. Scope `tanhui-peers/dedup/write`.",
    responses=responses(raises=[callers.PeerNotAllowed, exchange.PeerRateLimited, (errors.Conflict, "busy")]),
)
@api.allow(api.PEER)
def register(body: Annotated[KeysIn, Body()]) -> RegisterOut:
    return exchange.register(_peer(callers.WRITE), body.keys)


@app.get(
    "/v1/peers/calls",
    tags=["peers"],
    summary="The audit of my calls",
    description="The calling peer's own calls, newest first: operation, time, keys, found, registered.",
    responses=responses(raises=[callers.PeerNotAllowed, CURSOR]),
)
@api.allow(api.PEER)
def my_calls(limit: api.PageLimit = 20, cursor: Cursor = None) -> PeerCallList:
    return callers.calls(_peer(callers.READ).peer_id, limit, cursor)


@app.post(
    "/v1/admin/peers",
    tags=["peers"],
    summary="Onboard a peer platform",
    description="Makes the peer's own Cognito app client (client credentials, scopes "
    "`tanhui-peers/dedup/read` and `dedup/write`) and answers its secret once. In AWS, add the "
    "client id to the stack's `PeerClientIds` so the peers' JWT authorizer admits it.",
    responses=responses(201, "Onboarded.", raises=[callers.PeerExists]),
)
@api.allow("admin")
def onboard(body: Annotated[PeerIn, Body()]) -> Response[PeerCredentials]:
    return Response(201, api.JSON, callers.onboard(body))


@app.patch(
    "/v1/admin/peers/<peer_id>",
    tags=["peers"],
    summary="Suspend, resume or re-rate a peer",
    description="`status` active|suspended and/or `per_minute`. A suspended peer's calls answer 403 "
    "`peer_not_allowed` (on a warm container within the metadata cache's age, 60 s at most); its "
    "keys stay registered.",
    responses=responses(raises=[callers.PeerNotFound, (errors.Conflict, "busy")]),
)
@api.allow("admin")
def change_peer(peer_id: Annotated[PeerId, Path()], body: Annotated[PeerChange, Body()]) -> PeerOut:
    return callers.change(peer_id, body)


LIST = {"tags": ["peers"], "responses": responses(raises=[CURSOR])}


@app.get("/v1/admin/peers", summary="The peer platforms",
         description="The onboarded peer platforms by id, a page at a time (never a secret).", **LIST)
@api.allow("admin")
def list_peers(limit: api.PageLimit = 20, cursor: Cursor = None) -> PeerList:
    return callers.list_peers(limit, cursor)


@app.get("/v1/regulator/peers", summary="The peer platforms (regulator)",
         description="The onboarded peers by id, as the operator sees them.", **LIST)
@api.allow("regulator")
def regulator_peers(limit: api.PageLimit = 20, cursor: Cursor = None) -> PeerList:
    return callers.list_peers(limit, cursor)


@app.get("/v1/admin/peers/<peer_id>/calls", summary="A peer's calls",
         description="Any peer's calls, newest first (the operator's audit).", **LIST)
@api.allow("admin")
def peer_calls(
    peer_id: Annotated[PeerId, Path()], limit: api.PageLimit = 20, cursor: Cursor = None
) -> PeerCallList:
    return callers.calls(peer_id, limit, cursor)


@app.get("/v1/regulator/peers/<peer_id>/calls", summary="A peer's calls (regulator)",
         description="Any peer's calls, newest first: what it asked, when, how many keys, how many "
         "were already counted, how many it registered (never the keys).", **LIST)
@api.allow("regulator")
def regulator_peer_calls(
    peer_id: Annotated[PeerId, Path()], limit: api.PageLimit = 20, cursor: Cursor = None
) -> PeerCallList:
    return callers.calls(peer_id, limit, cursor)


lambda_handler = api.lambda_handler(app, max_body_bytes=128 * 1024)  # 1,000 keys: ~67 KB of JSON
