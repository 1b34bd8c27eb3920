"""Partner files as spreadsheets save them: survey, byte ranges, rows and their typed values."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from tanhui.imports.formats import (
    FILE_TYPES,
    SCHEMAS,
    ByteRange,
    FileRejected,
    Layout,
    RawRow,
    RowInvalid,
    Who,
    header_for,
    normalise_phone,
    parse_row,
    read_range,
    schemas_markdown,
    survey,
)
from tanhui.imports.rows import CarTrips, HotelStay, ProductSale, UtilitySaving, WasteSorting

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "imports"
MiB = 1024 * 1024


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def read_all(
    data: bytes, file_type: str, *, size: int = 64 * 1024, rows_per_range: int = 5000
) -> list[RawRow]:
    layout = survey(chunked(data, size), file_type, rows_per_range=rows_per_range, max_bytes=100 * MiB)
    return [raw for r in layout.ranges for raw in read_range(chunked(data[r.start : r.end], size), layout, r)]


def hotel_csv(*rows: str, header: str = "guest,room,check_in,nights", eol: str = "\n") -> bytes:
    return eol.join((header, *rows)).encode() + eol.encode()


# -------------------------------------------------------------------------------- dialects
@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_given_chinese_csv_in_each_encoding_when_surveyed_then_it_is_detected_and_read(encoding, expected):
    text = (
        "手机号,房号,入住日期,晚数\r\n"
        "13800138000,普惠专房1301,2026/11/3,2\r\n"
        "13800138001,𠀀楼,2026/11/4,1\r\n"
    )
    if encoding == "gbk":
        text = text.replace("𠀀", "甲")  # outside GBK; GB18030 has it
    data = text.encode(encoding)
    layout = survey([data], "hotel_stays", max_bytes=MiB)
    assert (layout.encoding, layout.format, layout.rows) == (expected, "csv", 2)
    assert layout.header == ("guest", "room", "check_in", "nights")
    rows = read_all(data, "hotel_stays")
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].fields == {
        "guest": "13800138000",
        "room": "普惠专房1301",
        "check_in": "2026/11/3",
        "nights": "2",
    }


def test_given_quoted_commas_newlines_and_escaped_quotes_when_read_then_each_record_is_one_row():
    data = hotel_csv(
        '13800138000,"A, 1",2026-11-03,2',
        '13800138001,"line one\r\nline ""two""",2026-11-04,1',
        '"13800138002","",2026-11-05,1',
        eol="\r\n",
    )
    rows = read_all(data, "hotel_stays")
    assert [(r.row, r.fields and r.fields["room"]) for r in rows] == [
        (2, "A, 1"),
        (3, 'line one\r\nline "two"'),
        (4, ""),
    ]


def test_given_trailing_empty_lines_and_comma_only_rows_when_read_then_they_are_skipped_not_counted():
    data = hotel_csv("13800138000,1,2026-11-03,2", ",,,", '"","",,', "", "13800138001,2,2026-11-04,1", "", "")
    layout = survey([data], "hotel_stays", max_bytes=MiB)
    assert layout.rows == 2
    assert [r.row for r in read_all(data, "hotel_stays")] == [2, 6]


def test_given_a_last_row_without_a_line_break_when_read_then_it_is_read():
    data = hotel_csv("13800138000,1,2026-11-03,2").rstrip(b"\n")
    assert [r.row for r in read_all(data, "hotel_stays", size=1)] == [2]


def test_given_json_lines_when_read_then_rows_are_numbered_by_physical_line():
    data = (SAMPLES / "waste_sorting.jsonl").read_bytes()
    layout = survey([data], "waste_sorting", max_bytes=MiB)
    assert (layout.format, layout.header, layout.rows, layout.data_start) == ("jsonl", None, 3, 0)
    rows = read_all(data, "waste_sorting")
    assert [r.row for r in rows] == [1, 2, 4]
    assert rows[1].fields == {
        "card": "GZ-0001-2346",
        "time": "2026-11-05 08:02",
        "category": "厨余",
        "kg": 0.85,
    }


