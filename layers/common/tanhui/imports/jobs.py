"""A partner file's life: upload → survey → ranges in parallel → completed (or quarantined).

1. `create` (POST /v1/partner/imports): the job — the upload record: partner, exact key, size
   limit, content type, expiry — and a presigned POST for exactly
   `partners/<partner>/<type>/<import id>/<filename>` within those limits. Only an object a record
   vouches for is imported; any other object in the bucket is quarantined (`uploads`).
2. `on_upload` (S3 ObjectCreated → SQS): claims the job for this object version, streams the file
   once (`formats.survey`: encoding, header, row count, byte ranges of ≈5,000 rows at record
   boundaries) and sends one message per range to the same queue. A bad file is quarantined.
3. `process_range`: a ranged GET, rows parsed, matched and credited (`credit.credit_rows`),
   pending rows kept; its counts are added to the job once (`done_ranges`), and the range that
   completes the job writes the report and the CSV of rejected rows.
Every step can run twice (a duplicate notification, a crash and a redelivery): records recognise
their own row, the counts are added once per range, the report is rewritten identically.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from tanhui import bindings, errors
from tanhui.aws import client, download_link
from tanhui.config import get_settings
from tanhui.identity import consent
from tanhui.imports import credit, formats, mappings, pending, plans, report, uploads, window, workbooks
from tanhui.imports.schemas import CreatedImportOut, ImportIn, ImportList, ImportOut, UploadOut
from tanhui.imports.specs import SPECS
from tanhui.imports.values import RowInvalid
from tanhui.limits import RESPONSE_ITEMS
from tanhui.models.base import iso_ms, sortable_id, utc_now
from tanhui.models.imports import COUNTS, ImportJob
from tanhui.models.pages import decode_cursor, page_items
from tanhui.models.partner import partner_pk
from tanhui.observability import logger

MAX_BYTES = 256 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
AWAITING_DAYS = 7  # a job nobody uploads a file for disappears (TTL)
ROWS_PER_RANGE = 5000
BLOCK_ROWS = 500  # rows matched and credited together
LINK_SECONDS = 3600
_KEY = re.compile(
    r"^partners/(?P<partner>[0-9A-F]{6})/(?P<type>[a-z_]+)/(?:(?P<id>[0-9A-Z]{26})/)?(?P<name>[^/]+)$"
)
_SAFE_NAME = re.compile(r"[^\w.\-]+")


class ImportNotFound(errors.NotFound):
    code, message = "import_not_found", "No such import."


ImportTypeNotAllowed = plans.ImportTypeNotAllowed


# ---- the upload policy (excel helper): what may be uploaded at all, by its declared name and type
ACCEPTED_EXTENSIONS = (".csv", ".txt", ".jsonl", ".ndjson", ".xlsx", ".xlsm", ".xls")
ACCEPTED_CONTENT_TYPES = (
    "text/csv",
    "text/plain",
    "application/csv",
    "application/jsonl",
    "application/x-ndjson",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.ms-excel",
    "application/octet-stream",
)


class UnsupportedImportFile(errors.Unprocessable):
    code = "unsupported_import_file"
    message = (
        "只收 CSV、JSON Lines 或 Excel 工作簿（.xlsx、.xls）文件。"
        "(Only CSV, JSON Lines or Excel workbooks (.xlsx, .xls) can be imported.)"
    )


def _accepted(filename: str, content_type: str | None) -> None:
    """Refuses before the upload a file that is neither CSV/JSON Lines nor a workbook: by its name's
    extension (a name without one is judged by its bytes) and its declared content type."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    extension = "." + base.rsplit(".", 1)[-1].lower() if "." in base.strip(".") else ""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if extension and extension not in ACCEPTED_EXTENSIONS or media and media not in ACCEPTED_CONTENT_TYPES:
        raise UnsupportedImportFile()


# ----------------------------------------------------------------------------------- views
def _link(job: ImportJob, key: str | None) -> str | None:
    if not key:
        return None
    filename = f"{job.import_id}-{key.rsplit('/', 1)[-1]}"  # <import id>-report.json, -rejected_rows.xlsx
    return download_link(get_settings().upload_bucket, key, LINK_SECONDS, filename)


def _notes(job: ImportJob, lang: str) -> list[str]:
    index = 1 if lang == "zh" else 2
    return [str(n[index]) for n in (job.notes or []) if len(n) > index]


