"""The code token: what a printed or displayed QR carries, verifiable without a database read.

Binary layout (big-endian), then RFC 4648 base32 without padding (A-Z, 2-7: QR alphanumeric mode):

    byte 0      version << 4 | kind
    byte 1      kid: the signing key's id in the Secrets Manager secret
    bytes 2-4   partner id (3 bytes)
    bytes 5-7   asset id (3 bytes)
    body        ticket, packaging:  batch id (3 bytes) + serial (8 random bytes)
                vehicle_rotating:   time step (4 bytes, unix time // step seconds)
                vehicle, hotel_room: nothing
                voucher:            serial (8 random bytes); the "asset" is the offer
    mac         HMAC-SHA-256(key[kid], everything above), truncated so the token is a multiple
                of 5 bytes (no base32 padding) and never shorter than 80 bits

    kind               bytes  chars  mac bits
    ticket/packaging    30     48      88
    vehicle_rotating    25     40     104
    vehicle/hotel_room  20     32      96
    voucher             30     48     112

A voucher (兑换券) is not a code partners print: it is what a redemption hands the tourist, shown
at the merchant's till. `verify` refuses it unless asked for it (`kinds=VOUCHER_KINDS`), so a
voucher never earns a claim, and a printed code never passes as a voucher.

A ticket URL with a 20-character base is 71 characters and a packaging URL
(`<base>/01/<GTIN-14>/21/<token>`) 90: both fit QR version 4 at error correction M.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import re
from base64 import b32decode, b32encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import Any, NamedTuple

from tanhui import errors

VERSION = 1
SERIAL_BYTES = 8
MIN_MAC_BYTES = 10
MAX_SCANNED_CHARS = 512


class Kind(IntEnum):
    TICKET = 1
    PACKAGING = 2
    VEHICLE = 3
    VEHICLE_ROTATING = 4
    HOTEL_ROOM = 5
    VOUCHER = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def single_use(self) -> bool:
        return self in (Kind.TICKET, Kind.PACKAGING)


# asset kind -> the kind of code printed for it (vehicles also get rotating codes on demand)
ASSET_CODE_KIND = {
    "ticket_product": Kind.TICKET,
    "product_sku": Kind.PACKAGING,
    "vehicle": Kind.VEHICLE,
    "hotel_room": Kind.HOTEL_ROOM,
}

_BODY_BYTES = {
    Kind.TICKET: 3 + SERIAL_BYTES,
    Kind.PACKAGING: 3 + SERIAL_BYTES,
    Kind.VEHICLE: 0,
    Kind.VEHICLE_ROTATING: 4,
    Kind.HOTEL_ROOM: 0,
    Kind.VOUCHER: SERIAL_BYTES,
}
CODE_KINDS = frozenset(Kind) - {Kind.VOUCHER}  # what partners print and tourists claim
VOUCHER_KINDS = frozenset({Kind.VOUCHER})


def _mac_bytes(payload_bytes: int) -> int:
    mac = MIN_MAC_BYTES
    while (payload_bytes + mac) % 5:
        mac += 1
    return mac


_LAYOUT = {kind: (8 + body, _mac_bytes(8 + body)) for kind, body in _BODY_BYTES.items()}
_TOKEN_CHARS = {kind: (payload + mac) * 8 // 5 for kind, (payload, mac) in _LAYOUT.items()}
_VALID_CHARS = frozenset(_TOKEN_CHARS.values())
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Token(NamedTuple):
    """A verified token. `text` is the code id. (A named tuple: bulk issuing builds millions.)"""

    text: str
    kind: Kind
    kid: int
    partner_id: str  # 6 upper-case hex characters
    asset_id: str  # 6 upper-case hex characters
    batch_id: str | None = None  # single-use kinds
    serial: str | None = None  # single-use kinds and vouchers: 16 upper-case hex characters
    step: int | None = None  # vehicle_rotating

    @property
    def short(self) -> str:
        """Human-readable reference printed under the QR (serial or asset, grouped by 4)."""
        return short_ref(self.serial or f"{self.partner_id}{self.asset_id}")


def short_ref(ref: str) -> str:
    """A reference in groups of four for people to read out: `1A2B-3C4D-…`."""
    return "-".join(ref[i : i + 4] for i in range(0, len(ref), 4))


# ------------------------------------------------------------------------------------ encoding
@cache
def _triples() -> list[str]:
    """15 bits -> 3 base32 characters; built on first use (about 2 MB, 10 ms)."""
    a = _ALPHABET
    return [a[i >> 10] + a[(i >> 5) & 31] + a[i & 31] for i in range(1 << 15)]


def _encode(raw: bytes) -> str:
    return b32encode(raw).decode("ascii")


def _hmac_pads(key: bytes) -> tuple[Any, Any]:
    """HMAC-SHA-256's keyed inner and outer states (RFC 2104), computed once per batch so each
    code costs two compressions instead of four. Same MAC as `hmac.digest` (tested)."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _ids(partner_id: str, asset_id: str) -> bytes:
    try:
        raw = bytes.fromhex(partner_id) + bytes.fromhex(asset_id)
    except ValueError as exc:
        raise ValueError("partner and asset ids are 6 hex characters") from exc
    if len(raw) != 6:
        raise ValueError("partner and asset ids are 6 hex characters")
    return raw


