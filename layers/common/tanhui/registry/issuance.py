"""Issuance (签发): verified reductions from a completed, audited ledger export become serialised
units in the platform's account.

**Evidence.** Only a completed export whose audit (`exports.checks.audit`: every record re-read
and re-hashed, each day's Merkle root recomputed, the file's SHA-256 the manifest's) is ok is
issued from; anything else is refused (409 `export_not_completed`, `registry_audit_failed`). The
lines counted are read from the same file again, whose SHA-256 must still be the manifest's.

**Issued at most once.** An export holds the records of its days recorded before its
`recorded_before`. Per UTC day `IssuedDay` holds the cutoff of the last issuance that counted the
day; this issuance counts, per day, the lines created at or after that cutoff and moves it to its
own `recorded_before`, on the condition that it is still the cutoff read. So a record is counted
by one issuance only, with one write per day, not per record; an export already issued counts
nothing (409 `registry_nothing_to_issue`).

**Units.** Grams counted plus the carry of earlier issuances, in whole kilograms, are the units;
what is left below a unit is the new carry (never rounded up). Serials [next, next + units) come
from `RegistryState`, moved on the condition that it holds the serial and carry read. One write
plan: the state, the days' cutoffs, the issuance record, the range in `PLATFORM`, the account's
counter and the Idempotency-Key. Two issuances at once: one commits, the other reads again (it
then counts nothing the first counted). A retry after a lost reply reads again too and finds its own
issuance written (its days count nothing now): it answers that issuance.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from tanhui import errors, idempotency
from tanhui.exports import checks, jobs
from tanhui.models.base import iso_ms, plain, sortable_id
from tanhui.models.registry import (
    GRAMS_PER_UNIT,
    HELD,
    ISSUANCES,
    PLATFORM,
    Issuance,
    IssuedDay,
    RegistryAccount,
    RegistryState,
    UnitRange,
    ranges_pk,
    serial_key,
)
from tanhui.models.writes import Cancelled, WritePlan, retryable, retrying
from tanhui.observability import logger, metrics
from tanhui.registry import accounts
from tanhui.registry.listings import newest_first
from tanhui.registry.ranges import label
from tanhui.registry.schemas import IssuanceIn, IssuanceList, IssuanceOut

MAX_DAYS = 90  # days one issuance may count (one cutoff each in its plan of at most 100 items)
STATE, RECORD, RANGE, ACCOUNT = "state", "issuance", "range", "platform account"


class AuditFailed(errors.Conflict):
    code, message = "registry_audit_failed", (
        "The export's audit is not ok (a record changed or is missing, or a file no longer matches "
        "its manifest): it cannot be issued from."
    )


class NothingToIssue(errors.Conflict):
    code, message = "registry_nothing_to_issue", "Every record of this export was issued before."


class TooManyDays(errors.Conflict):
    code, message = "registry_too_many_days", (
        f"The export has records not yet issued on more than {MAX_DAYS} days; issue from exports of "
        "shorter ranges."
    )


class IssuanceNotFound(errors.NotFound):
    code, message = "registry_issuance_not_found", "No such issuance."


def _state() -> RegistryState:
    try:
        return RegistryState.get(*RegistryState.key(), consistent_read=True)
    except RegistryState.DoesNotExist:
        return RegistryState(*RegistryState.key(), next_serial=1, carry_g=0, issued_units=0, issuances=0)


def _cutoffs(days: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    keys = [IssuedDay.key(day) for day in days]
    for start in range(0, len(keys), 100):
        for item in IssuedDay.batch_get(keys[start:start + 100], consistent_read=True):
            found[item.sk.removeprefix("ISSUED_DAY#")] = item.cutoff
    return found


def _count(export_id: str, jsonl_sha256: str | None, cutoffs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Per day, the lines created at or after the day's cutoff: {day: {rows, gco2e}}, from the
    export's file, whose SHA-256 must still be its manifest's."""
    digest = hashlib.sha256()
    counted: dict[str, dict[str, Any]] = defaultdict(lambda: {"rows": 0, "gco2e": 0})
    for line in checks._lines(export_id, digest):  # noqa: SLF001 - the audit's own reader
        created = str(line["created_at"])
        cutoff = cutoffs.get(created[:10])
        if cutoff is None or created >= cutoff:
            counted[created[:10]]["rows"] += 1
            counted[created[:10]]["gco2e"] += int(line["gco2e"])
    if digest.hexdigest() != jsonl_sha256:
        raise AuditFailed(details=[{"file_ok": False}])
    return {day: sums for day, sums in counted.items() if sums["rows"]}


def _audited(export_id: str) -> tuple[Any, str | None]:
    job = jobs.job_of(export_id)
    if job.status != "completed":
        raise jobs.ExportNotCompleted()
    audit = checks.audit(job.export_id)
    if not audit.ok:
        raise AuditFailed(details=[{"checked": audit.checked, "file_ok": audit.file_ok,
                                    "mismatches": len(audit.mismatches)}])
    facts = plain(plain(job.files).get(jobs.JSONL_NAME))
    return job, facts.get("sha256")


