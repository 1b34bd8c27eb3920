"""`make run` serves the web app at the API's origin as the template's CloudFront distribution
does: pages are index.html, assets are objects of WebBucket (gzipped, revalidated by ETag), the
API's paths reach the API, and every answer carries the distribution's security headers."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from werkzeug.test import Client

from infra.local import cfn
from infra.local.edge import WebOrigin
from infra.local.gateway import LocalGateway
from infra.web_publish import publish
from tests.conftest import web_bucket_kept

pytestmark = pytest.mark.integration
INDEX = ("<!doctype html><html lang=zh-CN><head><!--app-head--></head>"
         "<body><div id=app><!--app-html--></div></body></html>")
SCRIPT = "console.log('碳惠');" * 200


@pytest.fixture(scope="module")
def web(aws: Any, functions: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    dist = tmp_path_factory.mktemp("dist")
    (dist / "assets").mkdir()
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    (dist / "assets" / "index-1a2b.js").write_text(SCRIPT, encoding="utf-8")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name=aws.region)
    bucket = aws.env["WEB_BUCKET"]
    with web_bucket_kept(aws):
        s3.put_object(Bucket=bucket, Key="stale.txt", Body=b"old")
        s3.put_object(Bucket=bucket, Key="assets/index-old.js", Body=b"old chunk")
        assert publish(s3, bucket, dist) == 3
        gateway = LocalGateway(cfn.load_template(), functions, web=WebOrigin(s3, bucket))
        yield Client(gateway)


@pytest.mark.parametrize("path", ["/", "/wallet", "/offers/o-1", "/vouchers/v-1"])
def test_given_a_page_path_then_index_html_answers_with_the_strict_headers(web, path):
    reply = web.get(path)
    assert reply.status_code == 200 and reply.text == INDEX
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"] == "no-cache"
    assert "script-src 'self';" in reply.headers["Content-Security-Policy"]
    assert reply.headers["X-Frame-Options"] == "DENY"


def test_given_an_asset_then_it_is_gzipped_cached_for_a_year_and_revalidated(web):
    reply = web.get("/assets/index-1a2b.js", headers={"Accept-Encoding": "gzip, br"})
    assert reply.status_code == 200 and reply.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(reply.data).decode() == SCRIPT
    assert reply.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = web.get("/assets/index-1a2b.js", headers={"If-None-Match": reply.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert web.get("/assets/index-1a2b.js").data.decode() == SCRIPT  # no gzip unless asked


def test_given_a_publish_then_old_chunks_stay_and_other_stale_files_go(web):
    assert web.get("/assets/index-old.js").data == b"old chunk"
    assert web.get("/stale.txt").status_code == 404
    assert web.get("/assets/missing.js").status_code == 404


def test_given_head_then_pages_and_assets_answer_without_a_body(web):
    for path in ("/", "/wallet", "/favicon.svg"):
        reply = web.head(path)
        assert reply.status_code == 200 and reply.data == b"", path


def test_given_an_api_path_then_the_api_answers_it_with_the_same_headers(web):
    reply = web.get("/v1/nowhere")
    assert reply.status_code == 404 and reply.json["error"]["code"] == "route_not_found"
    assert "Content-Security-Policy" in reply.headers
    links = web.get("/.well-known/assetlinks.json")
    assert links.status_code == 200 and json.loads(links.data) == []
    aasa = web.head("/.well-known/apple-app-site-association")
    assert aasa.status_code == 200 and aasa.data == b""


def test_given_a_write_to_a_page_then_the_web_origin_refuses_it(web):
    assert web.post("/wallet", data=b"x").status_code == 403


def test_given_no_build_then_publish_says_to_build(aws: Any, tmp_path: Path):
    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name=aws.region)
    with pytest.raises(FileNotFoundError, match="make web"):
        publish(s3, aws.env["WEB_BUCKET"], tmp_path)
