"""Print files for a batch of codes: PDF label sheets and a CSV for variable-data printers.

Sheets are A4, 4 columns x 6 rows (24 labels a page). Each label holds the QR, drawn as vector
rectangles straight from the `qrcode` matrix (one rectangle per horizontal run of dark modules,
in a 32 mm box that includes the 4-module quiet zone), then the asset name, the short reference
and the call to action. reportlab is imported inside the functions that need it, so code paths
that only sign or claim never load it.

Label QRs are `render.qr` symbols (level M) with the fixed `PRINT_MASK`: see bench/codes.py.

Every font in every PDF of the layer is embedded (a print shop's preflight refuses a file that
names a font it does not carry, and a viewer or RIP without the font draws another or nothing):
`canvas` makes the one kind of canvas the labels and the certificate draw on, registering the two
fonts below and starting its text state in the embedded one, so not even reportlab's initial
Helvetica is named. Each PDF carries only the glyphs it uses (reportlab subsets a TrueType font
per document).

- Chinese and Latin text: Noto Sans SC (SIL OFL 1.1, `fonts/OFL.txt`), cut to GB2312 plus Latin
  and punctuation (`infra/fonts/cjk_subset.py`). A character outside that set prints as the
  font's .notdef (a crossed box).
- The short code under the QR: DejaVu Sans Mono Bold (the Bitstream Vera licence with DejaVu's
  and Arev's notes, `fonts/DejaVu-LICENSE.txt`: redistribution and modification are allowed,
  the names Bitstream, Vera and Arev are not used), cut to digits, upper-case letters, the
  hyphen and the space (`infra/fonts/mono_subset.py`, 9 KB). A monospace bold face keeps the
  four-character groups aligned and 0/O, 1/I, 8/B apart when a clerk reads a code aloud, as
  Courier-Bold did before, which was not embedded; DejaVu is a well-kept, widely packaged
  TrueType face whose outlines reportlab can embed (it embeds TrueType, not CFF).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tanhui.codes import render
from tanhui.codes.token import Token

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM  # A4
COLUMNS, ROWS = 4, 6
LABELS_PER_PAGE = COLUMNS * ROWS
MARGIN_X, MARGIN_Y = 10 * MM, 12 * MM
CELL_W = (PAGE_W - 2 * MARGIN_X) / COLUMNS  # 47.5 mm
CELL_H = (PAGE_H - 2 * MARGIN_Y) / ROWS  # 45.5 mm
QR_BOX = 32 * MM  # symbol plus quiet zone: 0.78 mm modules at version 4
QR_TOP = 1.5 * MM  # gap between the cell's top edge and the quiet zone
TEXT_MAX_W = CELL_W - 4 * MM

FONT_DIR = Path(__file__).with_name("fonts")
CJK_FONT = "NotoSansSC"  # embedded, see the module docstring
CJK_FONT_FILE = FONT_DIR / "NotoSansSC-Regular-GB2312.ttf"
CODE_FONT = "DejaVuSansMono-Bold"  # embedded, see the module docstring
CODE_FONT_FILE = FONT_DIR / "DejaVuSansMono-Bold-ShortCode.ttf"
CALL_TO_ACTION = "扫码领碳币 / Scan to earn carbon coins"
TITLE_SIZE, MIN_TITLE_SIZE, CODE_SIZE, CTA_SIZE = 7.5, 5.0, 8.0, 5.5

CSV_HEADER = ("code_id", "url", "short", "serial", "batch")

_DARK_RUNS = re.compile(b"\x01+")

# Print runs use one fixed data mask instead of scoring all eight per code: 3-4x faster sheets
# (5,000 labels in seconds, not half a minute). Any mask decodes; the penalty scoring only avoids
# occasional finder-like patterns, and decoding 960 sheet labels with OpenCV showed no difference.
PRINT_MASK = 3


@dataclass(frozen=True, slots=True)
class Label:
    url: str  # what the QR encodes
    title: str  # the asset's name (Chinese welcome)
    short: str  # the human-readable reference printed under the QR


def qr_ops(matrix: Sequence[Sequence[bool]]) -> str:
    """PDF path operators filling the dark modules of a QR matrix (rows of booleans, no quiet
    zone) in module units, origin at the bottom-left corner of the quiet zone (the caller scales
    and places it)."""
    size = len(matrix)
    top = size - 1 + render.QUIET_ZONE
    ops = []
    for r, row in enumerate(matrix):
        y = top - r
        for run in _DARK_RUNS.finditer(bytes(row)):
            ops.append(f"{run.start() + render.QUIET_ZONE} {y} {run.end() - run.start()} 1 re")
    ops.append("f")
    return "\n".join(ops)


def register_fonts() -> None:
    """Registers the embedded fonts as `CJK_FONT` and `CODE_FONT` (the only fonts the layer's PDFs
    use), once a container: ~40 ms."""
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_config.useA85 = 0  # compressed streams stay binary: smaller files, no slow ASCII85 pass
    registered = pdfmetrics.getRegisteredFontNames()
    for name, file in ((CJK_FONT, CJK_FONT_FILE), (CODE_FONT, CODE_FONT_FILE)):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(file)))


def canvas(buf: io.BytesIO, title: str) -> Canvas:
    """An A4 canvas whose every font is embedded: its initial font (reportlab's default is the
    base-14 Helvetica, named in every page's resources even when no text uses it) is `CJK_FONT`."""
    from reportlab.pdfgen.canvas import Canvas

    register_fonts()
    pdf = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName=CJK_FONT)
    pdf.setTitle(title)
    pdf.setCreator("Tanhui")
    return pdf


