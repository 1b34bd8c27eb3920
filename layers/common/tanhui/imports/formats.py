"""Partner files as spreadsheets really save them: survey once, then read in byte ranges.

`survey` makes one streaming pass over a file's bytes: it settles the encoding (UTF-8 with or
without a BOM, or GB18030 — Excel's "CSV" of Chinese text is GBK, a subset), the format (CSV, or
JSON Lines when the first non-blank byte is `{`), checks the CSV header against the file type
and cuts the data into contiguous byte ranges of about `rows_per_range` records, each ending
after a record's line break. `read_range` reads one range (an S3 ranged GET) into raw rows
numbered as a spreadsheet shows them; `parse_row` (in `rows`) types each one.

Records are found on bytes: outside double quotes a line feed ends a CSV record; `""` inside
quotes toggles twice, so quote parity is enough. That is safe in UTF-8 and GB18030, whose
multibyte sequences never contain 0x22, 0x0A or 0x0D. A JSON Lines record is one line.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tanhui.imports.rows import (
    FILE_TYPES,
    LOOKUP,
    SCHEMAS,
    CarTrips,
    HotelStay,
    PlantAdoption,
    ProductSale,
    Row,
    RowInvalid,
    TransitTrips,
    UtilitySaving,
    WasteSorting,
    Who,
    canonical_column,
    column_name,
    header_for,
    normalise_phone,
    parse_row,
    schemas_markdown,
)
from tanhui.imports.values import fold

__all__ = [
    "FILE_TYPES",
    "SCHEMAS",
    "ByteRange",
    "CarTrips",
    "FileRejected",
    "HeaderMatch",
    "HotelStay",
    "Layout",
    "PlantAdoption",
    "ProductSale",
    "RawRow",
    "Row",
    "RowInvalid",
    "TransitTrips",
    "UtilitySaving",
    "WasteSorting",
    "Who",
    "LineRefused",
    "header_for",
    "load_json_line",
    "mapping_applies",
    "match_header",
    "normalise_phone",
    "parse_row",
    "read_range",
    "schemas_markdown",
    "survey",
]

UTF8_BOM = codecs.BOM_UTF8
MAX_HEADER_BYTES = 64 * 1024
MAX_RECORD_BYTES = 1024 * 1024  # a longer record is an error row (an unclosed quote, most likely)
# A JSON Lines row is one flat object of short values: what goes far beyond that is refused as a row
# before Python is asked to build it (an int of over 4,300 digits raises ValueError, nesting deeper
# than the recursion limit RecursionError — either would fail the whole range on every delivery).
MAX_JSON_NUMBER_CHARS = 64  # no column holds a longer value (texts are at most 64 characters)
MAX_JSON_DEPTH = 8  # a row is depth 1; a value a column could take is never nested
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_CSV_SIGNIFICANT = re.compile(rb'[^ \t\r\n,"]')  # a blank CSV record (`,,,`, `"",""`) has none
_LINE_SIGNIFICANT = re.compile(rb"[^ \t\r\n]")


class FileRejected(Exception):
    """The whole file is quarantined. Codes: unknown_type, undecodable, bad_header, empty_file,
    too_large, bad_json. `message` in English, `zh` in Chinese."""

    def __init__(self, code: str, message: str, zh: str | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.zh = zh or message


@dataclass(frozen=True)
class ByteRange:
    start: int  # [start, end) in the file's bytes
    end: int
    first_row: int  # the row number of its first record (header row = 1; JSON Lines: the line)


@dataclass(frozen=True)
class Layout:
    file_type: str
    encoding: str  # utf-8-sig | utf-8 | gb18030
    format: str  # csv | jsonl
    header: tuple[str, ...] | None  # canonical names per CSV column ("" for one ignored)
    data_start: int  # byte offset of the first data record
    rows: int  # data records, blank ones not counted
    ranges: tuple[ByteRange, ...]
    source_header: tuple[str, ...] = ()  # the header row as the partner wrote it
    title_rows: int = 0  # records above the header row (a title, an export time …), skipped

    @property
    def ignored(self) -> tuple[str, ...]:
        """The partner's columns no field is read from (序号, 姓名, 备注 …)."""
        pairs = zip(self.source_header, self.header or (), strict=False)
        return tuple(text for text, field in pairs if not field and text.strip())


