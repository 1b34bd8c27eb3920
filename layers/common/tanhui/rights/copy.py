"""What a copy of a person's data holds, read through each area's own readers (every page of each
list), and the two files it is written as: one JSON document, and a zip of one CSV per section.

Both say the same: the sections of `rights.fields`, in its order, with its fields. The JSON keeps
each value's type (numbers, true/false, null, objects); a CSV cell is text: empty for null,
`true`/`false`, an object as compact JSON, and a text that begins with `=`, `+`, `-` or `@` gets a
leading `'` so that a spreadsheet shows it rather than running it as a formula. Each CSV is UTF-8
with a byte-order mark (Excel then reads the Chinese right), CRLF line ends, one header row.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from pydantic import BaseModel

from tanhui.bindings import numbers
from tanhui.certificates import issuing as certificates
from tanhui.donations import giving
from tanhui.identity import users
from tanhui.models.identity import ConsentRecord, user_pk
from tanhui.models.pages import every_page
from tanhui.reductions import medals
from tanhui.rights.fields import SECTIONS, Section, header
from tanhui.spending import vouchers
from tanhui.wallet import account

FORMAT = "tanhui-personal-data/1"
PAGE = 100
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
Row = dict[str, Any]


def _rows(models: list[Any], section: str) -> list[Row]:
    keys = [f.key for f in _section(section).fields]
    out = []
    for model in models:
        values = model.model_dump(mode="json") if isinstance(model, BaseModel) else dict(model)
        out.append({key: values.get(key) for key in keys})
    return out


def _section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)


def _consents(user_id: str) -> list[Row]:
    """Every consent record, oldest first: consents given and, if any, withdrawn."""
    records = ConsentRecord.query(user_pk(user_id), ConsentRecord.sk.startswith("CONSENT#"))
    return _rows([r.attribute_values for r in records], "consents")


def _wallet(user_id: str) -> Row | None:
    try:
        return _rows([account.balance(user_id)], "wallet")[0]
    except account.WalletNotFound:
        return None


def _medals(user_id: str) -> list[Row]:
    held = [m for m in medals.my_medals(user_id).catalogue if m.awarded_at]
    return _rows([{"id": m.id, "name_zh": m.name.zh, "name_en": m.name.en, "awarded_at": m.awarded_at}
                  for m in held], "medals")


def collect(user_id: str) -> dict[str, Any]:
    """Every section of the person's data: an object (or null) for the single ones, else rows."""
    return {
        "profile": _rows([users.profile(user_id, "tourist")], "profile")[0],
        "wallet": _wallet(user_id),
        "consents": _consents(user_id),
        "bindings": _rows([numbers.bindings(user_id)], "bindings")[0],
        "ledger": _rows(every_page(lambda c: account.ledger(user_id, PAGE, c, every_entry=True)), "ledger"),
        "vouchers": _rows(every_page(lambda c: vouchers.list_mine(user_id, PAGE, c)), "vouchers"),
        "donations": _rows(every_page(lambda c: giving.my_donations(user_id, PAGE, c)), "donations"),
        "medals": _medals(user_id),
        "certificates": _rows(every_page(lambda c: certificates.mine(user_id, PAGE, c)), "certificates"),
    }


def fields_table() -> dict[str, Any]:
    """What each section and field is called, in Chinese and English."""
    return {s.key: {"zh": s.zh, "en": s.en, "fields": [f._asdict() for f in s.fields]} for s in SECTIONS}


def json_document(export_id: str, created_at: str, data: dict[str, Any]) -> bytes:
    document = {"format": FORMAT, "export_id": export_id, "created_at": created_at,
                **{s.key: data[s.key] for s in SECTIONS}, "fields": fields_table()}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(section: Section, rows: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header(f) for f in section.fields])
    writer.writerows([cell(row.get(f.key)) for f in section.fields] for row in rows)
    return BOM + out.getvalue()


def readme(export_id: str, created_at: str) -> str:
    lines = [
        "碳惠 个人信息副本 / Tanhui: a copy of my data",
        f"编号 Export id: {export_id}",
        f"生成时间 Made at (UTC): {created_at}",
        "",
        "每个表一个 CSV 文件（UTF-8），首行是字段名：中文名、空格、英文字段名（与 JSON 中的键相同）。",
        "One CSV file per section (UTF-8); the first row names the fields: the Chinese name, a space, "
        "then the field's key (its name in the JSON).",
        "",
    ]
    for s in SECTIONS:
        lines.append(f"{s.key}.csv  {s.zh} {s.en}")
        lines += [f"  {header(f)}  —  {f.en}" for f in s.fields]
        lines.append("")
    return BOM + "\r\n".join(lines)


def csv_zip(export_id: str, created_at: str, data: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme(export_id, created_at).encode())
        for s in SECTIONS:
            value = data[s.key]
            rows = ([value] if value is not None else []) if s.single else value
            archive.writestr(f"{s.key}.csv", csv_text(s, rows).encode())
    return buffer.getvalue()


def counts(data: dict[str, Any]) -> dict[str, int]:
    """Rows per section (a single one: 1, or 0 when absent)."""
    return {s.key: (int(data[s.key] is not None) if s.single else len(data[s.key])) for s in SECTIONS}
