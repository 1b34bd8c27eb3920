"""Builds the monospace font the PDF labels set the short code in: DejaVu Sans Mono Bold (Bitstream
Vera licence with the DejaVu and Arev notes, `fonts/DejaVu-LICENSE.txt`; both permit
redistribution of a modified font whose name has neither "Bitstream", "Vera" nor "Arev" in it),
cut down to what a short code is written with: digits, upper-case letters, the hyphen between
groups and the space. Written to layers/common/tanhui/codes/fonts/.

The source is Debian's fonts-dejavu-core (any DejaVu 2.37 TTF is the same file):

    apt-get install fonts-dejavu-core
    python infra/fonts/mono_subset.py /usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf

It needs fontTools (requirements-dev.txt); the layer only reads the result.
"""

from __future__ import annotations

import string
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "layers" / "common" / "tanhui" / "codes" / "fonts" / "DejaVuSansMono-Bold-ShortCode.ttf"
CHARACTERS = string.digits + string.ascii_uppercase + "- "


def main(source: str) -> None:
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]  # reportlab draws no ligatures or kerning
    options.hinting = False  # print does not use it
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True  # a character outside the subset prints as a box, not nothing
    options.glyph_names = False
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(c) for c in CHARACTERS})
    subsetter.subset(font)
    font.save(OUT)
    print(f"{OUT.relative_to(ROOT)}: {font['maxp'].numGlyphs} glyphs, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