def _sign(key: bytes, payload: bytes, kind: Kind) -> str:
    mac = hmac.digest(key, payload, "sha256")[: _LAYOUT[kind][1]]
    return _encode(payload + mac)


def issue(
    kind: Kind, kid: int, key: bytes, partner_id: str, asset_id: str, *, step: int | None = None
) -> Token:
    """A static (vehicle, hotel room) or rotating (vehicle screen) code."""
    if kind.single_use:
        raise ValueError("single-use codes are issued with issue_serials()")
    body = b""
    if kind is Kind.VEHICLE_ROTATING:
        if step is None:
            raise ValueError("a rotating code needs its time step")
        body = step.to_bytes(4, "big")
    payload = bytes((VERSION << 4 | kind, kid)) + _ids(partner_id, asset_id) + body
    return Token(_sign(key, payload, kind), kind, kid, partner_id.upper(), asset_id.upper(), step=step)


def issue_serials(
    kind: Kind, kid: int, key: bytes, partner_id: str, asset_id: str, batch_id: str, count: int
) -> Iterator[Token]:
    """`count` single-use codes with fresh 64-bit random serials (one urandom call per 4096)."""
    if not kind.single_use:
        raise ValueError(f"{kind.label} codes carry no serial")
    prefix = bytes((VERSION << 4 | kind, kid)) + _ids(partner_id, asset_id) + bytes.fromhex(batch_id)
    if len(prefix) != 11:
        raise ValueError("batch ids are 6 hex characters")
    partner, asset, batch = partner_id.upper(), asset_id.upper(), batch_id.upper()
    mac_len = _LAYOUT[kind][1]
    head, carry = _encode(prefix[:10]), prefix[10:]  # 16 constant characters
    inner, outer = _hmac_pads(key)
    inner.update(prefix)  # every MAC of the batch starts with the same 11 bytes
    icopy, ocopy, from_bytes, new, t = inner.copy, outer.copy, int.from_bytes, tuple.__new__, _triples()
    m = 0x7FFF
    while count > 0:
        n = min(count, 4096)
        pool = os.urandom(SERIAL_BYTES * n)
        hexes = pool.hex().upper()
        for i in range(0, SERIAL_BYTES * n, SERIAL_BYTES):
            serial = pool[i : i + SERIAL_BYTES]
            h = icopy()
            h.update(serial)
            o = ocopy()
            o.update(h.digest())
            v = from_bytes(carry + serial + o.digest()[:mac_len], "big")
            # base32 of the 20 bytes after the constant first 10 (16 characters): a 10-bit head
            # and ten 15-bit table lookups, unrolled - this loop is the print path's hot spot
            text = (
                head
                + t[v >> 150][1:]
                + t[(v >> 135) & m]
                + t[(v >> 120) & m]
                + t[(v >> 105) & m]
                + t[(v >> 90) & m]
                + t[(v >> 75) & m]
                + t[(v >> 60) & m]
                + t[(v >> 45) & m]
                + t[(v >> 30) & m]
                + t[(v >> 15) & m]
                + t[v & m]
            )
            yield new(Token, (text, kind, kid, partner, asset, batch, hexes[2 * i : 2 * i + 16], None))
        count -= n


def issue_voucher(kid: int, key: bytes, partner_id: str, offer_id: str) -> Token:
    """A voucher of the merchant `partner_id` for its offer (`offer_id`: 6 hex), with a fresh
    64-bit random serial."""
    serial = os.urandom(SERIAL_BYTES)
    payload = bytes((VERSION << 4 | Kind.VOUCHER, kid)) + _ids(partner_id, offer_id) + serial
    return Token(_sign(key, payload, Kind.VOUCHER), Kind.VOUCHER, kid, partner_id.upper(),
                 offer_id.upper(), serial=serial.hex().upper())