@dataclass(frozen=True)
class RawRow:
    row: int
    fields: dict[str, Any] | None
    error: str | None
    values: tuple[str, ...] = ()  # the record's cells as written (the rejects file repeats them)
    skipped: bool = False  # a 合计 / total row: not a row of anyone's behaviour
    error_zh: str | None = None  # `error` in Chinese
    error_code: str = "unreadable_row"  # the reason code of a row that is not read (`error` set)


class LineRefused(ValueError):
    """A JSON line beyond what a row may hold: `code` (number_too_long, number_not_finite,
    nested_too_deep), why in English (`en`) and Chinese (`zh`)."""

    def __init__(self, code: str, en: str, zh: str):
        super().__init__(f"{code}: {en}")
        self.code, self.en, self.zh = code, en, zh


def _too_long_number(text: str) -> LineRefused:
    return LineRefused(
        code="number_too_long",
        en=f"a number on the line has {len(text):,} characters; at most {MAX_JSON_NUMBER_CHARS} are read",
        zh=f"这一行有一个 {len(text):,} 位的数字：最多读 {MAX_JSON_NUMBER_CHARS} 位",
    )


def _json_int(text: str) -> int:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise _too_long_number(text)
    return int(text)


def _json_float(text: str) -> float:
    if len(text) > MAX_JSON_NUMBER_CHARS:
        raise _too_long_number(text)
    value = float(text)
    if not math.isfinite(value):
        raise _not_finite(text)
    return value


def _not_finite(text: str) -> LineRefused:
    return LineRefused(
        code="number_not_finite",
        en=f"{text[:20]} is not a finite number",
        zh=f"{text[:20]} 不是有限的数字",
    )


def _nested_too_deep(text: str) -> bool:
    """Whether objects and arrays (outside strings) nest deeper than MAX_JSON_DEPTH."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def load_json_line(text: str) -> Any:
    """One JSON Lines record's value, within a row's limits: numbers of at most 64 characters and
    finite (no NaN, Infinity or 1e999), nesting at most 8 deep. Raises LineRefused beyond them,
    json.JSONDecodeError when it is not JSON."""
    if _nested_too_deep(text):
        raise LineRefused(
            code="nested_too_deep",
            en=f"the line nests objects or arrays more than {MAX_JSON_DEPTH} deep; a row is one flat object",
            zh=f"这一行的对象或数组嵌套超过 {MAX_JSON_DEPTH} 层：每行应是一个扁平的对象",
        )
    try:
        return json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_constant)
    except RecursionError:  # the depth check keeps it away; were it reached, it would end the range
        raise LineRefused(
            code="nested_too_deep",
            en="the line nests objects or arrays too deep; a row is one flat object",
            zh="这一行的对象或数组嵌套太深：每行应是一个扁平的对象",
        ) from None


def _constant(name: str) -> Any:
    raise _not_finite(name)  # NaN, Infinity, -Infinity: Python's json reads them, JSON has none


TOTAL_WORDS = frozenset(
    {"合计", "总计", "小计", "汇总", "合计数", "total", "totals", "sum", "subtotal", "grandtotal"}
)
MAX_TITLE_ROWS = 10  # records above the header row that may be a title block
_TOTAL_PREFIX = re.compile(r"(合计|总计|小计|汇总)\w{0,8}")  # 合计：6 条, 总计人数 …


def _is_total(first_cell: str) -> bool:
    """A total row's first filled cell (folded): 合计, 总计：6 条, Total …"""
    return first_cell in TOTAL_WORDS or bool(_TOTAL_PREFIX.fullmatch(first_cell))


