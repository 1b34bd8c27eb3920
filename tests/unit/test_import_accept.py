"""The console's file chooser offers what the upload policy accepts: a clerk can pick no file the
API then refuses 422 unsupported_import_file (a .json was offered and refused)."""

from __future__ import annotations

import re
from pathlib import Path

from tanhui.imports import jobs

KINDS = Path(__file__).resolve().parents[2] / "web" / "src" / "console" / "areas" / "files" / "kinds.ts"


def test_given_the_consoles_chooser_then_it_offers_exactly_the_extensions_the_policy_accepts():
    [accept] = re.findall(r"export const ACCEPT = '([^']*)'", KINDS.read_text())
    assert sorted(accept.split(",")) == sorted(jobs.ACCEPTED_EXTENSIONS)
