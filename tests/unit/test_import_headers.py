"""Headers, phones and dates as people write them, as properties: any name a spec lists for a
column, in any case, spacing or full-width form, stands for that column; headers of other things
never do; a mainland mobile in any local form is that phone and one digit more or less is nobody's;
a day written in any of the usual forms (an Excel serial too) is that day."""

from __future__ import annotations

import csv
import io
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from tanhui.imports import values
from tanhui.imports.formats import read_range, survey
from tanhui.imports.rows import FILE_TYPES, SCHEMAS, canonical_column

MiB = 1024 * 1024
NAMES = [(t, c.name, n) for t, s in SCHEMAS.items() for c in s.columns for n in (c.name, *c.aliases)]
UNRELATED = (
    "序号", "姓名", "客人姓名", "备注", "房型", "房价", "金额", "单价", "证件号码", "身份证号", "性别",
    "地址", "操作员", "状态", "押金", "渠道", "商品名称", "规格", "户名", "持卡人", "车型", "颜色",
    "No.", "Name", "Remark", "Amount", "Status", "ID card", "Address",
)


def full_width(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ("\u3000" if ch == " " else ch)


@st.composite
def written(draw: st.DrawFn, name: str) -> str:
    """`name` as a clerk might type it: case changed, spaces around and between, full-width."""
    out = []
    for ch in name:
        if ch.isascii() and ch.isalpha() and draw(st.booleans()):
            ch = ch.swapcase()
        if draw(st.integers(0, 5)) == 0:
            ch = full_width(ch)
        out.append(ch)
        if draw(st.integers(0, 6)) == 0:
            out.append(draw(st.sampled_from([" ", "\u3000", "\t"])))
    pad = st.sampled_from(["", " ", "  ", "\u3000"])
    return draw(pad) + "".join(out) + draw(pad)


@given(st.sampled_from(NAMES).flatmap(lambda n: st.tuples(st.just(n), written(n[2]))))
@settings(max_examples=400)
def test_given_any_name_of_a_column_in_any_case_spacing_or_width_then_it_is_that_column(case):
    (file_type, column, _), text = case
    assert canonical_column(file_type, text) == column


@given(st.sampled_from(FILE_TYPES), st.sampled_from(UNRELATED).flatmap(written))
def test_given_a_header_of_something_else_then_no_column_takes_it(file_type, text):
    assert canonical_column(file_type, text) is None


@given(
    st.sampled_from(FILE_TYPES),
    st.data(),
    st.integers(0, 3),
)
@settings(max_examples=100, deadline=None)
def test_given_a_header_of_aliases_extras_and_a_title_block_then_the_survey_maps_every_column(
    file_type, data, titles
):
    spec = SCHEMAS[file_type]
    names = [data.draw(st.sampled_from((c.name, *c.aliases))) for c in spec.columns]
    extras = data.draw(st.lists(st.sampled_from(UNRELATED), max_size=3, unique=True))
    header = data.draw(st.permutations(names + extras))
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for n in range(titles):
        writer.writerow([f"表{n}：{spec.description[:10]}"] + [""] * (len(header) - 1))
    writer.writerow(header)
    writer.writerow(["x"] * len(header))
    raw = text.getvalue().encode(data.draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030"])))

    layout = survey([raw], file_type, max_bytes=MiB)

    expected = {n: c.name for n, c in zip(names, spec.columns, strict=True)}
    assert layout.header == tuple(expected.get(h, "") for h in header)
    assert set(layout.ignored) == set(extras) and layout.title_rows == titles
    [row] = [r for rng in layout.ranges for r in read_range([raw[rng.start : rng.end]], layout, rng)]
    assert row.row == titles + 2 and row.fields == {c.name: "x" for c in spec.columns}


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.data())
def test_given_a_day_in_any_usual_form_then_it_is_that_day(day, data):
    y, m, d = day.year, day.month, day.day
    form = data.draw(
        st.sampled_from(
            [
                f"{y}-{m:02d}-{d:02d}",
                f"{y}/{m}/{d}",
                f"{y}/{m:02d}/{d:02d}",
                f"{y}.{m}.{d}",
                f"{y}年{m}月{d}日",
                f"{y} 年 {m} 月 {d} 日",
                f"{y}{m:02d}{d:02d}",
                f"{y}/{m}/{d} 0:00",
                f"{y}-{m:02d}-{d:02d} 00:00:00",
                f"{y}/{m}/{d} 14:32",
            ]
        )
    )
    if data.draw(st.booleans()):
        form = "".join(full_width(c) if c.isdigit() else c for c in form)
    assert values.day("check_in", f" {form} ") == day


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.sampled_from(["", ".0", ".00"]))
def test_given_an_excel_serial_of_a_day_then_it_is_that_day(day, tail):
    serial = (day - date(1899, 12, 30)).days  # what a date cell holds in the General format
    assert values.day("check_in", f"{serial}{tail}") == day
    assert values.day_or_moment("sold_at", str(serial)) == day


