"""A tourist gives coins to an open project, and lists their donations.

One write plan (`wallet.account.debit` with the project's named items riding along): the wallet's
conditional debit and its `spend` ledger entry, a check that the project is still open, the coins
added to one of the project's shards picked at random, the donation record and, on the user's
first donation to the project, the donor marker (put only if absent) with +1 to the shard's
donors. A donor marker that turns out to exist (a first donation racing another) is retried as a
returning donor's, so donor counts are exact; contention is retried by `models.writes.retrying`.
A retry after a lost reply is safe at any time: the plan's key is the donation id (a no-op
within the token window) and the donation record and `spend` entry exist once, by that id.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from pynamodb.expressions.update import Action

from tanhui import errors, idempotency
from tanhui.donations.projects import ProjectClosed, get_project
from tanhui.donations.schemas import DonationIn, DonationList, DonationOut
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.identity import user_pk
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.projects import (
    DONATION_PREFIX,
    SHARDS,
    STATUS_OPEN,
    Donation,
    Project,
    ProjectDonor,
    ProjectShard,
)
from tanhui.models.writes import WritePlan
from tanhui.observability import metrics
from tanhui.wallet import account

ATTEMPTS = 4


class InsufficientCoins(errors.Conflict):
    code, message = "insufficient_coins", "The wallet does not hold enough coins for this donation."


def donate_once(user_id: str, req: DonationIn, key: str | None) -> idempotency.Outcome[DonationOut]:
    """A retry with the same `Idempotency-Key` and body gets the donation the first one made."""
    return idempotency.once(
        "donations", user_id, key, req,
        create=lambda mark: donate(user_id, req, mark),
        id_of=lambda out: out.donation_id,
        replay=lambda donation_id: donation_out(user_id, donation_id),
    )


def donate(user_id: str, req: DonationIn, mark: idempotency.Mark = idempotency.no_key) -> DonationOut:
    project = get_project(req.project_id)
    if project.status != STATUS_OPEN:
        raise ProjectClosed()
    at = datetime.now(UTC)
    now, donation_id = iso_ms(at), sortable_id(at)
    donation = Donation(
        *Donation.key(user_id, donation_id),
        donation_id=donation_id,
        user_id=user_id,
        project_id=project.project_id,
        project_name=project.name,
        coins=req.coins,
        created_at=now,
    )
    new_donor = not _has_donated(project.project_id, user_id)
    for _ in range(ATTEMPTS):
        try:
            account.debit(
                user_id, req.coins, reference=donation_id, channel="donation",
                description=f"Donation to {project.name}",
                evidence={"project_id": project.project_id, "project_name": project.name},
                also=[_project_items(donation, new_donor, now), lambda plan: mark(plan, donation_id)],
            )
        except account.ItemConditionFailed as exc:
            if "donation" in exc.names:  # this very donation (its id is new): made by a lost reply
                break
            if "project" in exc.names:
                raise ProjectClosed() from exc
            new_donor = False  # the marker exists: another first donation got there before
            continue
        except errors.InsufficientBalance as exc:
            raise InsufficientCoins() from exc
        break
    else:
        raise errors.Busy()
    metrics.add_metric(name="DonationMade", unit="Count", value=1)
    return DonationOut.model_validate(donation)


def _has_donated(project_id: str, user_id: str) -> bool:
    try:
        ProjectDonor.get(*ProjectDonor.key(project_id, user_id), consistent_read=True)
    except ProjectDonor.DoesNotExist:
        return False
    return True


def _project_items(donation: Donation, new_donor: bool, now: str) -> account.PlanItems:
    """The project's side of the debit: `project` open check, `shard`, `donation` record and,
    for a first donation, the `donor` marker."""
    shard = ProjectShard(*ProjectShard.key(donation.project_id, random.randrange(SHARDS)))  # noqa: S311
    actions: list[Action] = [
        ProjectShard.coins.add(donation.coins),
        ProjectShard.donations.add(1),
        ProjectShard.updated_at.set(now),
    ]
    if new_donor:
        actions.append(ProjectShard.donors.add(1))

    def add(plan: WritePlan) -> None:
        plan.check("project", Project, *Project.key(donation.project_id),
                   condition=Project.status == STATUS_OPEN)
        plan.update("shard", shard, actions)
        plan.put("donation", donation, condition=Donation.pk.does_not_exist())
        if new_donor:
            marker = ProjectDonor(
                *ProjectDonor.key(donation.project_id, donation.user_id),
                user_id=donation.user_id,
                first_donation_id=donation.donation_id,
                created_at=now,
            )
            plan.put("donor", marker, condition=ProjectDonor.pk.does_not_exist())

    return add


def donation_out(user_id: str, donation_id: str) -> DonationOut:
    """A donation an Idempotency-Key recorded (it exists: the key records only made ones)."""
    return DonationOut.model_validate(Donation.get(*Donation.key(user_id, donation_id)))


def my_donations(user_id: str, limit: int, cursor: str | None) -> DonationList:
    pk = user_pk(user_id)
    start = decode_cursor(cursor, {"pk", "sk"}, equal={"pk": pk}, prefix={"sk": DONATION_PREFIX})
    page = Donation.query(
        pk, Donation.sk.startswith(DONATION_PREFIX), scan_index_forward=False,
        limit=limit, page_size=limit, last_evaluated_key=start,
    )
    items, next_cursor = page_items(page, DonationOut.model_validate)
    return DonationList(items=items, next_cursor=next_cursor)
