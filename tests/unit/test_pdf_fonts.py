"""Every PDF the API produces embeds every font it names and names none of the 14 standard fonts
(a print shop's preflight refuses a file that relies on the RIP's fonts): the single code label,
a print batch's label sheets and the certificate. The checks read the PDF objects themselves and
pdfium's view of each text object, so they pass or fail the same with or without system fonts."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from tanhui.certificates import pdf as certificate
from tanhui.codes import labels, token

from tests.support import BASE_14, page_image, pdf_font_problems, scan_label
from tests.unit.test_certificates import _page

KEY = b"k" * 32
BASE = "HTTPS://QR.TANHUI.CN"


def _text_fonts(pdf: bytes) -> set[tuple[str, bool]]:
    """(base font name without its subset tag, embedded) of the font of every text object on every
    page, as pdfium sees it."""
    found = set()
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_TEXT]):
            font = raw.FPDFTextObj_GetFont(obj.raw)
            size = raw.FPDFFont_GetBaseFontName(font, None, 0)
            name = (raw.ctypes.c_char * size)()
            raw.FPDFFont_GetBaseFontName(font, name, size)
            found.add((name.value.decode(), bool(raw.FPDFFont_GetIsEmbedded(font))))
    return found


def _assert_every_font_embedded(pdf: bytes) -> None:
    assert pdf_font_problems(pdf) == []
    fonts = _text_fonts(pdf)
    assert fonts and all(embedded for _name, embedded in fonts), fonts
    assert not {name for name, _ in fonts} & BASE_14


def _sheet(count: int) -> tuple[list[token.Token], list[str], bytes]:
    toks = list(token.issue_serials(token.Kind.TICKET, 1, KEY, "0A1B2C", "3D4E5F", "ABC123", count))
    urls = [token.code_url(BASE, t) for t in toks]
    sheet = [labels.Label(u, "西湖游船票", t.short) for t, u in zip(toks, urls, strict=True)]
    return toks, urls, labels.label_sheets(sheet)


def test_given_a_single_code_label_then_every_font_is_embedded_its_qr_scans_and_its_short_code_reads():
    toks, urls, pdf = _sheet(1)  # what GET /v1/partner/codes/{code}.pdf returns

    _assert_every_font_embedded(pdf)
    doc = pdfium.PdfDocument(pdf)
    assert scan_label(page_image(doc, 0), 0) == urls[0]
    text = doc[0].get_textpage().get_text_range()
    assert toks[0].short in text and "西湖游船票" in text
    assert {name for name, _ in _text_fonts(pdf)} == {"NotoSansSC-Regular", "DejaVuSansMono-Bold"}


def test_given_a_print_batch_of_two_pages_then_every_font_is_embedded_and_every_short_code_reads():
    toks, urls, pdf = _sheet(labels.LABELS_PER_PAGE + 1)  # what a print batch chunk writes

    _assert_every_font_embedded(pdf)
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 2
    assert scan_label(page_image(doc, 1), 0) == urls[-1]
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    assert all(t.short in text for t in toks)


def test_given_a_certificate_then_every_font_is_embedded():
    pdf = certificate.certificate_pdf(_page())

    _assert_every_font_embedded(pdf)
    assert "林小碳" in pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()


def test_given_a_default_reportlab_canvas_then_the_same_checks_find_its_standard_fonts():
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    pdf = Canvas(buf)  # the label code before: Helvetica as the initial font, Courier-Bold for the code
    pdf.setFont("Courier-Bold", 8)
    pdf.drawString(72, 72, "AB12-CD34")
    pdf.showPage()
    pdf.save()

    assert pdf_font_problems(buf.getvalue()) == [
        "object 2: base-14 font Helvetica", "object 2: font Helvetica is not embedded",
        "object 3: base-14 font Courier-Bold", "object 3: font Courier-Bold is not embedded",
    ]
    assert _text_fonts(buf.getvalue()) == {("Courier-Bold", False)}


def test_given_the_short_code_font_then_it_covers_every_short_code_character():
    from reportlab.pdfbase.pdfmetrics import getFont

    labels.register_fonts()
    face = getFont(labels.CODE_FONT).face

    assert all(ord(c) in face.charToGlyph for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ- ")
