"""Import benchmark, one run, measured side by side on the same moto server:

1. rows/s of the whole import (S3 notification → survey → every byte range: ranged GET, parse,
   phone lookups in batches, crediting many rows per TransactWriteItems, counts, report) relative
   to a bare loop of the same per-row transactions (one record + one wallet update each), for the
   same number of rows of distinct users — target ≥ 2×;
2. peak RSS of a whole import of 20,000 vs 200,000 rows, each in a fresh process (moto stays in
   this one, so the file held by S3 does not count), with the crediting answered as DynamoDB
   answers a successful transaction — target: flat, within 10 %;
3. the same for an Excel workbook (.xlsx: a front desk's export, phones stored as numbers, days as
   date serials), converted to CSV on upload: rows/s of its whole import against the CSV of the
   same rows, and peak RSS of 200,000 vs 20,000 rows — target: flat, within 10 %.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _support import ROOT, aws_environment, moto_stack

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "2000"))
RSS_ROWS = tuple(int(n) for n in os.environ.get("BENCH_IMPORT_RSS_ROWS", "20000,200000").split(","))
TARGET_RATIO, TARGET_RSS = 2.0, 1.10


def _night(days_ago: int) -> date:
    """A night `days_ago` before today (Asia/Shanghai): inside the window of days a file's rows may
    report (imports.window), whenever the bench runs — fixed dates turn too_old after 90 days."""
    from tanhui.imports import window

    return window.local_today() - timedelta(days=days_ago)


def _stays(path: Path, people: list[str], night: date) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("guest,room,check_in,nights\n")
        for who in people:
            f.write(f"{who},808,{night.isoformat()},1\n")


def _stays_xlsx(path: Path, phones: list[int], night: date) -> None:
    """The same stays as a front desk's Excel export: phones stored as numbers, a date cell."""
    from tests.data.make_workbooks import write_xlsx

    rows: list[list[Any]] = [["手机号", "房号", "入住日期", "晚数"]]
    rows += [[phone, 808, night, 1] for phone in phones]
    write_xlsx(path, {"入住明细": rows})


def _import(bucket: str, partner_id: str, path: Path) -> tuple[float, Any]:
    """The whole import of one file, ranges processed one after another; (seconds, the job). The
    import's upload record first (as POST /v1/partner/imports writes it): a file no record names
    is quarantined, not imported."""
    import boto3
    from tanhui.imports import jobs
    from tanhui.imports.schemas import ImportIn

    started = time.perf_counter()
    key = jobs.create(partner_id, "bench", ImportIn(type="hotel_stays", filename=path.name)).object_key
    boto3.client("s3").upload_file(str(path), bucket, key)
    assert jobs.on_upload(key, None) == "started"
    job = next(j for j in _jobs(partner_id) if j.object_key == key)
    for n in range(int(job.ranges_total)):
        jobs.process_range(partner_id, job.import_id, n)
    elapsed = time.perf_counter() - started
    return elapsed, jobs.get(partner_id, job.import_id)


def _jobs(partner_id: str) -> list[Any]:
    from tanhui.models.imports import ImportJob
    from tanhui.models.partner import partner_pk

    return list(
        ImportJob.query(partner_pk(partner_id), ImportJob.sk.startswith("IMPORT#"), consistent_read=True)
    )


