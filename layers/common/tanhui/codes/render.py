"""QR images of code URLs: PNG and SVG (segno), error correction M, 4-module quiet zone.

PDF label sheets for printers live in `tanhui.codes.labels` (reportlab, imported lazily).
"""

from __future__ import annotations

import io

import segno

ERROR = "m"
QUIET_ZONE = 4


def qr(url: str, mask: int | None = None) -> segno.QRCode:
    """boost_error=False keeps level M so the symbol stays as small as the format promises.
    `mask=None` evaluates all 8 masks (ISO/IEC 18004's penalty rules, ~80% of segno's time);
    print runs pass a fixed mask instead (see labels.PRINT_MASK)."""
    return segno.make_qr(url, error=ERROR, boost_error=False, mask=mask)


def png(url: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr(url).save(buf, kind="png", scale=scale, border=QUIET_ZONE)
    return buf.getvalue()


def svg(url: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    qr(url).save(buf, kind="svg", scale=scale, border=QUIET_ZONE, xmldecl=False, svgns=True)
    return buf.getvalue()


def terminal(url: str) -> str:
    """The QR as text for a terminal (used by `make run` to show one demo code)."""
    buf = io.StringIO()
    qr(url).terminal(out=buf, compact=True, border=2)
    return buf.getvalue()


def version(url: str) -> int:
    return int(qr(url).version)