def test_given_json_lines_with_a_bom_and_bad_lines_when_read_then_bad_lines_are_error_rows():
    data = b'\xef\xbb\xbf\n{"card": "1", "month": "2026-10", "trips": 3}\n[1, 2]\n{"card": \n'
    layout = survey([data], "transit_trips", max_bytes=MiB)
    assert (layout.encoding, layout.data_start, layout.ranges[0].first_row) == ("utf-8-sig", 4, 2)
    rows = read_all(data, "transit_trips")
    assert [(r.row, r.error is None) for r in rows] == [(2, True), (3, False), (4, False)]
    assert rows[1].error == "the line is not a JSON object"
    assert rows[2].error is not None and rows[2].error.startswith("the line is not valid JSON")


DEEP = '{"card": "1", "month": "2026-10", "trips": 3, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE = '{"card": "1", "month": "2026-10", "trips": ' + "7" * 5000 + "}"


@pytest.mark.parametrize(
    ("line", "code", "zh"),
    [
        (HUGE, "number_too_long", "这一行有一个 5,000 位的数字：最多读 64 位"),
        ('{"card": "1", "month": "2026-10", "trips": -' + "9" * 65 + "}", "number_too_long", "66 位"),
        ('{"card": "1", "month": "2026-10", "trips": 1.' + "5" * 70 + "}", "number_too_long", "72 位"),
        (DEEP, "nested_too_deep", "嵌套超过 8 层"),
        ('{"card": "1", "x": {"a": {"b": [[[[[[[1]]]]]]]}}}', "nested_too_deep", "嵌套超过 8 层"),
        ('{"card": "1", "month": "2026-10", "trips": NaN}', "number_not_finite", "NaN 不是有限的数字"),
        ('{"card": "1", "month": "2026-10", "trips": -Infinity}', "number_not_finite", "-Infinity"),
        ('{"card": "1", "month": "2026-10", "trips": 1e999}', "number_not_finite", "1e999"),
    ],
)
def test_given_a_json_line_beyond_a_rows_limits_when_read_then_it_is_a_rejected_row_and_the_file_goes_on(
    line, code, zh
):
    good = '{"card": "2", "month": "2026-10", "trips": 30}'
    data = "\n".join((good, line, good, "")).encode()
    layout = survey(chunked(data, 4096), "transit_trips", max_bytes=MiB)
    assert layout.rows == 3
    rows = read_all(data, "transit_trips", size=4096)
    assert [(r.row, r.error is None) for r in rows] == [(1, True), (2, False), (3, True)]
    assert rows[1].error_code == code and zh in (rows[1].error_zh or ""), rows[1]
    assert rows[1].error and rows[1].error_zh and rows[1].fields is None


def test_given_a_first_json_line_beyond_a_rows_limits_then_the_file_is_json_lines_and_only_that_row_refused():
    good = '{"card": "2", "month": "2026-10", "trips": 30}'
    for first in (HUGE, DEEP):
        data = "\n".join((first, good, "")).encode()
        assert survey([data], "transit_trips", max_bytes=MiB).format == "jsonl"
        rows = read_all(data, "transit_trips")
        assert [r.error_code for r in rows if r.error] == [
            "number_too_long" if first is HUGE else "nested_too_deep"
        ]
        assert [r.fields for r in rows if not r.error] == [{"card": "2", "month": "2026-10", "trips": 30}]


def test_given_json_lines_within_the_limits_then_they_read_as_before():
    from tanhui.imports.formats import MAX_JSON_DEPTH, load_json_line

    nested = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    line = f'{{"a": {"9" * 64}, "b": 0.5, "c": -1e-300, "d": "[[[[[[[[[[[[\\"{{{{{{{{{{", "e": {nested}}}'
    assert load_json_line(line) == {
        "a": int("9" * 64),
        "b": 0.5,
        "c": -1e-300,
        "d": '[[[[[[[[[[[["{{{{{',
        "e": json.loads(nested),
    }


@pytest.mark.parametrize("written", ["1e99999999", "-1e99999999", "1e-99999999", "1" + "0" * 31])
def test_given_a_number_written_with_a_huge_exponent_then_it_is_an_invalid_value_not_a_crash(written):
    usage = {"account": "1", "utility": "电", "period": "2026-10", "usage": written, "standard": "100"}
    for file_type, row, column in (
        ("transit_trips", {"card": "1", "month": "2026-10", "trips": written}, "trips"),  # a whole number
        ("utility_savings", usage, "usage"),  # a decimal
    ):
        with pytest.raises(RowInvalid) as caught:
            parse_row(file_type, row)
        assert (caught.value.zh, caught.value.column) == ("超出文件中数字的范围", column)


def test_given_a_row_with_the_wrong_number_of_fields_when_read_then_it_is_an_error_row():
    rows = read_all(hotel_csv("13800138000,1,2026-11-03", '13800138000,1,2026-11-03,2,"x"'), "hotel_stays")
    assert [r.error for r in rows] == [
        "the row has 3 fields, the header has 4",
        "the row has 5 fields, the header has 4",
    ]
    assert [r.error_zh for r in rows] == ["这一行有 3 列，表头有 4 列", "这一行有 5 列，表头有 4 列"]
    assert all(r.fields is None for r in rows)
    assert rows[1].values == ("13800138000", "1", "2026-11-03", "2", "x")  # for the rejects file


def test_given_an_unclosed_quote_when_read_then_the_rest_is_one_error_row():
    rows = read_all(
        hotel_csv("13800138000,1,2026-11-03,2", '13800138001,"open,2026-11-04,1', "x,y,z,w"), "hotel_stays"
    )
    assert [(r.row, r.error, r.error_zh) for r in rows] == [
        (2, None, None),
        (3, "a quoted field is not closed", "有引号没有闭合"),
    ]


def test_given_header_names_in_other_cases_spaces_and_aliases_then_they_map_to_the_columns():
    data = hotel_csv("13800138000,1,2026-11-03,2", header=" Guest , 房间号,Check In,间夜数")
    assert survey([data], "hotel_stays", max_bytes=MiB).header == ("guest", "room", "check_in", "nights")
    data = hotel_csv("13800138000,1,2026-11-03,2,", header="guest,room,check_in,nights,")
    layout = survey([data], "hotel_stays", max_bytes=MiB)
    assert layout.header == ("guest", "room", "check_in", "nights", "")
    assert read_all(data, "hotel_stays")[0].fields == {
        "guest": "13800138000",
        "room": "1",
        "check_in": "2026-11-03",
        "nights": "2",
    }


# ------------------------------------------------------------------------------------ ranges
def generated_csv(rows: int) -> bytes:
    """A CSV with quoted newlines and commas, blank lines and Chinese text every so often."""
    out = io.BytesIO()
    out.write("住客,房号,入住日期,晚数\r\n".encode())
    for i in range(rows):
        room = f'"{i}号,\r\n""东楼"""' if i % 97 == 0 else f"房{i}"
        out.write(f"1380013{i % 10000:04d},{room},2026-11-{i % 28 + 1:02d},{i % 31 + 1}\r\n".encode())
        if i % 1013 == 0:
            out.write(b",,,\r\n")
    out.write(b"\r\n\r\n")
    return out.getvalue()


def reference_rows(data: bytes) -> list[tuple[int, list[str]]]:
    """What the csv module makes of the whole file, numbered as a spreadsheet shows it."""
    records = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    return [(n, rec) for n, rec in enumerate(records, start=1) if n > 1 and any(f.strip() for f in rec)]


@pytest.fixture(scope="module")
def big() -> bytes:
    return generated_csv(23_456)


@pytest.mark.parametrize("size", [1, 7, 64 * 1024])
def test_given_23456_rows_in_odd_chunks_when_surveyed_then_ranges_cover_every_row_once(big, size):
    layout = survey(chunked(big, size), "hotel_stays", rows_per_range=1000, max_bytes=100 * MiB)
    assert layout.rows == 23_456
    assert len(layout.ranges) == 24
    assert layout.ranges[0].start == layout.data_start
    assert all(a.end == b.start for a, b in zip(layout.ranges, layout.ranges[1:], strict=False))
    assert layout.ranges[-1].end == len(big)
    assert all(big[r.end - 1 : r.end] == b"\n" for r in layout.ranges)
    if size == 1:
        return  # the same ranges as the 7-byte pass; reading them byte by byte only takes time
    rows = [raw for r in layout.ranges for raw in read_range(chunked(big[r.start : r.end], size), layout, r)]
    assert all(r.error is None for r in rows)
    assert [(r.row, list(r.fields.values())) for r in rows if r.fields] == reference_rows(big)


def test_given_the_same_file_in_any_chunks_then_the_layout_is_the_same(big):
    layouts = {
        survey(chunked(big, size), "hotel_stays", rows_per_range=1000, max_bytes=100 * MiB)
        for size in (7, 4096, len(big))
    }
    assert len(layouts) == 1


def test_given_each_range_then_its_first_row_is_the_row_number_of_its_first_record(big):
    layout = survey([big], "hotel_stays", rows_per_range=1000, max_bytes=100 * MiB)
    for r in layout.ranges:
        first = next(read_range([big[r.start : r.end]], layout, r))
        assert first.row >= r.first_row
    assert sum(1 for r in layout.ranges for _ in read_range([big[r.start : r.end]], layout, r)) == 23_456


def test_given_a_200k_row_stream_when_surveyed_then_memory_stays_at_a_few_chunks():
    line = "13800138000,房1208,2026-11-03,2\r\n".encode()
    chunk = 64 * 1024

    def stream() -> Iterator[bytes]:
        yield b"guest,room,check_in,nights\r\n"
        block = line * 2000
        for _ in range(100):
            for i in range(0, len(block), chunk):
                yield block[i : i + chunk]

    size = len(line) * 200_000
    tracemalloc.start()
    layout = survey(stream(), "hotel_stays", rows_per_range=5000, max_bytes=100 * MiB)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert layout.rows == 200_000 and len(layout.ranges) == 40
    assert peak < 6 * chunk + len(line) * 2000, (peak, size)
    assert peak < size / 10


# ------------------------------------------------------------------------------- quarantine
@pytest.mark.parametrize(
    ("data", "file_type", "code", "words"),
    [
        (b"guest,room\n1,2\n", "boat_rides", "unknown_type", "boat_rides"),
        (b"guest,room,check_in,nights\n\x81\xff\xfe,1,2,3\n", "hotel_stays", "undecodable", "GB18030"),
        (b"\xef\xbb\xbfguest,room,check_in,nights\n\xd6\xd0,1,2,3\n", "hotel_stays", "undecodable", "UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00", "hotel_stays", "undecodable", "xlsx"),
        ("guest,room".encode("utf-16"), "hotel_stays", "undecodable", "UTF-16"),
        (b"guest,room,check_in,nights\n1,\x00,2,3\n", "hotel_stays", "undecodable", "NUL"),
        (b"guest,room,nights,colour\n1,2,3,4\n", "hotel_stays", "bad_header", "missing column(s): check_in"),
        (b"guest,room,nights,colour\n1,2,3,4\n", "hotel_stays", "bad_header", "header row read: guest, room"),
        (b"guest,room,check_in,colour\n1,2,3,4\n", "hotel_stays", "bad_header", "nights or check_out"),
        (b"13800138000,1208,2026-11-03,2\n", "hotel_stays", "bad_header", "guest, room, check_in, check_out"),
        (b"", "hotel_stays", "empty_file", "empty"),
        (b"\r\n \r\n\r\n", "hotel_stays", "empty_file", "blank"),
        (b"guest,room,check_in,nights\r\n,,,\r\n\r\n", "hotel_stays", "empty_file", "no data rows"),
        (b'[{"card": "1"}]', "transit_trips", "bad_json", "JSON array"),
        (b'{\n  "card": "1"\n}\n', "transit_trips", "bad_json", "one complete object per line"),
    ],
)
def test_given_a_file_that_cannot_be_imported_then_it_is_rejected_with_a_reason(data, file_type, code, words):
    with pytest.raises(FileRejected) as caught:
        survey(chunked(data, 3) if data else [], file_type, max_bytes=MiB)
    assert caught.value.code == code
    assert words in caught.value.message


def test_given_a_file_over_the_limit_then_it_is_too_large_before_it_is_read_to_the_end():
    def endless() -> Iterator[bytes]:
        yield b"guest,room,check_in,nights\n"
        while True:
            yield b"13800138000,1,2026-11-03,2\n" * 1000

    with pytest.raises(FileRejected) as caught:
        survey(endless(), "hotel_stays", max_bytes=MiB)
    assert caught.value.code == "too_large"


# ------------------------------------------------------------------------------------ samples
def sample_type(path: Path) -> str:
    return next(t for t in FILE_TYPES if path.stem.startswith(t))


SAMPLE_FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".jsonl"))