def out(job: ImportJob, *, links: bool = True, lang: str = "zh") -> ImportOut:
    reason = (job.reason_zh or job.reason) if lang == "zh" else job.reason
    return ImportOut(
        import_id=job.import_id,
        type=job.file_type,
        filename=job.filename,
        object_key=job.object_key,
        status=job.status,  # type: ignore[arg-type]
        reason=reason,
        reason_code=job.reason_code,
        notes=_notes(job, lang),
        ignored_columns=list(job.ignored_columns or [])[:RESPONSE_ITEMS],
        skipped_rows=int(job.skipped_rows or 0),
        counts={name: int(getattr(job, name) or 0) for name in COUNTS},  # type: ignore[arg-type]
        coins=int(job.coins or 0),
        gco2e=int(job.gco2e or 0),
        reasons={k: int(v) for k, v in (job.reasons.as_dict() if job.reasons else {}).items()},
        ranges_total=int(job.ranges_total or 0),
        ranges_done=len(job.done_ranges or ()),
        report_url=_link(job, job.report_key) if links else None,
        rejects_url=_link(job, job.rejects_key) if links else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
        completed_at=job.completed_at,
    )


def get(partner_id: str, import_id: str) -> ImportJob:
    try:
        return ImportJob.get(*ImportJob.key(partner_id, import_id.upper()), consistent_read=True)
    except ImportJob.DoesNotExist as exc:
        raise ImportNotFound() from exc


def list_imports(partner_id: str, limit: int, cursor: str | None, lang: str = "zh") -> ImportList:
    start = decode_cursor(
        cursor, {"pk", "sk"}, equal={"pk": partner_pk(partner_id)}, prefix={"sk": "IMPORT#"}
    )
    page = ImportJob.query(
        partner_pk(partner_id),
        ImportJob.sk.startswith("IMPORT#"),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=start,
    )
    items, next_cursor = page_items(page, lambda j: out(j, links=False, lang=lang))
    return ImportList(items=items, next_cursor=next_cursor)


# ---------------------------------------------------------------------------------- upload
def safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE_NAME.sub("_", base).strip("._") or "file"
    return cleaned[:100]


def _new_job(
    partner_id: str, import_id: str, file_type: str, filename: str, key: str, by: str | None, now: str
) -> ImportJob:
    return ImportJob(
        *ImportJob.key(partner_id, import_id),
        partner_id=partner_id,
        import_id=import_id,
        file_type=file_type,
        filename=filename,
        object_key=key,
        status="awaiting_upload",
        created_by=by,
        created_at=now,
        updated_at=now,
        expires_at=int((datetime.now(UTC) + timedelta(days=AWAITING_DAYS)).timestamp()),
    )


def create(partner_id: str, staff_user: str, body: ImportIn) -> CreatedImportOut:
    plans.require_type(partner_id, body.type)
    _accepted(body.filename, body.content_type)  # excel helper: the upload policy
    at = datetime.now(UTC)
    import_id, name = sortable_id(at), safe_filename(body.filename)
    key = f"partners/{partner_id}/{body.type}/{import_id}/{name}"
    job = _new_job(partner_id, import_id, body.type, name, key, staff_user, iso_ms(at))
    job.sheet = body.sheet
    job.upload_max_bytes = MAX_BYTES
    job.upload_content_type = body.content_type or None
    job.upload_expires_at = iso_ms(at + timedelta(seconds=UPLOAD_SECONDS))
    job.save(condition=ImportJob.pk.does_not_exist())
    # the size limit is the policy's own; a declared content type must be the one uploaded
    typed = {"Content-Type": body.content_type} if body.content_type else {}
    post = client("s3").generate_presigned_post(
        Bucket=get_settings().upload_bucket,
        Key=key,
        Fields=typed or None,
        Conditions=[["content-length-range", 1, MAX_BYTES], *([typed] if typed else [])],
        ExpiresIn=UPLOAD_SECONDS,
    )
    logger.info("import created", extra={"import_id": import_id, "type": body.type})
    return CreatedImportOut(
        import_id=import_id,
        object_key=key,
        upload=UploadOut(
            url=post["url"],
            fields=post["fields"],
            max_bytes=MAX_BYTES,
            expires_at=iso_ms(at + timedelta(seconds=UPLOAD_SECONDS)),
        ),
    )


