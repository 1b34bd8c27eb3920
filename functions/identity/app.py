"""Identity API: register (with consent), confirm, login, refresh, me, consent, bindings."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.shared.cookies import Cookie
from tanhui import api, errors
from tanhui.bindings import InvalidBinding
from tanhui.bindings import numbers as bindings
from tanhui.bindings.numbers import AlreadyBound
from tanhui.bindings.schemas import BindingsIn, BindingsOut
from tanhui.identity import consent, sessions, users
from tanhui.identity.phones import InvalidPhone
from tanhui.identity.schemas import (
    ConfirmIn,
    ConsentDocumentOut,
    ConsentIn,
    ConsentOut,
    LoginIn,
    LogoutIn,
    ProfileOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    TokensOut,
)
from tanhui.imports import pending
from tanhui.openapi import responses

PROFILE_NOT_FOUND = (errors.NotFound, "profile_not_found")
XSession = Annotated[
    Literal["cookie"] | None,
    Header(description="`cookie`: the refresh token comes as the HttpOnly cookie `tanhui_refresh` "
           "(SameSite=Strict, Path=/v1/auth) and the body's `refresh_token` is null."),
]

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=api.ROLES)  # /v1/me: any signed-in user


def _session(tokens: TokensOut, x_session: str | None) -> tuple[TokensOut, list[Cookie]]:
    """With `X-Session: cookie` the refresh token leaves the body for the HttpOnly cookie."""
    if x_session != sessions.COOKIE_MODE or not tokens.refresh_token:
        return tokens, []
    cookie = sessions.refresh_cookie(tokens.refresh_token, app.current_event.headers)
    return tokens.model_copy(update={"refresh_token": None}), [cookie]


@app.post(
    "/v1/auth/register",
    tags=["identity"],
    summary="Sign up as a tourist",
    description="Creates the login (phone number, as people type it, and password) and records "
    "the data-collection consent in force (GET /v1/consent), which is required. An SMS code "
    "follows: confirm it with /v1/auth/confirm. Sending the same registration again before "
    "confirming answers 200.",
    responses=responses(201, "Registered; confirm the SMS code next.",
                        replay="The same registration again: it stands.",
                        raises=[InvalidPhone, errors.ConsentRequired, consent.ConsentOutdated,
                                errors.PhoneTaken, errors.WeakPassword]),
)
@api.allow(api.PUBLIC)
def register(
    body: Annotated[RegisterIn, Body()], x_session: XSession = None
) -> Response[RegisteredOut]:
    result, created = users.register(body)
    cookies = []
    if result.tokens is not None:  # confirmed: rows a partner reported for this phone are theirs
        pending.settle_quietly(result.user_id)
        result.tokens, cookies = _session(result.tokens, x_session)
    return Response(
        status_code=201 if created else 200, content_type=api.JSON, body=result, cookies=cookies
    )


@app.post(
    "/v1/auth/confirm",
    tags=["identity"],
    summary="Confirm the phone number",
    description="Checks the SMS code sent at registration; the login can then sign in.",
    responses=responses(raises=[
        InvalidPhone, (errors.Unprocessable, "invalid_confirmation_code"),
        (errors.Conflict, "already_confirmed"),
    ]),
)
@api.allow(api.PUBLIC)
def confirm(body: Annotated[ConfirmIn, Body()]) -> dict:
    user_id = users.confirm(body.phone, body.code)
    if user_id is not None:
        pending.settle_quietly(user_id)
    return {"confirmed": True}


@app.post(
    "/v1/auth/login",
    tags=["identity"],
    summary="Sign in",
    description="Exchanges phone number (as people type it: `137 1000 0099`, `+86 137…`, "
    "full-width digits) and password for tokens; send `access_token` as "
    "`Authorization: Bearer …` (Swagger UI: Authorize) to the routes with a lock.",
    responses=responses(raises=[
        InvalidPhone, errors.InvalidCredentials, errors.NotConfirmed,
        (errors.Forbidden, "password_reset_required"),
        (errors.Forbidden, "challenge_required"), PROFILE_NOT_FOUND,
    ]),
)
@api.allow(api.PUBLIC)
def login(body: Annotated[LoginIn, Body()], x_session: XSession = None) -> Response[TokensOut]:
    tokens = users.login(body.phone, body.password)
    pending.settle_quietly(users.user_of(tokens))
    out, cookies = _session(users.tokens_out(tokens), x_session)
    return Response(200, api.JSON, out, cookies=cookies)


@app.post(
    "/v1/auth/refresh",
    tags=["identity"],
    summary="Renew the access token",
    description="Exchanges the `refresh_token` of a sign-in for a fresh access token. Without one "
    "in the body (no body, or `{}`) the HttpOnly cookie `tanhui_refresh` is used, and the answer's "
    "`refresh_token` is null. With `X-Session: cookie` a body's token moves into the cookie.",
    responses=responses(raises=[(errors.Unauthorized, "invalid_refresh_token")]),
)
@api.allow(api.PUBLIC)
def refresh(
    body: Annotated[RefreshIn | None, Body()] = None, x_session: XSession = None
) -> Response[TokensOut]:
    tokens, from_cookie = sessions.refresh(body and body.refresh_token, app.current_event.cookies)
    out = users.tokens_out(tokens)
    if from_cookie:  # the cookie stands (Cognito issued no new refresh token)
        out.refresh_token = None
        return Response(200, api.JSON, out)
    out, cookies = _session(out, x_session)
    return Response(200, api.JSON, out, cookies=cookies)


@app.post(
    "/v1/auth/logout",
    tags=["identity"],
    summary="Sign out",
    description="Revokes the refresh token (the body's `refresh_token`, else the `tanhui_refresh` "
    "cookie) with Cognito RevokeToken, so it can no longer renew a session; with "
    "`Authorization: Bearer <access token>` also signs that user out on every device "
    "(GlobalSignOut). Clears the cookie. Tokens already invalid are no error: always 204.",
    responses=responses(204, "Signed out; `Set-Cookie` clears `tanhui_refresh`."),
)
@api.allow(api.PUBLIC)
def logout(body: Annotated[LogoutIn | None, Body()] = None) -> Response[None]:
    headers = app.current_event.headers
    sessions.logout(body and body.refresh_token, app.current_event.cookies, sessions.bearer(headers))
    return Response(204, cookies=[sessions.cleared_cookie(headers)])


@app.get(
    "/v1/consent",
    tags=["identity"],
    summary="The data-collection consent in force",
    description="Its version and its text in Chinese and English: show the text before "
    "registering (the box unticked) and send `consent: {version, accepted: true}` with "
    "POST /v1/auth/register or POST /v1/me/consent. Another version answers 422 `consent_outdated`.",
)
@api.allow(api.PUBLIC)
def consent_in_force() -> ConsentDocumentOut:
    return consent.document()


@app.get(
    "/v1/me",
    tags=["identity"],
    summary="My profile",
    description="The caller's profile and role (tourist, partner or admin), as its token says.",
    responses=responses(raises=[PROFILE_NOT_FOUND]),
)
def me() -> ProfileOut:
    who = api.principal(app)
    return users.profile(who.user_id, who.role)


@app.post(
    "/v1/me/consent",
    tags=["identity"],
    summary="Give the data-collection consent",
    description="Records the tourist's consent (version and time); claims need it.",
    responses=responses(raises=[errors.ConsentRequired, consent.ConsentOutdated, PROFILE_NOT_FOUND]),
)
@api.allow("tourist")
def give_consent(body: Annotated[ConsentIn, Body()]) -> ConsentOut:
    given = consent.give(api.principal(app).user_id, body)
    pending.settle_quietly(api.principal(app).user_id)
    return given


@app.delete(
    "/v1/me/consent",
    tags=["identity"],
    summary="Withdraw the data-collection consent (撤回授权)",
    description="From this moment nothing is recorded or credited for the caller: a scan answers "
    "403 `consent_withdrawn`, a partner file row naming them is refused as `consent_withdrawn` "
    "(not kept), and the rows kept for them (waiting for a registration, a binding or consent) "
    "are dropped. Coins already credited, the ledger and vouchers stay. The withdrawal is recorded "
    "(the version withdrawn, when); GET /v1/me then shows `consent: null` and "
    "`consent_withdrawn_at`. Withdrawing again changes nothing (204 again, the first time stays). "
    "POST /v1/me/consent gives consent again from then on: nothing refused comes back.",
    responses=responses(204, "Withdrawn (or already withdrawn).", raises=[
        PROFILE_NOT_FOUND, (errors.Conflict, "busy"),
    ]),
)
@api.allow("tourist")
def withdraw_consent() -> Response[None]:
    user_id = api.principal(app).user_id
    consent.withdraw(user_id)
    pending.drop_for(user_id)  # also after a crash: a retry drops what is left
    return Response(204)


@app.get(
    "/v1/me/bindings",
    tags=["identity"],
    summary="My bound numbers",
    description="The transit card, utility accounts (户号), sorting card and car plate bound to the "
    "caller's account, as stored (normalised), and the stated daily driving distance; null = none. "
    "Partner files naming one of these numbers (or the phone) are credited to the caller.",
)
@api.allow("tourist")
def get_bindings() -> BindingsOut:
    return bindings.bindings(api.principal(app).user_id)


@app.put(
    "/v1/me/bindings",
    tags=["identity"],
    summary="Bind, replace or unbind numbers",
    description="A field absent stays as it is; a value binds the number (replacing and freeing "
    "the previous one); null unbinds it, so another account may bind it. Numbers are normalised "
    "(spaces, hyphens and dots dropped, letters upper-cased: `粤B·D12345` is `粤BD12345`). A "
    "number belongs to one account: one bound elsewhere answers 409 `already_bound` and nothing "
    "changes. Needs the data-collection consent. Partner file rows that named a number before it "
    "was bound (kept 90 days) are credited now. Answers every binding as it now stands.",
    responses=responses(raises=[
        errors.ConsentNotGiven, errors.ConsentWithdrawn, AlreadyBound, (errors.Conflict, "busy"),
        InvalidBinding,
    ]),
)
@api.allow("tourist")
def put_bindings(body: Annotated[BindingsIn, Body()]) -> BindingsOut:
    fields = body.model_dump(include=body.model_fields_set)
    user_id = api.principal(app).user_id
    bound = bindings.update(user_id, fields)
    pending.settle_quietly(user_id)  # rows a partner reported for a number just bound
    return bound


lambda_handler = api.lambda_handler(app)
