"""Code tokens: verifiable without a database, refusing every forgery we can enumerate."""

from __future__ import annotations

import json

import pytest
import qrcode.constants
from tanhui import errors
from tanhui.codes import keyring, render, token
from tanhui.codes.token import Kind

from tests.support import decode_png

KEY1, KEY2 = b"k" * 40, b"s" * 40
RING = keyring.Keyring(active_kid=2, keys={1: KEY1, 2: KEY2})
BASE = "HTTPS://QR.TANHUI.CN"  # 20 characters


def verify(text: str, ring: keyring.Keyring = RING) -> token.Token:
    return token.verify(text, ring.verifying_key)


def one_of_each() -> list[token.Token]:
    kid, key = RING.signing_key()
    return [
        next(token.issue_serials(Kind.TICKET, kid, key, "A1B2C3", "00FF10", "BA7C11", 1)),
        next(token.issue_serials(Kind.PACKAGING, kid, key, "A1B2C3", "00FF11", "BA7C12", 1)),
        token.issue(Kind.VEHICLE, kid, key, "A1B2C3", "00FF12"),
        token.issue(Kind.VEHICLE_ROTATING, kid, key, "A1B2C3", "00FF12", step=59_000_000),
        token.issue(Kind.HOTEL_ROOM, kid, key, "A1B2C3", "00FF13"),
    ]


@pytest.mark.parametrize("tok", one_of_each(), ids=lambda t: t.kind.label)
def test_given_issued_token_when_verified_then_fields_round_trip(tok):
    assert verify(tok.text) == tok
    assert set(tok.text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@pytest.mark.parametrize("tok", one_of_each(), ids=lambda t: t.kind.label)
def test_given_any_single_character_change_when_verified_then_refused(tok):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567abcz01-/ "
    refused = 0
    for i, original in enumerate(tok.text):
        for c in alphabet:
            if c == original:
                continue
            mutated = tok.text[:i] + c + tok.text[i + 1 :]
            with pytest.raises(errors.InvalidCode):
                verify(mutated)
            refused += 1
    # and every truncation / extension
    for cut in range(len(tok.text)):
        with pytest.raises(errors.InvalidCode):
            verify(tok.text[:cut])
    with pytest.raises(errors.InvalidCode):
        verify(tok.text + "A")
    assert refused == len(tok.text) * (len(alphabet) - 1)


def test_given_token_of_another_partner_when_ids_swapped_then_mac_fails():
    kid, key = RING.signing_key()
    mine = token.issue(Kind.HOTEL_ROOM, kid, key, "A1B2C3", "00FF13")
    theirs = token.issue(Kind.HOTEL_ROOM, kid, key, "D4E5F6", "00FF13")
    assert verify(theirs.text).partner_id == "D4E5F6"
    # splice the other partner's id into my signed token: the MAC no longer matches
    import base64

    raw = bytearray(base64.b32decode(mine.text))
    raw[2:5] = bytes.fromhex("D4E5F6")
    with pytest.raises(errors.InvalidCode):
        verify(base64.b32encode(bytes(raw)).decode())


def test_given_rotated_keys_when_old_kid_retired_then_its_codes_are_refused():
    old = token.issue(Kind.HOTEL_ROOM, 1, KEY1, "A1B2C3", "00FF13")
    assert verify(old.text).kid == 1  # still verifies after kid 2 became active
    retired = keyring.Keyring(active_kid=2, keys={1: KEY1, 2: KEY2}, retired=frozenset({1}))
    with pytest.raises(errors.InvalidCode):
        verify(old.text, retired)
    removed = keyring.Keyring(active_kid=2, keys={2: KEY2})
    with pytest.raises(errors.InvalidCode):
        verify(old.text, removed)


def test_given_token_signed_with_a_different_key_under_same_kid_then_refused():
    forged = token.issue(Kind.HOTEL_ROOM, 2, b"x" * 40, "A1B2C3", "00FF13")
    with pytest.raises(errors.InvalidCode):
        verify(forged.text)


def test_given_secret_formats_when_parsed_then_active_and_retired_kids_are_honoured():
    flat = keyring.parse_secret(json.dumps({"active_kid": 1, "k1": "a" * 64}))
    assert flat.signing_key() == (1, b"a" * 64)
    nested = keyring.parse_secret(
        json.dumps({"active_kid": 3, "keys": {"2": "b" * 64, "3": "c" * 64}, "retired": [2]})
    )
    assert nested.signing_key()[0] == 3 and nested.verifying_key(2) is None
    for bad in (
        "not json",
        {"k1": "a" * 64},
        {"active_kid": 2, "k1": "a" * 64},
        {"active_kid": 1, "k1": "short"},
        {"active_kid": 1, "k1": "a" * 64, "retired": [1]},
    ):
        with pytest.raises(keyring.KeyringError):
            keyring.parse_secret(bad if isinstance(bad, str) else json.dumps(bad))


def test_given_one_million_serials_then_none_repeats():
    kid, key = RING.signing_key()
    serials = {
        t.serial for t in token.issue_serials(Kind.TICKET, kid, key, "A1B2C3", "00FF10", "BA7C11", 1_000_000)
    }
    assert len(serials) == 1_000_000


@pytest.mark.parametrize(
    "scanned, expected",
    [
        (f"{BASE}/Q/TOKEN234", token.Scanned("TOKEN234")),
        (f"{BASE.lower()}/Q/TOKEN234", token.Scanned("TOKEN234")),
        (f"{BASE}/01/06901234567892/21/TOKEN234", token.Scanned("TOKEN234", "06901234567892")),
        ("  TOKEN234\n", token.Scanned("TOKEN234")),
    ],
)
def test_given_scanned_text_when_parsed_then_token_is_extracted(scanned, expected):
    assert token.parse_scanned(scanned) == expected


@pytest.mark.parametrize(
    "scanned", ["", "   ", "https://evil.example/x?q=1", "token234", "A" * 600, f"{BASE}/Q/"]
)
def test_given_garbage_when_parsed_then_invalid_code(scanned):
    with pytest.raises(errors.InvalidCode):
        token.parse_scanned(scanned)


@pytest.mark.parametrize("tok", one_of_each(), ids=lambda t: t.kind.label)
def test_given_20_char_base_url_then_every_kind_fits_qr_version_4_at_level_m(tok):
    gtin = "6901234567892" if tok.kind is Kind.PACKAGING else None
    url = token.code_url(BASE, tok, gtin)
    assert len(BASE) == 20 and url == url.upper()
    assert render.version(url) <= 4
    assert render.qr(url).error_correction == render.ERROR == qrcode.constants.ERROR_CORRECT_M


def test_given_rotating_code_when_checked_then_only_adjacent_steps_are_fresh():
    kid, key = RING.signing_key()
    tok = token.issue(Kind.VEHICLE_ROTATING, kid, key, "A1B2C3", "00FF12", step=1000)
    for now in (999 * 30, 1000 * 30 + 29, 1001 * 30 + 29):
        token.check_fresh(tok, now, 30)
    for now in (998 * 30 + 29, 1002 * 30):
        with pytest.raises(errors.CodeExpired):
            token.check_fresh(tok, now, 30)


def test_given_png_when_decoded_with_opencv_then_exact_url_comes_back(tmp_path):
    for tok in one_of_each():
        url = token.code_url(BASE, tok, "6901234567892" if tok.kind is Kind.PACKAGING else None)
        assert decode_png(render.png(url)) == url
    assert b"<svg" in render.svg(url)
