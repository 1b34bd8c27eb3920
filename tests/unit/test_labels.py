"""Label sheets scan back to the exact code URLs; the CSV lists every code."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from tanhui.codes import labels, token

from tests.support import page_image, scan_label

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
KEY = b"k" * 32
BASE = "HTTPS://QR.TANHUI.CN"
TITLE = "有机绿茶 Organic green tea 500g"


def _tokens(n, kind=token.Kind.PACKAGING):
    return list(token.issue_serials(kind, 1, KEY, "0A1B2C", "3D4E5F", "ABC123", n))


def _decode_pages(pdf_bytes, count):
    doc = pdfium.PdfDocument(pdf_bytes)
    found = []
    for index in range(count):
        page_no, slot = divmod(index, labels.LABELS_PER_PAGE)
        if slot == 0:
            image = page_image(doc, page_no)
        found.append(scan_label(image, slot))
    return doc, found


def test_given_ten_packaging_labels_when_rendered_then_every_qr_scans_to_its_url():
    toks = _tokens(10)
    urls = [token.code_url(BASE, t, "6901234567892") for t in toks]
    pdf = labels.label_sheets(labels.Label(u, TITLE, t.short) for t, u in zip(toks, urls, strict=True))

    doc, found = _decode_pages(pdf, 10)

    assert found == urls
    assert len(doc) == 1
    text = doc[0].get_textpage().get_text_range()
    assert TITLE in text
    assert labels.CALL_TO_ACTION in text
    assert all(t.short in text for t in toks)


def test_given_more_labels_than_a_page_when_rendered_then_pages_fill_in_order():
    toks = _tokens(labels.LABELS_PER_PAGE + 2, token.Kind.TICKET)
    urls = [token.code_url(BASE, t) for t in toks]
    pdf = labels.label_sheets(labels.Label(u, "西湖游船票", t.short) for t, u in zip(toks, urls, strict=True))

    doc, found = _decode_pages(pdf, len(urls))

    assert len(doc) == 2
    assert found[-2:] == urls[-2:]  # the second page starts again at the top-left cell
    assert found[:3] == urls[:3]


def test_given_a_long_title_when_rendered_then_it_is_shortened_to_the_label_width():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    labels.register_fonts()
    text, size = labels.fit_text("绿" * 60, labels.CJK_FONT, labels.TITLE_SIZE, labels.MIN_TITLE_SIZE, 100)

    assert text.endswith("…") and size == labels.MIN_TITLE_SIZE
    assert stringWidth(text, labels.CJK_FONT, size) <= 100


def test_given_no_labels_when_rendered_then_it_refuses():
    with pytest.raises(ValueError):
        labels.label_sheets([])


def test_given_tokens_when_written_as_csv_then_one_row_per_code():
    toks = _tokens(3)
    written = labels.codes_csv((t, token.code_url(BASE, t)) for t in toks)
    rows = list(csv.reader(io.StringIO(written.decode())))

    assert rows[0] == list(labels.CSV_HEADER)
    assert rows[1] == [toks[0].text, f"{BASE}/Q/{toks[0].text}", toks[0].short, toks[0].serial, "ABC123"]
    assert len(rows) == 4


def test_given_the_labels_module_when_imported_then_reportlab_is_not_loaded():
    probe = "import sys, tanhui.codes.labels; print('reportlab' in sys.modules)"
    env = os.environ | {"PYTHONPATH": str(LAYER)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)

    assert out.stdout.strip() == "False"


def _cjk_bands(title):
    """(left, top, right, bottom) in points from the page's top-left of the two runs of Chinese
    text on label 0: its all-Chinese title, and the "扫码领碳币" half of the call to action
    (`labels._draw_label`'s layout: baselines below the QR, text centred in the cell)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    cx = labels.MARGIN_X + labels.CELL_W / 2
    qr_bottom = labels.MARGIN_Y + labels.QR_TOP + labels.QR_BOX  # from the top
    title_base = qr_bottom + labels.TITLE_SIZE + 0.5 * labels.MM
    cta_base = title_base + labels.CODE_SIZE + 1.5 + labels.CTA_SIZE + 2.5
    half = stringWidth(title, labels.CJK_FONT, labels.TITLE_SIZE) / 2
    cta_left = cx - stringWidth(labels.CALL_TO_ACTION, labels.CJK_FONT, labels.CTA_SIZE) / 2
    chinese = labels.CALL_TO_ACTION.split(" /")[0]
    cta_right = cta_left + stringWidth(chinese, labels.CJK_FONT, labels.CTA_SIZE)
    return [
        (cx - half, qr_bottom, cx + half, title_base + 1.5),
        (cta_left, cta_base - labels.CTA_SIZE, cta_right, cta_base + 1.5),
    ]


def _dark_pixels(pdf_bytes, title):
    """Dark pixels pdfium draws in each Chinese band."""
    dpi = 300
    image = page_image(pdfium.PdfDocument(pdf_bytes), 0)
    dots = dpi / 72
    return [
        int((image[int(top * dots) : int(bottom * dots), int(left * dots) : int(right * dots)] < 128).sum())
        for left, top, right, bottom in _cjk_bands(title)
    ]


# pdfium substitutes a font a PDF does not embed with a system font when it finds one (Debian's
# fonts-noto-cjk has Chinese): these checks render in a child process whose pdfium is given an
# empty system font list, as a phone or printer without that font would draw, whatever this
# machine has installed.
_WITHOUT_SYSTEM_FONTS = """
import ctypes, json, sys
import pypdfium2.raw as raw
empty = raw.FPDF_SYSFONTINFO()
empty.version = 1  # no callbacks: pdfium finds no system font at all
raw.FPDF_SetSystemFontInfo(ctypes.byref(empty))
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from tanhui.codes import labels
from tests.support import pdf_font_problems
from tests.unit.test_labels import BASE, _dark_pixels
font, title = sys.argv[1:3]
if font != "embedded":
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    labels.CJK_FONT = font
pdf = labels.label_sheets([labels.Label(f"{BASE}/Q/ABC", title, "AB12-CD34")])
print(json.dumps({"ink": _dark_pixels(pdf, title), "embedded": pdf_font_problems(pdf) == []}))
"""


def _rendered_without_system_fonts(font, title):
    """(dark pixels per Chinese band, whether every font travels in the file)."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(LAYER), str(ROOT)])}
    out = subprocess.run([sys.executable, "-c", _WITHOUT_SYSTEM_FONTS, font, title],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    found = json.loads(out.stdout.strip().splitlines()[-1])
    return found["ink"], found["embedded"]


def test_given_a_label_when_rendered_without_chinese_system_fonts_then_its_chinese_text_is_drawn():
    title = "西湖游船票"
    pdf = labels.label_sheets([labels.Label(f"{BASE}/Q/ABC", title, "AB12-CD34")])

    (title_ink, cta_ink), embedded = _rendered_without_system_fonts("embedded", title)

    assert embedded

    assert title_ink > 500 and cta_ink > 300  # ~1,600 and ~750 at 300 dpi
    assert b"/FontFile2" in pdf  # the TrueType subset travels in the file
    assert b"STSong-Light" not in pdf and b"/UniGB-UCS2-H" not in pdf


def test_given_the_old_unembedded_font_when_rendered_then_the_same_check_sees_blank_text():
    ink, embedded = _rendered_without_system_fonts("STSong-Light", "西湖游船票")

    assert ink == [0, 0]
    assert not embedded


def test_given_the_embedded_font_then_it_covers_the_label_text_and_not_rare_hanzi():
    from reportlab.pdfbase.pdfmetrics import getFont

    labels.register_fonts()
    face = getFont(labels.CJK_FONT).face

    assert all(ord(c) in face.charToGlyph for c in "扫码领碳币丹霞绿色酒店竹纤维水杯…（）《》¥·")
    assert ord("堃") not in face.charToGlyph  # not in GB2312: printed as .notdef