@given(st.integers(0, 36525) | st.integers(73051, 99999))
def test_given_five_digits_of_no_day_this_century_then_no_date(number):
    try:
        values.day("check_in", f"{number:05d}")
    except values.RowInvalid as exc:
        assert exc.zh.startswith("不是日期")
    else:
        raise AssertionError(number)


MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
PREFIXES = ["", "86", "+86", "0086", "+86 ", "86-", "(+86) ", "+86-", "0086 "]
SEPARATORS = ["", " ", "-", "\u3000", "·", "."]


@st.composite
def local_form(draw: st.DrawFn, mobile: str) -> str:
    """A mobile as a clerk types it: a country prefix or none, 3-4-4 groups with a separator, maybe
    full-width, maybe as a spreadsheet's number (13800138000.0)."""
    sep = draw(st.sampled_from(SEPARATORS))
    text = draw(st.sampled_from(PREFIXES)) + sep.join((mobile[:3], mobile[3:7], mobile[7:]))
    if draw(st.booleans()):
        text = "".join(full_width(c) for c in text)
    if not sep and draw(st.booleans()):
        text += ".0"
    return draw(st.sampled_from(["", " ", "\u3000"])) + text + draw(st.sampled_from(["", " "]))


@given(MOBILES.flatmap(lambda m: st.tuples(st.just(m), local_form(m))))
@settings(max_examples=300)
def test_given_a_mainland_mobile_in_any_local_form_then_it_is_that_phone(case):
    mobile, text = case
    assert values.who("guest", text) == values.Who("phone", "+86" + mobile)


@given(MOBILES, st.sampled_from(["", "86", "+86", "0086"]), st.data())
def test_given_a_mobile_a_digit_short_or_long_then_the_row_names_its_cell(mobile, prefix, data):
    at = data.draw(st.integers(0, 10))
    changed = mobile[:at] + mobile[at + 1 :] if data.draw(st.booleans()) else mobile + str(at % 10)
    try:
        values.who("guest", prefix + changed)
    except values.RowInvalid as exc:
        assert (exc.column, exc.zh) == ("guest", "不是 11 位手机号，也不是用户 ID")
    else:
        raise AssertionError(prefix + changed)


@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)), st.integers(0, 23), st.integers(0, 59))
def test_given_a_local_moment_then_it_is_that_moment_in_shanghai(day, hour, minute):
    for form in (
        f"{day.year}-{day.month:02d}-{day.day:02d} {hour:02d}:{minute:02d}",
        f"{day.year}/{day.month}/{day.day} {hour}:{minute:02d}:00",
        f"{day.year}-{day.month:02d}-{day.day:02d}T{hour:02d}:{minute:02d}:00+08:00",
    ):
        moment = values.moment("time", form)
        assert moment is not None
        local = moment.astimezone(values.LOCAL_TIME)
        assert (local.date(), local.hour, local.minute) == (day, hour, minute)


@given(st.text(min_size=1, max_size=12).filter(lambda t: t.strip() and not any(c.isdigit() for c in t)))
def test_given_text_that_is_no_date_then_the_reason_quotes_it_in_both_languages(text):
    try:
        values.day("check_in", text)
    except values.RowInvalid as exc:
        assert exc.column == "check_in" and exc.zh and exc.en
        assert exc.value is None or exc.value == values.shown(text.strip())


def test_given_a_workbook_that_held_an_identifier_as_numbers_then_the_report_warns_of_leading_zeros():
    from types import SimpleNamespace

    from tanhui.imports import report

    raw = "户号,户名,类型,账期,本期用量,用量标准\r\n12345678,陈**,水,2026-10,12,15\r\n".encode()
    layout = survey([raw], "utility_savings", max_bytes=MiB)
    job = SimpleNamespace(file_type="utility_savings", numeric_columns=["户号", "本期用量", "用量标准"])

    notes = {code: (zh, en) for code, zh, en in report.survey_notes(job, layout)}  # type: ignore[arg-type]

    assert notes["leading_zeros"][0].startswith("「户号」列在工作簿里存为数字：开头的 0 可能已丢失")
    assert notes["leading_zeros"][1].startswith('The column "户号" was stored as numbers')
    assert notes["ignored_columns"][0] == "这些列没有用到，已忽略：「户名」"
    amounts = SimpleNamespace(file_type="utility_savings", numeric_columns=["本期用量"])  # no identifier
    assert "leading_zeros" not in {n[0] for n in report.survey_notes(amounts, layout)}  # type: ignore[arg-type]
