"""The registry of verified reductions (签发 / 转移登记 / 注销): serialised units of 1 kg CO2e.

- RegistryState   pk=REGISTRY, sk=STATE: `next_serial` (the first serial not yet issued, from 1),
                  `carry_g` (grams below a unit waiting for the next issuance, never rounded up),
                  `issued_units`. Every issuance moves it on the condition that it reads what the
                  issuance read (compare-and-swap), so serials are taken once.
- IssuedDay       pk=REGISTRY, sk=ISSUED_DAY#<UTC day>: the `recorded_before` cutoff of the last
                  issuance that counted records of the day; an issuance counts a day's export lines
                  created at or after it, and moves it (condition: the cutoff it read) in its plan.
- Issuance        pk=ISSUANCE#<id>, sk=ISSUANCE: the export it came from (its manifest is the
                  evidence), grams counted per day, carry in and out, the serial range [start, end).
                  Listed through gsi1 (gsi1pk=REGISTRY_ISSUANCES, gsi1sk=<id>).
- UnitRange       pk=RANGE#<start, 12 digits>, sk=RANGE: serials [start, end) in one account, `held`
                  or `retired`, with a `version` every move increments. Ranges never overlap: a move
                  takes whole ranges and shrinks at most one (conditions on version, account and
                  status) and puts the remainder at its own start. The held ranges of an account are
                  gsi1pk=ACCOUNT#<id>#RANGES, its retired ones ACCOUNT#<id>#RETIRED (so taking the
                  lowest held serials never reads past retired ones), gsi1sk=<start, 12 digits>.
- RegistryAccount pk=REGISTRY_ACCOUNT#<id>, sk=ACCOUNT: the platform's `PLATFORM`, or a partner's
                  (role organisation or event; id = the partner id) with `held_units`,
                  `retired_units` kept by every move's plan (held never below zero) and the
                  operator's `transfers_allowed`. Listed through gsi1 (REGISTRY_ACCOUNTS, <id>).
- Transfer        pk=TRANSFER#<id>, sk=TRANSFER: who, when, why, the price, the ranges moved.
- Retirement      pk=RETIREMENT#<id>, sk=RETIREMENT: the account, units, ranges, beneficiary,
                  purpose and emission offset; public (GET /v1/registry/retirements/{id}) but for
                  `created_by` and an individual's `user_id`.
- OffsetRate      pk=REGISTRY, sk=OFFSET_RATE: coins a person pays per unit retired for them.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from tanhui.models.base import Gsi1, TanhuiModel

REGISTRY_PK = "REGISTRY"
STATE_SK, RATE_SK, DAY_PREFIX = "STATE", "OFFSET_RATE", "ISSUED_DAY#"
PLATFORM = "PLATFORM"
HELD, RETIRED = "held", "retired"
ISSUANCES, TRANSFERS, RETIREMENTS, ACCOUNTS = (
    "REGISTRY_ISSUANCES", "REGISTRY_TRANSFERS", "REGISTRY_RETIREMENTS", "REGISTRY_ACCOUNTS")
GRAMS_PER_UNIT = 1000
SERIAL_DIGITS = 12


def serial_key(serial: int) -> str:
    """A serial as the 12-digit text keys and sort keys hold (sorts as numbers do)."""
    return f"{serial:0{SERIAL_DIGITS}d}"


def ranges_pk(account_id: str, status: str = HELD) -> str:
    """gsi1pk of an account's held (or retired) ranges."""
    return f"ACCOUNT#{account_id}#{'RANGES' if status == HELD else 'RETIRED'}"


class RegistryState(TanhuiModel):
    next_serial = NumberAttribute(default=1)
    carry_g = NumberAttribute(default=0)
    issued_units = NumberAttribute(default=0)
    issuances = NumberAttribute(default=0)
    updated_at = UnicodeAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return REGISTRY_PK, STATE_SK


class IssuedDay(TanhuiModel):
    cutoff = UnicodeAttribute()  # the recorded_before of the last issuance that counted the day
    issuance_id = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key(day: str) -> tuple[str, str]:
        return REGISTRY_PK, f"{DAY_PREFIX}{day}"


