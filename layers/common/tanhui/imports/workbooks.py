"""Excel workbooks as clerks save them (.xlsx, .xls) → the UTF-8 CSV the range pipeline reads.

A workbook is known by its bytes, not its name: a ZIP is an .xlsx, an OLE2 compound file an .xls
(or a password-protected .xlsx, which Excel wraps in OLE2 as `EncryptedPackage`). `convert`
streams one sheet (the first visible one, or the one named in the import request) into CSV, one
line per sheet row so row numbers stay the ones Excel shows, every line as wide as the sheet:

- a date-formatted cell (an Excel date serial) → `2026-11-03`, with its time when it has one
  (`2026-11-03 08:15:00`);
- an integral number → its digits without `.0` (a phone stored as a number, 13800138000.0 →
  `13800138000`; an .xlsx integer is read from its text, so long ones keep every digit);
- other numbers as Excel shows them (15 significant digits), TRUE/FALSE, text as typed.

It also notes which header columns held numbers (`numeric_columns`): a column of account numbers
stored as numbers may have lost its leading zeros. `prepare` does this for an uploaded object:
downloads it to /tmp, converts, puts `…/<import id>/converted.csv` beside it and records on the job
what the survey and the ranges then read instead of the upload.

Readers, chosen by measurement (bench/imports.py; requirements.txt says why): openpyxl in
read-only mode for .xlsx (streams the sheet's XML; memory flat in the row count), xlrd for .xls
(the format holds at most 65,536 rows a sheet, so its whole-sheet read is bounded).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

XLSX, XLS = "xlsx", "xls"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAGIC_BYTES = len(OLE2_MAGIC)
CONVERTED_NAME = "converted.csv"
HEADER_SEARCH_ROWS = 30  # a title block above the header row is shorter than this
# a sheet's declared width (its <dimension>) above this is not believed: some exports declare
# A1:XFD…, which would make every CSV line 16,384 fields wide (32 MB for 2,000 rows); the lines are
# then as wide as the widest row holding something
MAX_DECLARED_WIDTH = 256
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # an OLE2 directory entry's name
_EXACT_FLOAT = 2**53  # integral doubles below this are their own digits


class WorkbookRejected(Exception):
    """The workbook cannot become a CSV; the import is quarantined. `code` is stable; `zh` is what
    a clerk reads, `en` (and `message`, as formats.FileRejected) the same in English. Codes:
    workbook_encrypted, workbook_unreadable, sheet_not_found, empty_file, too_large."""

    def __init__(self, zh: str, en: str, *, code: str):
        self.code, self.zh, self.en = code, zh, en
        self.message = en  # as FileRejected: English here, Chinese in `zh`
        super().__init__(f"{code}: {en}")


def kind(head: bytes) -> str | None:
    """`xlsx` or `xls` by the file's first bytes; None for anything else (CSV, JSON Lines)."""
    if head.startswith(ZIP_MAGIC):
        return XLSX
    if head.startswith(OLE2_MAGIC):
        return XLS
    return None


@dataclass(frozen=True)
class Converted:
    source_format: str  # xlsx | xls
    sheet: str  # the sheet converted
    rows: int  # CSV lines written (title block, header, data and total rows)
    width: int  # fields per line
    numeric_columns: tuple[str, ...]  # header texts of the columns that held numbers