def throughput(stack: Any) -> None:
    from tanhui.claims import factors, keys
    from tanhui.claims import transaction as tx
    from tanhui.claims.scan import new_claim_id
    from tanhui.models.base import iso_ms, utc_now
    from tanhui.models.behaviour import BehaviourRecord, ledger_pk
    from tanhui.models.bindings import Binding
    from tanhui.models.wallet import Wallet
    from tanhui.models.writes import WritePlan

    from tests.factories import make_asset, partner_item

    factors.seed_defaults()
    partner_id = partner_item("hotel", name="丹霞绿色酒店")
    make_asset(partner_id, "hotel_room", attributes={"room_number": "808"})
    now = utc_now()
    users = [(str(uuid.uuid4()), f"+86139{i:08d}") for i in range(2 * ROWS)]
    with Wallet.batch_write() as batch:
        for user_id, phone in users:
            batch.save(
                Wallet(
                    *Wallet.key(user_id),
                    user_id=user_id,
                    consent_version="bench",
                    consent_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
            batch.save(Binding.of("phone", phone, user_id, now))
    night_file, night_bare = _night(4), _night(3)
    factor = factors.factor_for("hotel_low_carbon_night", "9999-12-31T00:00:00Z")

    # the bare loop: one TransactWriteItems per row, the record and the wallet, nothing else; its
    # two halves run before and after the import, so a load that changes meanwhile weighs on both
    from datetime import UTC, datetime

    at = datetime.now(UTC)

    def bare(rows: list[tuple[str, str]]) -> float:
        started = time.perf_counter()
        for user_id, _ in rows:
            _bare_row(user_id)
        return time.perf_counter() - started

    def _bare_row(user_id: str) -> None:
        record = BehaviourRecord(
            *BehaviourRecord.key(keys.hotel_night(user_id, night_bare.isoformat())),
            claim_id=new_claim_id(at),
            user_id=user_id,
            behaviour="hotel_low_carbon_night",
            channel="import",
            partner_id=partner_id,
            evidence={"row": 1},
            factor_version=int(factor.version),
            coins=int(factor.coins_per_unit),
            gco2e=int(factor.gco2e_per_unit),
            occurred_at=iso_ms(at),
            created_at=iso_ms(at),
            gsi1pk=ledger_pk(user_id),
            gsi1sk=f"{iso_ms(at)}#x",
        )
        plan = WritePlan("bench")  # no natural key: no ClientRequestToken, the bare two items
        tx.put_record(plan, "record", record)
        plan.update_raw("wallet", tx.wallet_credit(
            user_id, "hotel_low_carbon_night", int(factor.coins_per_unit), int(factor.gco2e_per_unit),
            int(factor.daily_cap), at, iso_ms(at),
            days={night_bare.strftime("%Y%m%d"): int(factor.coins_per_unit)},
        ))
        plan.send()

    from tests.factories import dynamodb_calls

    bare_users = users[ROWS:]
    bare_s = bare(bare_users[: ROWS // 2])
    with tempfile.TemporaryDirectory() as tmp, dynamodb_calls() as calls:
        path = Path(tmp) / "stays.csv"
        _stays(path, [phone for _, phone in users[:ROWS]], night_file)
        import_s, job = _import(stack.env["UPLOAD_BUCKET"], partner_id, path)
    bare_s += bare(bare_users[ROWS // 2 :])
    assert int(job.credited) == ROWS, (job.status, job.credited, job.reasons)
    ratio = bare_s / import_s
    print(f"rows of distinct users                        {ROWS}")
    print(f"bare loop, one transaction per row            {ROWS / bare_s:8.0f} rows/s")
    print(f"whole import (survey, parse, lookups, credit) {ROWS / import_s:8.0f} rows/s")
    print(f"import / bare loop                            {ratio:8.2f}x  [target >= {TARGET_RATIO}x]")
    writes = calls["TransactWriteItems"] / ROWS
    print(f"write requests per row: import / bare loop    {writes:8.3f} / 1  "
          f"({sum(calls.values()) / ROWS:.3f} DynamoDB requests per row in all)")


class _Succeeds:
    """Answers TransactWriteItems as DynamoDB does when the transaction succeeds, keeping nothing."""

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        return {}


def rss_child(rows: int) -> None:
    """One whole import of `rows` rows (user ids, no lookups), credited against `_Succeeds`;
    prints this process's peak RSS in KiB."""
    from unittest import mock

    from tests.factories import make_asset, partner_item

    partner_id = partner_item("hotel")
    make_asset(partner_id, "hotel_room", attributes={"room_number": "808"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"stays-{rows}.csv"
        _stays(path, [str(uuid.uuid4()) for _ in range(rows)], _night(5))
        with mock.patch("tanhui.models.writes.connection", return_value=_Succeeds()):
            _, job = _import(os.environ["UPLOAD_BUCKET"], partner_id, path)
    assert int(job.rows) == rows and job.status == "completed", (job.rows, job.status)
    print(_peak_rss_kib())


def _stays_file(path: Path, rows: int) -> None:
    """`rows` stays of distinct phones, as .xlsx or .csv by the path's suffix."""
    phones = [13900000000 + n for n in range(rows)]
    night = _night(5)
    if path.suffix == ".xlsx":
        _stays_xlsx(path, phones, night)
    else:
        _stays(path, [str(p) for p in phones], night)


def rss_child_xlsx(rows: int, path: Path) -> None:
    """One whole import of the stays file at `path` (written by the parent: its making is not
    measured), phones resolved to users without lookups, credited against `_Succeeds`; prints the
    seconds of the import and this process's peak RSS in KiB."""
    from unittest import mock

    from tests.factories import make_asset, partner_item

    partner_id = partner_item("hotel")
    make_asset(partner_id, "hotel_room", attributes={"room_number": "808"})

    def resolve(people: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
        return {who: str(uuid.UUID(int=int(who[1].lstrip("+")))) for who in people}

    with (
        mock.patch("tanhui.models.writes.connection", return_value=_Succeeds()),
        mock.patch("tanhui.imports.jobs.resolve", resolve),
    ):
        seconds, job = _import(os.environ["UPLOAD_BUCKET"], partner_id, path)
    assert int(job.rows) == rows and job.status == "completed", (job.rows, job.status, job.reason)
    print(f"{seconds:.3f} {_peak_rss_kib()}")


def _peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM: since exec, unlike ru_maxrss, which a child inherits from
    the process that forked it)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def memory(stack: Any) -> None:
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}"}
    peaks = {}
    for rows in RSS_ROWS:
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, __file__, "--rss-child", str(rows)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        peaks[rows] = int(out[-1])
        print(
            f"peak RSS, {rows:>7,} rows                         {peaks[rows] / 1024:8.1f} MiB "
            f"({rows / (time.perf_counter() - started):.0f} rows/s, crediting stubbed)"
        )
    small, big = (peaks[r] for r in RSS_ROWS)
    print(
        f"peak RSS {RSS_ROWS[1]:,} / {RSS_ROWS[0]:,} rows                   {big / small:8.2f}x  "
        f"[target <= {TARGET_RSS}x]"
    )


def workbooks(stack: Any) -> None:
    from tanhui.claims import factors

    factors.seed_defaults()  # the rows are credited (a rejected row's path is not what is measured)
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'layers' / 'common'}{os.pathsep}{ROOT}"}
    measured: dict[tuple[str, int], tuple[float, int]] = {}
    for kind, rows in [(k, n) for k in ("csv", "xlsx") for n in RSS_ROWS]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"stays-{rows}.{kind}"
            _stays_file(path, rows)
            out = subprocess.run(
                [sys.executable, __file__, "--rss-child-workbook", str(rows), str(path)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.split()
        seconds, peak = float(out[-2]), int(out[-1])
        measured[(kind, rows)] = (seconds, peak)
        print(
            f"{kind:<4} {rows:>7,} rows: import {rows / seconds:8.0f} rows/s, "
            f"peak RSS {peak / 1024:6.1f} MiB  (crediting stubbed)"
        )
    big = RSS_ROWS[1]
    speed = measured[("csv", big)][0] / measured[("xlsx", big)][0]
    print(f"workbook / CSV rows/s, {big:,} rows               {speed:8.2f}x")
    for kind, name in (("csv", "CSV of the same rows"), ("xlsx", "workbook")):
        flat = measured[(kind, big)][1] / measured[(kind, RSS_ROWS[0])][1]
        label = f"{name} peak RSS {big:,} / {RSS_ROWS[0]:,}"
        print(f"{label:<46}{flat:8.2f}x  [target <= {TARGET_RSS}x]")


def main() -> None:
    with moto_stack(aws_environment("bench-imports-Table", POWERTOOLS_METRICS_DISABLED="true"),
                    "bench-imports") as stack:
        throughput(stack)
        memory(stack)
        workbooks(stack)

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--rss-child":
        rss_child(int(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "--rss-child-workbook":
        rss_child_xlsx(int(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
