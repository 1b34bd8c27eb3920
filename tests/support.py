"""Test helpers shared by integration and e2e tests (fixtures live in conftest.py; item factories
shared with the benches in tests/factories.py)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Session:
    """A logged-in user as tests see it."""

    user_id: str
    phone: str
    password: str
    access_token: str
    refresh_token: str | None
    claims: dict[str, Any]
    partner_id: str | None = None


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values (HTTP API `cookies`)

    @property
    def error_code(self) -> str | None:
        return (self.body or {}).get("error", {}).get("code") if isinstance(self.body, dict) else None


class Api:
    """Invokes the real handlers with API Gateway HTTP API v2 events, routed as the template
    declares and authorised with claims from a verified Cognito access token."""

    def __init__(self, gateway: Any):
        self.gateway = gateway
        self._resolvers: dict[str, Any] = {}

    def assert_documented(self, function: str, method: str, path: str, reply: Reply) -> None:
        """An error code a route answers in a test is one its OpenAPI entry lists for that status."""
        from tanhui import api, openapi

        from infra.local.functions import load_module

        if function not in self._resolvers:
            self._resolvers[function] = load_module(self.gateway.functions[function].spec).app
        app = self._resolvers[function]
        route = next(r for r in api.routes(app) if r.method == method and r.openapi_path == path)
        documented = openapi.documented_codes(route, reply.status)
        assert reply.error_code in documented, (
            f"{method} {path} answered {reply.status} {reply.error_code}: add it to the route's "
            f"responses=openapi.responses(raises=...) (documented: {sorted(documented)})"
        )

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        as_: Session | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        query: dict[str, str] | None = None,
        cookies: list[str] | None = None,
    ) -> Reply:
        from infra.local.events import http_event

        found = self.gateway.match(method, path)
        assert found is not None, f"no route {method} {path} in template.yaml"
        route, params = found
        hdrs = {"content-type": "application/json"} | (headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        event = http_event(
            method,
            path,
            route_key=route.route_key,
            path_parameters=params or None,
            query={k: [v] for k, v in (query or {}).items()} or None,
            raw_query="&".join(f"{k}={v}" for k, v in (query or {}).items()),
            headers=hdrs,
            body=data,
            claims=as_.claims if as_ else None,
        )
        if cookies:  # HTTP API hands the Cookie header to the function as `cookies`
            event["cookies"] = cookies
        result = self.gateway.functions[route.function].invoke(event)
        text = result.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        reply = Reply(result["statusCode"], parsed, result.get("headers") or {}, result.get("cookies") or [])
        if reply.status >= 400 and reply.error_code is not None:  # not the landing pages' HTML
            self.assert_documented(route.function, route.method, route.path, reply)
        return reply

    get = lambda self, path, **kw: self.call("GET", path, **kw)  # noqa: E731
    post = lambda self, path, body=None, **kw: self.call("POST", path, body, **kw)  # noqa: E731
    put = lambda self, path, body=None, **kw: self.call("PUT", path, body, **kw)  # noqa: E731
    delete = lambda self, path, **kw: self.call("DELETE", path, **kw)  # noqa: E731


def import_file(api: Api, dispatcher: Any, partner: Session, file_type: str, data: bytes,
                name: str = "file.csv", media_type: str = "text/csv", **request: Any) -> dict[str, Any]:
    """A partner file as a partner's browser sends it: the import (POST /v1/partner/imports), the
    presigned form with the file, the queue drained; returns the import as GET answers it."""
    import urllib3

    created = api.post("/v1/partner/imports", {"type": file_type, "filename": name, **request}, as_=partner)
    assert created.status == 201, created.body
    upload = created.body["upload"]
    fields = dict(upload["fields"]) | {"file": (name, data, media_type)}
    assert urllib3.request("POST", upload["url"], fields=fields).status in (200, 201, 204)
    dispatcher.drain()
    reply = api.get(f"/v1/partner/imports/{created.body['import_id']}", as_=partner)
    assert reply.status == 200, reply.body
    return dict(reply.body)


def unique_phone() -> str:
    return "+86139" + str(uuid.uuid4().int)[:8]


def login(api: Any, phone: str, password: str) -> Session:
    from infra.local.jwt_authorizer import verify

    reply = api.post("/v1/auth/login", {"phone": phone, "password": password})
    assert reply.status == 200, reply.body
    claims = verify(reply.body["access_token"])
    return Session(
        claims["sub"],
        phone,
        password,
        reply.body["access_token"],
        reply.body["refresh_token"],
        claims,
    )


# ---------------------------------------------------------------------------- QR decoding
def decode_qr(image: Any) -> str:
    """The text of the QR in a grayscale image (numpy array), or "" if none is read. OpenCV's
    classic detector misses about one symbol in 200 that its ArUco-based detector finds (and the
    other way round); a symbol counts as scannable when either reads it, as a phone app retries
    frames."""
    import cv2

    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text = detector.detectAndDecode(image)[0]
        if text:
            return text
    return ""


def decode_png(data: bytes) -> str:
    import cv2
    import numpy as np

    return decode_qr(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE))


def page_image(doc: Any, page_no: int) -> Any:
    """A page of a pypdfium2 document as a grayscale array at 300 dpi."""
    return doc[page_no].render(scale=300 / 72, grayscale=True).to_numpy()


def scan_label(image: Any, slot: int) -> str:
    """The text of label `slot`'s QR on a rendered label-sheet page."""
    from tanhui.codes import labels

    h, w = image.shape[:2]
    left, top, right, bottom = labels.qr_box(slot)
    return decode_qr(image[int(top * h) : int(bottom * h), int(left * w) : int(right * w)])


