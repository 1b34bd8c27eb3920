"""What a clerk reads about an import, in Chinese first and English: notes about the file as a
whole, each rejected row's reason naming the partner's own header and cell, and the rejects file
(the partner's own rows, every column, + 原因 / reason) in the file's own format: CSV UTF-8 with a
BOM, which Excel opens, or — for a workbook — an .xlsx of text cells.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import IO

from tanhui.imports import credit, formats
from tanhui.imports.specs import SPECS
from tanhui.imports.values import say
from tanhui.models.imports import ImportJob

REJECTS_REASON = ("原因", "reason")  # the columns the rejects file adds to the partner's own


def language(accept: str | None) -> str:
    """"en" when an Accept-Language header prefers English, else "zh" (Chinese first)."""
    best, weight = "zh", -1.0
    for part in (accept or "").split(","):
        tag, _, params = part.strip().partition(";")
        try:
            q = float(params.strip().removeprefix("q=")) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if tag and q > weight:
            best, weight = ("en" if tag.lower().startswith("en") else "zh"), q
    return best


def survey_notes(job: ImportJob, layout: formats.Layout) -> list[list[str]]:
    """What the clerk should know about the file as a whole: columns not read, a title block and
    identifiers a workbook held as numbers (their leading zeros may be gone)."""
    notes: list[dict[str, str]] = []
    if layout.ignored:
        notes.append(
            {
                "code": "ignored_columns",
                "zh": "这些列没有用到，已忽略：" + "、".join(f"「{t}」" for t in layout.ignored),
                "en": "These columns were not used and are ignored: " + ", ".join(layout.ignored),
            }
        )
    if layout.title_rows:
        notes.append(
            {
                "code": "title_rows",
                "zh": f"表头上方的 {layout.title_rows} 行（标题、导出时间等）已跳过",
                "en": f"The {layout.title_rows} row(s) above the header (a title, an export time …) "
                "were skipped",
            }
        )
    numeric = {str(t).strip() for t in (getattr(job, "numeric_columns", None) or [])}
    spec = SPECS[job.file_type]
    for text, field in zip(layout.source_header, layout.header or (), strict=False):
        if field in spec.identifiers and text.strip() in numeric:
            notes.append(
                {
                    "code": "leading_zeros",
                    "zh": f"「{text.strip()}」列在工作簿里存为数字：开头的 0 可能已丢失（如 0012345 变成 "
                    "12345）；请把该列设为“文本”后重新导出",
                    "en": f'The column "{text.strip()}" was stored as numbers in the workbook: leading '
                    "zeros may have been lost (0012345 became 12345); format it as text and export again",
                }
            )
    return [[n["code"], n["zh"], n["en"]] for n in notes]


@dataclass(frozen=True)
class Reject:
    """A row not credited, as the rejects file repeats it: its cells and why, in both languages."""

    row: int
    status: str
    code: str
    values: tuple[str, ...]
    zh: str
    en: str


# what rows come to in Chinese, where the credit step says it in English only
ZH = {
    "over_quota": "本月发放额度已用完",
    "user_not_found": "没有这个用户 ID 的账户",
    "consent_required": "用户还没有同意授权，同意后自动补发",
    "consent_withdrawn": "用户已撤回授权：这一行不发放，也不保留",
    "code_revoked": "该产品的码已被发码方作废",
    "daily_cap_reached": "该用户这种行为今天的上限已满",
    "already_credited": "这次行为已经发放过（扫码或其他文件）",
    "counted_elsewhere": "这次行为已由网络中的其他平台计入（滤重）",
    "no_reduction": "没有可发放的减排",
    "not_registered": "这个手机号还没有注册，或这个号码还没有绑定：保留 90 天，注册或绑定后自动补发",
    "unreadable_row": "这一行读不出来",
}


class Tally:
    """A range's counts, sums and rejected rows."""

    def __init__(self, job: ImportJob) -> None:
        self.counts: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.coins = self.gco2e = self.skipped = 0
        self.rejects: list[Reject] = []
        self.texts = header_texts(job)

    def add(
        self,
        raw: formats.RawRow,
        status: str,
        code: str = "",
        en: str = "",
        *,
        zh: str | None = None,
        column: str | None = None,
        value: str | None = None,
        coins: int = 0,
        gco2e: int = 0,
    ) -> None:
        self.counts["rows"] += 1
        self.counts[status] += 1
        self.coins += coins
        self.gco2e += gco2e
        if status != credit.CREDITED:
            code = code or status
            self.reasons[code] += 1
            shown = self.texts.get(column, column) if column else None
            zh = zh or ZH.get(code) or en
            self.rejects.append(
                Reject(
                    raw.row,
                    status,
                    code,
                    raw.values or values_of(raw, self.texts),
                    say(shown, value, zh, en, "zh", raw.row),
                    say(shown, value, zh, en, "en", raw.row),
                )
            )


def header_texts(job: ImportJob) -> dict[str, str]:
    """Field -> the partner's own header text for it (JSON Lines: the field's name)."""
    texts = {c.name: c.name for c in SPECS[job.file_type].columns} if job.file_type in SPECS else {}
    for text, field in zip(job.source_header or (), job.header or (), strict=False):
        if field:
            texts[field] = str(text).strip()
    return texts


def values_of(raw: formats.RawRow, texts: dict[str, str]) -> tuple[str, ...]:
    """A JSON Lines row's cells in the spec's column order."""
    fields = raw.fields or {}
    return tuple("" if fields.get(f) is None else str(fields.get(f)) for f in texts)


def rejects_header(job: ImportJob) -> bytes:
    """The rejects file's header: the partner's own (JSON Lines: the spec's columns) + why."""
    own = [str(t) for t in job.source_header or ()] or list(header_texts(job))
    text = io.StringIO()
    csv.writer(text).writerow([*own, *REJECTS_REASON])
    return text.getvalue().encode()


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rejects_workbook(rows: IO[bytes], out: IO[bytes], sheet: str | None = None) -> None:
    """The rejects CSV (`rows`: UTF-8, a BOM first) as an .xlsx written to `out`, for a workbook's
    clerk: every cell text in a text-formatted cell, so Excel shows a phone as 13800138000, not
    1.38E+10, keeps an account number's zeros and a saved-again file its digits; a cell starting
    with = stays text, never a formula. One sheet, named as the one imported."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    try:
        table = book.create_sheet(sheet or "Sheet1")
    except ValueError:  # a name openpyxl refuses: the default one
        table = book.create_sheet("Sheet1")
    for fields in csv.reader(codecs.getreader("utf-8-sig")(rows)):
        cells = []
        for value in fields:
            cell = WriteOnlyCell(table, value=ILLEGAL_CHARACTERS_RE.sub("", value)[:32767])
            cell.data_type, cell.number_format = "s", "@"
            cells.append(cell)
        table.append(cells)
    book.save(out)
