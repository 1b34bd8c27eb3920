"""The template's CloudFront distribution, as the local gateway reads it: every API route is
reachable through it, pages rewrite to index.html exactly as its CloudFront Function does, and its
response headers forbid inline script and third-party origins."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from infra.local import cfn
from infra.local.edge import behaviours, page_key
from infra.local.run import public_url

TEMPLATE = cfn.load_template()
PATHS = ["/", "/wallet", "/offers/abc", "/vouchers/01J-X", "/console/", "/console", "/console/imports/01J",
         "/consoles", "/console/assets/x.js", "/assets/index-9f.js",
         "/favicon.svg", "/index.html", "/a.b/c", "/robots.txt", "/v1.2/x", "/deep/path/name.css"]


def _example(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_given_every_api_route_when_routed_by_the_distribution_then_it_reaches_the_api():
    found = behaviours(TEMPLATE)
    for route in cfn.http_routes(TEMPLATE):
        behaviour = next(b for b in found if b.matches(_example(route.path)))
        assert behaviour.origin == "api", f"{route.route_key} would be answered by the web app"


@pytest.mark.parametrize("path", ["/", "/wallet", "/offers/abc", "/assets/index-9f.js", "/index.html"])
def test_given_a_web_path_when_routed_then_the_web_app_answers_it(path):
    assert next(b for b in behaviours(TEMPLATE) if b.matches(path)).origin == "web"


def test_given_the_page_rewrite_when_run_in_node_then_it_agrees_with_the_local_rule():
    node = shutil.which("node")
    assert node, "node is not on PATH: make builds the web app with it, and this test runs the rewrite in it"
    code = TEMPLATE["Resources"]["WebPageRewrite"]["Properties"]["FunctionCode"]
    script = code + (
        "\nconst paths = JSON.parse(process.argv[1]);"
        "\nconsole.log(JSON.stringify(paths.map(p => handler({request: {uri: p}}).uri)));"
    )
    out = subprocess.run([node, "-e", script, json.dumps(PATHS)], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    assert [u.lstrip("/") for u in json.loads(out)] == [page_key(p) for p in PATHS]
    assert page_key("/wallet") == "index.html" and page_key("/assets/a.js") == "assets/a.js"
    assert page_key("/console/imports/01J") == page_key("/console") == "console/index.html"
    assert page_key("/consoles") == "index.html"


def test_given_the_headers_policy_then_every_behaviour_but_swagger_ui_has_a_strict_csp():
    for behaviour in behaviours(TEMPLATE):
        if behaviour.pattern == "/docs":  # Swagger UI: a developer's page, not served to tourists
            continue
        csp = behaviour.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
        assert "unsafe" not in csp and "http" not in csp and "*" not in csp
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
        assert behaviour.headers["X-Content-Type-Options"] == "nosniff"


def test_given_a_local_s3_endpoint_then_the_csp_lets_the_page_post_to_it_where_aws_names_the_bucket():
    """The console POSTs a partner's file to the presigned form: on AWS the upload bucket's
    endpoints, on one machine moto's origin (where the presigned URL points)."""
    def directives(origin: str | None) -> dict[str, str]:
        csp = behaviours(TEMPLATE, origin)[-1].headers["Content-Security-Policy"]
        return {d.split(" ", 1)[0]: d for d in csp.split("; ")}

    aws, here = directives(None), directives("http://127.0.0.1:5000")
    assert aws.pop("connect-src") == "connect-src 'self'"
    assert here.pop("connect-src") == "connect-src 'self' http://127.0.0.1:5000"
    assert here == aws
    policy = TEMPLATE["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    text = policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert set(re.findall(r"\$\{([^}.]+)", text)) == {"UploadBucket", "AWS::Region"}


@pytest.mark.parametrize(("value", "expected"), [
    ("", ""), ("http://192.168.1.20:3000", "http://192.168.1.20:3000"),
    ("http://192.168.1.20:3000/", "http://192.168.1.20:3000"), ("https://qr.example.cn", "https://qr.example.cn"),
])
def test_given_public_url_then_it_is_an_origin(value, expected):
    assert public_url({"PUBLIC_URL": value}) == expected


@pytest.mark.parametrize("value", ["192.168.1.20:3000", "ftp://x", "http://host/path", "http://"])
def test_given_a_public_url_that_is_no_origin_then_make_run_refuses_it(value):
    with pytest.raises(SystemExit, match="PUBLIC_URL"):
        public_url({"PUBLIC_URL": value})


def test_given_the_web_edge_then_the_pool_domains_token_endpoint_still_reaches_the_gateway():
    """`make run` serves the web app and the API on one origin; the peers' POST /oauth2/token (the
    pool domain's, another host on AWS) is the gateway's, not the web origin's 403."""
    from types import SimpleNamespace

    from werkzeug.test import Client

    from infra.local.edge import WebOrigin
    from infra.local.gateway import LocalGateway

    gateway = LocalGateway(cfn.load_template(), {})
    s3 = SimpleNamespace(meta=SimpleNamespace(endpoint_url="http://127.0.0.1:4566"))  # never called
    gateway.serve_web(WebOrigin(s3=s3, bucket="web"))
    reply = Client(gateway).post("/oauth2/token", data={"grant_type": "client_credentials"})
    assert (reply.status_code, reply.get_json()) == (401, {"error": "invalid_client"})
