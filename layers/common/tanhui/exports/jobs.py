"""Exports of the credited behaviours a range of UTC days recorded, for carbon trading.

    POST /v1/admin/exports {from, to} -> create_export: the job item (pending), one SQS message
    ExportQueue -> ExportFunction -> process: streams behaviours.csv and behaviours.jsonl to the
        export bucket (multipart, never the whole range in memory), then manifest.json with the
        files' SHA-256, totals, a Merkle root a day and the SHA-256 of the previous completed
        export's manifest (`exports.chain`), then the job is completed
    GET /v1/admin/exports/{id} -> export_status: status, counts, 15-minute links to the files

A record belongs to the range by the day it was *recorded* (`created_at`, UTC) and only if it was
recorded before the export was requested (`recorded_before`), so exporting a range again gives the
same rows and a later export never changes an earlier one's. Rows come day by day, each day's 16
gsi3 shards merged in (created_at, claim_id) order: the files are the same bytes every time.
"""

from __future__ import annotations

import csv
import hashlib
import heapq
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from tanhui import errors, idempotency
from tanhui.aws import client, download_link
from tanhui.config import get_settings
from tanhui.exports import chain
from tanhui.exports.merkle import Merkle
from tanhui.exports.schemas import ExportFile, ExportIn, ExportList, ExportOut
from tanhui.exports.writer import S3File
from tanhui.models.base import iso_ms, plain, sortable_id, utc_now
from tanhui.models.behaviour import (
    RECORDED_SHARDS,
    STATUS_CREDITED,
    BehaviourRecord,
    canonical_json,
    recorded_pk,
)
from tanhui.models.exports import LISTING, ExportJob
from tanhui.models.factors import FactorVersion
from tanhui.models.pages import decode_cursor, page_items
from tanhui.observability import logger

LINK_SECONDS = 15 * 60
LINK_ATTEMPTS = 20  # chain heads lost to other exports finishing at the same moment
CSV_NAME, JSONL_NAME, MANIFEST_NAME = "behaviours.csv", "behaviours.jsonl", "manifest.json"
FORMAT = "tanhui-ledger-export/1"
VERIFY_PATH = "/v1/verify/exports/{export_id}"  # the verify function's public route
# the fields of a JSONL line, and the CSV's columns in this order (evidence as canonical JSON)
COLUMNS = (
    "claim_id", "key", "behaviour", "factor_version", "factor_source", "gco2e", "coins",
    "partner_id", "partner_name", "asset_id", "asset_name", "channel", "evidence",
    "occurred_at", "created_at", "content_hash",
)
MERKLE_RULE = (
    "per UTC day, leaves in file order: leaf = SHA-256(0x00 || content_hash bytes), "
    "parent = SHA-256(0x01 || left || right), neighbours paired left to right, "
    "an odd last node promoted unchanged; null for a day without records"
)
CONTENT_HASH_RULE = (
    "SHA-256 of the UTF-8 JSON of the record's key (pk), claim_id, user_id, behaviour, channel, "
    "partner_id, asset_id, evidence, factor_version, coins, gco2e, occurred_at, created_at, kind, "
    "status: sorted keys, no whitespace, non-ASCII unescaped, whole numbers as integers, null if absent"
)


class ExportNotFound(errors.NotFound):
    code, message = "export_not_found", "No such export."


class ExportNotCompleted(errors.Conflict):
    code, message = "export_not_completed", "The export has not completed yet."


def file_key(export_id: str, name: str) -> str:
    return f"exports/{export_id}/{name}"


def days(from_day: str, to_day: str) -> list[str]:
    start, end = date.fromisoformat(from_day), date.fromisoformat(to_day)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


# ------------------------------------------------------------------------------------ create
def create_export(body: ExportIn, by: str, *, at: datetime | None = None) -> ExportOut:
    at = at or datetime.now(UTC)
    now = iso_ms(at)
    job = ExportJob(
        *ExportJob.key(export_id := sortable_id(at)),
        export_id=export_id, from_day=body.from_, to_day=body.to, status="pending",
        requested_by=by, created_at=now, updated_at=now, gsi1pk=LISTING, gsi1sk=export_id,
    )
    job.save(condition=ExportJob.pk.does_not_exist())
    try:
        client("sqs").send_message(
            QueueUrl=get_settings().export_queue_url, MessageBody=json.dumps({"export_id": export_id})
        )
    except Exception:
        _set(job, "failed", error="The export could not be queued; request it again.")
        raise
    logger.info("export queued", extra={"export_id": export_id, "from": body.from_, "to": body.to})
    return _out(job, links=False)


def create_export_once(body: ExportIn, caller: str, key: str | None) -> idempotency.Outcome[ExportOut]:
    return idempotency.once(
        "exports", caller, key, body.model_dump(mode="json", by_alias=True),
        create=lambda _mark: create_export(body, caller),
        id_of=lambda out: out.export_id,
        replay=export_status,
    )


def job_of(export_id: str) -> ExportJob:
    if not re.fullmatch(r"[0-9A-Za-z]{26}", export_id):
        raise ExportNotFound()
    try:
        return ExportJob.get(*ExportJob.key(export_id.upper()), consistent_read=True)
    except ExportJob.DoesNotExist as exc:
        raise ExportNotFound() from exc


