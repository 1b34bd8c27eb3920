"""An individual offsets (以碳积分抵销) with coins: at the operator's rate (coins per unit,
`OffsetRate`), the coins buy units the platform holds, retired for the person.

**One write plan**: the lowest serials of `PLATFORM` retired (`registry.ranges`), the retirement
record, the `offset` ledger entry at `BEHAVIOUR#offset#<retirement id>` and the wallet's debit on
the condition `coins >= n` (`wallet.account.add_movement`), and the Idempotency-Key's mark: the
coins are never taken without the units retired, nor the units without the coins. The retirement
names the person only by their display name, masked as certificates do (first character, then
**). A retry after a lost reply is safe at any time: the ledger entry and the retirement are put
once at the retirement's id.
"""

from __future__ import annotations

from tanhui import errors, idempotency
from tanhui.certificates.issuing import masked
from tanhui.models.base import utc_now
from tanhui.models.identity import UserProfile
from tanhui.models.registry import PLATFORM, OffsetRate
from tanhui.models.writes import Cancelled, WritePlan
from tanhui.registry import retirements
from tanhui.registry.accounts import AccountNotFound
from tanhui.registry.ranges import InsufficientUnits
from tanhui.registry.schemas import EmissionIn, OffsetIn, OffsetOut, OffsetRateIn, OffsetRateOut, RetirementIn
from tanhui.wallet import account

KIND = "offset"  # the ledger entry's kind
PURPOSE = "以碳积分抵销个人碳排放 Offsetting my own emissions with carbon coins"
EMISSION = "个人出行与生活的碳排放 My own travel and daily emissions"


class RateNotSet(errors.Conflict):
    code, message = "registry_offset_rate_unset", "The operator has not set the offset rate yet."


class NotWholeUnits(errors.Unprocessable):
    code, message = "registry_offset_not_whole_units", "Offer a whole multiple of the coins one unit costs."


class InsufficientCoins(errors.Conflict):
    code, message = "insufficient_coins", "The wallet does not hold enough coins for this offset."


class PlatformShort(errors.Conflict):
    code, message = "registry_platform_short", "The platform does not hold enough units for this offset now."


def rate() -> OffsetRateOut:
    try:
        found = OffsetRate.get(*OffsetRate.key(), consistent_read=True)
    except OffsetRate.DoesNotExist:
        return OffsetRateOut(coins_per_unit=None)
    return OffsetRateOut.model_validate(found)


def set_rate(body: OffsetRateIn, by: str) -> OffsetRateOut:
    item = OffsetRate(*OffsetRate.key(), coins_per_unit=body.coins_per_unit, updated_by=by,
                      updated_at=utc_now())
    item.save()
    return OffsetRateOut.model_validate(item)


def _display_name(user_id: str) -> str:
    try:
        profile = UserProfile.get(*UserProfile.key(user_id), attributes_to_get=["display_name"])
    except UserProfile.DoesNotExist as exc:
        raise errors.NotFound("No profile for this user; log in again.", code="profile_not_found") from exc
    return str(profile.display_name)


def offset(user_id: str, body: OffsetIn, mark: idempotency.Mark = idempotency.no_key) -> OffsetOut:
    per_unit = rate().coins_per_unit
    if per_unit is None:
        raise RateNotSet()
    if body.coins % per_unit:
        raise NotWholeUnits(details=[{"coins_per_unit": per_unit}])
    units = body.coins // per_unit
    beneficiary = masked(_display_name(user_id))
    request = RetirementIn(
        units=units, beneficiary=beneficiary, purpose=PURPOSE,
        emission=EmissionIn(kind="trip", description=EMISSION),
    )

    def debit(plan: WritePlan, retirement_id: str, now: str) -> None:
        account.add_movement(
            plan, user_id, body.coins, kind=KIND, reference=retirement_id, now=now, channel=KIND,
            evidence={"retirement_id": retirement_id, "units": units, "coins_per_unit": per_unit},
        )

    try:
        record = retirements.retire(PLATFORM, request, user_id, mark, user_id=user_id, coins=body.coins,
                                    also=debit)
    except (InsufficientUnits, AccountNotFound) as exc:
        raise PlatformShort() from exc
    except Cancelled as cancelled:
        if account.WALLET in cancelled.failed:
            raise InsufficientCoins() from cancelled
        raise
    return OffsetOut.model_validate(retirements.out_of(record))


def offset_once(user_id: str, body: OffsetIn, key: str | None) -> idempotency.Outcome[OffsetOut]:
    return idempotency.once(
        "registry offsets", user_id, key, body,
        create=lambda mark: offset(user_id, body, mark), id_of=lambda out: out.retirement_id,
        replay=lambda rid: OffsetOut.model_validate(retirements.out_of(retirements.get_retirement(rid))),
    )
