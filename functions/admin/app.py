"""Admin API: partners, their staff logins, and methodology factors."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from tanhui import api
from tanhui.claims import factors
from tanhui.claims.schemas import FactorIn, FactorList, FactorOut, FactorVersions
from tanhui.partners import service
from tanhui.partners.schemas import PartnerIn, PartnerList, PartnerOut, StaffIn, StaffOut

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app, allow=("admin",))


def _admin() -> api.Principal:
    return api.require_role(api.principal(app), "admin")


@app.post("/v1/admin/partners", tags=["admin"])
def create_partner(
    body: Annotated[PartnerIn, Body()], idempotency_key: Annotated[str | None, Header()] = None
) -> Response[PartnerOut]:
    who = _admin()
    outcome = service.create_partner_once(body, who.user_id, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get("/v1/admin/partners", tags=["admin"])
def list_partners(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> PartnerList:
    _admin()
    return service.list_partners(limit, cursor)


@app.get("/v1/admin/partners/<partner_id>", tags=["admin"])
def get_partner(partner_id: str) -> PartnerOut:
    _admin()
    return service.partner_out(partner_id)


@app.post("/v1/admin/partners/<partner_id>/users", tags=["admin"])
def create_partner_user(partner_id: str, body: Annotated[StaffIn, Body()]) -> Response[StaffOut]:
    _admin()
    staff = service.create_staff(partner_id, body)
    return Response(201, api.JSON, staff)


# ------------------------------------------------------------------ methodology factors


@app.put("/v1/admin/factors/<behaviour>", tags=["admin"])
def put_factor(behaviour: str, body: Annotated[FactorIn, Body()]) -> Response[FactorOut]:
    who = _admin()
    return Response(201, api.JSON, factors.create_version(behaviour, body, who.user_id))


@app.get("/v1/admin/factors/<behaviour>", tags=["admin"])
def get_factor_versions(behaviour: str) -> FactorVersions:
    _admin()
    return factors.versions(behaviour)


@app.get("/v1/admin/factors", tags=["admin"])
def list_factors() -> FactorList:
    _admin()
    return factors.current_all()


lambda_handler = api.lambda_handler(app)
