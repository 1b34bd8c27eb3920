"""Builds the CJK font the PDF labels embed: Noto Sans SC Regular (SIL OFL 1.1), cut down to
GB2312 plus Latin and punctuation, written to layers/common/tanhui/codes/fonts/.

GB2312's 6,763 hanzi are the simplified characters of everyday use (its two levels cover
99.9 % of modern text); with its symbols, kana, Greek and Cyrillic, ASCII, Latin-1, general and
CJK punctuation and full-width forms that is 7,904 characters and 2.2 MB, against 10.6 MB for
the whole font (GBK would be 7.4 MB). reportlab draws no ligatures or contextual forms, so the
OpenType layout tables go too, and hinting, which print does not use.

The source is the TrueType (glyf) build Google Fonts serves, as packed on the npm registry
(reportlab embeds TrueType outlines only, not the CFF of Source Han Sans / fonts-noto-cjk):

    npm pack @expo-google-fonts/noto-sans-sc@0.4.3 && tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz
    python infra/fonts/cjk_subset.py package/400Regular/NotoSansSC_400Regular.ttf

It needs fontTools (requirements-dev.txt); the layer only reads the result.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "layers" / "common" / "tanhui" / "codes" / "fonts" / "NotoSansSC-Regular-GB2312.ttf"
RANGES = (
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ¥ · ° × and accented letters
    (0x2000, 0x206F),  # general punctuation: … “ ” ‘ ’ — ‰
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。《》「」【】
    (0xFF00, 0xFFEF),  # full-width and half-width forms: ，！？（）
)


def coverage() -> set[int]:
    """The code points of GB2312 and the ranges above."""
    points = {cp for lo, hi in RANGES for cp in range(lo, hi + 1)}
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        points.add(cp)
    return points


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "STAT", "vhea", "vmtx"]
    options.hinting = False
    options.name_IDs = ["*"]  # keep the copyright, licence and licence URL records
    options.notdef_outline = True  # a character outside the subset prints as a box, not nothing
    options.glyph_names = False
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=coverage())
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {font['maxp'].numGlyphs} glyphs, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