# ------------------------------------------------------------------------------------ cells
def number_text(value: int | float | Decimal) -> str:
    """A number as a CSV cell: integral ones as exact digits, others with Excel's 15 digits."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value.to_integral_value()) if value == value.to_integral_value() else f"{value:f}"
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer():
        if abs(value) < _EXACT_FLOAT:
            return str(int(value))
        return f"{Decimal(repr(value)):f}".split(".")[0]  # the shortest digits that are this double
    return f"{value:.15g}"


def moment_text(value: datetime | date | time | timedelta, with_time: bool = False) -> str:
    """Dates as ISO days; a datetime with a time (or in a time format) as `YYYY-MM-DD HH:MM:SS`."""
    if isinstance(value, datetime):
        if value.microsecond >= 500_000:
            value += timedelta(microseconds=1_000_000 - value.microsecond)
        value = value.replace(microsecond=0)
        if not with_time and value.time() == time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(microsecond=0).isoformat()
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _has_time(number_format: str | None) -> bool:
    """Whether an Excel number format shows a time (h, s, AM/PM outside quotes and [colours])."""
    if not number_format:
        return False
    plain, quoted, bracket = [], False, False
    for ch in number_format:
        if ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            bracket = True
        elif ch == "]" and not quoted:
            bracket = False
        elif not quoted and not bracket:
            plain.append(ch.lower())
    text = "".join(plain)
    return "h" in text or "s" in text or "am/pm" in text


def cell_text(value: Any, number_format: str | None = None) -> tuple[str, bool]:
    """(what the CSV holds, whether the cell held a number)."""
    if value is None:
        return "", False
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), False
    if isinstance(value, int | float | Decimal):
        return number_text(value), True
    if isinstance(value, datetime | date | time | timedelta):
        return moment_text(value, _has_time(number_format)), False
    return str(value), False


# ----------------------------------------------------------------------------------- sheets
def _pick(names: list[str], visible: list[str], wanted: str | None) -> str:
    if not names:
        raise WorkbookRejected("工作簿里没有工作表", "the workbook holds no worksheet", code="empty_file")
    if wanted is None:
        return (visible or names)[0]
    if wanted in names:
        return wanted
    folded = {n.strip().casefold(): n for n in names}
    if wanted.strip().casefold() in folded:
        return folded[wanted.strip().casefold()]
    listed = "、".join(f"「{n}」" for n in names)
    raise WorkbookRejected(
        f"工作簿里没有名为「{wanted}」的工作表；有：{listed}",
        f'the workbook has no sheet named "{wanted}"; it has: {", ".join(names)}',
        code="sheet_not_found",
    )


# what openpyxl raises on a damaged .xlsx: a broken zip (a bad CRC, a member missing, an unknown
# compression method, an encrypted member), and XML cut short or malformed (ElementTree's and lxml's
# parse errors are SyntaxErrors) — each a workbook_unreadable, never a failed import or a 500
_BROKEN_XLSX: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    TypeError,
    OSError,
    EOFError,
    SyntaxError,
    NotImplementedError,
    RuntimeError,
)

_detached = False


def _detach_finished_rows() -> None:
    """openpyxl's read-only sheet reader clears each <row> it has read but leaves the empty element
    in the tree: ~90 bytes a row, 15 MiB for 200,000 rows. Its iterparse, wrapped to drop finished
    rows from <sheetData>, keeps the read flat; what it yields is unchanged."""
    global _detached
    if _detached:
        return
    from openpyxl.worksheet import _reader

    parse = _reader.iterparse
    sheet_data = f"{{{_reader.SHEET_MAIN_NS}}}sheetData"

    def iterparse(source: Any, events: Any = None, parser: Any = None) -> Iterator[tuple[str, Any]]:
        wanted = tuple(events or ("end",))
        rows: Any = None
        for event, element in parse(source, events=("start", "end")):
            if event == "start" and element.tag == sheet_data:
                rows = element
            if event in wanted:
                yield event, element
            if event == "end" and rows is not None and element.tag == _reader.ROW_TAG and len(rows):
                rows.remove(element)

    _reader.iterparse = iterparse
    _detached = True


def _xlsx_rows(
    path: str, wanted: str | None
) -> tuple[str, Iterator[tuple[int, list[tuple[str, bool]]]], int]:
    """(sheet name, (row number, cells) in order, the sheet's declared width or 0)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _detach_finished_rows()
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except (InvalidFileException, *_BROKEN_XLSX) as exc:
        raise _unreadable(XLSX, exc) from None
    sheets = book.worksheets
    name = _pick([s.title for s in sheets], [s.title for s in sheets if s.sheet_state == "visible"], wanted)
    sheet = book[name]
    try:
        declared = int(sheet.max_column or 0) if sheet.max_row else 0
    except (TypeError, ValueError):
        declared = 0
    if declared > MAX_DECLARED_WIDTH:
        declared = 0

    def rows() -> Iterator[tuple[int, list[tuple[str, bool]]]]:
        try:
            for n, row in enumerate(sheet.iter_rows(), start=1):
                cells = [
                    cell_text(c.value, getattr(c, "number_format", None))
                    if c.value is not None
                    else ("", False)
                    for c in row
                ]
                yield n, cells
        except _BROKEN_XLSX as exc:
            raise _unreadable(XLSX, exc) from None
        finally:
            book.close()

    return name, rows(), declared


def _xls_rows(path: str, wanted: str | None) -> tuple[str, Iterator[tuple[int, list[tuple[str, bool]]]], int]:
    import xlrd

    try:
        book = xlrd.open_workbook(path, on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise _encrypted() from None
        raise _unreadable(XLS, exc) from None
    except Exception as exc:  # noqa: BLE001 — xlrd fails on a damaged file with anything (struct, index…)
        raise _unreadable(XLS, exc) from None
    names = book.sheet_names()
    visible = (
        [n for i, n in enumerate(names) if not book.sheet_visibility(i)]
        if hasattr(book, "sheet_visibility")
        else names
    )
    name = _pick(names, visible, wanted)
    try:
        sheet = book.sheet_by_name(name)
    except Exception as exc:  # noqa: BLE001
        raise _unreadable(XLS, exc) from None

    def cell(ctype: int, value: Any) -> tuple[str, bool]:
        if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
            return "", False
        if ctype == xlrd.XL_CELL_NUMBER:
            return number_text(value), True
        if ctype == xlrd.XL_CELL_DATE:
            try:
                found = xlrd.xldate_as_datetime(value, book.datemode)
            except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                return number_text(value), True
            return moment_text(found), False
        if ctype == xlrd.XL_CELL_BOOLEAN:
            return ("TRUE" if value else "FALSE"), False
        if ctype == xlrd.XL_CELL_ERROR:
            return xlrd.error_text_from_code.get(value, "#N/A"), False
        return str(value), False

    def rows() -> Iterator[tuple[int, list[tuple[str, bool]]]]:
        try:
            for r in range(sheet.nrows):
                yield (
                    r + 1,
                    [cell(t, v) for t, v in zip(sheet.row_types(r), sheet.row_values(r), strict=True)],
                )
        finally:
            book.release_resources()

    return name, rows(), sheet.ncols


def _encrypted() -> WorkbookRejected:
    return WorkbookRejected(
        "工作簿设有打开密码，无法读取：请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存，再上传",
        "the workbook is password-protected: remove the password in Excel, save it and upload it again",
        code="workbook_encrypted",
    )


def _unreadable(source_format: str, exc: BaseException) -> WorkbookRejected:
    from tanhui.observability import logger

    logger.info("workbook unreadable", extra={"format": source_format, "error": type(exc).__name__})
    return WorkbookRejected(
        f"无法读取这个 .{source_format} 工作簿（文件可能已损坏，或不是 Excel 文件）："
        "请在 Excel 中打开后另存为 .xlsx 或“CSV UTF-8”，再上传",
        f"this .{source_format} workbook cannot be read (damaged, or not an Excel file): open it in Excel,"
        " save it as .xlsx or CSV UTF-8 and upload it again",
        code="workbook_unreadable",
    )


def _ole2_encrypted(path: str) -> bool:
    """A password-protected .xlsx is an OLE2 file with an `EncryptedPackage` stream."""
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


# --------------------------------------------------------------------------------- convert
def convert(
    path: str, out: IO[bytes], *, sheet: str | None = None, max_bytes: int | None = None
) -> Converted:
    """The workbook at `path` (kind by its magic) as UTF-8 CSV (no BOM) written to `out`.
    Raises WorkbookRejected when it cannot be."""
    with open(path, "rb") as f:
        source_format = kind(f.read(MAGIC_BYTES))
    if source_format is None:
        raise WorkbookRejected(
            "这不是 Excel 工作簿", "this is not an Excel workbook", code="workbook_unreadable"
        )
    if source_format == XLS and _ole2_encrypted(path):
        raise _encrypted()
    read = _xlsx_rows if source_format == XLSX else _xls_rows
    name, rows, declared = read(path, sheet)
    start = out.tell()
    written, widest, narrowest, numeric, head = _write_rows(rows, out, declared, max_bytes)
    if written == 0:
        raise WorkbookRejected(f"工作表「{name}」是空的", f'the sheet "{name}" is empty', code="empty_file")
    if narrowest < widest:  # a row wider than the sheet said: every line made as wide as it
        with tempfile.TemporaryFile("w+b", dir=_tmp_dir()) as lines:
            out.seek(start)
            while chunk := out.read(1 << 20):
                lines.write(chunk)
            lines.seek(0)
            out.seek(start)
            out.truncate()
            _pad(lines, out, widest)
    return Converted(source_format, name, written, widest, _numeric_columns(head, numeric))


def _tmp_dir() -> str | None:
    return os.environ.get("TANHUI_TMPDIR") or None


def _write_rows(
    rows: Iterable[tuple[int, list[tuple[str, bool]]]], out: IO[bytes], declared: int, max_bytes: int | None
) -> tuple[int, int, int, dict[int, int], list[list[tuple[str, bool]]]]:
    """Sheet rows → CSV lines in `out`, each at least `declared` fields wide (a gap of empty rows
    written as empty lines, trailing empty rows dropped). Returns (lines, widest and narrowest
    line, column → last row number holding a number, the first rows kept for the header search)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    written = widest = 0
    narrowest = 1 << 30
    numeric: dict[int, int] = {}
    head: list[list[tuple[str, bool]]] = []
    for number, cells in rows:
        while cells and not cells[-1][0]:
            cells.pop()
        if len(head) < HEADER_SEARCH_ROWS:
            head.extend([[]] * (number - 1 - len(head)))
            if len(head) < HEADER_SEARCH_ROWS:
                head.append(cells)
        if not cells:
            continue
        for i, (_, is_number) in enumerate(cells):
            if is_number:
                numeric[i] = number
        if number - 1 > written:
            text.write("\r\n" * (number - 1 - written))
        width = max(declared, len(cells))
        writer.writerow([t for t, _ in cells] + [""] * (width - len(cells)))
        widest, narrowest, written = max(widest, width), min(narrowest, width), number
        if max_bytes is not None and out.tell() > max_bytes:
            raise WorkbookRejected(
                f"工作表转成 CSV 后超过 {max_bytes:,} 字节：请分成几个文件上传",
                f"the sheet as CSV is larger than {max_bytes:,} bytes: split it into several files",
                code="too_large",
            )
    text.detach()
    return written, widest, narrowest, numeric, head[:HEADER_SEARCH_ROWS]


def _pad(lines: IO[bytes], out: IO[bytes], width: int) -> None:
    """The CSV lines, each made `width` fields wide (a blank line stays blank)."""
    reader = csv.reader(codecs.getreader("utf-8")(lines), strict=True)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    for fields in reader:
        if not fields:
            text.write("\r\n")
            continue
        writer.writerow(fields + [""] * (width - len(fields)))
    text.detach()


def _numeric_columns(head: list[list[tuple[str, bool]]], numeric: dict[int, int]) -> tuple[str, ...]:
    """The header texts of the columns with a number below the header. The header row: the first
    of the first rows with the most text cells (a title block has one or two)."""
    counts = [sum(1 for t, n in r if t and not n) for r in head]
    if not counts or max(counts) == 0:
        return ()
    at = counts.index(max(counts))
    header = head[at]
    return tuple(
        header[i][0].strip()
        for i in sorted(numeric)
        if numeric[i] > at + 1 and i < len(header) and header[i][0].strip() and not header[i][1]
    )


# ------------------------------------------------------------------------- uploaded objects
def converted_key(job: Any) -> str:
    """`partners/<partner>/<type>/<import id>/converted.csv`: in the import's folder, beside the
    upload (another name if the upload itself has that one)."""
    folder = f"partners/{job.partner_id}/{job.file_type}/{job.import_id}"
    name = CONVERTED_NAME if job.object_key != f"{folder}/{CONVERTED_NAME}" else "converted-workbook.csv"
    return f"{folder}/{name}"


def source_of(job: Any) -> tuple[str, str | None]:
    """The object the survey and the ranges read: the converted CSV of a workbook, else the upload."""
    if getattr(job, "converted_key", None):
        return job.converted_key, job.converted_version
    return job.object_key, job.object_version


def prepare(
    job: Any,
    version: str,
    chunks_of: Callable[[str, str | None, tuple[int, int] | None], Iterable[bytes]],
    *,
    max_bytes: int,
) -> tuple[str, str | None]:
    """The key and version of what to survey for an uploaded object: itself, or — for a workbook —
    the CSV converted from it (put beside it and recorded on the job). Raises WorkbookRejected."""
    head = b"".join(chunks_of(job.object_key, version, (0, MAGIC_BYTES)))
    source_format = kind(head)
    if source_format is None:
        return job.object_key, version
    from tanhui.aws import client
    from tanhui.config import get_settings
    from tanhui.models.base import utc_now
    from tanhui.models.imports import ImportJob
    from tanhui.observability import logger

    bucket, key = get_settings().upload_bucket, converted_key(job)
    with tempfile.NamedTemporaryFile("w+b", dir=_tmp_dir(), suffix=f".{source_format}") as book:
        for chunk in chunks_of(job.object_key, version, None):
            book.write(chunk)
        book.flush()
        with tempfile.TemporaryFile("w+b", dir=_tmp_dir()) as out:
            found = convert(book.name, out, sheet=getattr(job, "sheet", None), max_bytes=max_bytes)
            book.close()  # /tmp holds the CSV alone while it is put
            out.seek(0)
            put = client("s3").put_object(
                Bucket=bucket, Key=key, Body=out, ContentType="text/csv; charset=utf-8"
            )
    converted_version = put.get("VersionId")
    job.update(
        actions=[
            ImportJob.source_format.set(found.source_format),
            ImportJob.sheet.set(found.sheet),
            ImportJob.converted_key.set(key),
            ImportJob.converted_version.set(converted_version),
            ImportJob.numeric_columns.set(list(found.numeric_columns)),
            ImportJob.updated_at.set(utc_now()),
        ]
    )
    logger.info(
        "workbook converted",
        extra={"import_id": job.import_id, "format": found.source_format, "rows": found.rows},
    )
    return key, converted_version


def is_converted(job: Any, key: str) -> bool:
    """Whether `key` is where this job's workbook is converted to (its CSV's own notification): by
    `converted_key`, as `job.converted_key` is saved only after the put, and its notification may
    be read before. A version found there is never read unless it is `job.converted_version`."""
    return converted_key(job) == key and job.object_key != key