# ------------------------------------------------------------------------------ the file
def _object_chunks(
    key: str, version: str | None, byte_range: tuple[int, int] | None = None
) -> Iterator[bytes]:
    params: dict[str, Any] = {"Bucket": get_settings().upload_bucket, "Key": key}
    if version and version != "null":
        params["VersionId"] = version
    if byte_range is not None:
        params["Range"] = f"bytes={byte_range[0]}-{byte_range[1] - 1}"
    body = client("s3").get_object(**params)["Body"]
    try:
        yield from body.iter_chunks(1024 * 1024)
    finally:
        body.close()


def _record_for(key: str) -> ImportJob | None:
    """The upload record (import) a key names by its partner and import id, if there is one."""
    match = _KEY.match(key)
    if match is None or match["id"] is None:
        return None
    try:
        return ImportJob.get(*ImportJob.key(match["partner"], match["id"]), consistent_read=True)
    except ImportJob.DoesNotExist:
        return None


def _landed(key: str, version: str | None) -> uploads.Landed | None:
    """The object version a notification names (events from moto carry no version id: the
    newest one then), or None if it is gone."""
    params: dict[str, Any] = {"Bucket": get_settings().upload_bucket, "Key": key}
    if version and version != "null":
        params["VersionId"] = version
    try:
        head = client("s3").head_object(**params)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchVersion"):
            return None
        raise
    return uploads.Landed(
        key=key,
        version=version or head.get("VersionId") or "null",
        at=head["LastModified"],
        size=int(head["ContentLength"]),
        content_type=head.get("ContentType"),
    )


def _notified(raw_key: str, version: str | None) -> tuple[ImportJob, uploads.Landed] | str:
    """The import whose upload record vouches for the object a notification names, with the
    object; else what became of the notification: "ignored" (the object is gone) or
    "quarantined" (no record vouches for it: the object is moved out, uploads.quarantine_object,
    and an unused record it breaks says why)."""
    key = unquote_plus(raw_key)
    if not key.startswith("partners/"):  # reports/, quarantine/: the bucket notifies of none
        logger.warning("notification outside partners/ ignored", extra={"key": key})
        return "ignored"
    landed = _landed(key, version)
    if landed is None:
        logger.warning("notification for an object that is gone", extra={"key": key})
        return "ignored"
    job = _record_for(key)
    why = uploads.refusal(job, landed, MAX_BYTES)
    if why is None and job is not None:
        return job, landed
    assert why is not None
    named = job if job is not None and job.object_key == key else None  # its record, broken
    if named is not None and _claim(named, landed.version):  # unused until now: it says why
        quarantine(named, why.code, why.en, why.zh)
    match = _KEY.match(key)
    folder = match["partner"] if match else None  # whom the key claims to be from, for the log
    uploads.quarantine_object(landed, why, named.partner_id if named is not None else folder)
    return "quarantined"


