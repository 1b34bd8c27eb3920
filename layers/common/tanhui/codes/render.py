"""QR images of code URLs: PNG and SVG (the `qrcode` library), error correction M, 4-module quiet
zone.

PDF label sheets for printers live in `tanhui.codes.labels` (reportlab, imported lazily).
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M

ERROR = ERROR_CORRECT_M
QUIET_ZONE = 4

# The version a URL needs depends only on its segments' modes and lengths: a print run's URLs
# share one shape, so the library's best_fit (a full bit-buffer write) runs once a shape, not
# once a code. A few kinds of code x a few base URLs: a handful of entries a container.
_VERSIONS: dict[tuple[tuple[int, int], ...], int] = {}


def qr(url: str, mask: int | None = None, *, scale: int = 8, border: int = QUIET_ZONE) -> qrcode.QRCode:
    """The smallest version that holds `url` at level M (qrcode never raises the level).
    `mask=None` evaluates all 8 masks (ISO/IEC 18004's penalty rules, most of the library's
    time); print runs pass a fixed mask instead (see labels.PRINT_MASK). `qr(url).modules` is the
    matrix without the quiet zone, one list of booleans (True = dark) a row."""
    code = qrcode.QRCode(error_correction=ERROR, box_size=scale, border=border, mask_pattern=mask)
    code.add_data(url)
    shape = tuple((segment.mode, len(segment)) for segment in code.data_list)
    if shape in _VERSIONS:
        code.version = _VERSIONS[shape]
    elif len(_VERSIONS) < 64:
        _VERSIONS[shape] = code.best_fit()
    code.make(fit=False)
    return code


def png(url: str, scale: int = 8) -> bytes:
    """1-bit PNG, `scale` pixels a module (the library's Pillow image; reportlab needs Pillow too)."""
    buf = io.BytesIO()
    qr(url, scale=scale).make_image().save(buf)
    return buf.getvalue()


def svg(url: str, scale: int = 8) -> bytes:
    """One SVG path on a white square, `scale` tenths of a millimetre a module (0.8 mm: a
    version-4 code with its quiet zone is 32.8 mm wide, the size of a label's QR)."""
    from qrcode.image.svg import SvgPathFillImage

    buf = io.BytesIO()
    qr(url, scale=scale).make_image(image_factory=SvgPathFillImage).save(buf)
    return buf.getvalue()


def terminal(url: str) -> str:
    """The QR as text for a terminal (used by `make run` to show one demo code): two modules a
    character cell, dark modules drawn as spaces so that the quiet zone is solid blocks and the
    code scans off a dark terminal."""
    buf = io.StringIO()
    qr(url, border=2).print_ascii(out=buf, invert=True)
    return buf.getvalue()


def version(url: str) -> int:
    return int(qr(url).version)