def test_given_the_samples_then_there_is_one_per_type_a_gbk_one_and_a_json_lines_one():
    assert {sample_type(p) for p in SAMPLE_FILES} == set(FILE_TYPES)
    gbk = (SAMPLES / "hotel_stays_gbk.csv").read_bytes()
    assert survey([gbk], "hotel_stays", max_bytes=MiB).encoding == "gb18030" and b"\r\n" in gbk
    assert any(p.suffix == ".jsonl" for p in SAMPLE_FILES)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_given_a_sample_file_then_every_row_parses(path):
    rows = read_all(path.read_bytes(), sample_type(path), size=5)
    assert 3 <= len(rows) <= 6
    assert [r.error for r in rows] == [None] * len(rows)
    for raw in rows:
        assert raw.fields is not None
        parse_row(sample_type(path), raw.fields)


def test_given_the_gbk_sample_then_its_quoted_comma_and_newline_survive():
    rows = read_all((SAMPLES / "hotel_stays_gbk.csv").read_bytes(), "hotel_stays")
    stay = parse_row("hotel_stays", rows[1].fields or {})
    assert stay == HotelStay(Who("phone", "+8613800138012"), "1302, 海景房\r\n不换床单", date(2026, 11, 4), 1)


# ------------------------------------------------------------------------------------- phones
@pytest.mark.parametrize(
    "text",
    [
        "138 0013 8000",
        "+86-138-0013-8000",
        "13800138000",
        "008613800138000",
        "+86 13800138000",
        "86 13800138000",
        "(+86) 138 0013 8000",
        "１３８００１３８０００",
        "13800138000.0",
    ],
)
def test_given_a_mainland_mobile_in_a_local_form_then_it_becomes_e164(text):
    assert normalise_phone(text) == "+8613800138000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+852 9123 4567", "+85291234567"),
        ("0085291234567", "+85291234567"),
        ("+1 415 555 0100", "+14155550100"),
        ("12800138000", None),
        ("1380013800", None),
        ("+86 20 8888 8888", None),
        ("020-88888888", None),
        ("1.38001E+10", None),
        ("", None),
        ("abc", None),
        ("+0123456789", None),
    ],
)
def test_given_other_numbers_then_e164_with_a_plus_is_kept_and_the_rest_refused(text, expected):
    assert normalise_phone(text) == expected


