"""What the registry's tests share: records on a day of their own, exports of it, and the
registry's invariant read from the table as it is (no code under test)."""

from __future__ import annotations

import itertools
import random
import secrets
from datetime import date, timedelta

import boto3
from tanhui.config import get_settings
from tanhui.exports import jobs
from tanhui.exports.schemas import ExportIn
from tanhui.models.base import utc_now
from tanhui.models.behaviour import BehaviourRecord

_DAYS = itertools.count(random.randrange(9000))  # noqa: S311 - a test's own day, not a secret


def fresh_day() -> str:
    """A UTC day in the past nobody else's records fall on (exports read records by day)."""
    return (date(1990, 1, 1) + timedelta(days=next(_DAYS))).isoformat()


def records_on(day: str, grams: list[int], *, hour: int = 8, at: str | None = None) -> list[BehaviourRecord]:
    """Credited earn records created on `day` (sealed: on the recorded index exports read), or
    all `at` one time."""
    made = []
    for n, g in enumerate(grams):
        entry = secrets.token_hex(8)
        created = at or f"{day}T{hour:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z"
        record = BehaviourRecord(
            *BehaviourRecord.key(f"BEHAVIOUR#test#{entry}"), claim_id=entry, user_id=None,
            behaviour="transit_trip", channel="import", partner_id="REGTST", coins=1, gco2e=g,
            occurred_at=created, created_at=created,
        ).seal()
        record.save()
        made.append(record)
    return made


def export(from_day: str, to_day: str | None = None) -> str:
    """A completed export of the days (written here, not through the queue)."""
    made = jobs.create_export(ExportIn.model_validate({"from": from_day, "to": to_day or from_day}), "tests")
    assert jobs.process(made.export_id)
    assert jobs.job_of(made.export_id).status == "completed"
    return made.export_id


def held_by(account_id: str, units: int) -> None:
    """`units` issued from records of a day of their own and transferred by the operator from the
    platform's account to `account_id` (the platform keeps what an earlier issuance's carry adds)."""
    from tanhui.models.registry import PLATFORM
    from tanhui.registry import issuance, transfers
    from tanhui.registry.schemas import IssuanceIn, TransferIn

    day = fresh_day()
    records_on(day, [1_000] * units)
    issuance.issue(IssuanceIn(export_id=export(day)), "operator")
    transfers.transfer(PLATFORM, TransferIn.model_validate(
        {"from": PLATFORM, "to": account_id, "units": units, "reason": "认购"}), "operator", "admin")


def _scan(prefix: str) -> list[dict]:
    ddb = boto3.client("dynamodb")
    items, start = [], None
    while True:
        page = ddb.scan(TableName=get_settings().table_name, FilterExpression="begins_with(pk, :p)",
                        ExpressionAttributeValues={":p": {"S": prefix}}, ConsistentRead=True,
                        **({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        if not (start := page.get("LastEvaluatedKey")):
            return items


def invariant() -> dict[str, int]:
    """Σ issued = Σ held + Σ retired, from the raw items: the state, every account's counters,
    every range (disjoint, covering [1, next_serial) exactly, each account's ranges its counters).
    Returns the sums."""
    ddb = boto3.client("dynamodb")
    key = {"pk": {"S": "REGISTRY"}, "sk": {"S": "STATE"}}
    state = ddb.get_item(TableName=get_settings().table_name, Key=key, ConsistentRead=True).get("Item")
    issued = int(state["issued_units"]["N"]) if state else 0
    next_serial = int(state["next_serial"]["N"]) if state else 1
    accounts = {a["account_id"]["S"]: (int(a.get("held_units", {"N": "0"})["N"]),
                                       int(a.get("retired_units", {"N": "0"})["N"]))
                for a in _scan("REGISTRY_ACCOUNT#")}
    ranges = sorted((int(r["start"]["N"]), int(r["end"]["N"]), r["account_id"]["S"], r["status"]["S"])
                    for r in _scan("RANGE#"))
    expected = 1
    by_account: dict[tuple[str, str], int] = {}
    for start, end, account, status in ranges:
        assert start == expected and end > start, (start, end, expected)  # disjoint, no gap
        expected = end
        by_account[(account, status)] = by_account.get((account, status), 0) + end - start
    assert expected == next_serial
    held = sum(h for h, _ in accounts.values())
    retired = sum(r for _, r in accounts.values())
    assert issued == held + retired == next_serial - 1, (issued, held, retired, next_serial)
    for account, (h, r) in accounts.items():
        found = (by_account.get((account, "held"), 0), by_account.get((account, "retired"), 0))
        assert found == (h, r), account
    return {"issued": issued, "held": held, "retired": retired}


def now() -> str:
    return utc_now()