def export_status(export_id: str) -> ExportOut:
    return _out(job_of(export_id), links=True)


def list_exports(limit: int, cursor: str | None) -> ExportList:
    """Every export, newest first, a page at a time: status, range, counts and files without
    links (GET /v1/admin/exports/{id} gives the links)."""
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": LISTING})
    page = ExportJob.by_listing.query(
        LISTING, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, lambda job: _out(job, links=False))
    return ExportList(items=items, next_cursor=next_cursor)


def _link(export_id: str, name: str) -> str:
    return download_link(get_settings().export_bucket, file_key(export_id, name), LINK_SECONDS,
                         f"tanhui-export-{export_id}-{name}")


def _out(job: ExportJob, *, links: bool) -> ExportOut:
    files: list[ExportFile] = []
    if job.status == "completed":
        stored = plain(job.files)
        for name in (CSV_NAME, JSONL_NAME):
            facts = plain(stored.get(name))
            url = _link(job.export_id, name) if links else None
            files.append(ExportFile(name=name, sha256=facts.get("sha256"), rows=facts.get("rows"),
                                    bytes=facts.get("bytes"), url=url))
        files.append(ExportFile(name=MANIFEST_NAME, sha256=job.manifest_sha256,
                                url=_link(job.export_id, MANIFEST_NAME) if links else None))
    verify_path = VERIFY_PATH.format(export_id=job.export_id) if job.status == "completed" else None
    values = {**job.attribute_values, "range": {"from": job.from_day, "to": job.to_day},
              "recorded_before": job.created_at, "files": files, "verify_path": verify_path}
    return ExportOut.model_validate(values)


# -------------------------------------------------------------------------------- the rows
def day_records(day: str, before: str) -> Iterator[BehaviourRecord]:
    """The credited earn records recorded on UTC `day` before `before`, in (created_at, claim_id)
    order: the day's 16 gsi3 shards, each already in that order, merged."""
    shards = [
        BehaviourRecord.recorded.query(
            recorded_pk(day, shard),
            BehaviourRecord.gsi3sk < before,
            filter_condition=(BehaviourRecord.status == STATUS_CREDITED) & (BehaviourRecord.kind == "earn"),
        )
        for shard in range(RECORDED_SHARDS)
    ]
    return heapq.merge(*shards, key=lambda r: r.gsi3sk or "")


class _Sources(dict[tuple[str, int], str | None]):
    """The methodology source text of each (behaviour, factor version), read once per export."""

    def __missing__(self, key: tuple[str, int]) -> str | None:
        try:
            self[key] = FactorVersion.get(*FactorVersion.key(*key)).source
        except FactorVersion.DoesNotExist:
            self[key] = None
        return self[key]


def line_of(record: BehaviourRecord, sources: _Sources | None = None) -> dict[str, Any]:
    """The record as an export writes it (`factor_source` only with `sources`)."""
    version = None if record.factor_version is None else int(record.factor_version)
    source = None
    if sources is not None and version is not None:
        source = sources[(record.behaviour or "", version)]
    return {
        "claim_id": record.claim_id,
        "key": record.pk,
        "behaviour": record.behaviour,
        "factor_version": version,
        "factor_source": source,
        "gco2e": int(record.gco2e),
        "coins": int(record.coins),
        "partner_id": record.partner_id,
        "partner_name": record.partner_name,
        "asset_id": record.asset_id,
        "asset_name": record.asset_name,
        "channel": record.channel,
        "evidence": plain(record.evidence) if record.evidence is not None else None,
        "occurred_at": record.occurred_at,
        "created_at": record.created_at,
        "content_hash": record.content_hash or record.content_digest(),
    }


class CsvRows:
    """CSV rows (RFC 4180: CRLF, quoted as needed) as UTF-8 bytes, one at a time."""

    def __init__(self) -> None:
        self._text = io.StringIO()
        self._writer = csv.writer(self._text)

    def row(self, values: list[Any]) -> bytes:
        self._text.seek(0)
        self._text.truncate()
        self._writer.writerow(values)
        return self._text.getvalue().encode()

    def line(self, line: dict[str, Any]) -> bytes:
        values = [line[c] for c in COLUMNS]
        values[COLUMNS.index("evidence")] = (
            canonical_json(line["evidence"]).decode() if line["evidence"] is not None else None
        )
        return self.row(["" if v is None else v for v in values])


@dataclass
class Written:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    totals: dict[str, Any] = field(
        default_factory=lambda: {"rows": 0, "gco2e": 0, "coins": 0, "behaviours": {}}
    )
    days: list[dict[str, Any]] = field(default_factory=list)

    def count(self, line: dict[str, Any]) -> None:
        self.totals["rows"] += 1
        self.totals["gco2e"] += line["gco2e"]
        self.totals["coins"] += line["coins"]
        per = self.totals["behaviours"].setdefault(line["behaviour"], {"rows": 0, "gco2e": 0, "coins": 0})
        per["rows"] += 1
        per["gco2e"] += line["gco2e"]
        per["coins"] += line["coins"]