def issue(body: IssuanceIn, by: str, mark: idempotency.Mark = idempotency.no_key) -> IssuanceOut:
    job, jsonl_sha256 = _audited(body.export_id)
    accounts.open_platform()
    at = datetime.now(UTC)
    now, issuance_id = iso_ms(at), sortable_id(at)
    export_days = jobs.days(job.from_day, job.to_day)

    def attempt() -> Issuance:
        state, cutoffs = _state(), _cutoffs(export_days)
        counted = _count(job.export_id, jsonl_sha256, cutoffs)
        if not counted:
            try:  # a reply lost after this issuance was written: its own days now count nothing
                return Issuance.get(*Issuance.key(issuance_id), consistent_read=True)
            except Issuance.DoesNotExist:
                raise NothingToIssue() from None
        if len(counted) > MAX_DAYS:
            raise TooManyDays()
        grams = sum(c["gco2e"] for c in counted.values())
        carry_in, start = int(state.carry_g), int(state.next_serial)
        units, carry_out = divmod(carry_in + grams, GRAMS_PER_UNIT)
        record = Issuance(
            *Issuance.key(issuance_id), issuance_id=issuance_id, export_id=job.export_id,
            manifest_sha256=job.manifest_sha256, recorded_before=job.created_at, range_from=job.from_day,
            range_to=job.to_day, rows=sum(c["rows"] for c in counted.values()), gco2e=grams,
            carry_in_g=carry_in, carry_out_g=carry_out, units=units, start=start, end=start + units,
            account_id=PLATFORM, created_by=by, created_at=now, gsi1sk=issuance_id,
            days=[{"day": day, **sums, "after": cutoffs.get(day)} for day, sums in sorted(counted.items())],
        )
        plan = WritePlan("issuance", key=(issuance_id,))
        plan.update(STATE, RegistryState(*RegistryState.key()), [
            RegistryState.next_serial.set(start + units), RegistryState.carry_g.set(carry_out),
            RegistryState.issued_units.add(units), RegistryState.issuances.add(1),
            RegistryState.updated_at.set(now),
        ], condition=RegistryState.pk.does_not_exist() if state.updated_at is None
            else (RegistryState.next_serial == start) & (RegistryState.carry_g == carry_in))
        for day in sorted(counted):
            before = cutoffs.get(day)
            read = IssuedDay.pk.does_not_exist() if before is None else IssuedDay.cutoff == before
            marker = IssuedDay(*IssuedDay.key(day), cutoff=job.created_at, issuance_id=issuance_id,
                               updated_at=now)
            plan.put(f"day {day}", marker, condition=read)
        plan.put(RECORD, record, condition=Issuance.pk.does_not_exist())
        if units:
            issued = UnitRange(*UnitRange.key(start), start=start, end=start + units, account_id=PLATFORM,
                               status=HELD, issuance_id=issuance_id, version=0, updated_at=now,
                               gsi1pk=ranges_pk(PLATFORM), gsi1sk=serial_key(start))
            plan.put(RANGE, issued, condition=UnitRange.pk.does_not_exist())
            plan.update(ACCOUNT, RegistryAccount(*RegistryAccount.key(PLATFORM)),
                        [RegistryAccount.held_units.add(units), RegistryAccount.updated_at.set(now)],
                        condition=RegistryAccount.pk.exists())
        mark(plan, issuance_id)
        plan.send()
        return record

    def read_again(exc: BaseException) -> bool:  # another issuance moved the state or a day first
        if isinstance(exc, Cancelled) and exc.failed:
            return all(n in (STATE, RANGE) or n.startswith("day ") for n in exc.failed)
        return retryable(exc)

    try:
        record = retrying(attempt, operation="issuance", retry_if=read_again)
    except Cancelled as cancelled:
        if RECORD in cancelled.failed:  # a lost reply: it was written
            return issuance_out(issuance_id)
        raise
    metrics.add_metric(name="RegistryUnitsIssued", unit="Count", value=int(record.units))
    logger.info("issued", extra={"issuance_id": issuance_id, "export_id": job.export_id,
                                 "units": int(record.units)})
    return out_of(record)


def issue_once(body: IssuanceIn, by: str, key: str | None) -> idempotency.Outcome[IssuanceOut]:
    return idempotency.once(
        "registry issuances", by, key, body,
        create=lambda mark: issue(body, by, mark), id_of=lambda out: out.issuance_id, replay=issuance_out,
    )


def out_of(record: Issuance) -> IssuanceOut:
    units = int(record.units)
    serials = {}
    if units:
        serials = {"first_serial": label(int(record.start)), "last_serial": label(int(record.end) - 1)}
    return IssuanceOut.model_validate({**record.attribute_values, **serials,
                                       "days": [plain(d) for d in record.days]})


def issuance_out(issuance_id: str) -> IssuanceOut:
    try:
        return out_of(Issuance.get(*Issuance.key(issuance_id), consistent_read=True))
    except Issuance.DoesNotExist as exc:
        raise IssuanceNotFound() from exc


def list_issuances(limit: int, cursor: str | None) -> IssuanceList:
    items, next_cursor = newest_first(Issuance.by_listing, ISSUANCES, out_of, limit, cursor)
    return IssuanceList(items=items, next_cursor=next_cursor)


def state() -> RegistryState:
    return _state()
