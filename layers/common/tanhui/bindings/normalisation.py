"""One spelling per number, whoever writes it: the app (PUT /v1/me/bindings) and partner files
(the import) both go through `normalise`, so a card typed "1234 5678" by a user matches the
"1234-5678" of a transit company's file. Pure: no AWS, no clock."""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from tanhui import errors
from tanhui.identity import phones
from tanhui.models.bindings import KINDS, PHONE

MAX_TEXT = 64  # longer text is no number of ours (and would make a long key)
MAX_DAILY_KM = 500
# spaces, hyphens, middle dots, bullets and dots that people and files put inside numbers
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212·•・.]+")
ACCOUNT = re.compile(r"[0-9A-Z]{4,32}")
# the 31 mainland provinces' plate characters
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
CAR_PLATE = re.compile(f"[{PROVINCES}][A-Z][0-9A-Z]{{5,6}}")

PROBLEMS = {
    PHONE: phones.PROBLEM,
    "car_plate": "a mainland car plate: province, letter, then 5 or 6 letters or digits (粤B·D12345)",
}
ACCOUNT_PROBLEM = "4 to 32 letters or digits"


class InvalidBinding(errors.Unprocessable):
    code, message = "invalid_binding", "This is not a valid number for this kind of binding."


def _refuse(kind: str, problem: str) -> InvalidBinding:
    return InvalidBinding(details=[{"field": kind, "problem": problem}])


def _compact(text: str) -> str:
    # NFKC: full-width digits and letters (１２３, Ｂ) become ASCII; then no separators, upper case
    return SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


def normalise(kind: str, text: Any) -> str:
    """The stored form of `text` as a number of `kind` (one of `KINDS`), or 422 invalid_binding.

    Spaces, hyphens, `·`, `•` and dots are dropped, full-width characters folded and letters
    upper-cased. Cards and accounts: 4–32 of [0-9A-Z]. Car plate: a province character, a letter,
    then 5 or 6 of [0-9A-Z] ("粤B·D12345" → "粤BD12345"). Phone: as `identity.phones` reads it
    (E.164; an 11-digit mainland mobile number, with or without 86 / 0086, gets +86). Whole
    numbers are taken as their digits (a file cell read as a number); anything else that is not
    text is refused."""
    if kind not in KINDS:
        raise _refuse(kind, f"one of {', '.join(KINDS)}")
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise _refuse(kind, f"text of at most {MAX_TEXT} characters")
    if kind == PHONE:
        phone = phones.normalise_phone(text)
        if phone is None:
            raise _refuse(kind, PROBLEMS[PHONE])
        return phone
    compact = _compact(text)
    pattern = CAR_PLATE if kind == "car_plate" else ACCOUNT
    if not pattern.fullmatch(compact):
        raise _refuse(kind, PROBLEMS.get(kind, ACCOUNT_PROBLEM))
    return compact


def normalise_daily_km(value: Any) -> float:
    """The resident's stated daily driving distance: a JSON number, 0 < km ≤ 500."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _refuse("daily_km", "a number of kilometres")
    km = float(value)
    if not (math.isfinite(km) and 0 < km <= MAX_DAILY_KM):
        raise _refuse("daily_km", f"more than 0 and at most {MAX_DAILY_KM} kilometres")
    return km
