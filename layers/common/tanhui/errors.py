"""Domain errors. Each carries the HTTP status and the stable `code` clients switch on.

Handlers never build error responses themselves: `tanhui.api` maps every `TanhuiError`
to `{"error": {"code", "message", "request_id"}}` with its status.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any


class TanhuiError(Exception):
    status: int = 400
    code: str = "bad_request"
    message: str = "The request is not valid."

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None):
        self.message = message or self.message
        if code:
            self.code = code
        self.details = details
        super().__init__(self.message)


MAX_MESSAGE = 2000  # an error's message (`tanhui.openapi.ErrorBody`)
MAX_DETAILS = 100  # problems named in one answer: the first ones


def validation_details(
    problems: Sequence[Any], prefix: tuple[str, ...] = (), *, tags: Collection[str] = ()
) -> list[dict[str, str]]:
    """`{field, problem}` per pydantic error (request validation or a model validated later), the
    first `MAX_DETAILS`. `field` is the path in the body: without `body` and the tagged unions'
    `tags`, and ending in the discriminator where the tag itself is missing or unknown."""
    details = []
    for e in problems[:MAX_DETAILS]:
        loc = [str(p) for p in (*prefix, *e.get("loc", ())) if p != "body" and p not in tags]
        if e.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            loc.append(str(e.get("ctx", {}).get("discriminator", "")).strip("'"))
        details.append({"field": ".".join(loc), "problem": e.get("msg", "")})
    return details


CODED_PREFIX = "tanhui."


def field_error(error: type[TanhuiError]) -> Exception:
    """What a request model's validator raises to refuse a field with `error`'s own code and
    message instead of the generic 422 `validation_error` (`tanhui.api` answers it so)."""
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(CODED_PREFIX + error.code, error.message)


def coded_problem(problems: Sequence[Any]) -> tuple[str, str] | None:
    """(code, message) of the first problem raised with `field_error`, if any."""
    for e in problems:
        kind = str(e.get("type", ""))
        if kind.startswith(CODED_PREFIX):
            return kind.removeprefix(CODED_PREFIX), str(e.get("msg", ""))
    return None


class BadRequest(TanhuiError):
    status, code, message = 400, "bad_request", "The request is not valid."


class InvalidIdempotencyKey(BadRequest):
    """Here, not in `tanhui.idempotency`, because `tanhui.api` answers it for a missing header."""

    code = "invalid_idempotency_key"
    message = "Idempotency-Key must be 1 to 255 visible ASCII characters."


class Unauthorized(TanhuiError):
    status, code, message = 401, "unauthorized", "A valid bearer token is required."


class Forbidden(TanhuiError):
    status, code, message = 403, "forbidden", "This action is not allowed for your role."


class NotFound(TanhuiError):
    status, code, message = 404, "not_found", "Not found."


class Conflict(TanhuiError):
    status, code, message = 409, "conflict", "The request conflicts with the current state."


class Busy(Conflict):
    """Other changes to the same items kept this one out (or the database throttled it) after
    every retry: nothing, or all of it, was written; trying again is safe."""

    code, message = "busy", "Too many changes at once; try again."


class Gone(TanhuiError):
    status, code, message = 410, "gone", "This resource is no longer valid."


class PayloadTooLarge(TanhuiError):
    status, code, message = 413, "payload_too_large", "The request body is too large."


class UnsupportedMediaType(TanhuiError):
    status, code, message = 415, "unsupported_media_type", "Send the body as application/json."


class Unprocessable(TanhuiError):
    status, code, message = 422, "validation_error", "The request body is not valid."


class TooManyRequests(TanhuiError):
    """`retry_after`: seconds after which the same request may succeed, sent as `Retry-After`
    (a class's value is documented on its routes' 429; None: waiting alone does not help)."""

    status, code, message = 429, "too_many_requests", "Too many requests."
    retry_after: int | None = None

    def __init__(self, message: str | None = None, *, retry_after: int | None = None, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after if retry_after is not None else type(self).retry_after


# --- identity -------------------------------------------------------------------------------
class ConsentRequired(Unprocessable):
    code, message = "consent_required", "The user must accept the data-collection consent."


class ConsentNotGiven(Forbidden):
    code, message = "consent_required", "Give the data-collection consent first: POST /v1/me/consent."


class ConsentWithdrawn(Forbidden):
    code, message = "consent_withdrawn", (
        "You withdrew the data-collection consent: nothing is recorded or credited until you give "
        "it again (POST /v1/me/consent)."
    )


class WeakPassword(Unprocessable):
    code, message = "weak_password", "The password does not meet the password policy."


class PhoneTaken(Conflict):
    code, message = "phone_taken", "This phone number is already registered."


class InvalidCredentials(Unauthorized):
    code, message = "invalid_credentials", "Phone number or password is wrong."


class NotConfirmed(Forbidden):
    code, message = "not_confirmed", "Confirm the phone number with the SMS code first."


# --- codes and claims -----------------------------------------------------------------------
class InvalidCode(Unprocessable):
    code, message = "invalid_code", "This is not a valid Tanhui code."


class CodeRevoked(Gone):
    code, message = "code_revoked", "This code has been revoked by its issuer."


class CodeExpired(Gone):
    code, message = "code_expired", "This code has expired; scan the screen again."


class AlreadyClaimed(Conflict):
    code, message = "already_claimed", "This behaviour has already been claimed."


class DailyCapReached(TooManyRequests):
    code, message = "daily_cap_reached", "The daily limit for this behaviour is reached."


class OutOfArea(Unprocessable):
    code, message = "out_of_area", "The scan location is too far from where the code is displayed."


class InsufficientBalance(Conflict):
    code, message = "insufficient_balance", "The wallet does not hold enough coins."