# ---------------------------------------------------------------------------------- row types
def reason_for(file_type: str, fields: dict[str, object]) -> str:
    with pytest.raises(RowInvalid) as caught:
        parse_row(file_type, fields)
    return caught.value.reason


def hotel(**change: object) -> dict[str, object]:
    return {"guest": "13800138000", "room": " 1208 ", "check_in": "2026/11/3", "nights": "2"} | change


def test_given_a_good_hotel_stay_then_it_parses_with_a_phone_or_a_user_id():
    assert parse_row("hotel_stays", hotel()) == HotelStay(
        Who("phone", "+8613800138000"), "1208", date(2026, 11, 3), 2
    )
    sub = "8C1F4A2E-5B7D-4E19-9A63-2F0D8E6B1C47"
    assert parse_row("hotel_stays", hotel(guest=sub, nights="3.0", check_in="2026年11月3日")).guest == Who(
        "user_id", sub.lower()
    )
    assert parse_row(
        "hotel_stays", {"手机号": "13800138000", "房号": "1", "入住日期": "2026-11-03", "晚数": 1}
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"guest": "Zhang San"},
            'guest "Zhang San" is neither an 11-digit mobile number nor a user id (UUID)',
        ),
        ({"guest": ""}, "guest is required"),
        ({"room": None}, "room is required"),
        ({"check_in": "2026-02-30"}, 'check_in "2026-02-30" is not a day of the calendar'),
        (
            {"check_in": "03/11/2026"},
            'check_in "03/11/2026" is not a date like 2026-11-03 or 2026/11/3',
        ),
        ({"nights": "0"}, 'nights "0" is not between 1 and 31'),
        ({"nights": "32"}, 'nights "32" is not between 1 and 31'),
        ({"nights": "2.5"}, 'nights "2.5" is not a whole number'),
        ({"nights": "two"}, 'nights "two" is not a number'),
        ({"nights": True}, 'nights "True" is not a number'),
        ({"colour": "red"}, "colour is not a column of this file type"),
    ],
)
def test_given_a_bad_hotel_stay_then_the_reason_names_the_column(change, reason):
    assert reason_for("hotel_stays", hotel(**change)) == reason