class _RecordEnds:
    """Where records end in a stream of bytes, chunk by chunk (quote parity kept across chunks)."""

    def __init__(self, quoted: bool):
        self.quoted = quoted
        self.in_quotes = False

    def feed(self, chunk: bytes, pos: int = 0) -> list[int]:
        """Offsets in `chunk` just after each record's line feed, from `pos` on."""
        ends: list[int] = []
        if not self.quoted:
            n = chunk.find(b"\n", pos)
            while n >= 0:
                ends.append(n + 1)
                n = chunk.find(b"\n", n + 1)
            return ends
        in_quotes = self.in_quotes
        while True:
            if in_quotes:
                q = chunk.find(b'"', pos)
                if q < 0:
                    break
                in_quotes, pos = False, q + 1
                continue
            n = chunk.find(b"\n", pos)
            q = chunk.find(b'"', pos) if n < 0 else chunk.find(b'"', pos, n)
            if q >= 0:
                in_quotes, pos = True, q + 1
            elif n >= 0:
                ends.append(n + 1)
                pos = n + 1
            else:
                break
        self.in_quotes = in_quotes
        return ends


def _with_head(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The same bytes, the first chunk holding at least `size` of them (or all there are)."""
    head = b""
    it = iter(chunks)
    for chunk in it:
        head += chunk
        if len(head) >= size:
            break
    if head:
        yield head
    yield from it


def _reject_unreadable(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected(
            "undecodable",
            "this is an Excel workbook (.xlsx); save it as CSV UTF-8 and upload again",
            "这是 Excel 工作簿（.xlsx）：请另存为“CSV UTF-8”后重新上传",
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            "undecodable",
            "this file is UTF-16 (Unicode text); save it as CSV UTF-8 and upload again",
            "这是 UTF-16（Unicode 文本）文件：请另存为“CSV UTF-8”后重新上传",
        )


class _Encodings:
    """The candidate encodings the bytes so far are valid in, each with an incremental decoder."""

    def __init__(self, bom: bool):
        names = ("utf-8-sig",) if bom else ("utf-8", "gb18030")
        self.decoders = {n: codecs.getincrementaldecoder(n)() for n in names}

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if b"\x00" in chunk:
            raise FileRejected(
                "undecodable",
                "the file holds NUL bytes: it is not a text file",
                "文件含有空字节：不是文本文件",
            )
        for name, decoder in list(self.decoders.items()):
            try:
                decoder.decode(chunk, final)
            except UnicodeDecodeError:
                del self.decoders[name]
        if not self.decoders:
            raise FileRejected(
                "undecodable",
                "the file is neither UTF-8 nor GB18030/GBK text",
                "文件既不是 UTF-8 也不是 GBK/GB18030 文本",
            )

    def settled(self) -> str:
        self.feed(b"", final=True)
        return next(iter(self.decoders))  # in order of preference


def survey(
    chunks: Iterable[bytes],
    file_type: str,
    *,
    rows_per_range: int = 5000,
    max_bytes: int,
    mapping: Mapping[str, str | None] | None = None,
) -> Layout:
    """One streaming pass over a file's bytes: its encoding, format, header, row count and ranges.
    `mapping`: the partner's saved one (header key → field), for a header row holding its texts.
    Raises FileRejected when the whole file cannot be imported."""
    if file_type not in FILE_TYPES:
        raise FileRejected(
            "unknown_type",
            f"unknown file type {file_type!r}; known: {', '.join(FILE_TYPES)}",
            f"没有 {file_type!r} 这种文件类型；可用的有：{'、'.join(FILE_TYPES)}",
        )
    if rows_per_range < 1:
        raise ValueError("rows_per_range must be at least 1")
    s = _Survey(rows_per_range, lambda record: _match(file_type, record, mapping=mapping).complete)
    offset = 0
    encodings: _Encodings | None = None
    for chunk in _with_head(chunks, 4):  # enough for a BOM or a zip signature
        if not chunk:
            continue
        if encodings is None:
            _reject_unreadable(chunk)
            encodings = _Encodings(bom=chunk.startswith(UTF8_BOM))
            s.skip = s.record_start = len(UTF8_BOM) if chunk.startswith(UTF8_BOM) else 0
        if offset + len(chunk) > max_bytes:
            raise FileRejected(
                "too_large",
                f"the file is larger than {max_bytes:,} bytes",
                f"文件超过 {max_bytes:,} 字节",
            )
        encodings.feed(chunk)
        try:
            s.feed(chunk, offset)
        except _NoHeader:
            s.first_record = None
            break
        offset += len(chunk)
    if encodings is None:
        raise FileRejected("empty_file", "the file is empty", "文件是空的")
    encoding = encodings.settled() if s.title_rows <= MAX_TITLE_ROWS else _guess(s.candidates)
    if s.title_rows <= MAX_TITLE_ROWS:
        s.finish(offset)
    if s.format is None:
        raise FileRejected("empty_file", "the file holds only blank lines", "文件只有空行")
    matched = None
    if s.format == "csv":
        if s.first_record is None:  # no record made a header: say what the likeliest one lacks
            candidates = [_match(file_type, r, encoding, mapping) for r in s.candidates]
            _reject_header(file_type, max(candidates, key=lambda m: m.found, default=_match(file_type, b"")))
        matched = _match(file_type, s.first_record, encoding, mapping)
        if not matched.complete:
            _reject_header(file_type, matched)
    if s.format == "jsonl":
        _check_first_line(s.first_record, encoding)
    if s.rows == 0:
        raise FileRejected("empty_file", "the file has a header but no data rows", "文件只有表头，没有数据行")
    return Layout(
        file_type,
        encoding,
        s.format,
        matched.header if matched else None,
        s.data_start,
        s.rows,
        tuple(s.ranges),
        source_header=matched.texts if matched else (),
        title_rows=s.title_rows,
    )


class _Survey:
    """The record-by-record bookkeeping of `survey`, on absolute byte offsets."""

    def __init__(self, rows_per_range: int, is_header: Callable[[bytes], bool]):
        self.rows_per_range = rows_per_range
        self.is_header = is_header
        self.title_rows = 0  # records above a CSV's header row
        self.candidates: list[bytes] = []  # those records, for the message when none is a header
        self.skip = 0  # a BOM: not part of any record's content
        self.format: str | None = None
        self.ends = _RecordEnds(quoted=True)  # until the format is known only blank lines pass
        self.significant = _CSV_SIGNIFICANT
        self.record_no = 1
        self.record_start = 0
        self.record_significant = False
        self.blank_bytes = bytearray()  # a record so far made of blank bytes only
        self.first_record: bytes | None = None  # the header (CSV) or first line (JSON Lines)
        self.first_buffer = bytearray()
        self.first_too_long = False
        self.data_start = -1
        self.rows = 0
        self.in_range = 0
        self.range_start = -1
        self.range_first_row = 0
        self.ranges: list[ByteRange] = []

    def feed(self, chunk: bytes, offset: int) -> None:
        pos = self.skip if offset == 0 else 0
        if self.format is None:
            m = _LINE_SIGNIFICANT.search(chunk, pos)
            if m is None:  # blank lines so far
                self._segments(chunk, offset, pos, self.ends.feed(chunk, pos), len(chunk))
                return
            first = chunk[m.start() : m.start() + 1]
            if first == b"[":
                raise FileRejected(
                    "bad_json",
                    "this is a JSON array; upload JSON Lines, one object per line",
                    "这是 JSON 数组：请上传 JSON Lines，每行一个对象",
                )
            blank_ends = self.ends.feed(chunk[: m.start()], pos)
            pos = self._segments(chunk, offset, pos, blank_ends, blank_ends[-1] if blank_ends else pos)
            self.format = "jsonl" if first == b"{" else "csv"
            if self.format == "jsonl":
                self.ends = _RecordEnds(quoted=False)
                self.significant = _LINE_SIGNIFICANT
                self.data_start = self.range_start = self.record_start
                self.range_first_row = self.record_no
        self._segments(chunk, offset, pos, self.ends.feed(chunk, pos), len(chunk))

    def _segments(self, chunk: bytes, offset: int, pos: int, ends: list[int], stop: int) -> int:
        """Takes chunk[pos:stop] in, finishing a record at each of `ends`; returns `stop`."""
        for end in ends:
            self._take(chunk, pos, end)
            self._record_done(offset + end)
            pos = end
        self._take(chunk, pos, stop)
        return stop

    def _take(self, chunk: bytes, start: int, end: int) -> None:
        """Notes what chunk[start:end] adds to the current record."""
        if start >= end:
            return
        if self.first_record is None and self.format is not None and not self.first_too_long:
            self.first_buffer += chunk[start:end]
            if len(self.first_buffer) > MAX_HEADER_BYTES:
                if self.format == "csv":
                    raise FileRejected(
                        "bad_header",
                        f"the header row is longer than {MAX_HEADER_BYTES:,} bytes",
                        f"表头行超过 {MAX_HEADER_BYTES:,} 字节",
                    )
                self.first_too_long = True  # a long first JSON line: read_range will judge it
                self.first_buffer.clear()
        if self.record_significant:
            return
        if self.significant.search(chunk, start, end):
            self.record_significant = True
            self.blank_bytes.clear()
        elif len(self.blank_bytes) <= MAX_HEADER_BYTES:
            self.blank_bytes += chunk[start:end]

    def _record_done(self, end: int) -> None:
        blank = not self.record_significant and self._blank_csv_record()
        self.record_significant = False
        self.blank_bytes.clear()
        if self.first_record is None and not blank and self.format == "csv":
            record = bytes(self.first_buffer)
            if not self.is_header(record):  # a title block above the header row
                self.first_buffer.clear()
                self.candidates.append(record)
                self.title_rows += 1
                if self.title_rows > MAX_TITLE_ROWS:
                    raise _NoHeader()
                self.record_no += 1
                self.record_start = end
                return
        if self.first_record is None and not blank:
            self.first_record = b"{}" if self.first_too_long else bytes(self.first_buffer)
            self.first_buffer.clear()
            if self.format == "csv":  # the header: data starts after it
                self.data_start = self.range_start = end
                self.range_first_row = self.record_no + 1
                self.record_no += 1
                self.record_start = end
                return
        self.first_buffer.clear()
        if not blank and self.data_start >= 0:
            self.rows += 1
            self.in_range += 1
            if self.in_range == self.rows_per_range:
                self.ranges.append(ByteRange(self.range_start, end, self.range_first_row))
                self.range_start, self.range_first_row, self.in_range = end, self.record_no + 1, 0
        self.record_no += 1
        self.record_start = end

    def _blank_csv_record(self) -> bool:
        """A record of blank bytes only is blank unless its quotes hold something: four quotes are one."""
        if self.format != "csv" or b'"' not in self.blank_bytes:
            return True
        if len(self.blank_bytes) > MAX_HEADER_BYTES:
            return False
        try:
            fields = next(csv.reader([self.blank_bytes.decode("ascii")], strict=True), [])
        except csv.Error:
            return False
        return all(not f.strip(" \t\r\n") for f in fields)

    def finish(self, size: int) -> None:
        if self.record_start < size:  # the last record has no line break
            self._record_done(size)
        if self.data_start < 0 or self.range_start >= size:
            return
        if self.in_range == 0 and self.ranges:  # only blank records after the last range
            last = self.ranges.pop()
            self.ranges.append(ByteRange(last.start, size, last.first_row))
        else:
            self.ranges.append(ByteRange(self.range_start, size, self.range_first_row))


def _decode(record: bytes, encoding: str) -> str:
    return record.decode("utf-8-sig" if encoding == "utf-8-sig" else encoding)


class _NoHeader(Exception):
    """None of the first records is a header row: the file is refused without reading on."""


def _guess(records: list[bytes]) -> str:
    for encoding in ("utf-8", "gb18030"):
        try:
            for r in records:
                r.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return "gb18030"


@dataclass(frozen=True)
class HeaderMatch:
    """A record read as the header row: each column's field ("" ignored) and what is missing."""

    texts: tuple[str, ...]  # as written
    header: tuple[str, ...]  # the field each column feeds, "" for none
    missing: tuple[str, ...]  # required fields no column feeds
    missing_groups: tuple[tuple[str, ...], ...]  # groups of which one field is needed and none is fed
    mapped: tuple[int, ...] = ()  # the columns the partner's saved mapping decided

    @property
    def complete(self) -> bool:
        return not self.missing and not self.missing_groups

    @property
    def found(self) -> int:
        return sum(1 for h in self.header if h)


def mapping_applies(mapping: Mapping[str, str | None] | None, keys: Iterable[str]) -> bool:
    """Whether a header row (its header keys) holds every text a saved mapping maps to a field."""
    present = set(keys)
    return bool(mapping) and all(k in present for k, field in (mapping or {}).items() if field)


def match_header(
    file_type: str, texts: Iterable[str], mapping: Mapping[str, str | None] | None = None
) -> HeaderMatch:
    """Which field each header text stands for. When two columns stand for one field (手机号 and
    联系电话) the name earlier in the spec's list wins; the other is ignored like any extra column.
    A saved `mapping` (header key → field or None) the row holds decides its columns first; the
    other columns go by the aliases to the fields it leaves."""
    spec = SCHEMAS[file_type]
    table = LOOKUP[file_type]
    texts = tuple(texts)
    keys = [column_name(t) if t.strip() else "" for t in texts]
    saved = mapping if mapping_applies(mapping, keys) else None
    found: list[tuple[str, int] | None] = []
    mapped: list[int] = []
    for position, key in enumerate(keys):
        if saved is not None and key and key in saved:
            field = saved[key]
            found.append((field, -1) if field else None)  # -1: before any alias
            mapped.append(position)
        else:
            found.append(table.get(key) if key else None)
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, position)
    for position, hit in enumerate(found):
        if hit is not None and (hit[0] not in best or hit[1] < best[hit[0]][0]):
            best[hit[0]] = (hit[1], position)
    winners = {position: name for name, (_, position) in best.items()}
    header = tuple(winners.get(i, "") for i in range(len(texts)))
    missing = tuple(c.name for c in spec.columns if c.required and c.name not in best)
    groups = tuple(g for g in spec.one_of if not any(name in best for name in g))
    return HeaderMatch(texts, header, missing, groups, tuple(mapped))


