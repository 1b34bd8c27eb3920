"""Partner API: a partner's own view (assets and codes join here)."""

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from tanhui import api
from tanhui.partners import service
from tanhui.partners.schemas import PartnerOut

app = APIGatewayHttpResolver(enable_validation=True)
api.install(app)


def _partner_id() -> str:
    who = api.require_role(api.principal(app), "partner")
    return service.partner_of(who.user_id)


@app.get("/v1/partner/profile", tags=["partner"])
def profile() -> PartnerOut:
    return service.partner_out(_partner_id())


lambda_handler = api.lambda_handler(app)