def sale(**change: object) -> dict[str, object]:
    base = {
        "buyer": "+86 138 0013 8000",
        "sku": "LED-9W",
        "gtin": "",
        "serial": "",
        "quantity": "2",
        "sold_at": "2026-11-03",
        "salesperson": "王芳",
        "receipt": "R-12",
        "receipt_line": "",
    }
    return base | change


def test_given_good_product_sales_then_they_parse():
    assert parse_row("product_sales", sale()) == ProductSale(
        Who("phone", "+8613800138000"), "LED-9W", None, None, 2, date(2026, 11, 3), "王芳", "R-12", "1"
    )
    row = parse_row(
        "product_sales",
        sale(
            sku="",
            gtin="6901234567892",
            serial="0a1b 2c3d-4e5f 6071",
            quantity="1",
            receipt="",
            sold_at="2026-11-03T10:15:00+08:00",
        ),
    )
    assert isinstance(row, ProductSale)
    assert (row.gtin, row.serial, row.receipt) == ("06901234567892", "0A1B2C3D4E5F6071", None)
    assert row.sold_at == datetime(2026, 11, 3, 2, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sku": ""}, "sku or gtin is required"),
        ({"gtin": "6901234567891"}, 'gtin "6901234567891" has a wrong check digit'),
        ({"gtin": "690123"}, 'gtin "690123" is not 8, 12, 13 or 14 digits'),
        (
            {"gtin": "6.90123E+12"},
            'gtin "6.90123E+12" is a number the spreadsheet shortened; format the column as '
            "text and export again",
        ),
        (
            {"serial": "0A1B-2C3D"},
            'serial "0A1B-2C3D" is not 16 hex characters (e.g. 0A1B-2C3D-4E5F-6071)',
        ),
        (
            {"serial": "0A1B2C3D4E5F6071"},
            'quantity "2" must be 1 when a serial is given (one serial is one item)',
        ),
        ({"receipt": ""}, "receipt is required when there is no serial"),
        ({"quantity": "101"}, 'quantity "101" is not between 1 and 100'),
        (
            {"sold_at": "yesterday"},
            'sold_at "yesterday" is not a date-time like 2026-11-03T08:15:00+08:00 or 2026-11-03 08:15',
        ),
    ],
)
def test_given_a_bad_product_sale_then_the_reason_names_the_column(change, reason):
    assert reason_for("product_sales", sale(**change)) == reason


