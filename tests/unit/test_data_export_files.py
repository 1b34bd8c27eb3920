"""The files of a copy of a person's data, with no AWS: the field names docs/tourists.md documents
are the code's, every CSV is UTF-8 with a BOM and one `<中文> <key>` header row, and no cell can
run as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from tanhui.rights import copy
from tanhui.rights.fields import SECTIONS, header

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tourists.md"


def _documented() -> list[tuple[str, str, str]]:
    """(section, header, English) of each row of the copy's table in docs/tourists.md."""
    text = DOCS.read_text(encoding="utf-8").split("## A copy of my data", 1)[1]
    rows, section = [], ""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[2].startswith("`"):
            section = cells[0].split("`")[1] if cells[0] else section
            rows.append((section, cells[2].strip("`"), cells[3]))
    return rows


def test_given_the_docs_then_their_table_is_every_field_in_chinese_and_english():
    assert _documented() == [(s.key, header(f), f.en) for s in SECTIONS for f in s.fields]


def test_given_the_fields_then_each_chinese_name_is_one_word_and_each_key_unique_in_its_section():
    for s in SECTIONS:
        assert all(" " not in f.zh and f.zh for f in s.fields), s.key
        assert len({f.key for f in s.fields}) == len(s.fields), s.key


def test_given_values_then_cells_are_text_and_none_runs_as_a_formula():
    assert [copy.cell(v) for v in (None, True, False, -3, 0, {"b": 1, "a": "碳"}, "小林")] == [
        "", "true", "false", "-3", "0", '{"a":"碳","b":1}', "小林"]
    assert [copy.cell(v) for v in ("=1+1", "+8613800138000", "-x", "@SUM(A1)")] == [
        "'=1+1", "'+8613800138000", "'-x", "'@SUM(A1)"]


def test_given_a_copy_then_the_zip_holds_one_csv_a_section_with_bom_and_headers():
    data = {s.key: ({f.key: None for f in s.fields} if s.single else []) for s in SECTIONS}
    data["ledger"] = [{"entry_id": "E1", "kind": "earn", "coins": 2, "evidence": {"row": 3}}]
    archive = zipfile.ZipFile(io.BytesIO(copy.csv_zip("X", "2026-12-07T00:00:00.000Z", data)))

    assert sorted(archive.namelist()) == sorted(["README.txt", *(f"{s.key}.csv" for s in SECTIONS)])
    for s in SECTIONS:
        raw = archive.read(f"{s.key}.csv")
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows[0] == [header(f) for f in s.fields]
        assert len(rows) == (2 if s.single or s.key == "ledger" else 1), s.key
    ledger = next(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode("utf-8-sig"), newline="")))
    assert (ledger["条目编号 entry_id"], ledger["碳币 coins"], ledger["凭证 evidence"]) == (
        "E1", "2", '{"row":3}')
    document = json.loads(copy.json_document("X", "2026-12-07T00:00:00.000Z", data))
    assert [k for k in document if k in data] == [s.key for s in SECTIONS]
    assert document["fields"]["ledger"]["fields"][0] == {
        "key": "entry_id", "zh": "条目编号", "en": "Entry id"}
