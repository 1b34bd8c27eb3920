"""Registration with consent, login, refresh, profile — against moto built from the template."""

from unittest import mock

import pytest
from pynamodb.exceptions import TransactWriteError
from tanhui.models.identity import ConsentRecord, UserProfile
from tanhui.models.wallet import Wallet

from tests.support import login, unique_phone


def register_body(phone, **overrides):
    body = {
        "phone": phone,
        "password": "green-trip-2026",
        "display_name": "小林",
        "consent": {"version": "2026-11", "accepted": True},
    }
    return body | overrides


def test_given_consent_when_registering_then_profile_wallet_and_consent_record_exist(api):
    phone = unique_phone()
    reply = api.post("/v1/auth/register", register_body(phone))
    assert reply.status == 201
    user_id = reply.body["user_id"]
    assert reply.body["tokens"]["access_token"] and reply.body["confirmation_required"] is False
    assert UserProfile.get(*UserProfile.key(user_id)).phone == phone
    wallet = Wallet.get(*Wallet.key(user_id))
    assert (wallet.coins, wallet.gco2e) == (0, 0)
    consents = list(ConsentRecord.query(f"USER#{user_id}", ConsentRecord.sk.startswith("CONSENT#")))
    assert [(c.version, c.accepted) for c in consents] == [("2026-11", True)]


@pytest.mark.parametrize("consent", [None, {"version": "2026-11", "accepted": False}])
def test_given_no_consent_when_registering_then_422_consent_required_and_nothing_created(api, consent):
    phone = unique_phone()
    body = register_body(phone)
    if consent is None:
        body.pop("consent")
    else:
        body["consent"] = consent
    reply = api.post("/v1/auth/register", body)
    assert (reply.status, reply.error_code) == (422, "consent_required")
    assert api.post("/v1/auth/login", {"phone": phone, "password": "green-trip-2026"}).status == 401


def test_given_taken_phone_when_another_password_registers_then_409(api):
    phone = unique_phone()
    assert api.post("/v1/auth/register", register_body(phone)).status == 201
    reply = api.post("/v1/auth/register", register_body(phone, password="other-pass-99"))
    assert (reply.status, reply.error_code) == (409, "phone_taken")


def test_given_weak_password_then_422_weak_password(api):
    reply = api.post("/v1/auth/register", register_body(unique_phone(), password="short"))
    assert (reply.status, reply.error_code) == (422, "weak_password")


@pytest.mark.parametrize("phone", ["12345", "23800138000", "+86 20 8888 8888", "call me", "1" * 80])
def test_given_a_phone_nobody_can_read_then_422_invalid_phone_in_words(api, phone):
    reply = api.post("/v1/auth/register", register_body(phone))
    assert (reply.status, reply.error_code) == (422, "invalid_phone")
    message = reply.body["error"]["message"]
    assert "手机号码" in message and "phone number" in message
    assert not any(c in message for c in "^$\\[]{}")  # words, not a regular expression
    assert reply.body["error"]["details"][0]["field"] == "phone"
    login = api.post("/v1/auth/login", {"phone": phone, "password": "green-trip-2026"})
    assert (login.status, login.error_code) == (422, "invalid_phone")


def _typed(e164: str) -> list[str]:
    """`+86137...` as people type it."""
    local = e164.removeprefix("+86")
    spaced = f"{local[:3]} {local[3:7]} {local[7:]}"
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in local)
    return [spaced, f"+86 {spaced}", f"86-{spaced.replace(' ', '-')}", "86" + local, full_width]


def test_given_a_phone_as_people_type_it_then_register_login_and_confirm_take_it_as_e164(api):
    phone = unique_phone()
    typed = _typed(phone)
    reply = api.post("/v1/auth/register", register_body(typed[0]))
    assert reply.status == 201, reply.body
    assert UserProfile.get(*UserProfile.key(reply.body["user_id"])).phone == phone
    for form in typed:
        got = api.post("/v1/auth/login", {"phone": form, "password": "green-trip-2026"})
        assert got.status == 200, (form, got.body)
    again = api.post("/v1/auth/confirm", {"phone": typed[4], "code": "123456"})
    assert again.status == 200 or again.error_code == "already_confirmed"  # moto: 200; Cognito: 409


def test_given_crash_after_cognito_when_client_retries_then_account_completed_once(api):
    phone = unique_phone()
    boom = TransactWriteError("simulated outage")
    with mock.patch("tanhui.identity.users.retrying", side_effect=boom):
        died = api.post("/v1/auth/register", register_body(phone))  # the invocation dies mid-way
    assert (died.status, died.error_code) == (500, "internal_error")
    retry = api.post("/v1/auth/register", register_body(phone))
    assert retry.status == 200, retry.body
    user_id = retry.body["user_id"]
    assert Wallet.get(*Wallet.key(user_id)).coins == 0
    assert UserProfile.get(*UserProfile.key(user_id)).consent_version == "2026-11"


def test_given_crash_after_cognito_when_user_logs_in_then_wallet_is_healed(api):
    phone = unique_phone()
    with mock.patch("tanhui.identity.users.retrying", side_effect=TransactWriteError("x")):
        assert api.post("/v1/auth/register", register_body(phone)).status == 500
    session = login(api, phone, "green-trip-2026")
    assert Wallet.get(*Wallet.key(session.user_id)).user_id == session.user_id
    me = api.get("/v1/me", as_=session)
    assert me.status == 200 and me.body["consent"]["version"] == "2026-11"


def test_given_wrong_password_when_logging_in_then_401_invalid_credentials(api, register):
    session = register()
    reply = api.post("/v1/auth/login", {"phone": session.phone, "password": "nope-nope-1"})
    assert (reply.status, reply.error_code) == (401, "invalid_credentials")


def test_given_refresh_token_when_refreshing_then_new_access_token(api, register):
    session = register()
    reply = api.post("/v1/auth/refresh", {"refresh_token": session.refresh_token})
    assert reply.status == 200 and reply.body["access_token"]
    bad = api.post("/v1/auth/refresh", {"refresh_token": "not-a-token"})
    assert (bad.status, bad.error_code) == (401, "invalid_refresh_token")


def test_given_tourist_when_reading_me_then_profile_with_consent(api, register):
    session = register("小林")
    me = api.get("/v1/me", as_=session)
    assert me.status == 200
    assert me.body["user_id"] == session.user_id
    assert me.body["role"] == "tourist" and me.body["display_name"] == "小林"
    assert me.body["consent"]["version"] == "2026-11"
    assert me.body["consent"]["accepted_at"].endswith("Z")