def test_given_plant_adoptions_then_optional_values_may_be_empty_and_bounded_ones_are_checked():
    base = {
        "adopter": "13800138000",
        "tree_id": "DHS-1",
        "species": "木棉",
        "age_years": "",
        "height_m": "",
        "adopted_on": "2026-3-12",
    }
    row = parse_row("plant_adoptions", base)
    assert (row.age_years, row.height_m, row.adopted_on) == (None, None, date(2026, 3, 12))
    assert parse_row("plant_adoptions", base | {"height_m": " 12.50 "}).height_m == Decimal("12.50")
    for change, reason in [
        ({"age_years": "501"}, 'age_years "501" is not between 0 and 500'),
        ({"height_m": "150.5"}, 'height_m "150.5" is not between 0 and 150'),
        ({"height_m": "-1"}, 'height_m "-1" is not between 0 and 150'),
        ({"species": "  "}, "species is required"),
    ]:
        assert reason_for("plant_adoptions", base | change) == reason


def test_given_transit_trips_then_months_in_spreadsheet_forms_parse_and_limits_hold():
    for month in ("2026-10", "2026/10", "2026年10月", "2026/10/1", " 2026-10 "):
        assert (
            parse_row("transit_trips", {"card": " 5100 0123 ", "month": month, "trips": "16"}).month
            == "2026-10"
        )
    assert (
        parse_row("transit_trips", {"card": " 5100 0123 ", "month": "2026-10", "trips": 0}).card
        == "5100 0123"
    )
    for change, reason in [
        ({"month": "2026-13"}, 'month "2026-13" is not a month like 2026-11'),
        ({"month": "2026/10/15"}, 'month "2026/10/15" is not a month like 2026-11'),
        ({"trips": "501"}, 'trips "501" is not between 0 and 500'),
        (
            {"card": "5.10001E+15"},
            'card "5.10001E+15" is a number the spreadsheet shortened; format the column as '
            "text and export again",
        ),
    ]:
        assert (
            reason_for("transit_trips", {"card": "5100", "month": "2026-10", "trips": "3"} | change) == reason
        )


