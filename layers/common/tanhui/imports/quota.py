"""Issuance supervision (发放监管): the operator's monthly cap on coins a partner's files issue.

The quota sits on the partner item; what its files issued this month is the partner's
`IssuedCoins` item, added to inside each import transaction (`imports.credit`), so a row is
credited only if its coins fit. Months are Asia/Shanghai calendar months.
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from tanhui import cache, errors
from tanhui.imports.credit import Quota
from tanhui.imports.schemas import QuotaIn, QuotaOut
from tanhui.models.imports import IssuedCoins
from tanhui.models.partner import Partner
from tanhui.partners import registry


def _issued(partner_id: str, month: str) -> int:
    try:
        return int(IssuedCoins.get(*IssuedCoins.key(partner_id, month), consistent_read=True).coins)
    except IssuedCoins.DoesNotExist:
        return 0


def set_quota(partner_id: str, body: QuotaIn) -> QuotaOut:
    partner = Partner(*Partner.key(partner_id))
    action = (
        Partner.monthly_coin_quota.remove()
        if body.monthly_coins is None
        else Partner.monthly_coin_quota.set(body.monthly_coins)
    )
    try:
        partner.update(actions=[action], condition=Partner.pk.exists())
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise errors.NotFound("No such partner.", code="partner_not_found") from exc
        raise
    cache.forget(("import_context", partner_id))
    month = Quota(partner_id, body.monthly_coins).month
    return QuotaOut(
        partner_id=partner_id,
        monthly_coins=body.monthly_coins,
        month=month,
        issued_coins=_issued(partner_id, month),
    )


def current(partner_id: str) -> QuotaOut:
    """The partner's quota and what its files issued this month (404 for no such partner)."""
    partner = registry.get_partner(partner_id)
    monthly = None if partner.monthly_coin_quota is None else int(partner.monthly_coin_quota)
    month = Quota(partner_id, monthly).month
    return QuotaOut(partner_id=partner_id, monthly_coins=monthly, month=month,
                    issued_coins=_issued(partner_id, month))