def _match(
    file_type: str,
    record: bytes | None,
    encoding: str | None = None,
    mapping: Mapping[str, str | None] | None = None,
) -> HeaderMatch:
    """A raw record read as a header row (decoded as UTF-8, else GB18030, while the file's own
    encoding is not settled yet)."""
    text = None
    for name in (encoding,) if encoding else ("utf-8-sig", "gb18030"):
        try:
            text = _decode(record or b"", name)
            break
        except UnicodeDecodeError:
            continue
    try:
        names = next(csv.reader([text or ""], strict=True), [])
    except csv.Error:
        names = []
    return match_header(file_type, names, mapping)


def _zh_name(file_type: str, name: str) -> str:
    column = SCHEMAS[file_type].column(name)
    return next((a for a in column.aliases if not a.isascii()), name)


def _reject_header(file_type: str, m: HeaderMatch) -> None:
    spec = SCHEMAS[file_type]
    expected = ", ".join(c.name for c in spec.columns)
    zh_expected = "、".join(_zh_name(file_type, c.name) for c in spec.columns)
    en, zh = [], []
    if m.missing:
        en.append("missing column(s): " + ", ".join(f"{n} ({_zh_name(file_type, n)})" for n in m.missing))
        zh.append("缺少列：" + "、".join(f"「{_zh_name(file_type, n)}」" for n in m.missing))
    for group in m.missing_groups:
        en.append("one of the columns " + " or ".join(group) + " is needed")
        zh.append("需要「" + "」或「".join(_zh_name(file_type, n) for n in group) + "」列")
    seen = "、".join(t.strip() for t in m.texts if t.strip()) or "（空）"
    raise FileRejected(
        "bad_header",
        f"{'; '.join(en)} (the header row read: {', '.join(t.strip() for t in m.texts if t.strip())}; "
        f"a {file_type} file has: {expected})",
        f"{'；'.join(zh)}（读到的表头：{seen}；{file_type} 文件的列：{zh_expected}）",
    )


