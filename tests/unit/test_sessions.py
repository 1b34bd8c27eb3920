"""The refresh cookie's pieces (`tanhui.identity.sessions`), without AWS."""

from tanhui.config import Settings
from tanhui.identity import sessions

from infra.local import cfn


def test_given_the_template_then_the_cookie_lives_as_long_as_the_app_clients_refresh_token():
    client = cfn.load_template()["Resources"]["UserPoolClient"]["Properties"]
    assert client["TokenValidityUnits"]["RefreshToken"] == "days"
    assert client["EnableTokenRevocation"] is True  # logout's RevokeToken needs it
    assert Settings.model_fields["refresh_token_days"].default == client["RefreshTokenValidity"]


def test_given_cookies_as_http_api_hands_them_then_the_refresh_token_is_found():
    assert sessions.from_cookies(["a=1", "tanhui_refresh=abc.def-ghi"]) == "abc.def-ghi"
    assert sessions.from_cookies(["tanhui_refresh="]) is None
    assert sessions.from_cookies(["bad cookie ;;; =", "x"]) is None
    assert sessions.from_cookies(None) is None


def test_given_request_headers_then_https_and_bearer_are_read_case_insensitively():
    assert sessions.over_https({"X-Forwarded-Proto": "https, http"})
    assert not sessions.over_https({"x-forwarded-proto": "http"}) and not sessions.over_https(None)
    assert sessions.bearer({"Authorization": "Bearer abc"}) == "abc"
    assert sessions.bearer({"authorization": "Basic abc"}) is None
    assert sessions.bearer({"authorization": "Bearer "}) is None


def test_given_a_cookie_header_then_the_local_event_carries_cookies_as_http_api_does():
    from infra.local.events import http_event

    event = http_event("POST", "/v1/auth/refresh", route_key="POST /v1/auth/refresh",
                       headers={"Cookie": "a=1; tanhui_refresh=abc"})
    assert event["cookies"] == ["a=1", "tanhui_refresh=abc"] and "cookie" not in event["headers"]
    assert sessions.from_cookies(event["cookies"]) == "abc"
