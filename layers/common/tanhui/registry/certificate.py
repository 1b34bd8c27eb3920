"""The retirement certificate (注销证明 / 碳中和证明): one A4 page drawn as the tourist's
certificate is (`certificates.pdf`: its frame, font and QR), stating the retirement: the
beneficiary, the purpose, the emission offset, the units (kg CO2e) and their serial ranges, the
account that retired them, the id and date, and a QR of the public check
(GET /v1/registry/retirements/{id}). Plain values in, PDF bytes out; reportlab loads here."""

from __future__ import annotations

import io
from datetime import datetime

from tanhui.certificates import periods
from tanhui.config import get_settings
from tanhui.models.base import plain
from tanhui.models.registry import Retirement
from tanhui.registry.ranges import label

TITLE = "碳普惠减排量注销证明"
SUBTITLE = "Certificate of retired carbon-inclusion reductions"
EMISSIONS = {
    "event": "活动碳中和 An event's emissions",
    "office_year": "办公年度排放 A year's office emissions",
    "trip": "出行排放 A trip's emissions",
    "compensation": "以碳代偿 Compensation",
}
MAX_RANGE_LINES = 8


def check_url(retirement_id: str) -> str:
    from tanhui.registry.retirements import CHECK_PATH

    return get_settings().code_base_url.rstrip("/") + CHECK_PATH.format(retirement_id=retirement_id)


def range_lines(ranges: list[list[int]]) -> list[str]:
    """`TH-… – TH-…（n 单位 units）` per range, at most `MAX_RANGE_LINES` then how many more."""
    lines = [f"{label(int(s))} – {label(int(e) - 1)}（{int(e) - int(s):,} 单位 units）" for s, e in ranges]
    if len(lines) > MAX_RANGE_LINES:
        lines = [*lines[:MAX_RANGE_LINES - 1], f"… 另 {len(lines) - MAX_RANGE_LINES + 1} 段 more ranges"]
    return lines


def certificate_pdf(record: Retirement) -> bytes:
    from tanhui.certificates import pdf
    from tanhui.codes import labels

    emission = plain(record.emission)
    issued = datetime.fromisoformat(record.created_at.replace("Z", "+00:00")).astimezone(periods.LOCAL)
    buf = io.BytesIO()
    canvas = labels.canvas(buf, f"{TITLE} {record.retirement_id}")
    pdf._frame(canvas)
    y = pdf.PAGE_H - 46 * pdf.MM
    pdf._centred(canvas, TITLE, 26, y, pdf.GREEN)
    pdf._centred(canvas, SUBTITLE, 12, y := y - 10 * pdf.MM)
    pdf._centred(canvas, "兹证明 This certifies that, for", 12, y := y - 17 * pdf.MM)
    name, size = labels.fit_text(record.beneficiary, pdf.FONT, 24, 12, pdf.PAGE_W - 2 * pdf.MARGIN)
    pdf._centred(canvas, name, size, y := y - 13 * pdf.MM)
    units = int(record.units)
    pdf._centred(canvas, f"{units:,} kg CO2e", 30, y := y - 18 * pdf.MM, pdf.GREEN)
    retired = f"碳普惠减排量已注销 reductions were retired（{units:,} 单位 units）"
    pdf._centred(canvas, retired, 12, y := y - 9 * pdf.MM)
    left = pdf.MARGIN + 8 * pdf.MM
    width = pdf.PAGE_W - 2 * left
    rows = [
        ("用途 Purpose", record.purpose),
        ("抵销的排放 Emission", EMISSIONS.get(str(emission.get("kind")), str(emission.get("kind")))),
        ("说明 Description", str(emission.get("description", ""))),
        *([("期间 Period", str(emission["period"]))] if emission.get("period") else []),
        ("注销账户 Retired by", record.account_name),
    ]
    y -= 8 * pdf.MM
    for head, value in rows:
        text, size = labels.fit_text(f"{head}：{value}", pdf.FONT, 11, 6, width)
        canvas.setFont(pdf.FONT, size)
        canvas.drawString(left, y := y - 7 * pdf.MM, text)
    canvas.setFont(pdf.FONT, 11)
    canvas.drawString(left, y := y - 10 * pdf.MM, "序列号 Serial numbers")
    canvas.setFont(pdf.FONT, 10)
    for line in range_lines(list(record.ranges)):
        canvas.drawString(left, y := y - 6 * pdf.MM, line)
    canvas.setFont(pdf.FONT, 10)
    canvas.drawString(pdf.MARGIN, pdf.QR_Y + 32 * pdf.MM, f"注销编号 Retirement ID  {record.retirement_id}")
    canvas.drawString(pdf.MARGIN, pdf.QR_Y + 25 * pdf.MM, f"{pdf.ISSUED_LABEL}  {issued.date().isoformat()}")
    canvas.drawString(pdf.MARGIN, pdf.QR_Y + 18 * pdf.MM, pdf.SCAN_TO_VERIFY)
    url = check_url(record.retirement_id)
    text, size = labels.fit_text(url, pdf.FONT, 8, 5, pdf.QR_X - pdf.MARGIN - 4 * pdf.MM)
    canvas.setFont(pdf.FONT, size)
    canvas.drawString(pdf.MARGIN, pdf.QR_Y + 12 * pdf.MM, text)
    canvas.setFont(pdf.FONT, 9)
    canvas.drawString(pdf.MARGIN, pdf.QR_Y + 2 * pdf.MM, pdf.FOOTER)
    pdf._qr(canvas, url)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()