# ---------------------------------------------------------------------------------- verifying
KeyLookup = Callable[[int], "bytes | None"]


def verify(text: str, key_for: KeyLookup, kinds: frozenset[Kind] = CODE_KINDS) -> Token:
    """Authenticates a token of one of `kinds`; raises InvalidCode for anything malformed,
    forged, of another kind or signed with an unknown kid."""
    if not isinstance(text, str) or len(text) not in _VALID_CHARS:
        raise errors.InvalidCode()
    try:
        raw = b32decode(text, casefold=False)
    except (binascii.Error, ValueError) as exc:
        raise errors.InvalidCode() from exc
    version, kind_value = raw[0] >> 4, raw[0] & 0x0F
    if version != VERSION or kind_value not in Kind._value2member_map_:
        raise errors.InvalidCode()
    kind = Kind(kind_value)
    if kind not in kinds:
        raise errors.InvalidCode()
    payload_len, mac_len = _LAYOUT[kind]
    if len(raw) != payload_len + mac_len:
        raise errors.InvalidCode()
    key = key_for(raw[1])
    if key is None:  # unknown or retired signing key
        raise errors.InvalidCode()
    payload, mac = raw[:payload_len], raw[payload_len:]
    if not hmac.compare_digest(hmac.digest(key, payload, "sha256")[:mac_len], mac):
        raise errors.InvalidCode()
    token = Token(text, kind, raw[1], raw[2:5].hex().upper(), raw[5:8].hex().upper())
    if kind is Kind.VOUCHER:
        return token._replace(serial=raw[8:16].hex().upper())
    if kind.single_use:
        return token._replace(batch_id=raw[8:11].hex().upper(), serial=raw[11:19].hex().upper())
    if kind is Kind.VEHICLE_ROTATING:
        return token._replace(step=int.from_bytes(raw[8:12], "big"))
    return token


ROTATING_TOLERANCE_STEPS = 1  # a rotating code is accepted one step either side of its own


def accepted_until(step: int, step_seconds: int) -> int:
    """The first unix second at which a rotating code of `step` is no longer accepted."""
    return (step + ROTATING_TOLERANCE_STEPS + 1) * step_seconds


def check_fresh(
    token: Token, now: float, step_seconds: int, tolerance_steps: int = ROTATING_TOLERANCE_STEPS
) -> None:
    """A rotating code is accepted within ±`tolerance_steps` of the current step."""
    if token.kind is not Kind.VEHICLE_ROTATING or token.step is None:
        return
    if abs(int(now) // step_seconds - token.step) > tolerance_steps:
        raise errors.CodeExpired()


# ---------------------------------------------------------------------------------------- URLs
_SCANNED = re.compile(r"^(?:.*?/(?:Q|01/(?P<gtin>\d{14})/21)/)?(?P<token>[A-Z2-7]+)/?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Scanned:
    token: str
    gtin: str | None = None


def parse_scanned(text: str) -> Scanned:
    """The token inside what a phone scanned: a code URL (`…/Q/<token>`,
    `…/01/<gtin>/21/<token>`) or the bare token. Case is significant: tokens are upper case."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_SCANNED_CHARS:
        raise errors.InvalidCode()
    match = _SCANNED.match(text.strip())
    if not match:
        raise errors.InvalidCode()
    return Scanned(match["token"], match["gtin"])


def gtin_check_digit_ok(gtin: str) -> bool:
    """The GS1 mod-10 check digit of a GTIN-8/12/13/14 (digits only) is right."""
    digits = [int(c) for c in gtin]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin14(gtin: str | None) -> str | None:
    """A GTIN-8/12/13/14 left-padded to 14 digits, or None if it is not one."""
    if not gtin or not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14):
        return None
    return gtin.zfill(14)


def code_url(base_url: str, token: Token | str, gtin: str | None = None) -> str:
    """The https URL the QR encodes. Packaging follows GS1 Digital Link: product and serial in
    the path (`/01/<GTIN>/21/<serial token>`)."""
    text = token.text if isinstance(token, Token) else token
    base = base_url.rstrip("/").upper()
    g = gtin14(gtin)
    if g:
        return f"{base}/01/{g}/21/{text}"
    return f"{base}/Q/{text}"


def token_chars(kind: Kind) -> int:
    return _TOKEN_CHARS[kind]
