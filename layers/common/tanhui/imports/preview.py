"""A file's first rows read as a file type would read them, before anything is imported: its
encoding and format, the header row found (below a title block), each column's field — by the
partner's saved mapping, by the spec's names, or none — with a few sample values, and what is
missing. It credits nothing and writes nothing.

The bytes are the file's first `PREVIEW_BYTES` (a web console sends `file.slice(0, 40960)` as
base64), or an uploaded import's file (its first bytes; a workbook's converted CSV). A workbook
sent as bytes must be whole (a ZIP's directory is at its end): a small one fits, a larger one is
previewed through its import.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Mapping

from botocore.exceptions import ClientError

from tanhui import errors
from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.imports import formats, jobs, mappings, plans, workbooks
from tanhui.imports.schemas import PreviewColumn, PreviewField, PreviewIn, PreviewOut
from tanhui.imports.specs import SPECS
from tanhui.imports.values import fold
from tanhui.limits import RESPONSE_ITEMS

PREVIEW_BYTES = 40 * 1024  # base64 of it fits the API's 64 KiB body
SAMPLES = 3  # values shown per column
SAMPLE_ROWS = 50  # data rows looked at


class PreviewUnreadable(errors.Unprocessable):
    code, message = "preview_unreadable", "These bytes cannot be read as a partner file."


class ImportNotUploaded(errors.Conflict):
    code, message = "import_not_uploaded", "No file has been uploaded for this import yet."


def _unreadable(zh: str, en: str) -> PreviewUnreadable:
    return PreviewUnreadable(f"{zh} ({en})")


def preview(
    file_type: str,
    data: bytes,
    mapping: Mapping[str, str | None] | None,
    *,
    whole: bool,
    sheet: str | None = None,
    source_format: str | None = None,
) -> PreviewOut:
    """`data`: the file's bytes, all of them (`whole`) or its first ones; `mapping`: the partner's
    saved one (header key → field). Raises PreviewUnreadable."""
    if not data.strip():
        raise _unreadable("文件是空的", "the file is empty")
    found_sheet = None
    if workbooks.kind(data):
        if not whole:
            raise _unreadable(
                "工作簿只发了开头，无法读取：请发整个文件，或先上传再按导入预览",
                "a workbook cannot be read from its first bytes: send it whole, or preview its import",
            )
        source_format = workbooks.kind(data)
        data, found_sheet = _converted(data, sheet)
    try:
        formats._reject_unreadable(data[:4])
    except formats.FileRejected as exc:
        raise _unreadable(exc.zh, exc.message) from None
    if not whole and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]  # the last record may be cut off
    encoding, text = _decoded(data)
    stripped = text.lstrip()
    file_format = "jsonl" if stripped.startswith("{") else "csv"
    if stripped.startswith("["):
        raise _unreadable("这是 JSON 数组：请上传 JSON Lines，每行一个对象", "a JSON array, not JSON Lines")
    if file_format == "jsonl":
        title_rows, header_row, texts, rows = _jsonl(text)
        mapping = None  # JSON Lines keys are read by the spec's names (programs write them)
    else:
        title_rows, header_row, texts, rows = _csv(file_type, text, mapping)
    if len(texts) > RESPONSE_ITEMS:  # no partner file has so many; the preview lists every column
        raise _unreadable(f"列太多：超过 {RESPONSE_ITEMS} 列", f"more than {RESPONSE_ITEMS} columns")
    match = formats.match_header(file_type, texts, mapping)
    spec = SPECS[file_type]
    columns = []
    for i, written in enumerate(texts):
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        field = match.header[i] or None
        columns.append(
            PreviewColumn(
                header=written,
                field=field,
                by=("mapping" if i in match.mapped else "names") if field else None,
                samples=list(dict.fromkeys(values))[:SAMPLES],
            )
        )
    return PreviewOut(
        type=file_type,
        source_format=source_format or file_format,
        sheet=found_sheet,
        encoding=encoding,
        format=file_format,
        title_rows=title_rows,
        header_row=header_row,
        columns=columns,
        mapping={c.header: c.field for c in columns if c.header.strip()},
        mapping_applied=bool(match.mapped),
        missing=list(match.missing),
        missing_one_of=[list(g) for g in match.missing_groups],
        complete=match.complete,
        rows_sampled=len(rows),
        fields=[
            PreviewField(name=c.name, required=c.required, description=c.description, names=list(c.aliases))
            for c in spec.columns
        ],
        one_of=[list(g) for g in spec.one_of],
    )


def _converted(data: bytes, sheet: str | None) -> tuple[bytes, str]:
    """A whole workbook's sheet (the first visible one, or `sheet`) as UTF-8 CSV, and its name."""
    with tempfile.NamedTemporaryFile("w+b", suffix=f".{workbooks.kind(data)}") as book:  # openpyxl reads it
        book.write(data)
        book.flush()
        out = io.BytesIO()
        try:
            found = workbooks.convert(book.name, out, sheet=sheet, max_bytes=16 * PREVIEW_BYTES)
        except workbooks.WorkbookRejected as exc:
            raise _unreadable(exc.zh, exc.en) from None
    return out.getvalue(), found.sheet