def _check_first_line(record: bytes | None, encoding: str) -> None:
    try:
        value = load_json_line(_decode(record or b"", encoding))
    except LineRefused:
        return  # an object beyond a row's limits: read_range refuses that row, the file goes on
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise FileRejected(
            "bad_json",
            "the first line is not a JSON object; JSON Lines holds one complete object per line",
            "第一行不是 JSON 对象：JSON Lines 每行是一个完整的对象",
        )


# --------------------------------------------------------------------------------- read a range
def read_range(chunks: Iterable[bytes], layout: Layout, rng: ByteRange) -> Iterator[RawRow]:
    """The rows of one range, given its bytes [rng.start, rng.end). Blank records are skipped;
    a record that is not a row (wrong field count, not a JSON object) comes with an error."""
    ends = _RecordEnds(quoted=layout.format == "csv")
    encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding  # ranges hold no BOM
    parse = _csv_record if layout.format == "csv" else _json_record
    pending = bytearray()
    too_long = False
    row = rng.first_row
    for chunk in chunks:
        pos = 0
        for end in ends.feed(chunk):
            record = chunk[pos:end] if not pending else bytes(pending + chunk[pos:end])
            found = _too_long(row) if too_long else parse(row, record, encoding, layout)
            if found is not None:
                yield found
            pending.clear()
            too_long, row, pos = False, row + 1, end
        if not too_long:
            pending += chunk[pos:]
            if len(pending) > MAX_RECORD_BYTES:
                too_long = True
                pending.clear()
    if pending or too_long:
        found = _too_long(row) if too_long else parse(row, bytes(pending), encoding, layout)
        if found is not None:
            yield found


