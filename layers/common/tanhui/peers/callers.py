"""Which peer platform a machine credential belongs to, onboarding a peer, and the audit of its
calls.

A peer authenticates with the OAuth client-credentials grant of its own Cognito app client
(resource server `tanhui-peers/dedup`, scopes `read` and `write`: a token carries
`tanhui-peers/dedup/read` and `tanhui-peers/dedup/write`); API Gateway's JWT
authorizer checks the token and the route's scope, and the token's `client_id` names the `Peer`
(cached per container like other metadata). A suspended peer, or a client no peer owns, is
refused 403 `peer_not_allowed`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tanhui import cache, errors
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.models.base import iso_ms, put_once
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.peers import LISTING, STATUS_ACTIVE, Peer, PeerCall, calls_pk
from tanhui.models.writes import WritePlan, retrying
from tanhui.peers.schemas import (
    PeerCallList,
    PeerCallOut,
    PeerChange,
    PeerCredentials,
    PeerIn,
    PeerList,
    PeerOut,
)

RESOURCE_SERVER = "tanhui-peers/dedup"  # a scope's name may hold no "/"
READ, WRITE = f"{RESOURCE_SERVER}/read", f"{RESOURCE_SERVER}/write"


class PeerNotAllowed(errors.Forbidden):
    code = "peer_not_allowed"
    message = "These credentials belong to no active peer platform, or lack the scope."


class PeerExists(errors.Conflict):
    code, message = "peer_exists", "A peer with this id is already onboarded."


class PeerNotFound(errors.NotFound):
    code, message = "peer_not_found", "No peer platform has this id."


def _load(client_id: str) -> Peer | None:
    try:
        return Peer.get(*Peer.key(client_id))
    except Peer.DoesNotExist:
        return None


def peer_of(client_id: str, scopes: frozenset[str], needed: str) -> Peer:
    """The active peer of the token's app client, if the token carries `needed`."""
    peer: Peer | None = cache.cached(("peer", client_id), lambda: _load(client_id))
    if peer is None or peer.status != STATUS_ACTIVE or needed not in scopes:
        raise PeerNotAllowed()
    return peer


def onboard(body: PeerIn) -> PeerCredentials:
    """An app client of its own for the peer (client credentials, both scopes), and the `Peer`
    that maps it. The secret is answered once and stored nowhere here."""
    settings = get_settings()
    try:
        Peer.get(*Peer.id_key(body.peer_id))
        raise PeerExists()
    except Peer.DoesNotExist:
        pass
    made = client("cognito-idp").create_user_pool_client(
        UserPoolId=settings.user_pool_id, ClientName=f"peer-{body.peer_id}", GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=[READ, WRITE], AccessTokenValidity=60,
        TokenValidityUnits={"AccessToken": "minutes"},
    )["UserPoolClient"]
    now = iso_ms(datetime.now(UTC))
    peer = Peer(*Peer.key(made["ClientId"]), peer_id=body.peer_id, client_id=made["ClientId"],
                name=body.name, per_minute=body.per_minute, status=STATUS_ACTIVE, created_at=now)
    claim = Peer(*Peer.id_key(body.peer_id), peer_id=body.peer_id, client_id=made["ClientId"],
                 name=body.name, per_minute=body.per_minute, status=STATUS_ACTIVE, created_at=now,
                 gsi1pk=LISTING, gsi1sk=body.peer_id)
    if not put_once(claim):  # another onboarding of the same id won the race
        client("cognito-idp").delete_user_pool_client(UserPoolId=settings.user_pool_id,
                                                      ClientId=made["ClientId"])
        raise PeerExists()
    peer.save()
    return PeerCredentials(peer_id=body.peer_id, name=body.name, client_id=made["ClientId"],
                           per_minute=body.per_minute, status=STATUS_ACTIVE, created_at=now,
                           client_secret=made["ClientSecret"], token_url=settings.peer_token_url,
                           scopes=[READ, WRITE])


def calls(peer_id: str, limit: int, cursor: str | None) -> PeerCallList:
    """The peer's calls, newest first, a page at a time."""
    pk = calls_pk(peer_id)
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk})
    page = PeerCall.query(pk, scan_index_forward=False, limit=limit, page_size=limit,
                          last_evaluated_key=start)
    items, next_cursor = page_items(page, PeerCallOut.model_validate)
    return PeerCallList(items=items, next_cursor=next_cursor)


def list_peers(limit: int, cursor: str | None) -> PeerList:
    """The onboarded peers by id, a page at a time."""
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": LISTING})
    page = Peer.by_listing.query(LISTING, limit=limit, page_size=limit, last_evaluated_key=start)
    items, next_cursor = page_items(page, PeerOut.model_validate)
    return PeerList(items=items, next_cursor=next_cursor)


def change(peer_id: str, body: PeerChange) -> PeerOut:
    """Suspends or resumes a peer, or changes its keys a minute: both of its items in one plan
    (each on the condition that it exists). A warm container sees it within the metadata cache's
    age (`peer_of`)."""
    try:
        peer = Peer.get(*Peer.id_key(peer_id), consistent_read=True)
    except Peer.DoesNotExist as exc:
        raise PeerNotFound() from exc
    now = iso_ms(datetime.now(UTC))
    actions = [Peer.updated_at.set(now)]
    if body.status is not None:
        actions.append(Peer.status.set(body.status))
    if body.per_minute is not None:
        actions.append(Peer.per_minute.set(body.per_minute))
    plan = WritePlan("peer_change")
    for name, key in (("peer", Peer.id_key(peer_id)), ("client", Peer.key(peer.client_id))):
        plan.update(name, Peer(*key), actions, condition=Peer.pk.exists())
    retrying(plan.send, operation="peer_change")
    cache.forget(("peer", peer.client_id))
    return PeerOut.model_validate(Peer.get(*Peer.id_key(peer_id), consistent_read=True))
