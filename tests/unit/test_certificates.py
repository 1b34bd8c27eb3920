"""The certificate page renders (Chinese included, one page), reads back as text, its QR scans to
the public check URL; periods are strict; ids follow the content, not the user."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from tanhui.certificates import issuing, pdf, periods
from tanhui.claims.schemas import BEHAVIOUR_NAMES

from tests.support import decode_qr, page_image

KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SUMS = issuing.Totals(gco2e=12_345, coins=15, behaviours={
    "hotel_low_carbon_night": 2, "eco_vehicle_ride": 3, "plant_adoption": 1})


def _page(holder="林小碳", behaviours=None, **changes):
    cid = issuing.certificate_id(KEY, "user-1", holder, "2026-11", SUMS)
    values = dict(
        certificate_id=cid, holder=holder, period="2026-11", period_chinese="2026年11月",
        gco2e=SUMS.gco2e, coins=SUMS.coins,
        behaviours=behaviours or [(BEHAVIOUR_NAMES[b], n) for b, n in SUMS.behaviours.items()],
        issued_on="2026-12-01", verify_url=f"HTTPS://QR.TANHUI.CN/v1/certificates/{cid}",
    )
    return pdf.CertificatePage(**(values | changes))


def _artefact(tmp_path: Path, doc, name: str) -> Path:
    """The page as a PNG under tmp_path, copied to $TANHUI_TEST_ARTIFACTS when that is set."""
    path = tmp_path / name
    doc[0].render(scale=150 / 72).to_pil().save(path)
    if os.environ.get("TANHUI_TEST_ARTIFACTS"):
        target = Path(os.environ["TANHUI_TEST_ARTIFACTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target / name)
    return path


def _ink(pdf_bytes: bytes) -> int:
    return int((page_image(pdfium.PdfDocument(pdf_bytes), 0) < 128).sum())


def test_given_a_chinese_name_and_scenes_when_rendered_then_one_page_says_all_and_its_qr_scans(tmp_path):
    page = _page()

    rendered = pdf.certificate_pdf(page)

    doc = pdfium.PdfDocument(rendered)
    assert len(doc) == 1
    png = _artefact(tmp_path, doc, "certificate.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    text = doc[0].get_textpage().get_text_range()
    for expected in ("林小碳", "2026年11月", "2026-11", "12.3 kg CO2e", "12,345 g", "获得碳币 15 枚",
                     page.certificate_id, "2026-12-01", "低碳住宿", "乘坐环保车船", "植物认养",
                     pdf.TITLE):
        assert expected in text, expected
    assert [line.split()[-1] for line in text.splitlines() if line.startswith(("低碳住宿", "乘坐", "植物"))] \
        == ["2", "3", "1"]
    image = page_image(doc, 0)
    h, w = image.shape
    left, top, right, bottom = pdf.qr_box()
    assert decode_qr(image[int(top * h):int(bottom * h), int(left * w):int(right * w)]) == page.verify_url
    assert b"/FontFile2" in rendered  # the font travels in the file


def test_given_no_chinese_system_font_then_the_name_is_drawn_from_the_embedded_font():
    with_name, without = pdf.certificate_pdf(_page("林小碳")), pdf.certificate_pdf(_page("\u3000"))

    assert _ink(with_name) - _ink(without) > 1000  # pdfium draws only embedded CJK glyphs here


def test_given_every_behaviour_then_the_page_holds_them_on_one_page():
    every = [(name, n) for n, name in enumerate(BEHAVIOUR_NAMES.values(), start=1)]
    doc = pdfium.PdfDocument(pdf.certificate_pdf(_page(behaviours=every)))

    assert len(doc) == 1
    text = doc[0].get_textpage().get_text_range()
    assert all(name in text for name, _ in every)


def test_given_the_fixed_wording_and_scene_names_then_the_embedded_font_has_every_glyph():
    from reportlab.pdfbase.pdfmetrics import getFont
    from tanhui.codes import labels

    labels.register_fonts()
    face = getFont(labels.CJK_FONT).face
    page = _page()
    wording = [pdf.TITLE, pdf.SUBTITLE, pdf.CERTIFIES, *pdf.TABLE_HEAD, pdf.ID_LABEL, pdf.ISSUED_LABEL,
               pdf.SCAN_TO_VERIFY, pdf.FOOTER, pdf.period_line(page), pdf.reduction_line(page),
               *BEHAVIOUR_NAMES.values()]
    missing = {c for text in wording for c in text if ord(c) not in face.charToGlyph}
    assert missing == set()


@pytest.mark.parametrize(("grams", "kg"), [(0, "0.0"), (49, "0.0"), (50, "0.1"), (1250, "1.3"),
                                           (12_345, "12.3"), (1_234_567, "1,234.6")])
def test_given_grams_then_kilograms_have_one_decimal_rounded_half_up(grams, kg):
    assert pdf.kilograms(grams) == kg


def test_given_the_pdf_module_when_the_issuing_module_is_imported_then_reportlab_is_not_loaded():
    import subprocess
    import sys

    probe = ("import sys, tanhui.certificates.issuing\n"
             "print([m for m in ('reportlab', 'qrcode') if m in sys.modules])")
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]  # the layer and the repository, as make exports them
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(root / "layers" / "common"), str(root)])}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.strip() == "[]", out.stderr


# ----------------------------------------------------------------------------------- periods
@pytest.mark.parametrize(("text", "start", "end", "chinese"), [
    ("2026", "2025-12-31T16:00:00.000Z", "2026-12-31T16:00:00.000Z", "2026年"),
    ("2026-11", "2026-10-31T16:00:00.000Z", "2026-11-30T16:00:00.000Z", "2026年11月"),
    ("2025-12", "2025-11-30T16:00:00.000Z", "2025-12-31T16:00:00.000Z", "2025年12月"),
    ("2026-12", "2026-11-30T16:00:00.000Z", "2026-12-31T16:00:00.000Z", "2026年12月"),  # so far
])
def test_given_a_year_or_month_then_its_local_days_are_the_utc_bounds(text, start, end, chinese):
    period = periods.parse(text, NOW)
    assert (period.start, period.end, period.chinese) == (start, end, chinese)


@pytest.mark.parametrize("text", ["", "26", "2026-1", "2026-13", "2026-00", "2026/11", " 2026", "2026 ",
                                  "2026-11-01", "２０２６", "1999", "0001", "2027", "2027-01", "9999-12",
                                  "2026-11\n"])
def test_given_anything_but_a_started_year_or_month_then_400_invalid_period(text):
    with pytest.raises(periods.InvalidPeriod) as raised:
        periods.parse(text, NOW)
    assert (raised.value.status, raised.value.code) == (400, "invalid_period")


def test_given_new_years_eve_in_utc_then_the_local_new_year_has_started():
    assert periods.parse("2027", datetime(2026, 12, 31, 16, 0, tzinfo=UTC)).text == "2027"


# --------------------------------------------------------------------------------------- ids
def test_given_the_same_content_then_the_same_id_and_any_change_another():
    base = issuing.certificate_id(KEY, "user-1", "林小碳", "2026", SUMS)
    more = issuing.Totals(SUMS.gco2e + 1, SUMS.coins, SUMS.behaviours)
    others = {
        issuing.certificate_id(KEY, "user-2", "林小碳", "2026", SUMS),
        issuing.certificate_id(KEY, "user-1", "林小碳", "2026-11", SUMS),
        issuing.certificate_id(KEY, "user-1", "林小碳", "2026", more),
        issuing.certificate_id(KEY, "user-1", "林小", "2026", SUMS),
        issuing.certificate_id(b"o" * 32, "user-1", "林小碳", "2026", SUMS),
    }

    assert issuing.certificate_id(KEY, "user-1", "林小碳", "2026", SUMS) == base
    assert issuing.ID_PATTERN.fullmatch(base) and base not in others and len(others) == 5


def test_given_a_name_then_the_public_check_shows_its_first_character_only():
    names = ("林小碳", "Alice", "林")
    assert [issuing.masked(n) for n in names] == ["林**", "A**", "林**"]


def test_given_accept_headers_then_html_only_where_it_outranks_json():
    from tanhui.api import prefers_html

    assert prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert prefers_html("text/html;q=0.9, application/json;q=0.5")
    assert not prefers_html(None) and not prefers_html("") and not prefers_html("*/*")
    assert not prefers_html("application/json") and not prefers_html("application/json, text/html;q=0.5")
    assert not prefers_html("text/html;q=0, */*") and not prefers_html("text/html;q=abc")
    assert not prefers_html("text/*, application/json")  # a tie keeps JSON