def _too_long(row: int) -> RawRow:
    return RawRow(
        row,
        None,
        f"the row is longer than {MAX_RECORD_BYTES:,} bytes (is a quote left open?)",
        error_zh=f"这一行超过 {MAX_RECORD_BYTES:,} 字节（是不是有引号没有闭合？）",
    )


def _csv_record(row: int, record: bytes, encoding: str, layout: Layout) -> RawRow | None:
    if not _CSV_SIGNIFICANT.search(record) and b'"' not in record:
        return None
    try:
        values = next(csv.reader([record.decode(encoding)], strict=True), [])
    except UnicodeDecodeError:
        return RawRow(row, None, f"the row is not valid {encoding}", error_zh=f"这一行不是有效的 {encoding}")
    except csv.Error as exc:
        if "end of data" in str(exc):
            return RawRow(row, None, "a quoted field is not closed", error_zh="有引号没有闭合")
        return RawRow(row, None, f"the row is not valid CSV ({exc})", error_zh=f"不是有效的 CSV（{exc}）")
    first = next((v for v in values if v.strip(" \t\r\n")), None)
    if first is None:
        return None
    if len(first) <= 12 and not first[:1].isdigit() and _is_total(fold(first)):
        return RawRow(row, None, None, tuple(values), skipped=True)
    header = layout.header or ()
    if len(values) != len(header):
        return RawRow(
            row,
            None,
            f"the row has {len(values)} fields, the header has {len(header)}",
            tuple(values),
            error_zh=f"这一行有 {len(values)} 列，表头有 {len(header)} 列",
        )
    fields = {name: value for name, value in zip(header, values, strict=True) if name}
    return RawRow(row, fields, None, tuple(values))


def _json_record(row: int, record: bytes, encoding: str, layout: Layout) -> RawRow | None:
    if not _LINE_SIGNIFICANT.search(record):
        return None
    try:
        value = load_json_line(record.decode(encoding))
    except UnicodeDecodeError:
        return RawRow(row, None, f"the line is not valid {encoding}", error_zh=f"这一行不是有效的 {encoding}")
    except LineRefused as exc:
        return RawRow(row, None, exc.en, error_zh=exc.zh, error_code=exc.code)
    except json.JSONDecodeError as exc:
        return RawRow(
            row,
            None,
            f"the line is not valid JSON ({exc.msg} at column {exc.colno})",
            error_zh=f"这一行不是有效的 JSON（第 {exc.colno} 个字符：{exc.msg}）",
        )
    if not isinstance(value, dict):
        return RawRow(row, None, "the line is not a JSON object", error_zh="这一行不是 JSON 对象")
    fields: dict[str, Any] = {}
    for key, cell in value.items():  # keys no column takes are ignored, as a CSV's extra columns
        name = canonical_column(layout.file_type, str(key))
        if name is not None and name not in fields:
            fields[name] = cell
    return RawRow(row, fields, None)