def test_given_utility_savings_then_aliases_and_thousands_separators_parse():
    row = parse_row(
        "utility_savings",
        {
            "account": "0301234567",
            "utility": "电",
            "period": "2026-09",
            "usage": "1,180.5",
            "standard": " 2,600 ",
        },
    )
    assert row == UtilitySaving("0301234567", "electricity", "2026-09", Decimal("1180.5"), Decimal("2600"))
    assert (
        parse_row(
            "utility_savings",
            {"account": "1", "utility": "气", "period": "2026-09", "usage": 0, "standard": 1.5},
        ).utility
        == "gas"
    )
    for change, reason in [
        ({"utility": "steam"}, 'utility "steam" is not one of electricity | water | gas'),
        ({"usage": "1000001"}, 'usage "1000001" is not between 0 and 1,000,000'),
        ({"standard": "-3"}, 'standard "-3" is not between 0 and 1,000,000'),
        ({"usage": "NaN"}, 'usage "NaN" is not a number'),
        ({"usage": "12,34"}, 'usage "12,34" is not a number'),
    ]:
        assert (
            reason_for(
                "utility_savings",
                {"account": "1", "utility": "water", "period": "2026-09", "usage": "1", "standard": "2"}
                | change,
            )
            == reason
        )


def test_given_car_trips_then_days_are_bounded_by_the_month_and_the_month_before():
    assert parse_row(
        "car_trips", {"plate": "粤A·12345", "month": "2026-03", "days_out": "31", "days_out_previous": "28"}
    ) == CarTrips("粤A·12345", "2026-03", 31, 28)
    assert (
        parse_row("car_trips", {"plate": "粤A1", "month": "2026-01", "days_out": "3"}).days_out_previous
        is None
    )
    for change, reason in [
        ({"month": "2026-02", "days_out": "29"}, 'days_out "29" is not between 0 and 28'),
        ({"days_out_previous": "29"}, 'days_out_previous "29" is not between 0 and 28'),
        (
            {"month": "2028-03", "days_out_previous": "30"},
            'days_out_previous "30" is not between 0 and 29',
        ),
        (
            {"month": "2027-01", "days_out_previous": "32"},
            'days_out_previous "32" is not between 0 and 31',
        ),
    ]:
        assert (
            reason_for("car_trips", {"plate": "粤A1", "month": "2026-03", "days_out": "3"} | change) == reason
        )


