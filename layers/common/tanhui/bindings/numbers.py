"""GET and PUT /v1/me/bindings: the caller's numbers, one user per number.

A PUT is one write plan (`models.writes`; plus the reads of consent and of the caller's item
before it):

    unbind <kind>  Delete  BINDING#<kind>#<old>  each number replaced or unbound, if free or the caller's
    bind <kind>    Put     BINDING#<kind>#<new>  each new number, attribute_not_exists(pk) OR user_id = :me
    bindings       Update  USER#<id> / BINDINGS  the numbers and daily_km, conditioned on its `version`

so a number is bound to exactly one user whatever runs at the same time (two users binding one
number: one put wins, the other's transaction is cancelled → 409 already_bound), and unbinding or
replacing frees the old number in the same step. A concurrent PUT of the same user moves the
version on: the loser reads again and re-plans (a few times, then 409 busy). A retry after a lost
reply is a no-op within the token window (the plan is keyed by the user and the version it was
planned on); after it the version has moved, so the PUT reads again and finds nothing to change.
"""

from __future__ import annotations

from typing import Any

from tanhui import errors
from tanhui.bindings.normalisation import InvalidBinding, normalise, normalise_daily_km
from tanhui.bindings.schemas import BindingsOut
from tanhui.identity.consent import require_consent
from tanhui.models.base import utc_now
from tanhui.models.bindings import NUMBER_KINDS, Binding, UserBindings
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger

ATTEMPTS = 4  # re-planned after the caller's item moved on
Number = tuple[str, str]  # (kind, normalised value)


class AlreadyBound(errors.Conflict):
    code, message = "already_bound", "This number is already bound to another account."


def _stored(user_id: str) -> UserBindings:
    try:
        return UserBindings.get(*UserBindings.key(user_id), consistent_read=True)
    except UserBindings.DoesNotExist:
        return UserBindings(*UserBindings.key(user_id), user_id=user_id)


def bindings(user_id: str) -> BindingsOut:
    """The caller's bindings (all null when there are none)."""
    return BindingsOut.model_validate(_stored(user_id))


def _wanted(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields sent, normalised; every bad one is named in one 422 invalid_binding."""
    wanted: dict[str, Any] = {}
    problems: list[dict[str, str]] = []
    for name, value in fields.items():
        try:
            if value is None:
                wanted[name] = None
            elif name == "daily_km":
                wanted[name] = normalise_daily_km(value)
            else:
                wanted[name] = normalise(name, value)
        except InvalidBinding as exc:
            problems += exc.details
    if problems:
        raise InvalidBinding(details=problems)
    return wanted


def update(user_id: str, fields: dict[str, Any]) -> BindingsOut:
    """Applies the fields a PUT sent (`{name: value or None}`: absent = unchanged, None = unbind,
    a value = bind or replace) and returns every binding as it now stands."""
    require_consent(user_id)
    wanted = _wanted(fields)
    taken: set[Number] = set()  # numbers the caller's item lists that are not the caller's
    for _ in range(ATTEMPTS):
        item = _stored(user_id)
        changes = {name: value for name, value in wanted.items() if getattr(item, name) != value}
        if not changes:
            return BindingsOut.model_validate(item)
        unbinds = [(k, old) for k in changes if k in NUMBER_KINDS and (old := getattr(item, k))
                   and (k, old) not in taken]
        binds = [(k, v) for k, v in changes.items() if k in NUMBER_KINDS and v is not None]
        now = utc_now()
        try:
            _write(item, changes, unbinds, binds, now)
        except Cancelled as cancelled:
            _refusal(cancelled, unbinds, binds, taken)
            continue
        for name, value in changes.items():
            setattr(item, name, value)
        item.user_id, item.updated_at = user_id, now
        logger.info("bindings changed", extra={"user_id": user_id, "fields": sorted(changes)})
        return BindingsOut.model_validate(item)
    raise errors.Busy("The bindings are being changed by another request; try again.")


def _write(item: UserBindings, changes: dict[str, Any], unbinds: list[Number], binds: list[Number],
           now: str) -> None:
    user_id = item.user_id
    actions = [
        getattr(UserBindings, name).set(value) if value is not None
        else getattr(UserBindings, name).remove()
        for name, value in changes.items()
    ]
    actions += [UserBindings.user_id.set(user_id), UserBindings.updated_at.set(now)]
    plan = WritePlan("bindings", key=(user_id, item.version))
    mine = Binding.free_or_mine(user_id)
    for kind, value in unbinds:
        plan.delete(f"unbind {kind}", Binding(*Binding.key(kind, value)), condition=mine)
    for kind, value in binds:
        plan.put(f"bind {kind}", Binding.of(kind, value, user_id, now), condition=mine)
    plan.update("bindings", item, actions)  # + version condition and increment (VersionAttribute)
    retrying(plan.send, operation="bindings")


def _refusal(cancelled: Cancelled, unbinds: list[Number], binds: list[Number], taken: set[Number]) -> None:
    """Raises what a cancelled PUT means to the client; returns when it is worth planning again
    (the caller's item moved on, or a listed number that is no longer the caller's)."""
    failed = cancelled.failed
    for kind, _ in binds:
        if f"bind {kind}" in failed:
            what = kind.replace("_", " ")
            raise AlreadyBound(f"This {what} is already bound to another account.") from cancelled
    for number in unbinds:
        if f"unbind {number[0]}" in failed:  # not ours to free: stop listing it, leave it to its owner
            logger.warning("listed binding held by another user", extra={"kind": number[0]})
            taken.add(number)
    if not failed:
        raise cancelled