def on_upload(raw_key: str, version: str | None) -> str:
    """A file landed in the upload bucket (the key as the S3 event has it, URL-encoded). Returns
    what became of the notification."""
    if _converted_notice(raw_key):  # excel helper: a workbook's CSV, put by the import itself
        return "ignored"
    found = _notified(raw_key, version)
    if isinstance(found, str):
        return found
    job, landed = found
    version = landed.version
    key, partner_id, file_type = job.object_key, job.partner_id, job.file_type
    if not _claim(job, version):
        return "duplicate"
    if file_type not in formats.FILE_TYPES:
        quarantine(
            job,
            "unknown_type",
            f"{file_type!r} is not a file type; one of {', '.join(formats.FILE_TYPES)}.",
            f"没有 {file_type!r} 这种文件类型；可用的有：{'、'.join(formats.FILE_TYPES)}",
        )
        return "quarantined"
    role = plans.context(partner_id).role
    if role not in plans.ROLES_OF_TYPE[file_type]:
        quarantine(
            job,
            "import_type_not_allowed",
            f"A {role} does not hand in {file_type} files.",
            f"{role} 类合作方不能上传 {file_type} 文件",
        )
        return "quarantined"
    if job.ranges_total and job.ranges:  # surveyed before a crash: send what is not done
        _send_ranges(job)
        return "resumed"
    try:  # the record's size limit is held (uploads.refusal); the survey stops at MAX_BYTES too
        # excel helper: a workbook is surveyed (and its ranges read) as the CSV converted from it
        key, version = workbooks.prepare(job, version, _object_chunks, max_bytes=MAX_BYTES)
        layout = formats.survey(
            _object_chunks(key, version),
            file_type,
            rows_per_range=ROWS_PER_RANGE,
            max_bytes=MAX_BYTES,
            mapping=mappings.saved(partner_id, file_type),  # the partner's own header row, if saved
        )
    except (formats.FileRejected, workbooks.WorkbookRejected) as exc:
        quarantine(job, exc.code, exc.message, getattr(exc, "zh", None))
        return "quarantined"
    job.update(
        actions=[
            ImportJob.encoding.set(layout.encoding),
            ImportJob.file_format.set(layout.format),
            ImportJob.header.set(list(layout.header or ())),
            ImportJob.source_header.set(list(layout.source_header)),
            ImportJob.ignored_columns.set(list(layout.ignored)),
            ImportJob.notes.set(report.survey_notes(job, layout)),
            ImportJob.ranges.set([[r.start, r.end, r.first_row] for r in layout.ranges]),
            ImportJob.ranges_total.set(len(layout.ranges)),
            ImportJob.size.set(landed.size),
            ImportJob.updated_at.set(utc_now()),
        ]
    )
    _send_ranges(job)
    logger.info(
        "import surveyed",
        extra={
            "import_id": job.import_id,
            "rows": layout.rows,
            "ranges": len(layout.ranges),
            "encoding": layout.encoding,
        },
    )
    return "started"


def _converted_notice(raw_key: str) -> bool:
    """The notification of a workbook's converted CSV (`…/<import id>/converted.csv`, put by
    `workbooks.prepare`): nothing to import."""
    match = _KEY.match(unquote_plus(raw_key))
    if match is None or match["id"] is None or not match["name"].startswith("converted"):
        return False
    try:
        job = ImportJob.get(*ImportJob.key(match["partner"], match["id"]), consistent_read=True)
    except ImportJob.DoesNotExist:
        return False
    return workbooks.is_converted(job, unquote_plus(raw_key))


