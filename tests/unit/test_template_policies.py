"""What template.yaml grants: CORS for every method a route uses, least-privilege DynamoDB
actions per function, and which Cognito attributes the public app client may write."""

from infra.local import cfn

TEMPLATE = cfn.load_template()
RESOURCES = TEMPLATE["Resources"]


def test_cors_allows_every_method_a_route_uses():
    allowed = set(RESOURCES["HttpApi"]["Properties"]["CorsConfiguration"]["AllowMethods"])
    used = {r.route_key.split()[0] for r in cfn.http_routes(TEMPLATE)}
    assert used - allowed == set()
