"""Bindings (绑定): the numbers a user has bound to the account (phone, transit card, utility
accounts, sorting card, car plate), one user per number, and the lookups partner file rows are
matched with. The routes' logic is `tanhui.bindings.numbers`."""

from tanhui.bindings.lookup import LookupIncomplete, daily_km, lookup, lookup_many, numbers_of
from tanhui.bindings.normalisation import InvalidBinding, normalise, normalise_daily_km
from tanhui.models.bindings import KINDS, NUMBER_KINDS, PHONE

__all__ = [
    "KINDS", "NUMBER_KINDS", "PHONE", "InvalidBinding", "LookupIncomplete", "daily_km", "lookup",
    "lookup_many", "normalise", "normalise_daily_km", "numbers_of",
]