def _decoded(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates: tuple[str, ...] = ("utf-8-sig",)
    else:
        candidates = ("utf-8", "gb18030")
    for encoding in candidates:
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _unreadable("文件既不是 UTF-8 也不是 GBK/GB18030 文本", "neither UTF-8 nor GB18030/GBK text")


def _csv(
    file_type: str, text: str, mapping: Mapping[str, str | None] | None
) -> tuple[int, int, list[str], list[list[str]]]:
    """(records above the header, the header's row number, its texts, the data rows sampled)."""
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise _unreadable(f"不是有效的 CSV（{exc}）", f"not valid CSV ({exc})") from None
    filled = [(n, r) for n, r in enumerate(records, start=1) if any(c.strip() for c in r)]
    if not filled:
        raise _unreadable("文件只有空行", "the file holds only blank lines")
    head = filled[: formats.MAX_TITLE_ROWS + 1]
    best, score = head[0], (-1, -1)
    for n, record in head:
        match = formats.match_header(file_type, record, mapping)
        if match.complete:
            best = (n, record)
            break
        this = (match.found, sum(1 for c in record if c.strip()))
        if this > score:
            best, score = (n, record), this
    header_row, texts = best
    title_rows = sum(1 for n, _ in filled if n < header_row)
    rows = []
    for n, record in filled:
        if n <= header_row:
            continue
        first = next(c for c in record if c.strip())
        if len(first) <= 12 and not first[:1].isdigit() and formats._is_total(fold(first)):
            continue
        rows.append(record)
        if len(rows) >= SAMPLE_ROWS:
            break
    return title_rows, header_row, texts, rows


def _jsonl(text: str) -> tuple[int, int, list[str], list[list[str]]]:
    keys: dict[str, None] = {}
    objects = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = formats.load_json_line(line)
        except ValueError:  # not JSON, or beyond a row's limits (formats.LineRefused)
            continue
        if isinstance(value, dict):
            objects.append(value)
            keys.update(dict.fromkeys(str(k) for k in value))
        if len(objects) >= SAMPLE_ROWS:
            break
    texts = list(keys)
    rows = [["" if o.get(k) is None else str(o.get(k)) for k in texts] for o in objects]
    return 0, 0, texts, rows


def of_request(partner_id: str, body: PreviewIn) -> PreviewOut:
    """POST /v1/partner/imports/preview: bytes sent, or an uploaded import's file, read as `type`
    (with the partner's saved mapping for it)."""
    plans.require_type(partner_id, body.type)
    saved = mappings.saved(partner_id, body.type)
    data = body.content
    if data is not None:
        return preview(body.type, data, saved, whole=len(data) < PREVIEW_BYTES, sheet=body.sheet)
    job = jobs.get(partner_id, str(body.import_id))
    if job.status == "awaiting_upload":
        raise ImportNotUploaded()
    key, version = workbooks.source_of(job)
    params = {"Bucket": get_settings().upload_bucket, "Key": key, "Range": f"bytes=0-{PREVIEW_BYTES}"}
    if version and version != "null":
        params["VersionId"] = version
    try:
        head = client("s3").get_object(**params)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("InvalidRange", "NoSuchKey", "NoSuchVersion"):
            raise _unreadable("这个导入的文件已不在", "the import's file is gone or empty") from None
        raise
    found = preview(body.type, head[:PREVIEW_BYTES], saved, whole=len(head) <= PREVIEW_BYTES)
    if job.source_format:  # a workbook's converted CSV
        found.source_format, found.sheet = job.source_format, job.sheet
    return found