def _claim(job: ImportJob, version: str) -> bool:
    """awaiting_upload → processing for this object version; a later notification of the same
    version before the ranges were sent resumes it; anything else is a duplicate."""
    try:
        job.update(
            actions=[
                ImportJob.status.set("processing"),
                ImportJob.object_version.set(version),
                ImportJob.expires_at.remove(),
                ImportJob.updated_at.set(utc_now()),
            ],
            condition=(ImportJob.status == "awaiting_upload")
            | (
                (ImportJob.status == "processing")
                & (ImportJob.object_version == version)
                & ImportJob.ranges_sent.does_not_exist()
            ),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            logger.info("notification for an import already under way", extra={"import_id": job.import_id})
            return False
        raise
    return True


def _send_ranges(job: ImportJob) -> None:
    done = set(job.done_ranges or ())
    todo = [n for n in range(int(job.ranges_total)) if n not in done]
    sqs, url = client("sqs"), get_settings().upload_queue_url
    for i in range(0, len(todo), 10):
        entries = [
            {
                "Id": str(n),
                "MessageBody": json.dumps(
                    {"import_range": {"partner_id": job.partner_id, "import_id": job.import_id, "range": n}}
                ),
            }
            for n in todo[i : i + 10]
        ]
        failed = sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed") or []
        if failed:
            raise RuntimeError(f"could not queue {len(failed)} ranges of import {job.import_id}")
    job.update(actions=[ImportJob.ranges_sent.set(True)])


# -------------------------------------------------------------------------------- a range
def _layout(job: ImportJob) -> formats.Layout:
    ranges = tuple(formats.ByteRange(int(s), int(e), int(f)) for s, e, f in job.ranges or [])
    return formats.Layout(
        file_type=job.file_type,
        encoding=job.encoding or "utf-8",
        format=job.file_format or "csv",
        header=tuple(job.header) if job.header else None,
        data_start=ranges[0].start if ranges else 0,
        rows=0,
        ranges=ranges,
        source_header=tuple(job.source_header or ()),
    )


def process_range(partner_id: str, import_id: str, number: int) -> bool:
    """Credits one range's rows; True when it completed the import."""
    job = get(partner_id, import_id)
    if job.status != "processing" or number in (job.done_ranges or set()) or not job.ranges:
        return False
    layout = _layout(job)
    rng = layout.ranges[number]
    ctx = plans.context(partner_id, fresh=True)
    quota = ctx.quota
    tally = report.Tally(job)
    block: list[formats.RawRow] = []
    for raw in formats.read_range(
        _object_chunks(*workbooks.source_of(job), (rng.start, rng.end)), layout, rng
    ):
        block.append(raw)
        if len(block) >= BLOCK_ROWS:
            _credit_block(job, ctx, quota, block, tally)
            block = []
    if block:
        _credit_block(job, ctx, quota, block, tally)
    rejects_key = _write_rejects_part(job, number, tally.rejects)
    return _complete_range(job, number, tally, rejects_key)


def _credit_block(
    job: ImportJob, ctx: plans.Context, quota: credit.Quota, block: list[formats.RawRow], tally: report.Tally
) -> None:
    now = datetime.now(UTC)
    today = window.local_today()
    date_column = SPECS[job.file_type].date_column
    parsed: list[tuple[formats.RawRow, Any, dict[str, Any], tuple[str, str]]] = []
    for raw in block:
        if raw.skipped:  # a 合计 / total row
            tally.skipped += 1
            continue
        if raw.error is not None or raw.fields is None:
            tally.add(
                raw, credit.INVALID, raw.error_code, raw.error or "The row cannot be read.", zh=raw.error_zh
            )
            continue
        try:
            row = formats.parse_row(job.file_type, raw.fields)
            window.check_window(job.file_type, row, today, raw.fields.get(date_column))
            parsed.append((raw, row, dict(raw.fields), plans.person(job.file_type, row)))
        except RowInvalid as exc:
            tally.add(
                raw, credit.INVALID, "invalid_value", exc.en, zh=exc.zh, column=exc.column, value=exc.value
            )
        except plans.Rejected as exc:
            _rejected(tally, raw, exc)
        except (ValueError, TypeError, ArithmeticError, RecursionError):  # a value no check foresaw:
            # the row is refused, the file goes on (a failing range would be retried for hours)
            logger.exception("row not parsed", extra={"import_id": job.import_id, "row": raw.row})
            tally.add(raw, credit.INVALID, "unreadable_row", "The row cannot be read.")
    users = resolve([who for *_, who in parsed])
    credits = []
    waiting: list[tuple[tuple[str, str], ImportJob, int, dict[str, Any], str | None]] = []  # kept at the end
    for raw, row, fields, who in parsed:
        plans.observe(job.file_type, row, ctx)  # what a later month compares with, whoever it is
        user_id = users.get(who)
        if user_id is None:
            waiting.append((who, job, raw.row, fields, None))
            tally.add(
                raw,
                credit.PENDING,
                "not_registered",
                "Nobody has registered this phone or bound this number yet; kept for 90 days.",
            )
            continue
        plan = plans.Plan(ctx, job.file_type, job.import_id, job.object_key, raw.row, now)
        try:
            credits.append(plans.credit_of(plan, row, user_id))
        except plans.Rejected as exc:
            if exc.status == credit.PENDING and consent.withdrawn(user_id):  # refused, not kept
                outcome = credit.withdrawn(raw.row)
                tally.add(raw, outcome.status, outcome.code, outcome.message)
                continue
            if exc.status == credit.PENDING:
                waiting.append((("user", user_id), job, raw.row, fields, exc.code))
            _rejected(tally, raw, exc)
    by_row = {c.row: c for c in credits}
    of_row = {raw.row: (raw, fields) for raw, _, fields, _ in parsed}
    for outcome in _credit_by_quota(credits, ctx, quota, now):
        raw, fields = of_row[outcome.row]
        if outcome.status == credit.PENDING:  # matched, but no consent yet
            waiting.append((("user", by_row[outcome.row].user_id), job, outcome.row, fields, outcome.code))
        tally.add(
            raw, outcome.status, outcome.code, outcome.message, coins=outcome.coins, gco2e=outcome.gco2e
        )
    pending.keep_many(waiting)


def _credit_by_quota(
    credits: list[credit.Credit], ctx: plans.Context, quota: credit.Quota, now: datetime
) -> list[credit.Outcome]:
    """Credits the rows, each against its records' partner's quota: the uploader's, or the
    manufacturer's for a shop's sale of its product."""
    groups: dict[str, list[credit.Credit]] = {}
    for c in credits:
        owner = plans.quota_for(ctx, c).partner_id
        groups.setdefault(owner, []).append(c)
    outcomes: list[credit.Outcome] = []
    for owner, group in groups.items():
        counted = quota if owner == ctx.partner_id else ctx.quota_of(owner)
        outcomes += credit.credit_rows(group, counted, at=now)
    return outcomes


def _rejected(tally: report.Tally, raw: formats.RawRow, exc: plans.Rejected) -> None:
    written = (raw.fields or {}).get(exc.column) if exc.column else None  # the cell as the file has it
    value = str(written).strip() if written not in (None, "") else exc.value
    tally.add(raw, exc.status, exc.code, exc.message, zh=exc.zh, column=exc.column, value=value)


def resolve(people: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """User ids of the rows' people: a user id stands for itself; phones and numbers through
    their bindings (one BatchGetItem per 100)."""
    found: dict[tuple[str, str], str] = {}
    by_kind: dict[str, set[str]] = {}
    for kind, value in people:
        if kind == "user":
            found[(kind, value)] = value
        else:
            by_kind.setdefault(kind, set()).add(value)
    for kind, values in by_kind.items():
        for value, user_id in bindings.lookup_many(kind, sorted(values)).items():
            found[(kind, value)] = user_id
    return found


def _reports_prefix(job: ImportJob) -> str:
    return f"reports/{job.partner_id}/{job.import_id}/"


def _write_rejects_part(job: ImportJob, number: int, rejects: list[report.Reject]) -> str | None:
    """The range's rejected rows as the partner wrote them, each with why (Chinese, English)."""
    if not rejects:
        return None
    text = io.StringIO()
    csv.writer(text).writerows([*r.values, r.zh, r.en] for r in sorted(rejects, key=lambda r: r.row))
    key = f"{_reports_prefix(job)}parts/{number:06d}.csv"
    client("s3").put_object(
        Bucket=get_settings().upload_bucket, Key=key, Body=text.getvalue().encode(), ContentType="text/csv"
    )
    return key


def _complete_range(job: ImportJob, number: int, tally: report.Tally, rejects_key: str | None) -> bool:
    actions: list[Action] = [
        ImportJob.done_ranges.add({number}),
        ImportJob.updated_at.set(utc_now()),
        ImportJob.coins.add(tally.coins),
        ImportJob.gco2e.add(tally.gco2e),
        ImportJob.skipped_rows.add(tally.skipped),
    ]
    actions += [getattr(ImportJob, name).add(tally.counts.get(name, 0)) for name in COUNTS]
    actions += [ImportJob.reasons[code].add(n) for code, n in tally.reasons.items()]  # type: ignore[index]
    try:
        job.update(
            actions=actions,
            condition=(ImportJob.status == "processing") & ~ImportJob.done_ranges.contains(number),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False  # another delivery of this range counted it
        raise
    if len(job.done_ranges or ()) >= int(job.ranges_total):
        finish(job)
        return True
    return False


# ---------------------------------------------------------------------------- the report
def _report(job: ImportJob) -> dict[str, Any]:
    view = out(job, links=False).model_dump(exclude={"report_url", "rejects_url"})
    english = out(job, links=False, lang="en")
    return view | {
        "reason_en": english.reason,
        "notes_en": english.notes,
        "source_format": job.source_format,
        "header": list(job.source_header or []),
        "partner_id": job.partner_id,
        "object_version": job.object_version,
        "encoding": job.encoding,
        "format": job.file_format,
        "size": job.size,
    }


def _put_report(job: ImportJob) -> str:
    key = f"{_reports_prefix(job)}report.json"
    client("s3").put_object(
        Bucket=get_settings().upload_bucket,
        Key=key,
        ContentType="application/json",
        Body=json.dumps(_report(job), ensure_ascii=False, indent=2).encode(),
    )
    return key


def finish(job: ImportJob) -> None:
    """The last range is counted: the rejected rows' file (parts joined in row order, streamed
    through a temporary file; a workbook's as an .xlsx) and the report; then `completed`."""
    s3, bucket = client("s3"), get_settings().upload_bucket
    prefix = f"{_reports_prefix(job)}parts/"
    book = job.source_format in (workbooks.XLSX, workbooks.XLS)  # rejects in the file's own format
    rejects_key = f"{_reports_prefix(job)}rejected_rows.{'xlsx' if book else 'csv'}"
    with tempfile.TemporaryFile("w+b") as tmp, tempfile.TemporaryFile("w+b") as xlsx:
        tmp.write(codecs.BOM_UTF8 + report.rejects_header(job))  # the BOM: Excel then reads it as UTF-8
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in sorted(page.get("Contents") or [], key=lambda o: o["Key"]):
                for chunk in s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].iter_chunks(1 << 20):
                    tmp.write(chunk)
        tmp.flush()
        tmp.seek(0)
        if book:
            report.rejects_workbook(tmp, xlsx, job.sheet)
            xlsx.seek(0)
        media = report.XLSX_MEDIA_TYPE if book else "text/csv; charset=utf-8"
        s3.upload_fileobj(xlsx if book else tmp, bucket, rejects_key, ExtraArgs={"ContentType": media})
    now = utc_now()
    job.refresh(consistent_read=True)
    job.status, job.completed_at, job.rejects_key = "completed", now, rejects_key
    job.report_key = f"{_reports_prefix(job)}report.json"
    _put_report(job)
    try:
        job.update(
            actions=[
                ImportJob.status.set("completed"),
                ImportJob.completed_at.set(now),
                ImportJob.report_key.set(job.report_key),
                ImportJob.rejects_key.set(rejects_key),
                ImportJob.updated_at.set(now),
            ],
            condition=ImportJob.status.is_in("processing", "completed"),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
    logger.info(
        "import completed",
        extra={"import_id": job.import_id, "credited": int(job.credited), "rows": int(job.rows)},
    )


def quarantine(job: ImportJob, code: str, message: str, zh: str | None = None) -> None:
    """The whole file is refused (wrong header, unknown type, undecodable, too large…): why in
    English (`reason`) and Chinese (`reason_zh`)."""
    now = utc_now()
    job.status, job.reason_code, job.reason, job.completed_at = "quarantined", code, message, now
    job.reason_zh = zh or message
    job.report_key = _put_report(job)
    job.update(
        actions=[
            ImportJob.status.set("quarantined"),
            ImportJob.reason_code.set(code),
            ImportJob.reason.set(message),
            ImportJob.reason_zh.set(job.reason_zh),
            ImportJob.report_key.set(job.report_key),
            ImportJob.completed_at.set(now),
            ImportJob.updated_at.set(now),
        ]
    )
    logger.warning("import quarantined", extra={"import_id": job.import_id, "code": code})


def give_up_upload(raw_key: str, version: str | None, why: str) -> None:
    """A notification failed on its last delivery (the file could not be surveyed): its import is
    `failed`, saying why, instead of staying `processing`."""
    found = _notified(raw_key, version)
    if not isinstance(found, str):
        zh = "文件多次处理失败，导入已停止：请重新上传；再失败请联系平台运营方"
        _fail(found[0], f"The file {why}.", zh)


def give_up(body: dict[str, Any], why: str) -> None:
    """A range failed on its last delivery: the import is `failed`, saying why."""
    ref = body.get("import_range") or {}
    try:
        job = get(ref["partner_id"], ref["import_id"])
    except (KeyError, ImportNotFound):
        return
    _fail(
        job,
        f"Range {ref.get('range')} {why}.",
        f"第 {ref.get('range')} 段数据多次处理失败，导入已停止：请重新上传；再失败请联系平台运营方",
    )


def _fail(job: ImportJob, reason: str, zh: str) -> None:
    """`failed`, saying why in English (`reason`) and Chinese (`reason_zh`, what a clerk reads)."""
    try:
        job.update(
            actions=[
                ImportJob.status.set("failed"),
                ImportJob.reason_code.set("processing_failed"),
                ImportJob.reason.set(reason),
                ImportJob.reason_zh.set(zh),
                ImportJob.updated_at.set(utc_now()),
            ],
            condition=ImportJob.status.is_in("awaiting_upload", "processing"),
        )
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        return  # completed or quarantined meanwhile: that stands
    logger.error("import failed", extra={"import_id": job.import_id, "reason": reason})


__all__ = [
    "create",
    "get",
    "give_up",
    "give_up_upload",
    "list_imports",
    "on_upload",
    "out",
    "process_range",
]
