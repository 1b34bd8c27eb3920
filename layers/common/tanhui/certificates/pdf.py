"""The certificate as one A4 page: the holder, the period, the reduction (kg with one decimal, and
grams), the coins, the behaviours with their counts, the certificate id, the issue date and a QR
of the public check URL.

Plain values in, PDF bytes out: no database, no AWS. The page is drawn on the code labels'
canvas (`tanhui.codes.labels.canvas`: every font embedded, none of the base 14 named), its text
set in their embedded Chinese font (GB2312 + Latin: every fixed wording below is in it), and the
QR is drawn from the `qrcode` matrix as the labels draw theirs. reportlab loads when a page is
drawn, not when this module is imported.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tanhui.codes import labels, render

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

MM = labels.MM
PAGE_W, PAGE_H = labels.PAGE_W, labels.PAGE_H  # A4 portrait
FONT = labels.CJK_FONT
GREEN = (0.106, 0.498, 0.294)  # the landing page's #1b7f4b
BLACK = (0.0, 0.0, 0.0)
QR_SIZE = 40 * MM  # symbol plus its 4-module quiet zone
QR_X, QR_Y = PAGE_W - 24 * MM - QR_SIZE, 26 * MM  # bottom-left corner of the quiet zone
MARGIN = 24 * MM

TITLE = "碳普惠减碳证书"
SUBTITLE = "Certificate of carbon reduction"
CERTIFIES = "兹证明 This certifies that"
TABLE_HEAD = ("低碳行为 Low-carbon behaviour", "次数 Count")
ID_LABEL = "证书编号 Certificate ID"
ISSUED_LABEL = "签发日期 Issued on"
SCAN_TO_VERIFY = "扫码核验 Scan the QR code to verify:"
FOOTER = "碳惠 Tanhui · 碳普惠平台"


@dataclass(frozen=True, slots=True)
class CertificatePage:
    certificate_id: str
    holder: str  # the display name, printed in full: the holder's own document
    period: str  # "2026" or "2026-11"
    period_chinese: str  # "2026年" or "2026年11月"
    gco2e: int
    coins: int
    behaviours: Sequence[tuple[str, int]]  # (scene name, count), printed in this order
    issued_on: str  # YYYY-MM-DD (local date)
    verify_url: str  # what the QR holds


def kilograms(gco2e: int) -> str:
    """Grams as kilograms with one decimal, rounded half up in integers: 1250 -> "1.3"."""
    tenths = (gco2e + 50) // 100
    return f"{tenths // 10:,}.{tenths % 10}"


def reduction_line(page: CertificatePage) -> str:
    return f"（{page.gco2e:,} g CO2e）  获得碳币 {page.coins:,} 枚 coins"


def period_line(page: CertificatePage) -> str:
    return f"于 {page.period_chinese}（{page.period}）以低碳行为累计减少碳排放"


def certificate_pdf(page: CertificatePage) -> bytes:
    buf = io.BytesIO()
    pdf = labels.canvas(buf, f"{TITLE} {page.certificate_id}")
    _frame(pdf)

    y = PAGE_H - 46 * MM
    _centred(pdf, TITLE, 30, y, GREEN)
    _centred(pdf, SUBTITLE, 13, y := y - 11 * MM)
    _centred(pdf, CERTIFIES, 12, y := y - 19 * MM)
    holder, size = labels.fit_text(page.holder, FONT, 26, 12, PAGE_W - 2 * MARGIN)
    _centred(pdf, holder, size, y := y - 14 * MM)
    _centred(pdf, period_line(page), 12, y := y - 12 * MM)
    _centred(pdf, f"{kilograms(page.gco2e)} kg CO2e", 30, y := y - 18 * MM, GREEN)
    _centred(pdf, reduction_line(page), 12, y := y - 9 * MM)

    left, right = MARGIN + 12 * MM, PAGE_W - MARGIN - 12 * MM
    pdf.setFont(FONT, 11)
    pdf.drawString(left, y := y - 16 * MM, TABLE_HEAD[0])
    pdf.drawRightString(right, y, TABLE_HEAD[1])
    pdf.setLineWidth(0.6)
    pdf.line(left, y - 2.5 * MM, right, y - 2.5 * MM)
    for name, count in page.behaviours:
        pdf.drawString(left, y := y - 7 * MM, name)
        pdf.drawRightString(right, y, f"{count:,}")

    pdf.setFont(FONT, 10)
    pdf.drawString(MARGIN, QR_Y + 32 * MM, f"{ID_LABEL}  {page.certificate_id}")
    pdf.drawString(MARGIN, QR_Y + 25 * MM, f"{ISSUED_LABEL}  {page.issued_on}")
    pdf.drawString(MARGIN, QR_Y + 18 * MM, SCAN_TO_VERIFY)
    url, size = labels.fit_text(page.verify_url, FONT, 8, 5, QR_X - MARGIN - 4 * MM)
    pdf.setFont(FONT, size)
    pdf.drawString(MARGIN, QR_Y + 12 * MM, url)
    pdf.setFont(FONT, 9)
    pdf.drawString(MARGIN, QR_Y + 2 * MM, FOOTER)
    _qr(pdf, page.verify_url)

    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _frame(pdf: Canvas) -> None:
    pdf.setStrokeColorRGB(*GREEN)
    pdf.setLineWidth(2)
    pdf.rect(12 * MM, 12 * MM, PAGE_W - 24 * MM, PAGE_H - 24 * MM)
    pdf.setLineWidth(0.6)
    pdf.rect(14.5 * MM, 14.5 * MM, PAGE_W - 29 * MM, PAGE_H - 29 * MM)
    pdf.setStrokeColorRGB(*BLACK)


def _centred(pdf: Canvas, text: str, size: float, y: float, colour: tuple[float, ...] = BLACK) -> None:
    pdf.setFillColorRGB(*colour)
    pdf.setFont(FONT, size)
    pdf.drawCentredString(PAGE_W / 2, y, text)
    pdf.setFillColorRGB(*BLACK)


def _qr(pdf: Canvas, url: str) -> None:
    matrix = render.qr(url).modules
    module = QR_SIZE / (len(matrix) + 2 * render.QUIET_ZONE)
    pdf.setFillColorRGB(*BLACK)
    pdf.addLiteral(f"q {module:.4f} 0 0 {module:.4f} {QR_X:.3f} {QR_Y:.3f} cm\n{labels.qr_ops(matrix)}\nQ")


def qr_box() -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of the QR with its quiet zone, as fractions of the page size
    from its top-left corner: where a scanner or a test finds it."""
    return (QR_X / PAGE_W, 1 - (QR_Y + QR_SIZE) / PAGE_H, (QR_X + QR_SIZE) / PAGE_W, 1 - QR_Y / PAGE_H)