class Issuance(TanhuiModel):
    issuance_id = UnicodeAttribute()
    export_id = UnicodeAttribute()
    manifest_sha256 = UnicodeAttribute()
    recorded_before = UnicodeAttribute()
    range_from = UnicodeAttribute()  # the export's range of UTC days
    range_to = UnicodeAttribute()
    rows = NumberAttribute()  # export lines counted (not issued before)
    gco2e = NumberAttribute()  # their grams
    carry_in_g = NumberAttribute()
    carry_out_g = NumberAttribute()
    units = NumberAttribute()
    start = NumberAttribute()  # first serial; end = start + units (exclusive)
    end = NumberAttribute()
    account_id = UnicodeAttribute(default=PLATFORM)
    # [{day, rows, gco2e, after}]: after = the cutoff it counted from (null: the whole day)
    days: ListAttribute = ListAttribute(of=MapAttribute)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(default=ISSUANCES)
    gsi1sk = UnicodeAttribute()
    by_listing = Gsi1()

    @staticmethod
    def key(issuance_id: str) -> tuple[str, str]:
        return f"ISSUANCE#{issuance_id}", "ISSUANCE"


class UnitRange(TanhuiModel):
    start = NumberAttribute()
    end = NumberAttribute()  # exclusive
    account_id = UnicodeAttribute()
    status = UnicodeAttribute(default=HELD)  # held | retired
    issuance_id = UnicodeAttribute()
    version = NumberAttribute(default=0)
    moved_by = UnicodeAttribute(null=True)  # the transfer or retirement that last moved it
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute()
    gsi1sk = UnicodeAttribute()
    by_account = Gsi1()

    @staticmethod
    def key(start: int) -> tuple[str, str]:
        return f"RANGE#{serial_key(start)}", "RANGE"

    @property
    def units(self) -> int:
        return int(self.end) - int(self.start)


class RegistryAccount(TanhuiModel):
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    kind = UnicodeAttribute()  # platform | organisation | event
    held_units = NumberAttribute(default=0)
    retired_units = NumberAttribute(default=0)
    transfers_allowed = BooleanAttribute(null=True)  # its staff may transfer (the operator's flag)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(default=ACCOUNTS)
    gsi1sk = UnicodeAttribute(null=True)
    by_listing = Gsi1()

    @staticmethod
    def key(account_id: str) -> tuple[str, str]:
        return f"REGISTRY_ACCOUNT#{account_id}", "ACCOUNT"


class Transfer(TanhuiModel):
    transfer_id = UnicodeAttribute()
    from_account = UnicodeAttribute()
    to_account = UnicodeAttribute()
    units = NumberAttribute()
    ranges: ListAttribute = ListAttribute()  # [[start, end], ...]
    reason = UnicodeAttribute()
    price_fen = NumberAttribute(null=True)
    created_by = UnicodeAttribute()
    created_by_role = UnicodeAttribute()  # admin | partner
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(default=TRANSFERS)
    gsi1sk = UnicodeAttribute()
    by_listing = Gsi1()

    @staticmethod
    def key(transfer_id: str) -> tuple[str, str]:
        return f"TRANSFER#{transfer_id}", "TRANSFER"


class Retirement(TanhuiModel):
    retirement_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    account_name = UnicodeAttribute()
    units = NumberAttribute()
    ranges: ListAttribute = ListAttribute()  # [[start, end], ...]
    beneficiary = UnicodeAttribute()
    purpose = UnicodeAttribute()
    emission: MapAttribute = MapAttribute()  # {kind, description, period?}
    created_by = UnicodeAttribute()  # never shown publicly
    user_id = UnicodeAttribute(null=True)  # an individual's offset: the person (never shown publicly)
    coins = NumberAttribute(null=True)  # an individual's offset: the coins it cost
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(default=RETIREMENTS)
    gsi1sk = UnicodeAttribute()
    by_listing = Gsi1()

    @staticmethod
    def key(retirement_id: str) -> tuple[str, str]:
        return f"RETIREMENT#{retirement_id}", "RETIREMENT"


class OffsetRate(TanhuiModel):
    coins_per_unit = NumberAttribute()
    updated_by = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key() -> tuple[str, str]:
        return REGISTRY_PK, RATE_SK
