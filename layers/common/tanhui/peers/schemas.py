"""Request and response bodies of the peer de-duplication API (滤重). A key is the network's
keyed hash of a behaviour's canonical natural key (`claims.peers`): 64 lower-case hex characters,
never the card, plate or serial in clear."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

MAX_KEYS = 1_000
Key = Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-f]{64}$")]
PeerId = Annotated[str, StringConstraints(max_length=40, pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
# who counted a key: this platform, the calling peer itself, or another peer of the network
Counted = Literal["here", "you", "elsewhere"]


class KeysIn(RequestModel):
    keys: Annotated[list[Key], Field(min_length=1, max_length=MAX_KEYS,
                                     description="up to 1,000 keys, each once")]

    @model_validator(mode="after")
    def _distinct(self) -> KeysIn:
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("name each key once")
        return self


class CheckOut(ResponseModel):
    keys: int = Field(description="how many keys the call named")
    counted: dict[str, Counted] = Field(
        description="the keys already counted, and by whom; a key not listed is counted nowhere")


class RegisterOut(ResponseModel):
    keys: int
    registered: list[str] = Field(description="the keys now the caller's (they were counted nowhere)")
    counted: dict[str, Counted] = Field(
        description="the keys that were already counted, and by whom (`you`: an earlier call of yours)")


class PeerIn(RequestModel):
    logged_fields = ("peer_id", "name", "per_minute")  # a platform's, no person's
    peer_id: PeerId
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    per_minute: Annotated[int, Field(ge=1, le=100_000,
                                     description="keys a minute, checks and registers together")]


class PeerChange(RequestModel):
    logged_fields = ("status", "per_minute")
    status: Literal["active", "suspended"] | None = None
    per_minute: Annotated[int | None, Field(ge=1, le=100_000)] = None

    @model_validator(mode="after")
    def _something(self) -> PeerChange:
        if self.status is None and self.per_minute is None:
            raise ValueError("send status, per_minute or both")
        return self


class PeerOut(ResponseModel):
    peer_id: str
    name: str
    client_id: str
    per_minute: int
    status: str
    created_at: str
    updated_at: str | None = None


class PeerList(ResponseModel):
    items: list[PeerOut]
    next_cursor: str | None = None


class PeerCredentials(PeerOut):
    client_secret: str = Field(description="shown once: the peer keeps it; Tanhui stores none")
    token_url: str = Field(description="POST grant_type=client_credentials here (HTTP Basic: id, secret)")
    scopes: list[str]


class PeerCallOut(ResponseModel):
    call_id: str
    peer_id: str
    operation: str
    at: str
    keys: int
    found: int
    registered: int


class PeerCallList(ResponseModel):
    items: list[PeerCallOut]
    next_cursor: str | None = None
