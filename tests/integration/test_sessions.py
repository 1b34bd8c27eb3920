"""Browser sessions (contract "Sessions"): the refresh token in the HttpOnly cookie
`tanhui_refresh` with `X-Session: cookie`, refresh from the cookie, logout that revokes."""

from __future__ import annotations

import pytest

from tests.support import unique_phone

PASSWORD = "green-trip-2026"
COOKIE = {"x-session": "cookie"}


def _register(api, headers=None):
    phone = unique_phone()
    body = {"phone": phone, "password": PASSWORD, "display_name": "小林",
            "consent": {"version": "2026-11", "accepted": True}}
    reply = api.post("/v1/auth/register", body, headers=headers)
    assert reply.status == 201, reply.body
    return phone, reply


def _attributes(set_cookie: str) -> tuple[str, str, set[str]]:
    pair, *attributes = [part.strip() for part in set_cookie.split(";")]
    name, _, value = pair.partition("=")
    return name, value, set(attributes)


def _refresh_cookie(reply) -> str:
    (set_cookie,) = reply.cookies
    name, value, attributes = _attributes(set_cookie)
    assert name == "tanhui_refresh" and value
    assert {"HttpOnly", "SameSite=Strict", "Path=/v1/auth", f"Max-Age={30 * 86400}"} <= attributes
    return value


def test_given_x_session_cookie_when_registering_and_logging_in_then_the_refresh_token_is_a_cookie(api):
    phone, registered = _register(api, COOKIE)
    assert registered.body["tokens"]["refresh_token"] is None
    assert registered.body["tokens"]["access_token"]
    _refresh_cookie(registered)
    login = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD}, headers=COOKIE)
    assert login.status == 200 and login.body["refresh_token"] is None
    assert "Secure" not in _attributes(login.cookies[0])[2]  # plain http: the local stack


def test_given_https_at_the_edge_then_the_cookie_is_secure(api):
    phone, _ = _register(api)
    login = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD},
                     headers=COOKIE | {"x-forwarded-proto": "https"})
    assert "Secure" in _attributes(login.cookies[0])[2]


def test_given_no_header_then_the_body_keeps_the_refresh_token_and_no_cookie_is_set(api):
    phone, registered = _register(api)
    assert registered.body["tokens"]["refresh_token"] and registered.cookies == []
    login = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD})
    assert login.body["refresh_token"] and login.cookies == []


@pytest.mark.parametrize("body", [None, {}])
def test_given_the_cookie_when_refreshing_without_a_token_then_fresh_tokens_none_in_the_body(api, body):
    phone, _ = _register(api)
    login = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD}, headers=COOKIE)
    token = _refresh_cookie(login)
    reply = api.post("/v1/auth/refresh", body, cookies=["other=1", f"tanhui_refresh={token}"])
    assert reply.status == 200, reply.body
    assert reply.body["access_token"] and reply.body["refresh_token"] is None


def test_given_neither_body_token_nor_cookie_when_refreshing_then_401_invalid_refresh_token(api):
    for body, cookies in ((None, None), ({}, ["tanhui_refresh="]), ({}, ["tanhui_refresh=forged"])):
        reply = api.post("/v1/auth/refresh", body, cookies=cookies)
        assert (reply.status, reply.error_code) == (401, "invalid_refresh_token")


def test_given_a_body_token_and_x_session_cookie_when_refreshing_then_it_moves_into_the_cookie(api):
    phone, registered = _register(api)
    token = registered.body["tokens"]["refresh_token"]
    reply = api.post("/v1/auth/refresh", {"refresh_token": token}, headers=COOKIE)
    assert reply.status == 200 and reply.body["refresh_token"] is None
    assert _refresh_cookie(reply) == token


def test_given_a_cookie_session_when_logging_out_then_204_the_cookie_cleared_and_the_token_revoked(api):
    phone, _ = _register(api)
    login = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD}, headers=COOKIE)
    token = _refresh_cookie(login)
    out = api.post("/v1/auth/logout", cookies=[f"tanhui_refresh={token}"])
    assert out.status == 204 and not out.body
    (cleared,) = out.cookies
    name, value, attributes = _attributes(cleared)
    assert (name, value) == ("tanhui_refresh", "")
    assert {"Max-Age=0", "Path=/v1/auth", "HttpOnly"} <= attributes
    again = api.post("/v1/auth/refresh", {}, cookies=[f"tanhui_refresh={token}"])
    assert (again.status, again.error_code) == (401, "invalid_refresh_token")


def test_given_a_body_token_and_a_bearer_when_logging_out_then_every_session_of_the_user_ends(api):
    phone, registered = _register(api)
    first = registered.body["tokens"]
    other = api.post("/v1/auth/login", {"phone": phone, "password": PASSWORD}).body  # another phone
    out = api.post("/v1/auth/logout", {"refresh_token": first["refresh_token"]},
                   headers={"authorization": f"Bearer {first['access_token']}"})
    assert out.status == 204
    for token in (first["refresh_token"], other["refresh_token"]):
        reply = api.post("/v1/auth/refresh", {"refresh_token": token})
        assert (reply.status, reply.error_code) == (401, "invalid_refresh_token")


def test_given_nothing_or_spent_tokens_when_logging_out_then_still_204(api):
    assert api.post("/v1/auth/logout").status == 204
    spent = api.post("/v1/auth/logout", {"refresh_token": "not-a-token"},
                     headers={"authorization": "Bearer not-a-jwt"}, cookies=["tanhui_refresh=gone"])
    assert spent.status == 204


def test_given_another_x_session_value_then_422_validation_error(api):
    reply = api.post("/v1/auth/login", {"phone": unique_phone(), "password": PASSWORD},
                     headers={"x-session": "localStorage"})
    assert (reply.status, reply.error_code) == (422, "validation_error")
