"""Holding accounts: the platform's (`PLATFORM`, where issuances land) and one per organisation
(企业·机关·社会团体) or event (论坛·会议·演出·赛事) partner, whose id is the partner's. A partner's
account is opened the first time units are moved to it or its staff read it; its counters are
kept by every move's plan (`registry.ranges`)."""

from __future__ import annotations

from tanhui import errors
from tanhui.models.base import put_once, utc_now
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.registry import ACCOUNTS, PLATFORM, RegistryAccount
from tanhui.partners import registry as partners
from tanhui.registry.schemas import AccountList, AccountOut

HOLDER_ROLES = ("organisation", "event")
PLATFORM_NAME = "碳惠平台 Tanhui platform"


class AccountNotFound(errors.NotFound):
    code, message = "registry_account_not_found", "No such holding account."


class NotAHolder(errors.Conflict):
    code, message = "registry_not_a_holder", "Only organisation and event partners hold units."


class TransfersNotAllowed(errors.Forbidden):
    code, message = "registry_transfers_not_allowed", (
        "The operator has not allowed this account to transfer units; ask the operator."
    )


def _open(account_id: str, name: str, kind: str) -> None:
    now = utc_now()
    put_once(RegistryAccount(*RegistryAccount.key(account_id), account_id=account_id, name=name, kind=kind,
                             created_at=now, updated_at=now, gsi1sk=account_id))


def open_platform() -> None:
    _open(PLATFORM, PLATFORM_NAME, "platform")


def get_account(account_id: str) -> RegistryAccount:
    try:
        return RegistryAccount.get(*RegistryAccount.key(account_id), consistent_read=True)
    except RegistryAccount.DoesNotExist as exc:
        raise AccountNotFound() from exc


def account_for(account_id: str) -> RegistryAccount:
    """The account, opened first for an organisation or event partner (404 for anyone else)."""
    if account_id == PLATFORM:
        open_platform()
        return get_account(PLATFORM)
    try:
        partner = partners.get_partner(account_id)
    except errors.NotFound as exc:
        raise AccountNotFound() from exc
    if partner.role not in HOLDER_ROLES:
        raise NotAHolder()
    _open(account_id, partner.name, partner.role)
    return get_account(account_id)


def account_of_staff(user_id: str) -> RegistryAccount:
    """The account of the partner the staff login belongs to (403 if it is no holder)."""
    partner_id = partners.partner_of(user_id)
    try:
        return account_for(partner_id)
    except NotAHolder as exc:
        raise errors.Forbidden(NotAHolder.message, code=NotAHolder.code) from exc


def set_transfers_allowed(account_id: str, allowed: bool) -> AccountOut:
    account = account_for(account_id)
    account.update(actions=[RegistryAccount.transfers_allowed.set(allowed),
                            RegistryAccount.updated_at.set(utc_now())], condition=RegistryAccount.pk.exists())
    return AccountOut.model_validate(account)


def list_accounts(limit: int, cursor: str | None) -> AccountList:
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": ACCOUNTS})
    page = RegistryAccount.by_listing.query(ACCOUNTS, limit=limit, page_size=limit, last_evaluated_key=start)
    items, next_cursor = page_items(page, AccountOut.model_validate)
    return AccountList(items=items, next_cursor=next_cursor)
