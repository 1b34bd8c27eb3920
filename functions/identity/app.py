"""Identity API: register (with consent), confirm, login, refresh, me, consent."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from tanhui import api
from tanhui.identity import consent, service
from tanhui.identity.schemas import (
    ConfirmIn,
    ConsentIn,
    ConsentOut,
    LoginIn,
    ProfileOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    TokensOut,
)

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=api.ROLES)  # /v1/me: any signed-in user


@app.post("/v1/auth/register", tags=["identity"])
@api.allow(api.PUBLIC)
def register(body: Annotated[RegisterIn, Body()]) -> Response[RegisteredOut]:
    result, created = service.register(body)
    return Response(
        status_code=201 if created else 200, content_type=api.JSON, body=result
    )


@app.post("/v1/auth/confirm", tags=["identity"])
@api.allow(api.PUBLIC)
def confirm(body: Annotated[ConfirmIn, Body()]) -> dict:
    service.confirm(body.phone, body.code)
    return {"confirmed": True}


@app.post("/v1/auth/login", tags=["identity"])
@api.allow(api.PUBLIC)
def login(body: Annotated[LoginIn, Body()]) -> TokensOut:
    return service.tokens_out(service.login(body.phone, body.password))


@app.post("/v1/auth/refresh", tags=["identity"])
@api.allow(api.PUBLIC)
def refresh(body: Annotated[RefreshIn, Body()]) -> TokensOut:
    return service.tokens_out(service.refresh(body.refresh_token))


@app.get("/v1/me", tags=["identity"])
def me() -> ProfileOut:
    who = api.principal(app)
    return service.profile(who.user_id, who.role)


@app.post("/v1/me/consent", tags=["identity"])
@api.allow("tourist")
def give_consent(body: Annotated[ConsentIn, Body()]) -> ConsentOut:
    return consent.give(api.principal(app).user_id, body)


lambda_handler = api.lambda_handler(app)
