"""Bindings (绑定): which user a phone, transit card, utility account, sorting card or car plate
belongs to, so that partner files naming the number can be matched to the user.

    pk=BINDING#<kind>#<normalised value>, sk=BINDING   one item per bound number -> user_id
    pk=USER#<id>,                        sk=BINDINGS  the user's current numbers and daily_km

A number belongs to one user: its item is put with `attribute_not_exists(pk) OR user_id = :me`.
The phone binding is written with the account (`identity.users.ensure_account`); the others by
`PUT /v1/me/bindings` (`tanhui.bindings.numbers`), which keeps both kinds of item in step in one
transaction. Values are normalised by `tanhui.bindings.normalise` before they reach a key.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.expressions.condition import Condition

from tanhui.models.base import TanhuiModel
from tanhui.models.identity import user_pk

PHONE = "phone"
# the numbers a user binds with PUT /v1/me/bindings (attribute names of UserBindings)
NUMBER_KINDS = (
    "transit_card",
    "electricity_account",
    "water_account",
    "gas_account",
    "sorting_card",
    "car_plate",
)
KINDS = (PHONE, *NUMBER_KINDS)
BINDING_SK = "BINDING"


def binding_pk(kind: str, value: str) -> str:
    return f"BINDING#{kind}#{value}"


class Binding(TanhuiModel):
    """pk=BINDING#<kind>#<value>, sk=BINDING: the one user a normalised number belongs to."""

    user_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    value = UnicodeAttribute()
    bound_at = UnicodeAttribute()

    @staticmethod
    def key(kind: str, value: str) -> tuple[str, str]:
        return binding_pk(kind, value), BINDING_SK

    @classmethod
    def of(cls, kind: str, value: str, user_id: str, at: str) -> Binding:
        return cls(*cls.key(kind, value), user_id=user_id, kind=kind, value=value, bound_at=at)

    @classmethod
    def free_or_mine(cls, user_id: str) -> Condition:
        """The condition of a put (or delete) that never takes a number from another user."""
        return cls.pk.does_not_exist() | (cls.user_id == user_id)


class UserBindings(TanhuiModel):
    """pk=USER#<id>, sk=BINDINGS: the numbers the user has bound (one per kind) and the daily
    driving distance they stated (car-free days). `version` guards concurrent PUTs."""

    user_id = UnicodeAttribute()
    transit_card = UnicodeAttribute(null=True)
    electricity_account = UnicodeAttribute(null=True)
    water_account = UnicodeAttribute(null=True)
    gas_account = UnicodeAttribute(null=True)
    sorting_card = UnicodeAttribute(null=True)
    car_plate = UnicodeAttribute(null=True)
    daily_km = NumberAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "BINDINGS"