def fit_text(text: str, font: str, size: float, min_size: float, width: float) -> tuple[str, float]:
    """Shrinks the font down to `min_size`, then shortens the text with an ellipsis."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > min_size and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…", size


def _draw_label(pdf: Canvas, label: Label, x: float, y: float, fitted: dict[str, tuple[str, float]]) -> None:
    """One label in the cell whose bottom-left corner is (x, y)."""
    matrix = render.qr(label.url, mask=PRINT_MASK).modules
    module = QR_BOX / (len(matrix) + 2 * render.QUIET_ZONE)
    qx = x + (CELL_W - QR_BOX) / 2
    qy = y + CELL_H - QR_TOP - QR_BOX
    pdf.addLiteral(f"q {module:.4f} 0 0 {module:.4f} {qx:.3f} {qy:.3f} cm\n{qr_ops(matrix)}\nQ")

    cx = x + CELL_W / 2
    if label.title not in fitted:
        fitted[label.title] = fit_text(label.title, CJK_FONT, TITLE_SIZE, MIN_TITLE_SIZE, TEXT_MAX_W)
    title, size = fitted[label.title]
    line = qy - TITLE_SIZE - 0.5 * MM
    pdf.setFont(CJK_FONT, size)
    pdf.drawCentredString(cx, line, title)
    line -= CODE_SIZE + 1.5
    pdf.setFont(CODE_FONT, CODE_SIZE)
    pdf.drawCentredString(cx, line, label.short)
    line -= CTA_SIZE + 2.5
    pdf.setFont(CJK_FONT, CTA_SIZE)
    pdf.drawCentredString(cx, line, CALL_TO_ACTION)


def label_sheets(labels: Iterable[Label], *, title: str = "Tanhui codes") -> bytes:
    """A4 PDF, `LABELS_PER_PAGE` labels a page, in the order given (left to right, top down)."""
    buf = io.BytesIO()
    pdf = canvas(buf, title)
    fitted: dict[str, tuple[str, float]] = {}
    n = 0
    for n, label in enumerate(labels, start=1):
        slot = (n - 1) % LABELS_PER_PAGE
        if slot == 0 and n > 1:
            pdf.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN_X + col * CELL_W
        y = PAGE_H - MARGIN_Y - (row + 1) * CELL_H
        _draw_label(pdf, label, x, y, fitted)
    if n == 0:
        raise ValueError("a label sheet needs at least one label")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def cell_box(slot: int) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of label `slot` on its page, as fractions of the page size
    measured from the top-left corner: where a scanner or a test finds one label."""
    col, row = slot % COLUMNS, slot // COLUMNS
    left = (MARGIN_X + col * CELL_W) / PAGE_W
    top = (MARGIN_Y + row * CELL_H) / PAGE_H
    return left, top, left + CELL_W / PAGE_W, top + CELL_H / PAGE_H


def qr_box(slot: int) -> tuple[float, float, float, float]:
    """Like `cell_box`, for the QR of label `slot` with its quiet zone."""
    left, top, _right, _bottom = cell_box(slot)
    left += (CELL_W - QR_BOX) / 2 / PAGE_W
    top += QR_TOP / PAGE_H
    return left, top, left + QR_BOX / PAGE_W, top + QR_BOX / PAGE_H


def codes_csv(codes: Iterable[tuple[Token, str]]) -> bytes:
    """UTF-8 CSV, one row per (token, url): code id, URL, short reference, serial, batch."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    rows: Any = ((t.text, url, t.short, t.serial or "", t.batch_id or "") for t, url in codes)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")
