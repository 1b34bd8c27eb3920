"""Registry issuance benchmark, one run, on one moto server: issuing from an export of RECORDS
credited records over DAYS UTC days.

1. the export is written (ExportFunction's `process`, in this process). moto answers a Query of an
   index by reading the whole table (at 100,000 records a page takes longer than the SDK's 10 s
   timeout), so the export's day records are handed to it from the seeded items, in the order the
   index gives them (created_at, claim_id): the same files. Not the registry's cost; not timed.
2. the issuance (`registry.issuance.issue`): the audit (every record re-read, BatchGetItem of 100
   keys), the JSONL read again (S3) and the one write plan — DynamoDB requests by operation, the
   items written, time, and requests per unit issued
3. the same export again: nothing to issue (409), what that costs

It prints what bench/SCALE.md ("The registry") multiplies out to 1,000,000 records. moto answers
one request at a time (the local stack's lock), so the times measure the code's work plus moto's.
"""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from _support import aws_environment, moto_stack

RECORDS = int(os.environ.get("BENCH_REGISTRY_RECORDS", "100000"))
DAYS = int(os.environ.get("BENCH_REGISTRY_DAYS", "10"))
GRAMS = 1_234  # each record's reduction: 1.234 kg, so the carry matters

ENDPOINT = aws_environment("bench-registry-Table")


def main() -> None:
    with moto_stack(ENDPOINT, "bench-registry"):
        run()


def seed(first_day: date) -> dict[str, list[tuple[str, dict]]]:
    """RECORDS sealed earn records, spread evenly over DAYS days (BatchWriteItem, 25 a request);
    {day: [(gsi3sk, raw item)]} as the recorded index holds them."""
    import boto3
    from tanhui.models.behaviour import BehaviourRecord

    client = boto3.client("dynamodb", endpoint_url=ENDPOINT)
    table, batch = BehaviourRecord.Meta.table_name, []
    by_day: dict[str, list[tuple[str, dict]]] = {}
    for n in range(RECORDS):
        day = first_day + timedelta(days=n % DAYS)
        created = f"{day.isoformat()}T{n // DAYS // 3600 % 24:02d}:{n // DAYS // 60 % 60:02d}:" \
                  f"{n // DAYS % 60:02d}.{n % 1000:03d}Z"
        entry = secrets.token_hex(8)
        record = BehaviourRecord(
            *BehaviourRecord.key(f"BEHAVIOUR#bench#{entry}"), claim_id=entry, behaviour="transit_trip",
            channel="import", partner_id="BENCH0", coins=1, gco2e=GRAMS, occurred_at=created,
            created_at=created,
        ).seal()
        raw = record.serialize()
        by_day.setdefault(day.isoformat(), []).append((str(record.gsi3sk), raw))
        batch.append({"PutRequest": {"Item": raw}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})
    return {day: sorted(rows, key=lambda row: row[0]) for day, rows in by_day.items()}


def run() -> None:
    from tanhui.exports import jobs
    from tanhui.exports.schemas import ExportIn
    from tanhui.registry import issuance
    from tanhui.registry.schemas import IssuanceIn

    from tests.factories import dynamodb_calls

    first_day = datetime.now(UTC).date() - timedelta(days=DAYS + 1)
    from tanhui.models.behaviour import BehaviourRecord

    started = time.perf_counter()
    indexed = seed(first_day)
    print(f"seeded {RECORDS:,} records over {DAYS} days in {time.perf_counter() - started:.0f} s")

    def day_records(day: str, before: str):  # what the 16 shards' queries give, merged
        return (BehaviourRecord.from_raw_data(raw) for sk, raw in indexed.get(day, []) if sk < before)

    jobs.day_records = day_records
    started = time.perf_counter()
    last_day = (first_day + timedelta(days=DAYS - 1)).isoformat()
    body = ExportIn.model_validate({"from": first_day.isoformat(), "to": last_day})
    made = jobs.create_export(body, "bench")
    jobs.process(made.export_id)
    print(f"1. export of {RECORDS:,} records written in {time.perf_counter() - started:.1f} s")

    items: Counter = Counter()
    started = time.perf_counter()
    with dynamodb_calls(items) as calls:
        out = issuance.issue(IssuanceIn(export_id=made.export_id), "bench")
    seconds = time.perf_counter() - started
    requests = sum(calls.values())
    assert out.units == RECORDS * GRAMS // 1000 and out.rows == RECORDS, out
    audit_batches = math.ceil(RECORDS / 100)
    print(f"2. issued {out.units:,} units ({out.gco2e:,} g, carry {out.carry_out_g} g) in {seconds:.1f} s: "
          f"{requests:,} DynamoDB requests {dict(sorted(calls.items()))}, "
          f"{items['Put']} puts and {items['Update']} updates in the plan; "
          f"{requests / out.units:.4f} requests per unit, {requests / RECORDS:.4f} per record "
          f"(the audit's BatchGetItem: {audit_batches:,})")

    started = time.perf_counter()
    with dynamodb_calls() as again, contextlib.suppress(issuance.NothingToIssue):
        issuance.issue(IssuanceIn(export_id=made.export_id), "bench")
    print(f"3. the same export again: nothing to issue, {sum(again.values()):,} requests "
          f"{dict(sorted(again.items()))} in {time.perf_counter() - started:.1f} s")
    per_record, million = seconds / RECORDS, math.ceil(1_000_000 / 100) + requests - audit_batches
    print(f"paper, 1,000,000 records over {DAYS} days: {math.ceil(1_000_000 / 100):,} BatchGetItem "
          f"+ {requests - audit_batches} other requests = {million:,} for {1_000_000 * GRAMS // 1000:,} "
          f"units; ≈ {per_record * 1_000_000:.0f} s at this run's pace")


if __name__ == "__main__":
    main()
