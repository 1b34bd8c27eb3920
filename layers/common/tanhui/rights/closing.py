"""Closing an account (注销): `POST /v1/me/account/close`.

The person signs in again (their password), chooses what becomes of their unspent coins, and
everything that names them goes, while what they saved stays counted:

1. **begin**: the profile takes a closing id (kept across retries) and the closing's record is
   put (`models.rights.AccountClosure`, status `closing`) with the consents given and withdrawn,
   by version and time, without the person; and `ClosedAccount` (a digest of the user id, two
   days), so the stream's late records of theirs put no stats back (`reductions.aggregator`);
2. **consent is withdrawn** (`identity.consent.withdraw`) and their waiting file rows dropped: from
   here nothing new is credited to them;
3. **open vouchers are cancelled** (status `cancelled`, their expiry entry deleted): their coins go
   back to no one; every voucher of theirs loses its holder (a merchant keeps what was consumed);
4. **the coins**: donated to the project chosen (`donations.giving`) or forfeited (a `forfeit`
   ledger entry and the debit, one plan conditioned on the balance as read); the registry's
   retirements their coins paid for (offsets) stay, without their user id or masked name;
5. **the records are pseudonymised** (`BehaviourRecord.pseudonymised`): each ledger entry loses
   its user id and its place on their ledger, keeps its carbon fields and its evidence, and names
   the hash it had (`erased_from`), so past exports still audit; a record whose key names the
   person moves to `BEHAVIOUR#erased#<that hash>`. The totals do not move (`reductions.deltas`);
   a buyback round they sold into keeps what it owes by the payout reference alone (their seller
   item without the user id; the closing lists the references);
6. **their items are deleted**: the wallet, then every item under `USER#<id>` but the profile (stats and
   leaderboard entries, consents, bindings, redemption counts, donations, the copy mark), their
   numbers' bindings, their donor markers, their certificates, the copies of their data in S3;
7. **the Cognito user is deleted** (signed out everywhere first): the phone may register again;
8. **finish**: one plan deletes the profile, marks the closing `closed` and records the
   Idempotency-Key.

Every step is safe to repeat, so a closing that stopped half-way is finished by the person's
retry: the profile stays until the end, and a retry after step 7 (Cognito gone, profile still
closing) needs no password.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from pynamodb.exceptions import DeleteError, UpdateError
from pynamodb.expressions.condition import Condition

from tanhui import errors, idempotency
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.donations import giving, projects
from tanhui.donations.schemas import DonationIn
from tanhui.identity import cognito, consent
from tanhui.imports import pending
from tanhui.models.base import TanhuiModel, iso_ms, plain, sortable_id, utc_now
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.bindings import NUMBER_KINDS, PHONE, Binding, UserBindings
from tanhui.models.buyback import OFFER_PREFIX, SELLER_PREFIX, BuybackOffer, BuybackSeller
from tanhui.models.certificates import Certificate, certificates_pk
from tanhui.models.identity import (
    CLOSED_DAYS,
    ClosedAccount,
    ConsentRecord,
    UserItem,
    UserProfile,
    user_pk,
)
from tanhui.models.offers import Voucher, VoucherExpiry, vouchers_pk
from tanhui.models.projects import DONATION_PREFIX, Donation, ProjectDonor
from tanhui.models.registry import Retirement
from tanhui.models.rights import AccountClosure
from tanhui.models.wallet import Wallet
from tanhui.models.writes import MAX_ITEMS, Cancelled, WritePlan, retrying
from tanhui.observability import logger, metrics
from tanhui.rights.data_export import PREFIX as COPIES_PREFIX
from tanhui.rights.schemas import ClosedOut, ClosingIn
from tanhui.wallet import account

ROUNDS = 20  # passes over the ledger: a record changed meanwhile (a file's carry) is read again
MOVES = MAX_ITEMS // 2  # a moved record is two items of its plan (the new put, the old delete)


class Closing(errors.Conflict):
    code, message = "account_closing", "The account is being closed; try again shortly."


def close_once(user_id: str, req: ClosingIn, key: str | None) -> idempotency.Outcome[ClosedOut]:
    """A retry with the same `Idempotency-Key` and choice gets the closing it made (the password is
    not part of what the key remembers)."""
    return idempotency.once(
        "account_close", user_id, key, req.model_dump(mode="json", exclude={"password"}),
        create=lambda mark: close(user_id, req, mark),
        id_of=lambda out: out.closure_id,
        replay=closure_out,
    )


def closure_out(closure_id: str) -> ClosedOut:
    closure = AccountClosure.get(*AccountClosure.key(closure_id), consistent_read=True)
    values = {name: getattr(closure, name) for name in ClosedOut.model_fields if name != "buyback"}
    return ClosedOut.model_validate({**values, "buyback": [plain(owed) for owed in closure.buyback or []]})


def close(user_id: str, req: ClosingIn, mark: idempotency.Mark = idempotency.no_key) -> ClosedOut:
    profile = _profile(user_id)
    if req.project_id is not None:
        project = projects.get_project(req.project_id)  # 404 project_not_found
        if project.status != "open":
            raise projects.ProjectClosed()
    _reauthenticate(profile, req.password)
    closure = _begin(profile, req)
    consent.withdraw(user_id, channel="closing")
    pending.drop_for(user_id)
    _count(closure, AccountClosure.vouchers_cancelled, _cancel_vouchers(user_id))
    known = _settle_coins(user_id, closure)
    _anonymous_offsets(user_id)
    _count(closure, AccountClosure.records_pseudonymised, _pseudonymise(user_id, known))
    _keep_payouts(user_id, closure)
    _delete_personal(user_id, profile)
    cognito.delete_user(user_id)
    out = _finish(profile, closure, mark)
    metrics.add_metric(name="AccountClosed", unit="Count", value=1)
    logger.info("account closed", extra={"closure_id": closure.closure_id})
    return out


def _profile(user_id: str) -> UserProfile:
    try:
        return UserProfile.get(*UserProfile.key(user_id), consistent_read=True)
    except UserProfile.DoesNotExist as exc:
        raise errors.NotFound("No profile for this user; log in again.", code="profile_not_found") from exc


def _reauthenticate(profile: UserProfile, password: str) -> None:
    """The password again (401 `invalid_credentials`), unless an earlier attempt of this closing
    got as far as deleting the login (it had the password then)."""
    if profile.closing_id and cognito.get_user(profile.phone) is None:
        return
    cognito.password_auth(profile.phone, password)


# ------------------------------------------------------------------------------------ 1. begin
def _begin(profile: UserProfile, req: ClosingIn) -> AccountClosure:
    closure_id = profile.closing_id or sortable_id(datetime.now(UTC), secrets.token_bytes(10))
    if profile.closing_id is None:
        plan = WritePlan("account_close_begin", key=(profile.user_id, closure_id))
        plan.update("profile", profile, [UserProfile.closing_id.set(closure_id)],
                    condition=UserProfile.closing_id.does_not_exist())
        plan.put("closure", AccountClosure(
            *AccountClosure.key(closure_id), closure_id=closure_id, status="closing",
            started_at=utc_now(), coins=req.coins, project_id=req.project_id,
            consents=_consents(profile.user_id)), condition=AccountClosure.pk.does_not_exist())
        plan.put("closed", ClosedAccount(*ClosedAccount.key(profile.user_id),
                                         expires_at=int(time.time()) + CLOSED_DAYS * 86_400))
        try:
            retrying(plan.send, operation="account_close_begin")
        except Cancelled as cancelled:
            if not cancelled.failed:
                raise
            raise Closing() from cancelled  # a concurrent request began it first
    return AccountClosure.get(*AccountClosure.key(closure_id), consistent_read=True)


def _consents(user_id: str) -> list[dict[str, str | None]]:
    records = ConsentRecord.query(user_pk(user_id), ConsentRecord.sk.startswith("CONSENT#"),
                                  consistent_read=True)
    return [{"version": r.version, "accepted_at": r.accepted_at, "withdrawn_at": r.withdrawn_at}
            for r in records]


def _count(closure: AccountClosure, counter: object, n: int) -> None:
    if n:
        closure.update(actions=[counter.add(n)])  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------- 3. vouchers
def _cancel_vouchers(user_id: str) -> int:
    """Cancels the person's open vouchers and takes every voucher of theirs off them; the number
    cancelled. An open voucher a till consumes meanwhile stays consumed (the condition)."""
    cancelled, now = 0, utc_now()
    for _ in range(ROUNDS):
        held = list(Voucher.by_user.query(vouchers_pk(user_id)))
        if not held:
            return cancelled
        for voucher in held:
            plan = WritePlan("account_close_voucher", key=(voucher.voucher_id,))
            off = [Voucher.user_id.remove(), Voucher.gsi1pk.remove(), Voucher.gsi1sk.remove()]
            if voucher.status == "issued":
                plan.update("voucher", voucher, [*off, Voucher.status.set("cancelled"),
                                                 Voucher.cancelled_at.set(now)],
                            condition=(Voucher.status == "issued") & (Voucher.user_id == user_id))
                expiry = VoucherExpiry(*VoucherExpiry.key(voucher.valid_until, voucher.voucher_id))
                plan.delete("expiry", expiry)
            else:
                plan.update("voucher", voucher, off, condition=Voucher.user_id == user_id)
            try:
                retrying(plan.send, operation="account_close_voucher")
            except Cancelled as changed:
                if not changed.failed:
                    raise
                continue  # consumed, refunded or taken off meanwhile: the next pass sees it as it is
            cancelled += voucher.status == "issued"
    raise errors.Busy("The vouchers kept changing; try again.")


# ------------------------------------------------------------------------------------ 4. coins
def _settle_coins(user_id: str, closure: AccountClosure) -> list[str]:
    """Donates or forfeits the unspent coins; the keys of the ledger entries it wrote."""
    item = account.raw_wallet(user_id)
    coins = int(item["coins"]["N"]) if item else 0
    if coins <= 0:
        return [f"BEHAVIOUR#forfeit#{closure.closure_id}"]
    if closure.coins == "donate":
        assert closure.project_id is not None
        made = giving.donate(user_id, DonationIn(project_id=closure.project_id, coins=coins))
        closure.update(actions=[AccountClosure.coins_donated.add(coins)])
        return [f"BEHAVIOUR#spend#{made.donation_id}"]
    plan = WritePlan("forfeit", key=(user_id, closure.closure_id))
    account.add_movement(plan, user_id, coins, kind="forfeit", reference=closure.closure_id, now=utc_now(),
                         channel="account_closing", wallet_condition=Wallet.coins == coins)
    plan.update("closure", closure, [AccountClosure.coins_forfeited.add(coins)])
    try:
        retrying(plan.send, operation="forfeit")
    except Cancelled as cancelled:
        if account.ENTRY in cancelled.failed:
            return [f"BEHAVIOUR#forfeit#{closure.closure_id}"]  # forfeited by an earlier attempt
        if not cancelled.failed:
            raise
        raise errors.Busy("The wallet changed meanwhile; try again.") from cancelled
    return [f"BEHAVIOUR#forfeit#{closure.closure_id}"]


# ---------------------------------------------------------------------------------- 4b. offsets
CLOSED_BENEFICIARY = "已注销用户 a closed account"


def _anonymous_offsets(user_id: str) -> None:
    """The registry's retirements the person's coins paid for (以碳积分抵销, their `offset` ledger
    entries name them) stay retired and public, without the person: no user id, no masked name."""
    entries = BehaviourRecord.ledger.query(ledger_pk(user_id),
                                           filter_condition=BehaviourRecord.kind == "offset")
    for entry in entries:
        found = Retirement(*Retirement.key(str(entry.claim_id)))
        try:
            found.update(actions=[Retirement.user_id.remove(), Retirement.created_by.set("closed"),
                                  Retirement.beneficiary.set(CLOSED_BENEFICIARY)],
                         condition=Retirement.user_id == user_id)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise  # else: done by an earlier attempt


# ----------------------------------------------------------------------------------- 5. records
def _pseudonymise(user_id: str, known: list[str]) -> int:
    """Pseudonymises every record of the person's ledger; how many. `known` are keys just written,
    which the ledger index may not list yet."""
    done = 0
    for _ in range(ROUNDS):
        records = [*_just_written(user_id, known), *BehaviourRecord.ledger.query(ledger_pk(user_id))]
        known = []
        if not records:
            return done
        for chunk in _chunks(records, MOVES):
            done += _erase(chunk, user_id)
    raise errors.Busy("The records kept changing; try again.")


def _just_written(user_id: str, keys: list[str]) -> Iterator[BehaviourRecord]:
    for key in keys:
        try:
            record = BehaviourRecord.get(*BehaviourRecord.key(key), consistent_read=True)
        except BehaviourRecord.DoesNotExist:
            continue
        if record.user_id == user_id:
            yield record


def _chunks(records: list[BehaviourRecord], size: int) -> Iterator[list[BehaviourRecord]]:
    unique = list({r.pk: r for r in records}.values())
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def _unchanged(record: BehaviourRecord) -> object:
    if record.content_hash is None:
        return BehaviourRecord.content_hash.does_not_exist()
    return BehaviourRecord.content_hash == record.content_hash


def _erase(records: list[BehaviourRecord], user_id: str) -> int:
    """One chunk: the records kept in place and the moves' marks in one plan, then the moves in
    another; how many records are done (one changed meanwhile waits for the next pass)."""
    stay = [r for r in records if r.keeps_key(user_id)]
    move = [(r, r.pseudonymised(move=True)) for r in records if not r.keeps_key(user_id)]
    first = WritePlan("erasure", key=tuple(r.pk for r in records))
    for record in stay:
        first.put(f"record {record.pk}", record.pseudonymised(move=False),
                  condition=(BehaviourRecord.user_id == user_id) & _unchanged(record))
    for old, new in move:
        if old.erased_to != new.pk:
            first.update(f"mark {old.pk}", old, [BehaviourRecord.erased_to.set(new.pk)],
                         condition=(BehaviourRecord.user_id == user_id) & _unchanged(old))
    if not _sent(first):
        return 0
    second = WritePlan("erasure_moves", key=tuple(old.pk for old, _ in move))
    for old, new in move:
        second.put(f"new {old.pk}", new, condition=BehaviourRecord.pk.does_not_exist())
        second.delete(f"old {old.pk}", old, condition=BehaviourRecord.erased_to == new.pk)
    if move and not _sent(second):
        return len(stay)
    return len(records)


def _sent(plan: WritePlan) -> bool:
    if not len(plan):
        return True
    try:
        retrying(plan.send, operation=plan.operation)
    except Cancelled as cancelled:
        if not cancelled.failed:
            raise
        logger.info("records changed while pseudonymised: read again", extra={"items": len(plan)})
        return False
    return True


# ------------------------------------------------------------------------------ 5b. buyback sellers
def _keep_payouts(user_id: str, closure: AccountClosure) -> None:
    """A round the person sold into keeps what it owes by the payout reference alone: their seller
    item moves to `SELLER#ref:<reference>` without the user id, and the closing lists it."""
    offers = BuybackOffer.query(user_pk(user_id), BuybackOffer.sk.startswith(OFFER_PREFIX),
                                consistent_read=True)
    for round_id in sorted({o.round_id for o in offers}):
        try:
            seller = BuybackSeller.get(*BuybackSeller.key(round_id, user_id), consistent_read=True)
        except BuybackSeller.DoesNotExist:
            continue  # moved by an earlier attempt
        owed = {"round_id": round_id, "reference": seller.reference, "coins": int(seller.coins),
                "amount_fen": int(seller.amount_fen)}
        kept = BuybackSeller(seller.pk, f"{SELLER_PREFIX}ref:{seller.reference}", reference=seller.reference,
                             coins=seller.coins, amount_fen=seller.amount_fen, offers=seller.offers,
                             updated_at=seller.updated_at)
        plan = WritePlan("account_close_seller", key=(closure.closure_id, round_id))
        plan.put("kept", kept, condition=BuybackSeller.sk.does_not_exist())
        plan.delete("seller", seller, condition=BuybackSeller.coins == seller.coins)
        plan.update("closure", closure, [AccountClosure.buyback.set(AccountClosure.buyback.append([owed]))])
        retrying(plan.send, operation="account_close_seller")


# ----------------------------------------------------------------------------------- 6. delete
def _delete_personal(user_id: str, profile: UserProfile) -> None:
    numbers = _numbers(user_id, profile)
    donations = Donation.query(user_pk(user_id), Donation.sk.startswith(DONATION_PREFIX),
                               consistent_read=True)
    projects = {d.project_id for d in donations}
    wallet = WritePlan("account_close_wallet", key=(user_id,))
    wallet.delete("wallet", Wallet(*Wallet.key(user_id)), condition=Wallet.coins == 0)
    if account.raw_wallet(user_id) is not None and not _sent(wallet):
        raise errors.Busy("The wallet changed meanwhile; try again.")
    for kind, value in numbers:  # a number someone else holds (bound since) is theirs: left alone
        _delete_if(Binding(*Binding.key(kind, value)), Binding.user_id == user_id)
    items: list[TanhuiModel] = [i for i in UserItem.query(user_pk(user_id), consistent_read=True)
                                if i.sk != "PROFILE"]
    items += [ProjectDonor(*ProjectDonor.key(p, user_id)) for p in sorted(projects)]
    items += list(Certificate.by_user.query(certificates_pk(user_id)))
    for start in range(0, len(items), MAX_ITEMS):
        plan = WritePlan("account_close_items", key=(user_id, start))
        for item in items[start:start + MAX_ITEMS]:
            plan.delete(f"{item.pk} {item.sk}", item)
        retrying(plan.send, operation="account_close_items")
    _delete_copies(user_id)


def _delete_if(item: TanhuiModel, condition: Condition) -> None:
    try:
        item.delete(condition=condition)
    except DeleteError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise


def _numbers(user_id: str, profile: UserProfile) -> list[tuple[str, str]]:
    found = [(PHONE, profile.phone)] if profile.phone else []
    try:
        held = UserBindings.get(*UserBindings.key(user_id), consistent_read=True)
    except UserBindings.DoesNotExist:
        return found
    return found + [(kind, getattr(held, kind)) for kind in NUMBER_KINDS if getattr(held, kind)]


def _delete_copies(user_id: str) -> None:
    s3, bucket = client("s3"), get_settings().personal_data_bucket
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{COPIES_PREFIX}{user_id}/")
    for page in pages:
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


# ----------------------------------------------------------------------------------- 8. finish
def _finish(profile: UserProfile, closure: AccountClosure, mark: idempotency.Mark) -> ClosedOut:
    at = iso_ms(datetime.now(UTC))
    plan = WritePlan("account_close_finish", key=(closure.closure_id,))
    plan.delete("profile", profile, condition=UserProfile.closing_id == closure.closure_id)
    plan.update("closure", closure, [AccountClosure.status.set("closed"), AccountClosure.closed_at.set(at)])
    mark(plan, closure.closure_id)
    try:
        retrying(plan.send, operation="account_close_finish")
    except Cancelled as cancelled:
        if "profile" not in cancelled.failed:
            raise
        raise Closing() from cancelled  # finished by a concurrent attempt
    return closure_out(closure.closure_id)

