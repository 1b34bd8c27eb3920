"""/.well-known/ files: a phone with the Tanhui app installed opens code URLs in the app."""

import json

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from tanhui import api
from tanhui.codes import app_links
from tanhui.openapi import responses

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))

CACHE = {"Cache-Control": "public, max-age=3600"}


def _json(document: object) -> Response:
    return Response(200, api.JSON, json.dumps(document, ensure_ascii=False), headers=CACHE)


@app.route(
    "/.well-known/apple-app-site-association",
    method=["GET", "HEAD"],
    tags=["app links"],
    summary="iOS universal links",
    description="Which iOS apps (IosAppIds) open code URLs (`/Q/*`, `/01/*`) instead of the web app; "
    "no details when none is configured.",
    responses=responses(200, "The apple-app-site-association document.", content={api.JSON: {}}),
)
def apple_app_site_association():  # a JSON document of its own: no response model
    return _json(app_links.apple_app_site_association(app_links.configured()))


@app.route(
    "/.well-known/assetlinks.json",
    method=["GET", "HEAD"],
    tags=["app links"],
    summary="Android app links",
    description="Which Android app (AndroidPackage, signed with AndroidCertFingerprints) opens code "
    "URLs; an empty list when none is configured.",
    responses=responses(200, "The Digital Asset Links statements.", content={api.JSON: {}}),
)
def asset_links():
    return _json(app_links.asset_links(app_links.configured()))


lambda_handler = api.lambda_handler(app)