def write_files(job: ExportJob) -> Written:
    bucket, out, sources, table = get_settings().export_bucket, Written(), _Sources(), CsvRows()
    with (
        S3File(bucket, file_key(job.export_id, CSV_NAME), "text/csv; charset=utf-8") as csv_file,
        S3File(bucket, file_key(job.export_id, JSONL_NAME), "application/x-ndjson") as jsonl_file,
    ):
        csv_file.write(table.row(list(COLUMNS)))
        for day in days(job.from_day, job.to_day):
            tree = Merkle()
            for record in day_records(day, job.created_at):
                line = line_of(record, sources)
                jsonl_file.write(canonical_json(line) + b"\n")
                csv_file.write(table.line(line))
                tree.add(line["content_hash"])
                out.count(line)
            out.days.append({"day": day, "rows": tree.count, "merkle_root": tree.root()})
    for name, written in ((CSV_NAME, csv_file), (JSONL_NAME, jsonl_file)):
        out.files[name] = {"sha256": written.sha256, "rows": out.totals["rows"], "bytes": written.size}
    return out


def manifest_bytes(job: ExportJob, written: Written, seen: chain.Link) -> bytes:
    manifest = {
        "format": FORMAT,
        "export_id": job.export_id,
        "sequence": seen.sequence + 1,
        "range": {"from": job.from_day, "to": job.to_day},
        "recorded_before": job.created_at,
        "created_at": utc_now(),
        "files": [{"name": name, **facts} for name, facts in written.files.items()],
        "totals": written.totals,
        "days": written.days,
        "content_hash": CONTENT_HASH_RULE,
        "merkle": MERKLE_RULE,
        "previous_export_id": seen.export_id,
        "previous_manifest_sha256": seen.manifest_sha256,
    }
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


# ------------------------------------------------------------------------------- the worker
def process(export_id: str) -> bool:
    """Writes one export. False when there is nothing to do (unknown, or already finished)."""
    try:
        job = ExportJob.get(*ExportJob.key(export_id), consistent_read=True)
    except ExportJob.DoesNotExist:
        logger.warning("message of an unknown export dropped", extra={"export_id": export_id})
        return False
    if job.status in ("completed", "failed"):
        return False
    _set(job, "running")
    written = write_files(job)
    bucket = get_settings().export_bucket
    for _attempt in range(LINK_ATTEMPTS):
        seen = chain.head()
        if seen.export_id == job.export_id:  # an earlier delivery linked it, then stopped
            _complete(job, written)
            return True
        manifest = manifest_bytes(job, written, seen)
        digest = hashlib.sha256(manifest).hexdigest()
        client("s3").put_object(Bucket=bucket, Key=file_key(job.export_id, MANIFEST_NAME), Body=manifest,
                                ContentType="application/json")
        job.update(actions=[
            ExportJob.manifest_sha256.set(digest), ExportJob.sequence.set(seen.sequence + 1),
            _set_or_remove(ExportJob.previous_export_id, seen.export_id),
            _set_or_remove(ExportJob.previous_manifest_sha256, seen.manifest_sha256),
        ])
        if chain.advance(seen, job.export_id, digest):
            _complete(job, written)
            return True
        logger.info("chain head moved meanwhile: linking again", extra={"export_id": export_id})
    raise RuntimeError("the export chain kept moving; the message will be delivered again")


def _set_or_remove(attribute: Any, value: Any) -> Action:
    return attribute.remove() if value is None else attribute.set(value)


def _complete(job: ExportJob, written: Written) -> None:
    job.update(actions=[
        ExportJob.status.set("completed"), ExportJob.updated_at.set(utc_now()),
        ExportJob.rows.set(written.totals["rows"]), ExportJob.coins.set(written.totals["coins"]),
        ExportJob.gco2e.set(written.totals["gco2e"]), ExportJob.files.set(written.files),
    ])
    logger.info("export completed", extra={"export_id": job.export_id, "rows": written.totals["rows"]})


def _set(job: ExportJob, status: str, error: str | None = None) -> None:
    """Moves an open export on; a finished one keeps its status."""
    actions: list[Action] = [ExportJob.status.set(status), ExportJob.updated_at.set(utc_now())]
    if error:
        actions.append(ExportJob.error.set(error))
    try:
        job.update(actions=actions, condition=ExportJob.status.is_in("pending", "running"))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        job.refresh(consistent_read=True)


def give_up(message_body: dict[str, Any], reason: str) -> None:
    """The message's last delivery failed (the dead-letter queue is next): the export is failed."""
    try:
        job = ExportJob.get(*ExportJob.key(str(message_body.get("export_id"))), consistent_read=True)
    except ExportJob.DoesNotExist:
        return
    _set(job, "failed", error=f"The export could not be written: {reason}")
    logger.error("export failed", extra={"export_id": job.export_id})


def read_file(export_id: str, name: str) -> Any:
    """The stored file's body (a stream), as S3 holds it now."""
    return client("s3").get_object(Bucket=get_settings().export_bucket, Key=file_key(export_id, name))["Body"]