# ---------------------------------------------------------------------------- PDF fonts
BASE_14 = frozenset({
    "Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique", "Helvetica", "Helvetica-Bold",
    "Helvetica-Oblique", "Helvetica-BoldOblique", "Times-Roman", "Times-Bold", "Times-Italic",
    "Times-BoldItalic", "Symbol", "ZapfDingbats",
})


def pdf_font_problems(pdf: bytes) -> list[str]:
    """What a print shop's preflight would refuse in a PDF's fonts: every font dictionary (used by
    text or only named in a page's resources) whose program is not in the file (no FontFile,
    FontFile2 or FontFile3 in its descriptor, or its descendant font's) or whose name is one of the
    14 standard fonts a viewer substitutes. Reads the objects through the cross-reference table,
    so no PDF library's font substitution can hide a missing font."""
    import re

    xref = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    table = re.match(rb"xref\s+(\d+)\s+(\d+)\s+((?:\d{10} \d{5} [nf]\s*)+)", pdf[xref:])
    assert table, "not a PDF with a classic cross-reference table"
    first = int(table.group(1))
    entries = re.findall(rb"(\d{10}) \d{5} ([nf])", table.group(3))
    objects: dict[int, bytes] = {}
    for number, (offset, used) in enumerate(entries, start=first):
        if used == b"n":
            body = pdf[int(offset):]
            end = min(i for i in (body.find(b"stream"), body.find(b"endobj")) if i >= 0)
            objects[number] = body[:end]

    def ref(obj: bytes, key: bytes) -> bytes:
        found = re.search(rb"/" + key + rb"\s*\[?\s*(\d+) 0 R", obj)
        return objects[int(found.group(1))] if found else b""

    problems = []
    fonts = {n: o for n, o in objects.items() if re.search(rb"/Type\s*/Font(?![A-Za-z])", o)}
    assert fonts, "no font dictionary at all"
    for number, font in fonts.items():
        name_match = re.search(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", font)
        name = name_match.group(1).decode() if name_match else "?"
        if name.partition("+")[2] in BASE_14 or name in BASE_14:
            problems.append(f"object {number}: base-14 font {name}")
        descriptor = ref(ref(font, b"DescendantFonts"), b"FontDescriptor") or ref(font, b"FontDescriptor")
        if not re.search(rb"/FontFile[23]?\s+\d+ 0 R", descriptor):
            problems.append(f"object {number}: font {name} is not embedded")
    return problems