def test_given_waste_sorting_then_local_times_are_shanghai_and_exactly_one_amount_is_given():
    row = parse_row(
        "waste_sorting",
        {"card": "GZ-1", "time": "2026-11-03 07:45", "category": "塑料瓶", "quantity": "6", "kg": ""},
    )
    assert row == WasteSorting("GZ-1", datetime(2026, 11, 2, 23, 45, tzinfo=UTC), "plastic_bottle", 6, None)
    for text in ("2026-11-03T07:45:00+08:00", "2026-11-02T23:45:00Z", "2026/11/3 7:45:00"):
        assert parse_row(
            "waste_sorting", {"card": "1", "time": text, "category": "厨余", "kg": "1.2"}
        ).time == (datetime(2026, 11, 2, 23, 45, tzinfo=UTC))
    for change, reason in [
        (
            {"category": "glass"},
            'category "glass" is not one of plastic_bottle | paper | cardboard | kitchen_waste',
        ),
        ({"kg": "1.5"}, "plastic_bottle rows count items in quantity, with kg empty"),
        ({"category": "纸板"}, "cardboard rows weigh kg, with quantity empty"),
        ({"category": "paper", "quantity": "", "kg": "0"}, 'kg "0" is not more than 0 and at most 1,000'),
        ({"quantity": "1001"}, 'quantity "1001" is not between 1 and 1000'),
        (
            {"time": "2026-11-03"},
            'time "2026-11-03" is not a date-time like 2026-11-03T08:15:00+08:00 or 2026-11-03 08:15',
        ),
    ]:
        assert (
            reason_for(
                "waste_sorting",
                {"card": "1", "time": "2026-11-03 07:45", "category": "plastic_bottle", "quantity": "6"}
                | change,
            )
            == reason
        )


# ----------------------------------------------------------------------------------- schemas
def test_given_the_schemas_then_every_type_has_columns_with_a_chinese_alias_and_a_readme_table():
    assert tuple(SCHEMAS) == FILE_TYPES
    for file_type, schema in SCHEMAS.items():
        assert header_for(file_type) == tuple(c.name for c in schema.columns)
        for column in schema.columns:
            assert any(not a.isascii() for a in column.aliases), (file_type, column.name)
    table = schemas_markdown()
    assert table.count("\n") == 1 + sum(len(s.columns) for s in SCHEMAS.values())
    assert all(line.replace("\\|", "").count("|") == 6 for line in table.splitlines())


def test_given_a_template_header_then_a_file_with_it_surveys():
    for file_type in FILE_TYPES:
        layout = survey([",".join(header_for(file_type)).encode() + b"\nx\n"], file_type, max_bytes=MiB)
        assert isinstance(layout, Layout) and layout.ranges == (
            ByteRange(layout.data_start, layout.data_start + 2, 2),
        )


def test_given_json_keys_as_aliases_then_read_range_gives_canonical_names_and_ignores_the_rest():
    line = {"卡号": "1", "月份": "2026-10", "次数": 3, "持卡人": "张*"}
    data = json.dumps(line, ensure_ascii=False).encode() + b"\n"
    assert read_all(data, "transit_trips")[0].fields == {"card": "1", "month": "2026-10", "trips": 3}


def test_given_gbk_that_turns_up_late_when_surveyed_in_small_chunks_then_the_whole_file_decides():
    ascii_rows = "".join(f"13800138{i % 1000:03d},{i},2026-11-03,1\r\n" for i in range(5000))
    data = ("guest,room,check_in,nights\r\n" + ascii_rows + "13800138000,普惠专房,2026-11-03,1\r\n").encode(
        "gbk"
    )
    layout = survey(chunked(data, 7), "hotel_stays", rows_per_range=1000, max_bytes=MiB)
    assert (layout.encoding, layout.rows, len(layout.ranges)) == ("gb18030", 5001, 6)
    last = read_all(data, "hotel_stays", size=7, rows_per_range=1000)[-1]
    assert (last.row, last.fields and last.fields["room"]) == (5002, "普惠专房")


def test_given_blank_lines_before_the_header_then_rows_keep_the_spreadsheet_numbering():
    data = b"\r\n\r\nguest,room,check_in,nights\r\n13800138000,1,2026-11-03,2\r\n"
    layout = survey(chunked(data, 1), "hotel_stays", max_bytes=MiB)
    assert layout.ranges == (ByteRange(layout.data_start, len(data), 4),)
    assert [r.row for r in read_all(data, "hotel_stays")] == [4]


@pytest.mark.parametrize(
    "total", ["合计,,,2", ",,合计,2", "总计：2 条,,,", "Total,,,2", " ＴＯＴＡＬ ,,,2", "小计,,,2"]
)
def test_given_a_total_row_in_any_common_form_then_it_is_skipped_not_a_row(total):
    data = hotel_csv("13800138000,1,2026-11-03,1", total, "13800138001,1,2026-11-04,1")
    rows = read_all(data, "hotel_stays")
    assert [(r.row, r.skipped) for r in rows] == [(2, False), (3, True), (4, False)]
