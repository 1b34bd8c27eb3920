"""The registry over moto: issuance from audited exports (once per record, the carry never
rounded up), transfers that split ranges, retirements that never move a unit twice, individuals'
offsets, with Σ issued = Σ held + Σ retired checked after every step."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from tanhui import errors
from tanhui.config import get_settings
from tanhui.exports import jobs
from tanhui.exports.schemas import ExportIn
from tanhui.models.base import iso_ms
from tanhui.models.registry import PLATFORM, UnitRange
from tanhui.registry import accounts, issuance, ranges, retirements, transfers
from tanhui.registry.schemas import IssuanceIn, RetirementIn, TransferIn

from tests.factories import partner_item
from tests.integration.registry_support import export, fresh_day, invariant, records_on


@pytest.fixture(autouse=True)
def _stack(aws):
    """The moto server with the template's resources."""


def issue(export_id: str):
    return issuance.issue(IssuanceIn(export_id=export_id), "operator")


def issued_units(grams: list[int]) -> tuple[int, object]:
    """Records of `grams` on a day of their own, exported and issued: (units expected, issuance)."""
    carry = int(issuance.state().carry_g)
    day = fresh_day()
    records_on(day, grams)
    out = issue(export(day))
    assert out.units == (carry + sum(grams)) // 1000 and out.carry_out_g == (carry + sum(grams)) % 1000
    return out.units, out


def holder(role: str = "organisation") -> str:
    partner_id = partner_item(role, name=f"{role} 绿色会展")
    accounts.account_for(partner_id)
    return partner_id


def move_to(to: str, units: int):
    body = TransferIn.model_validate({"from": PLATFORM, "to": to, "units": units, "reason": "认购 purchase",
                                      "price_fen": 3_000 * units})
    return transfers.transfer(PLATFORM, body, "operator", "admin")


def retire(account_id: str, units: int):
    body = RetirementIn.model_validate({
        "units": units, "beneficiary": "2026 碳普惠论坛", "purpose": "会议碳中和 a carbon-neutral forum",
        "emission": {"kind": "event", "description": "论坛两天的排放", "period": "2026-12"}})
    return retirements.retire(account_id, body, "staff")


# ----------------------------------------------------------------------------- issuance
def test_given_an_export_when_issued_then_units_are_whole_kg_and_the_rest_carries():
    invariant()
    carry = int(issuance.state().carry_g)
    day = fresh_day()
    records_on(day, [1_234, 2_000, 300])
    out = issue(export(day))
    total = carry + 3_534
    assert (out.units, out.carry_in_g, out.carry_out_g, out.rows, out.gco2e) == (
        total // 1000, carry, total % 1000, 3, 3_534)
    assert out.end - out.start == out.units and out.first_serial == ranges.label(out.start)
    assert [(d.day, d.rows, d.gco2e, d.after) for d in out.days] == [(day, 3, 3_534, None)]
    invariant()


def test_given_an_export_issued_once_then_issuing_it_again_counts_nothing():
    day = fresh_day()
    records_on(day, [5_000])
    export_id = export(day)
    issue(export_id)
    with pytest.raises(issuance.NothingToIssue):
        issue(export_id)
    # a later export of the same day holds the same records: nothing new either
    with pytest.raises(issuance.NothingToIssue):
        issue(export(day))
    invariant()


def test_given_records_recorded_after_an_issuance_then_a_later_export_issues_only_those():
    today = datetime.now(UTC).date().isoformat()
    earlier = iso_ms(datetime.now(UTC) - timedelta(seconds=2))
    records_on(today, [4_000], at=earlier)
    first = issue(export(today))  # today's records of other tests too: whatever was not issued yet
    assert first.gco2e >= 4_000
    records_on(today, [2_500, 500], at=first.recorded_before)  # at the cutoff: after the first export
    second = issue(export(today))
    assert [(d.day, d.after) for d in second.days] == [(today, first.recorded_before)]
    assert second.gco2e >= 3_000 and second.rows >= 2
    with pytest.raises(issuance.NothingToIssue):  # the same export again
        issue(second.export_id)
    invariant()


def test_given_two_exports_of_overlapping_days_then_each_record_is_issued_once():
    first_day, second_day = fresh_day(), fresh_day()
    records_on(first_day, [1_000, 1_000])
    records_on(second_day, [3_000])
    a = issue(export(first_day))
    b = issue(export(first_day, second_day))
    assert (a.gco2e, b.gco2e) == (2_000, 3_000)
    assert [d.day for d in b.days] == [second_day]
    invariant()


def test_given_a_tampered_export_then_issuing_from_it_is_refused():
    day = fresh_day()
    [record, _] = records_on(day, [7_000, 1_000])
    export_id = export(day)
    ddb, table = boto3.client("dynamodb"), get_settings().table_name
    ddb.update_item(TableName=table, Key={"pk": {"S": record.pk}, "sk": {"S": "BEHAVIOUR"}},
                    UpdateExpression="SET gco2e = :g", ExpressionAttributeValues={":g": {"N": "70000"}})
    before = invariant()
    with pytest.raises(issuance.AuditFailed) as refused:
        issue(export_id)
    assert refused.value.code == "registry_audit_failed" and refused.value.details[0]["mismatches"] == 1
    assert invariant() == before


def test_given_an_export_not_completed_then_issuing_is_refused():
    day = fresh_day()
    made = jobs.create_export(ExportIn.model_validate({"from": day, "to": day}), "tests")
    with pytest.raises(jobs.ExportNotCompleted):
        issue(made.export_id)
    with pytest.raises(jobs.ExportNotFound):
        issue("0" * 26)


def test_given_two_issuances_at_once_then_serials_are_taken_once_and_records_issued_once():
    days = [fresh_day() for _ in range(4)]
    for day in days:
        records_on(day, [2_000])
    exports = [export(day) for day in days] + [export(days[0], days[-1])]
    with ThreadPoolExecutor(5) as pool:
        outcomes = list(pool.map(lambda e: _try(lambda: issue(e)), exports))
    made = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if o not in made]
    assert all(isinstance(o, issuance.NothingToIssue | errors.Busy) for o in refused), outcomes
    assert sum(o.gco2e for o in made) == 8_000  # every record once, whichever export took it
    spans = sorted((o.start, o.end) for o in made)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    invariant()


