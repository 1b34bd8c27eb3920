"""Consent (用户授权) before any credit: an account made around the API (Cognito SignUp with the
public app client) can log in but records nothing until it gives consent; the app client cannot
write consent or partner attributes, and such an attribute never makes a partner."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from tanhui import errors
from tanhui.claims import factors
from tanhui.config import get_settings
from tanhui.identity import consent
from tanhui.identity.cognito import _cognito
from tanhui.models.identity import ConsentRecord, UserProfile

from tests.factories import make_asset, partner_item, static
from tests.support import login, unique_phone

PASSWORD = "green-trip-2026"


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def sign_up_around_the_api(phone: str, extra: dict[str, str] | None = None) -> None:
    """What an attacker does with the client id from the app: SignUp straight to Cognito."""
    s = get_settings()
    attributes = {"phone_number": phone, "name": "direct"} | (extra or {})
    _cognito().sign_up(
        ClientId=s.user_pool_client_id, Username=phone, Password=PASSWORD,
        UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items()],
    )
    _cognito().admin_confirm_sign_up(UserPoolId=s.user_pool_id, Username=phone)


def test_given_account_without_consent_then_claims_403_until_consent_given(api):
    phone = unique_phone()
    sign_up_around_the_api(phone)
    user = login(api, phone, PASSWORD)
    assert api.get("/v1/me", as_=user).body["consent"] is None
    code = static(make_asset(partner_item("hotel"), "hotel_room"))

    refused = api.post("/v1/claims", {"code": code}, as_=user)
    assert (refused.status, refused.error_code) == (403, "consent_required")
    assert api.get("/v1/me/wallet", as_=user).body["coins"] == 0
    assert api.get("/v1/me/ledger", as_=user).body["items"] == []
    with pytest.raises(errors.ConsentNotGiven):
        consent.require_consent(user.user_id)

    given = api.post("/v1/me/consent", {"version": "2026-11", "accepted": True}, as_=user)
    assert given.status == 200 and given.body["version"] == "2026-11"
    assert api.get("/v1/me", as_=user).body["consent"]["version"] == "2026-11"
    records = list(ConsentRecord.query(f"USER#{user.user_id}", ConsentRecord.sk.startswith("CONSENT#")))
    assert [(r.version, r.channel) for r in records] == [("2026-11", "api")]
    consent.require_consent(user.user_id)
    credited = api.post("/v1/claims", {"code": code}, as_=user)
    assert credited.status == 201 and credited.body["wallet"]["coins"] > 0


def test_given_account_without_consent_when_registering_again_with_consent_then_it_earns(api):
    phone = unique_phone()
    sign_up_around_the_api(phone)
    user = login(api, phone, PASSWORD)  # profile and wallet exist, without consent
    body = {"phone": phone, "password": PASSWORD, "display_name": "direct",
            "consent": {"version": "2026-11", "accepted": True}}
    again = api.post("/v1/auth/register", body)
    assert again.status == 200 and again.body["user_id"] == user.user_id
    assert api.get("/v1/me", as_=user).body["consent"]["version"] == "2026-11"
    code = static(make_asset(partner_item("hotel"), "hotel_room"))
    assert api.post("/v1/claims", {"code": code}, as_=user).status == 201


def test_given_consent_not_accepted_or_caller_not_a_tourist_then_refused(api, register, make_partner):
    declined = api.post("/v1/me/consent", {"version": "2026-11", "accepted": False}, as_=register())
    assert (declined.status, declined.error_code) == (422, "consent_required")
    staff = api.post("/v1/me/consent", {"version": "2026-11", "accepted": True}, as_=make_partner())
    assert staff.status == 403


@pytest.mark.parametrize(
    "attribute", ["custom:partner_id", "custom:consent_version", "custom:consent_at"]
)
def test_given_app_client_when_writing_server_side_attributes_then_cognito_refuses(attribute):
    with pytest.raises(ClientError) as refused:
        sign_up_around_the_api(unique_phone(), {attribute: "X"})
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_given_partner_id_attribute_on_a_tourist_then_me_says_tourist_and_partner_routes_403(
    api, make_partner
):
    victim = make_partner("hotel")
    phone = unique_phone()
    sign_up_around_the_api(phone)
    # as if the client could write it (a pool whose client allows every attribute)
    s = get_settings()
    _cognito().admin_update_user_attributes(
        UserPoolId=s.user_pool_id, Username=phone,
        UserAttributes=[{"Name": "custom:partner_id", "Value": victim.partner_id}],
    )
    intruder = login(api, phone, PASSWORD)
    me = api.get("/v1/me", as_=intruder).body
    assert (me["role"], me["partner_id"]) == ("tourist", None)
    stored = UserProfile.get(*UserProfile.key(intruder.user_id))  # what login completed
    assert (stored.role, stored.partner_id) == ("tourist", None)
    assert api.get("/v1/partner/profile", as_=intruder).status == 403


def test_given_a_tourists_access_token_when_updating_partner_id_then_cognito_refuses(register, make_partner):
    tourist, victim = register(), make_partner("hotel")
    with pytest.raises(ClientError) as refused:
        _cognito().update_user_attributes(
            AccessToken=tourist.access_token,
            UserAttributes=[{"Name": "custom:partner_id", "Value": victim.partner_id}],
        )
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_given_anyone_when_reading_the_consent_then_its_version_and_text_in_zh_and_en(api):
    reply = api.get("/v1/consent")
    assert reply.status == 200
    assert reply.body["version"] == consent.VERSION == "2026-11"
    zh, en = reply.body["text"]["zh"], reply.body["text"]["en"]
    for words in ("手机号", "位置", "撤回", "保存期限"):
        assert words in zh
    for words in ("phone number", "location", "withdraw", "How long"):
        assert words in en


def test_given_a_consent_version_not_in_force_then_register_and_consent_refuse_it(api, register):
    phone = unique_phone()
    body = {"phone": phone, "password": PASSWORD, "display_name": "old",
            "consent": {"version": "2020-01", "accepted": True}}
    refused = api.post("/v1/auth/register", body)
    assert (refused.status, refused.error_code) == (422, "consent_outdated")
    assert api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD}).status == 401  # nothing made
    given = api.post("/v1/me/consent", {"version": "2020-01", "accepted": True}, as_=register())
    assert (given.status, given.error_code) == (422, "consent_outdated")
