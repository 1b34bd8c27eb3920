"""One reading of a phone number, whoever writes it: a tourist registering or logging in, a user
binding a number, a partner's file. People type `137 1000 0099`, `+86 137-1000-0099`,
`8613710000099`, full-width `１３７１０００００９９`; files hold `13710000099.0`. All become E.164
(`+8613710000099`). Pure: no AWS, no clock."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tanhui import errors

MAX_TEXT = 64  # longer text is no phone number
MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number without its country code
E164_DIGITS = re.compile(r"[1-9]\d{6,14}")
# spaces, hyphens and dashes, dots, middle dots, bullets and brackets people put inside numbers
SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212·•・.()]+")

# what a refused number is told, in words (never a pattern): Chinese first
PROBLEM = (
    "请输入手机号码，例如 137 1000 0099 或 +86 137 1000 0099。"
    " Enter a mobile phone number, e.g. 137 1000 0099 or +86 137 1000 0099"
    " (another country's number with + and its country code)."
)


def normalise_phone(text: str) -> str | None:
    """`text` as E.164, or None if it is neither a mainland mobile number (11 digits, with or
    without 86, +86 or 0086) nor another country's number written with + or 00."""
    t = SEPARATORS.sub("", unicodedata.normalize("NFKC", text).strip().removesuffix(".0"))
    international = t.startswith(("+", "00"))
    digits = t[1:] if t.startswith("+") else t[2:] if t.startswith("00") else t
    if not digits.isascii() or not digits.isdigit():
        return None
    if digits.startswith("86") and MOBILE.fullmatch(digits[2:]):
        return "+" + digits
    if international:
        return "+" + digits if E164_DIGITS.fullmatch(digits) and not digits.startswith("86") else None
    return "+86" + digits if MOBILE.fullmatch(digits) else None


class InvalidPhone(errors.Unprocessable):
    code, message = "invalid_phone", PROBLEM


def as_e164(value: Any) -> Any:
    """A request model's phone field (a `BeforeValidator`): text becomes E.164, or the field is
    refused with 422 `invalid_phone`; anything but text goes on to the strict `str` check."""
    if not isinstance(value, str):
        return value
    phone = normalise_phone(value) if len(value) <= MAX_TEXT else None
    if phone is None:
        raise errors.field_error(InvalidPhone)
    return phone
