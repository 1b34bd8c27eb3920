"""Creating partners and their staff logins; resolving which partner a login belongs to."""

from __future__ import annotations

from tanhui import cache, errors, idempotency
from tanhui.identity import cognito
from tanhui.identity.users import ensure_account
from tanhui.models.base import save_with_fresh_id, utc_now
from tanhui.models.identity import UserProfile
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.partner import STAFF_PREFIX, Partner, PartnerStaff, partner_pk
from tanhui.observability import logger
from tanhui.partners.schemas import PartnerIn, PartnerList, PartnerOut, StaffIn, StaffList, StaffOut

LISTING = "PARTNERS"


class NotPartnerStaff(errors.Forbidden):
    code, message = "not_partner_staff", "This login is not linked to a partner."


def create_partner(req: PartnerIn) -> PartnerOut:
    now = utc_now()
    item = save_with_fresh_id(  # 3-byte ids: short enough to sit inside every QR token
        lambda partner_id: Partner(
            *Partner.key(partner_id),
            partner_id=partner_id,
            name=req.name,
            role=req.role,
            contact=req.contact.model_dump(exclude_none=True),
            created_at=now,
            gsi1pk=LISTING,
            gsi1sk=f"{now}#{partner_id}",
        )
    )
    if item is None:
        raise errors.Conflict("Could not allocate a partner id; try again.", code="id_exhausted")
    logger.info("partner created", extra={"partner_id": item.partner_id, "role": req.role})
    return PartnerOut.model_validate(item)


def create_partner_once(req: PartnerIn, caller: str, key: str | None) -> idempotency.Outcome[PartnerOut]:
    """A retried request with the same `Idempotency-Key` gets the partner the first one made."""
    return idempotency.once(
        "partners", caller, key, req,
        create=lambda _mark: create_partner(req), id_of=lambda out: out.partner_id, replay=partner_out,
    )


def get_partner(partner_id: str) -> Partner:
    try:
        return Partner.get(*Partner.key(partner_id))
    except Partner.DoesNotExist as exc:
        raise errors.NotFound("No such partner.", code="partner_not_found") from exc


def cached_partner(partner_id: str) -> Partner:
    """The partner as a per-container cache holds it (`metadata_cache_seconds`); `set_alliance`
    forgets it in its own container, other containers see the change within the cache age."""
    partner: Partner = cache.cached(("partner", partner_id), lambda: get_partner(partner_id))
    return partner


def set_alliance(partner_id: str, alliance: bool) -> PartnerOut:
    """The operator admits a partner to the low-carbon alliance (its staff may make offers)."""
    item = get_partner(partner_id)
    item.update(actions=[Partner.alliance.set(alliance)], condition=Partner.pk.exists())
    cache.forget(("partner", partner_id))
    logger.info("partner alliance set", extra={"partner_id": partner_id, "alliance": alliance})
    return PartnerOut.model_validate(item)


def partner_out(partner_id: str) -> PartnerOut:
    return PartnerOut.model_validate(get_partner(partner_id))


def list_partners(limit: int, cursor: str | None) -> PartnerList:
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": LISTING})
    page = Partner.by_listing.query(
        LISTING, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, PartnerOut.model_validate)
    return PartnerList(items=items, next_cursor=next_cursor)


def list_staff(partner_id: str, limit: int, cursor: str | None) -> StaffList:
    """The partner's staff logins (404 for no such partner), a page at a time, in login-id order."""
    get_partner(partner_id)
    pk = partner_pk(partner_id)
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk}, prefix={"sk": STAFF_PREFIX})
    page = PartnerStaff.query(
        pk, PartnerStaff.sk.startswith(STAFF_PREFIX), limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, StaffOut.model_validate)
    return StaffList(items=items, next_cursor=next_cursor)


def create_staff(partner_id: str, req: StaffIn) -> StaffOut:
    partner = get_partner(partner_id)
    if partner.status != "active":
        raise errors.Conflict("The partner is not active.", code="partner_inactive")
    user_id = cognito.create_staff_user(
        req.phone,
        req.password,
        {"phone_number": req.phone, "name": req.display_name, "custom:partner_id": partner_id},
        group="partner",
    )
    ensure_account(
        user_id=user_id,
        phone=req.phone,
        display_name=req.display_name,
        role="partner",
        partner_id=partner_id,
    )
    now = utc_now()
    PartnerStaff(
        *PartnerStaff.key(partner_id, user_id),
        partner_id=partner_id,
        user_id=user_id,
        phone=req.phone,
        display_name=req.display_name,
        created_at=now,
    ).save()
    return StaffOut(
        user_id=user_id,
        partner_id=partner_id,
        phone=req.phone,
        display_name=req.display_name,
        created_at=now,
    )


class StaffNotFound(errors.NotFound):
    code, message = "staff_not_found", "This partner has no such staff login."


def remove_staff(partner_id: str, user_id: str) -> None:
    """Ends a staff login (someone left the partner's desk): Cognito signs them out everywhere and
    deletes the login, then their profile and the partner's staff item go. The phone may be made a
    login again. What they did stays (records, batches, imports name their user id). Their access
    token keeps passing the authorizer until it expires (at most an hour), but partner routes find no
    profile once this container's cache forgets them (at once here; `metadata_cache_seconds`
    elsewhere). Safe to repeat until the staff item is gone; then 404."""
    get_partner(partner_id)
    try:
        PartnerStaff.get(*PartnerStaff.key(partner_id, user_id))
    except PartnerStaff.DoesNotExist as exc:
        raise StaffNotFound() from exc
    cognito.delete_user(user_id)
    UserProfile(*UserProfile.key(user_id)).delete()
    PartnerStaff(*PartnerStaff.key(partner_id, user_id)).delete()  # last: a retry finds it and finishes
    cache.forget(("partner_of", user_id))
    logger.info("partner staff removed", extra={"partner_id": partner_id, "user_id": user_id})


def partner_of(user_id: str) -> str:
    """The partner a staff login belongs to (cached per container for `metadata_cache_seconds`:
    a login is linked to one partner for good)."""

    def load() -> str:
        try:
            profile = UserProfile.get(*UserProfile.key(user_id))
        except UserProfile.DoesNotExist as exc:
            raise NotPartnerStaff() from exc
        if not profile.partner_id:
            raise NotPartnerStaff()
        return profile.partner_id

    partner_id: str = cache.cached(("partner_of", user_id), load)
    return partner_id
