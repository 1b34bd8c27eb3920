"""The template's CloudFront distribution (WebDistribution) on one machine: which paths go to the
HTTP API and which to the web app in WebBucket, the page rewrite (WebPageRewrite) and the response
headers (WebSecurityHeaders), all read from template.yaml.

- A path that matches one of the distribution's CacheBehaviors goes to the API (the local gateway's
  routes; no route is its 404 `route_not_found`).
- Anything else is the web app: a path whose last segment has no dot is a page, answered with
  index.html (the rule of WebPageRewrite's CloudFront Function, which `tests/unit/test_edge.py` runs
  in Node against the same cases); any other path is that object of WebBucket, or 404.
- A behaviour's ResponseHeadersPolicy adds its headers to every response it serves (the policy's
  Override: true everywhere, so they replace the origin's).
- Compress: true: a text object over 1 KB is gzipped for a client that accepts it; ETag and
  If-None-Match answer 304, as CloudFront does for an object it has cached.
"""

from __future__ import annotations

import fnmatch
import gzip
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

DISTRIBUTION = "WebDistribution"
HEADERS_POLICY_TYPE = "AWS::CloudFront::ResponseHeadersPolicy"
COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")


def page_key(path: str) -> str:
    """The object a viewer's path reads: index.html for a page, the console's under /console
    (WebPageRewrite's rule)."""
    last = path[path.rfind("/") + 1:]
    if "." in last:
        return path.lstrip("/")
    return "console/index.html" if path == "/console" or path.startswith("/console/") else "index.html"


def _csp(value: Any, bucket_origin: str | None) -> str:
    """The policy's text; in a `!Sub` policy, a source naming a stack resource (an S3 bucket's
    endpoint) is, on one machine, the local S3 endpoint's origin (moto's, where presigned URLs point)."""
    text = value["Fn::Sub"] if isinstance(value, dict) else str(value)
    directives = []
    for directive in text.split(";"):
        sources: list[str] = []
        for token in directive.split():
            source = bucket_origin if "${" in token else token
            if source and source not in sources:
                sources.append(source)
        if sources:
            directives.append(" ".join(sources))
    return "; ".join(directives)


def _policy_headers(template: dict[str, Any], ref: Any, bucket_origin: str | None = None) -> dict[str, str]:
    if not isinstance(ref, dict) or "Ref" not in ref:
        return {}
    policy = template["Resources"][ref["Ref"]]
    assert policy["Type"] == HEADERS_POLICY_TYPE, ref
    config = policy["Properties"]["ResponseHeadersPolicyConfig"]
    security = config.get("SecurityHeadersConfig", {})
    headers: dict[str, str] = {}
    if "ContentSecurityPolicy" in security:
        headers["Content-Security-Policy"] = _csp(
            security["ContentSecurityPolicy"]["ContentSecurityPolicy"], bucket_origin)
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if "FrameOptions" in security:
        headers["X-Frame-Options"] = security["FrameOptions"]["FrameOption"]
    if "ReferrerPolicy" in security:
        headers["Referrer-Policy"] = security["ReferrerPolicy"]["ReferrerPolicy"]
    if "StrictTransportSecurity" in security:
        sts = security["StrictTransportSecurity"]
        headers["Strict-Transport-Security"] = f"max-age={sts['AccessControlMaxAgeSec']}" + (
            "; includeSubDomains" if sts.get("IncludeSubdomains") else "")
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[item["Header"]] = item["Value"]
    return headers


@dataclass(frozen=True)
class Behaviour:
    pattern: str  # "*" for the default
    origin: str  # "api" | "web"
    headers: dict[str, str]

    def matches(self, path: str) -> bool:
        return fnmatch.fnmatchcase(path, self.pattern)


def behaviours(template: dict[str, Any], bucket_origin: str | None = None) -> list[Behaviour]:
    """The distribution's behaviours in CloudFront's order: the path patterns first, the default
    last (`bucket_origin`: the local S3 endpoint that stands for the buckets in the CSP)."""
    config = template["Resources"][DISTRIBUTION]["Properties"]["DistributionConfig"]
    origins = {o["Id"]: ("web" if "S3OriginConfig" in o else "api") for o in config["Origins"]}
    found = [
        Behaviour(b["PathPattern"], origins[b["TargetOriginId"]],
                  _policy_headers(template, b.get("ResponseHeadersPolicyId"), bucket_origin))
        for b in config.get("CacheBehaviors", [])
    ]
    default = config["DefaultCacheBehavior"]
    found.append(Behaviour("*", origins[default["TargetOriginId"]],
                           _policy_headers(template, default.get("ResponseHeadersPolicyId"), bucket_origin)))
    return found


@dataclass
class WebOrigin:
    """WebBucket on the local moto server, read as CloudFront's S3 origin reads it."""

    s3: Any
    bucket: str
    _gzipped: dict[tuple[str, str], bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, request: Request) -> Response:
        key = page_key(request.path)
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return Response("Not Found", status=404, content_type="text/plain; charset=utf-8")
        etag, ctype = obj["ETag"], obj.get("ContentType", "application/octet-stream")
        headers = {"ETag": etag, "Cache-Control": obj.get("CacheControl", "public, max-age=3600"),
                   "Vary": "Accept-Encoding"}
        if etag in request.if_none_match or etag.strip('"') in request.if_none_match:
            return Response(status=304, headers=headers)
        body = obj["Body"].read()
        if (len(body) > 1024 and ctype.startswith(COMPRESSIBLE)
                and "gzip" in request.headers.get("Accept-Encoding", "")):
            with self._lock:
                packed = self._gzipped.get((key, etag))
                if packed is None:
                    packed = self._gzipped[(key, etag)] = gzip.compress(body, 6, mtime=0)
            body, headers["Content-Encoding"] = packed, "gzip"
        return Response(body, status=200, content_type=ctype, headers=headers)


class Edge:
    def __init__(self, template: dict[str, Any], web: WebOrigin):
        endpoint = urlsplit(web.s3.meta.endpoint_url)
        self.behaviours = behaviours(template, f"{endpoint.scheme}://{endpoint.netloc}")
        self.web = web

    def behaviour(self, path: str) -> Behaviour:
        return next(b for b in self.behaviours if b.matches(path))

    @staticmethod
    def finish(response: Response, behaviour: Behaviour) -> Response:
        for name, value in behaviour.headers.items():
            response.headers[name] = value
        return response
