"""The e2e suite against a deployed stack: `TANHUI_API=https://… make e2e-remote`.

With TANHUI_API set, the e2e fixtures talk only HTTP to that base URL: the operator logs in with
TANHUI_OPERATOR_USER / TANHUI_OPERATOR_PASSWORD (a phone and password of the stack's `admin`
group), every user and partner a test needs is made through the API under this run's id (`RUN_ID`:
partners are named `e2e-… <name>`), and at the end of the session what the run made is undone
through the API (`Made.clean_up`): tourists' accounts closed, partners' assets retired, offers
withdrawn and staff logins ended, buyback rounds and projects closed, peer platforms suspended (a
partner itself stays, as the records it made name it). Tests that reach inside the stack (moto's
tables, the dispatcher, the clock, fault injection, a `make run` of their own)
are marked `local_only` and skipped; one that asks for the moto server (`aws`) unmarked is skipped
too, with that reason.
Without TANHUI_API nothing here is used: the local stack stays the default."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import Session, unique_phone

URL = os.environ.get("TANHUI_API", "").rstrip("/")
RUN_ID = os.environ.get("TANHUI_E2E_RUN_ID") or f"e2e-{datetime.now(UTC):%m%d%H%M}-{secrets.token_hex(2)}"
LOCAL_ONLY = ("reaches inside the stack (moto's tables, the dispatcher, the clock, fault injection or a "
              "`make run` of its own): the local stack only")
SETTLE_TIMEOUT = 300.0  # seconds a stack's queues and stream get to catch up (a 10,000-code batch: 30 s
# on `make run` on the loaded 2-core machine)


def remote() -> bool:
    return bool(URL)


def gateway_error(body: Any, code: str) -> bool:
    """An answer the gateway gives itself, before any function runs (no route, the JWT authorizer's
    refusal): the local gateway's error shape with `code`, or on a deployed stack HTTP API's own
    `{"message": …}`."""
    if not isinstance(body, dict):
        return False
    return body.get("error", {}).get("code") == code or (remote() and set(body) == {"message"})


def password() -> str:
    return "E2e-" + secrets.token_urlsafe(9) + "7a"


@dataclass
class Made:
    """What this run made on the remote stack, as its requests said (`Http`'s observer)."""

    tourists: dict[str, str] = field(default_factory=dict)  # phone -> password
    partners: list[str] = field(default_factory=list)
    staff: list[tuple[str, str]] = field(default_factory=list)  # (partner id, staff login's user id)
    assets: list[tuple[str, str]] = field(default_factory=list)  # (staff token, asset id)
    offers: list[tuple[str, str]] = field(default_factory=list)  # (staff token, offer id)
    rounds: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    peers: list[str] = field(default_factory=list)

    def label(self, method: str, path: str, body: Any) -> Any:
        """A partner the run creates is named after it, so an operator can tell it apart."""
        if (method, path) == ("POST", "/v1/admin/partners") and isinstance(body, dict) and "name" in body:
            return body | {"name": f"{RUN_ID} {body['name']}"[:100]}
        return body

    def observe(self, method: str, path: str, body: Any, token: str | None, status: int, reply: Any) -> None:
        if method != "POST" or status not in (200, 201) or not isinstance(reply, dict):
            return
        if path == "/v1/auth/register" and isinstance(body, dict):
            self.tourists[body["phone"]] = body["password"]
        elif path == "/v1/admin/partners" and "partner_id" in reply:
            self.partners.append(reply["partner_id"])
        elif path.startswith("/v1/admin/partners/") and path.endswith("/users") and "user_id" in reply:
            self.staff.append((reply["partner_id"], reply["user_id"]))
        elif path == "/v1/partner/assets" and token and "asset_id" in reply:
            self.assets.append((token, reply["asset_id"]))
        elif path == "/v1/partner/offers" and token and "offer_id" in reply:
            self.offers.append((token, reply["offer_id"]))
        elif path == "/v1/admin/buyback-rounds" and "round_id" in reply:
            self.rounds.append(reply["round_id"])
        elif path == "/v1/admin/projects" and "project_id" in reply:
            self.projects.append(reply["project_id"])
        elif path == "/v1/admin/peers" and "peer_id" in reply:
            self.peers.append(reply["peer_id"])

    def summary(self) -> str:
        return (f"remote run {RUN_ID}: made and undone {len(self.tourists)} tourists (accounts closed), "
                f"{len(self.partners)} partners ({len(self.assets)} assets retired, "
                f"{len(self.offers)} offers withdrawn, {len(self.staff)} staff logins ended), "
                f"{len(self.rounds)} buyback rounds and "
                f"{len(self.projects)} projects closed, {len(self.peers)} peer platforms suspended")

    def clean_up(self, http: Any, operator: str) -> list[str]:
        """Undoes what the run made, through the API, and checks it is undone (a closed account
        cannot log in); returns what could not be undone."""
        failed: list[str] = []

        def done(what: str, status: int, ok: tuple[int, ...], reply: Any) -> None:
            if status not in ok:
                failed.append(f"{what}: {status} {reply}")

        for token, offer_id in self.offers:
            status, reply, _ = http.request("DELETE", f"/v1/partner/offers/{offer_id}", token=token,
                                            observe=False)
            done(f"withdraw offer {offer_id}", status, (200, 204, 401, 404, 409), reply)
        for token, asset_id in self.assets:
            status, reply, _ = http.request("DELETE", f"/v1/partner/assets/{asset_id}", token=token,
                                            observe=False)
            done(f"retire asset {asset_id}", status, (200, 204, 401, 404, 409), reply)
        for partner_id, user_id in self.staff:  # after their assets and offers: those need their tokens
            status, reply, _ = http.request("DELETE", f"/v1/admin/partners/{partner_id}/users/{user_id}",
                                            token=operator, observe=False)
            done(f"end staff login {user_id}", status, (204, 404), reply)
        for round_id in self.rounds:
            status, reply, _ = http.request("POST", f"/v1/admin/buyback-rounds/{round_id}/close",
                                            token=operator, observe=False)
            done(f"close buyback round {round_id}", status, (200, 409), reply)
        for project_id in self.projects:
            status, reply, _ = http.request("POST", f"/v1/admin/projects/{project_id}/close", token=operator,
                                            observe=False)
            done(f"close project {project_id}", status, (200, 409), reply)
        for peer_id in self.peers:
            status, reply, _ = http.request("PATCH", f"/v1/admin/peers/{peer_id}", {"status": "suspended"},
                                            token=operator, observe=False)
            done(f"suspend peer {peer_id}", status, (200,), reply)
        for phone, secret in self.tourists.items():
            status, tokens, _ = http.request("POST", "/v1/auth/login", {"phone": phone, "password": secret},
                                             observe=False)
            if status != 200:  # closed by its test already
                done(f"log in {phone} to close it", status, (401, 403), tokens)
                continue
            status, reply, _ = http.request(
                "POST", "/v1/me/account/close", {"password": secret, "coins": "forfeit"},
                token=tokens["access_token"], headers={"Idempotency-Key": f"{RUN_ID}-close-{phone}"},
                observe=False)
            done(f"close account {phone}", status, (200, 201), reply)
            status, reply, _ = http.request("POST", "/v1/auth/login", {"phone": phone, "password": secret},
                                            observe=False)
            done(f"closed account {phone} logs in no more", status, (401, 403), reply)
        return failed


MADE = Made()


def login(http: Any, phone: str, secret: str) -> Session:
    """Logs in over HTTP; the claims are read, not verified (the stack's authorizer verifies them)."""
    import jwt

    status, body, _ = http.post("/v1/auth/login", {"phone": phone, "password": secret})
    assert status == 200, (phone, body)
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    return Session(claims["sub"], phone, secret, body["access_token"], body.get("refresh_token"), claims)


def tourist(http: Any, display_name: str = "游客 Tourist", secret: str | None = None) -> Session:
    """A new tourist who accepted consent, registered and logged in over HTTP."""
    phone, secret = unique_phone(), secret or password()
    status, body, _ = http.post("/v1/auth/register", {
        "phone": phone, "password": secret, "display_name": display_name,
        "consent": {"version": "2026-11", "accepted": True}})
    assert status == 201, body
    return login(http, phone, secret)


def preflight(http: Any) -> str | None:
    """Why the stack cannot be tested (None: it can): it must answer, let the operator log in and
    confirm a new tourist's phone without an SMS code (`AutoConfirmUsers=true`)."""
    try:
        http.get("/v1/consent", observe=False)
        operator(http)
    except OSError as exc:
        return f"TANHUI_API={URL} does not answer: {exc}"
    except (RuntimeError, AssertionError) as exc:
        return f"the operator cannot log in to TANHUI_API={URL}: {exc}"
    status, body, _ = http.post("/v1/auth/register", {  # closed with the others at the end
        "phone": unique_phone(), "password": password(), "display_name": f"{RUN_ID} probe",
        "consent": {"version": "2026-11", "accepted": True}})
    if status != 201 or not body.get("tokens"):
        return (f"a new tourist is not logged in at registration ({status} {body}): deploy the stack with "
                "AutoConfirmUsers=true (the tests cannot read an SMS code)")
    return None


def regulator(http: Any) -> Session:
    """A regulator (监管): made in the local stack's Cognito, or the deployed stack's own
    (TANHUI_REGULATOR_USER / TANHUI_REGULATOR_PASSWORD; without them the test is skipped)."""
    import pytest

    if remote():
        phone, secret = os.environ.get("TANHUI_REGULATOR_USER"), os.environ.get("TANHUI_REGULATOR_PASSWORD")
        if not (phone and secret):
            pytest.skip("needs the stack's regulator: TANHUI_REGULATOR_USER, TANHUI_REGULATOR_PASSWORD")
        return login(http, phone, secret)
    from tanhui.identity import cognito

    phone, secret = unique_phone(), password()
    cognito.create_staff_user(phone, secret, {"phone_number": phone, "name": "R"}, group="regulator")
    return login(http, phone, secret)


def peer_token(peer: dict[str, Any]) -> str:
    """A peer platform's access token from its token endpoint, client-credentials grant: the
    peer's `token_url` (the pool domain's), or TANHUI_PEER_TOKEN_URL where the stack's pool domain is
    not reachable (`make run`: its gateway's /oauth2/token stands in for it)."""
    import base64
    import json
    import urllib.request

    basic = base64.b64encode(f"{peer['client_id']}:{peer['client_secret']}".encode()).decode()
    url = os.environ.get("TANHUI_PEER_TOKEN_URL") or peer["token_url"]
    req = urllib.request.Request(url, data=b"grant_type=client_credentials", method="POST",
                                 headers={"authorization": f"Basic {basic}",
                                          "content-type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as reply:  # noqa: S310 - the stack's token endpoint
        return str(json.loads(reply.read())["access_token"])


def operator(http: Any) -> Session:
    user, secret = os.environ.get("TANHUI_OPERATOR_USER"), os.environ.get("TANHUI_OPERATOR_PASSWORD")
    if not (user and secret):
        raise RuntimeError("TANHUI_API needs TANHUI_OPERATOR_USER and TANHUI_OPERATOR_PASSWORD: the phone "
                           "and password of an operator (the `admin` group) of that stack")
    return login(http, user, secret)


def settle(fetch: Callable[[], Any], done: Callable[[Any], bool], drain: Callable[[], Any] | None = None,
           timeout: float = SETTLE_TIMEOUT) -> Any:
    """What `fetch` answers once `done` says so: locally the dispatcher is drained first (`drain`);
    a deployed stack (or `make run`) works its queues and stream itself, so it is asked again until
    it is done or `timeout` seconds passed (then the last answer is returned for the test to
    assert on)."""
    deadline = time.monotonic() + timeout
    while True:
        if drain is not None:
            drain()
        got = fetch()
        if done(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.25 if drain is not None else 1.0)


def new_partner(http: Any, operator_token: str, key: str, role: str) -> dict[str, Any]:
    """A partner with one staff login, made by the operator: demo.json's shape."""
    status, made, _ = http.post("/v1/admin/partners", {"name": f"{key} partner", "role": role,
                                                       "contact": {"name": "E2E"}}, token=operator_token)
    assert status == 201, made
    phone, secret = unique_phone(), password()
    status, staff, _ = http.post(f"/v1/admin/partners/{made['partner_id']}/users",
                                 {"phone": phone, "password": secret, "display_name": f"{key} staff"},
                                 token=operator_token)
    assert status == 201, staff
    return {"partner_id": made["partner_id"], "name": made["name"], "role": role,
            "login": {"user_id": staff.get("user_id"), "phone": phone, "password": secret}}


# the behaviours the remote world's flows earn by, with what the tests expect of them
NEEDED_FACTORS = ("hotel_low_carbon_night", "ticket_non_disposable")


def require_factors(http: Any, admin: Session) -> None:
    """Skips, saying why, on a stack without the factors the flows earn by."""
    import pytest

    status, factors, _ = http.get("/v1/admin/factors", token=admin.access_token)
    assert status == 200, factors
    known = {f["behaviour"] for f in factors["items"]}
    missing = [b for b in NEEDED_FACTORS if b not in known]
    if missing:
        pytest.skip(f"the stack has no factor for {missing}: set them (PUT /v1/admin/factors/…) first")


def world(http: Any, admin: Session) -> dict[str, Any]:
    """What `make run`'s seed gives the e2e tests (demo.json's shape), made through the API on the
    remote stack: the operator, a hotel with a room and its code, a scenic spot with a ticket
    product and three codes, a manufacturer with a product SKU, a merchant with an offer, an open
    buyback round."""
    require_factors(http, admin)
    who = {"user_id": admin.user_id, "phone": admin.phone, "password": admin.password}
    demo: dict[str, Any] = {"admin": who, "partners": {}, "assets": {}}
    roles = {"hotel": "hotel", "scenic_spot": "scenic_spot", "manufacturer": "manufacturer",
             "merchant": "merchant"}
    for key, role in roles.items():
        demo["partners"][key] = new_partner(http, admin.access_token, key, role)
    tokens = {key: login(http, p["login"]["phone"], p["login"]["password"]).access_token
              for key, p in demo["partners"].items()}
    from infra.local.seed import DEMO_ASSETS, DEMO_OFFER, DEMO_SINGLE_USE_CODES

    for role, body in DEMO_ASSETS.items():
        if role not in tokens:
            continue
        status, asset, _ = http.post("/v1/partner/assets", body, token=tokens[role])
        assert status == 201, asset
        if body["kind"] == "hotel_room":
            status, code, _ = http.get(f"/v1/partner/assets/{asset['asset_id']}/code", token=tokens[role])
            assert status == 200, code
            codes = [{"url": code["url"]}]
        else:
            status, made, _ = http.post("/v1/partner/codes", {"asset_id": asset["asset_id"],
                                                              "count": DEMO_SINGLE_USE_CODES},
                                        token=tokens[role])
            assert status in (200, 201), made
            codes = [{"code_id": c["code_id"], "url": c["url"]} for c in made["codes"]]
        demo["assets"][asset["kind"]] = {"partner_role": role, "asset_id": asset["asset_id"],
                                         "name": asset.get("name"), "codes": codes}
    status, offer, _ = http.post("/v1/partner/offers", DEMO_OFFER, token=tokens["merchant"])
    assert status == 201, offer
    demo["offer"] = {k: offer[k] for k in ("offer_id", "title", "coins_cost")}
    now = datetime.now(UTC)
    at = lambda days: (now + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    status, made_round, _ = http.post("/v1/admin/buyback-rounds", {
        "title_zh": f"{RUN_ID} 回购", "title_en": f"{RUN_ID} buyback", "price_fen": 5, "budget_fen": 10_000,
        "opens_at": at(-1), "closes_at": at(1),
        "behaviours": ["hotel_low_carbon_night", "ticket_non_disposable", "eco_vehicle_ride"]},
        token=admin.access_token)
    assert status == 201, made_round
    demo["buyback"] = {"round_id": made_round["round_id"], "price_fen": 5}
    return demo