def _try(call):
    try:
        return call()
    except Exception as exc:  # noqa: BLE001 - the outcome is what the test compares
        return exc


# ------------------------------------------------------------------- transfers, retirements
def test_given_issued_units_when_transferred_split_and_retired_then_retired_units_never_move_again():
    issued_units([30_000])
    org = holder()
    before = invariant()
    moved = move_to(org, 7)
    assert moved.units == 7 and sum(r.units for r in moved.ranges) == 7
    assert invariant() == before
    first = retire(org, 3)
    # the org's 7 may be several ranges (what earlier issuances left): the 3 are counted over all
    assert sum(transfers.range_out(int(s), int(e)).units for s, e in first.ranges) == 3
    after = invariant()
    assert after["retired"] == before["retired"] + 3
    assert accounts.get_account(org).held_units == 4 and accounts.get_account(org).retired_units == 3
    # the retired serials are never retired or moved again: the next retirement takes the next ones
    second = retire(org, 4)
    taken = [tuple(map(int, r)) for r in first.ranges + second.ranges]
    serials = [s for start, end in taken for s in range(start, end)]
    assert len(serials) == len(set(serials)) == 7
    with pytest.raises(ranges.InsufficientUnits):
        retire(org, 1)
    with pytest.raises(ranges.InsufficientUnits):
        move_to(org, 10**8)
    for start, end in taken:
        item = UnitRange.get(*UnitRange.key(start))
        assert (item.status, item.account_id, int(item.end)) == ("retired", org, end)
    invariant()


def test_given_a_transfer_of_part_of_a_range_then_the_range_is_split_not_duplicated():
    issued_units([12_000])
    org, event = holder(), holder("event")
    move_to(org, 5)
    body = TransferIn.model_validate({"from": org, "to": event, "units": 2, "reason": "转让 resale"})
    out = transfers.transfer(org, body, "operator", "admin")
    assert sum(r.units for r in out.ranges) == 2
    assert accounts.get_account(org).held_units == 3 and accounts.get_account(event).held_units == 2
    held = ranges.held_ranges(org)
    assert sum(r.units for r in held) == 3 and all(int(r.start) >= out.ranges[-1].end for r in held)
    received = [(int(r.start), int(r.end)) for r in ranges.held_ranges(event)]
    assert [(r.start, r.end) for r in out.ranges] == received
    with pytest.raises(transfers.SameAccount):
        transfers.transfer(org, TransferIn.model_validate(
            {"from": org, "to": org, "units": 1, "reason": "x"}), "operator", "admin")
    invariant()


def test_given_a_partner_that_is_no_holder_then_it_has_no_account():
    with pytest.raises(accounts.NotAHolder):
        accounts.account_for(partner_item("hotel"))
    with pytest.raises(accounts.AccountNotFound):
        accounts.account_for("ABCDEF")


def test_given_20_concurrent_retirements_of_overlapping_ranges_then_no_unit_is_retired_twice():
    issued_units([60_000])
    org = holder("event")
    move_to(org, 50)
    invariant()
    with ThreadPoolExecutor(20) as pool:
        outcomes = list(pool.map(lambda n: _try(lambda: retire(org, 2 + n % 3)), range(20)))
    done = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert all(isinstance(o, ranges.InsufficientUnits | errors.Busy) for o in refused), refused
    serials = [s for o in done for start, end in o.ranges for s in range(int(start), int(end))]
    assert len(serials) == len(set(serials)) == sum(int(o.units) for o in done)
    account = accounts.get_account(org)
    assert int(account.retired_units) == len(serials) and int(account.held_units) == 50 - len(serials)
    assert len(done) >= 15, f"{len(done)} of 20 retired, {len(refused)} refused: {refused[:3]}"
    print(f"retired {len(done)} of 20, {len(serials)} units; refused {[type(o).__name__ for o in refused]}")
    sums = invariant()
    assert sums["issued"] == sums["held"] + sums["retired"]


def test_given_more_days_than_one_plan_holds_then_the_issuance_is_refused_whole(monkeypatch):
    first, second = fresh_day(), fresh_day()
    records_on(first, [1_000])
    records_on(second, [1_000])
    export_id = export(min(first, second), max(first, second))
    monkeypatch.setattr(issuance, "MAX_DAYS", 1)
    before = invariant()
    with pytest.raises(issuance.TooManyDays):
        issue(export_id)
    assert invariant() == before
    monkeypatch.undo()
    assert issue(export_id).rows == 2  # nothing was counted by the refusal


def test_given_units_in_more_ranges_than_one_plan_holds_then_the_move_is_refused_whole(monkeypatch):
    issued_units([5_000])
    issued_units([5_000])  # PLATFORM's units now lie in more than one range
    org = holder()
    move_to(org, 1)
    move_to(org, 1)
    if len(ranges.held_ranges(org)) < 2:  # the two came from one range: make a gap
        retire(org, 1)
        move_to(org, 1)
    monkeypatch.setattr(ranges, "MAX_RANGES", 1)
    held = int(accounts.get_account(org).held_units)
    with pytest.raises(ranges.TooFragmented):
        retire(org, held)
    assert int(accounts.get_account(org).held_units) == held
    invariant()
