"""Supervision (监管): the regulator reads and never writes; every successful operator write is in
the operators' action log, once, with no person's data, listed a page at a time and as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.local import cfn
from tests.support import Api, Session, login, unique_phone

PARTNER = {"name": "监管景区 Oversight Park", "role": "scenic_spot",
           "contact": {"name": "陈女士 Ms Chen", "phone": "+8675512345678", "email": "chen@example.cn"}}
FACTOR = {"method": "per_night", "unit": "night", "gco2e_per_unit": 1200, "coins_per_unit": 2,
          "daily_cap": 2, "source": "=HYPERLINK(\"x\") 广东省碳普惠方法学",
          "effective_from": "2099-01-01T00:00:00Z"}


def _staff_user(api: Api, group: str, name: str) -> Session:
    from tanhui.identity import cognito
    from tanhui.identity.users import ensure_account

    phone, password = unique_phone(), "oversight-2026"
    user_id = cognito.create_staff_user(phone, password, {"phone_number": phone, "name": name}, group=group)
    ensure_account(user_id=user_id, phone=phone, display_name=name, role=group)
    return login(api, phone, password)


@pytest.fixture(scope="module")
def regulator(api: Api) -> Session:
    return _staff_user(api, "regulator", "监管员 Regulator")


@pytest.fixture
def operator(api: Api) -> Session:
    """An operator of this test's own: its actions are the log's items with its id."""
    return _staff_user(api, "admin", "运营 Operator")


def _month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def _mine(api: Api, regulator: Session, who: Session) -> list[dict[str, Any]]:
    """The operator's actions this month, oldest first, read a page of 2 at a time."""
    items, cursor = [], None
    while True:
        query = {"month": _month(), "limit": "2"} | ({"cursor": cursor} if cursor else {})
        reply = api.get("/v1/regulator/audit-log", as_=regulator, query=query)
        assert reply.status == 200, reply.body
        items += reply.body["items"]
        if not (cursor := reply.body["next_cursor"]):
            break
    return [a for a in reversed(items) if a["who"] == who.user_id]


def _raw_items() -> list[dict[str, Any]]:
    import boto3
    from tanhui.config import get_settings

    table = boto3.client("dynamodb").scan(TableName=get_settings().audit_log_table_name)
    return table["Items"]


def test_given_operator_writes_then_each_success_is_logged_once_with_route_params_and_summary(
    api, operator, regulator
):
    from tanhui.claims import factors

    factors.seed_defaults()
    partner = api.post("/v1/admin/partners", PARTNER, as_=operator)
    assert partner.status == 201
    pid = partner.body["partner_id"]
    staff_phone = unique_phone()
    staff_body = {"phone": staff_phone, "password": "partner-pass-1", "display_name": "王小明"}
    assert api.post(f"/v1/admin/partners/{pid}/users", staff_body, as_=operator).status == 201
    assert api.put(f"/v1/admin/partners/{pid}/quota", {"monthly_coins": 5000}, as_=operator).status == 200
    assert api.put(f"/v1/admin/partners/{pid}/alliance", {"alliance": True}, as_=operator).status == 200
    factor = api.put("/v1/admin/factors/hotel_low_carbon_night", FACTOR, as_=operator)
    assert factor.status == 201, factor.body
    # refused writes are no actions: an unknown behaviour, a bad body, a regulator's try
    assert api.put("/v1/admin/factors/no_such_behaviour", FACTOR, as_=operator).status == 404
    assert api.put(f"/v1/admin/partners/{pid}/quota", {"monthly_coins": "5000"}, as_=operator).status == 422
    assert api.put(f"/v1/admin/partners/{pid}/quota", {"monthly_coins": 1}, as_=regulator).status == 403
    # reads are no actions either
    assert api.get(f"/v1/admin/partners/{pid}", as_=operator).status == 200

    actions = _mine(api, regulator, operator)
    assert [(a["route"], a["path_params"], a["status"]) for a in actions] == [
        ("POST /v1/admin/partners", {}, 201),
        ("POST /v1/admin/partners/{partner_id}/users", {"partner_id": pid}, 201),
        ("PUT /v1/admin/partners/{partner_id}/quota", {"partner_id": pid}, 200),
        ("PUT /v1/admin/partners/{partner_id}/alliance", {"partner_id": pid}, 200),
        ("PUT /v1/admin/factors/{behaviour}", {"behaviour": "hotel_low_carbon_night"}, 201),
    ]
    created, staff, quota, alliance, new_factor = actions
    assert created["summary"] == {"name": PARTNER["name"], "role": "scenic_spot"}
    assert created["fields"] == ["contact", "name", "role"] and created["result"] == {"partner_id": pid}
    assert staff["summary"] == {} and staff["fields"] == ["display_name", "password", "phone"]
    assert quota["summary"] == {"monthly_coins": 5000} and alliance["summary"] == {"alliance": True}
    assert new_factor["summary"]["coins_per_unit"] == 2
    assert new_factor["summary"]["source"] == FACTOR["source"]
    assert new_factor["result"]["version"] == factor.body["version"]
    assert all(a["at"].startswith(_month()) and a["request_id"] for a in actions)
    assert {a["who_name"] for a in actions} == {"运营 Operator"}  # by name, as the profile says now

    # no person's data anywhere in the log: not the contact's, not the staff login's
    stored = json.dumps(_raw_items(), ensure_ascii=False)
    for secret in ("陈女士", "+8675512345678", "chen@example.cn", staff_phone, "partner-pass-1", "王小明"):
        assert secret not in stored


def test_given_a_buyback_round_opened_and_closed_then_both_are_logged_with_the_round(
    api, operator, regulator
):
    from datetime import timedelta

    def at(days: int) -> str:
        return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    body = {"title_zh": "监管回购", "title_en": "Oversight buyback", "price_fen": 5, "budget_fen": 1000,
            "opens_at": at(-1), "closes_at": at(7), "behaviours": ["transit_trip"]}
    opened = api.post("/v1/admin/buyback-rounds", body, as_=operator)
    assert opened.status == 201, opened.body
    round_id = opened.body["round_id"]
    assert api.post(f"/v1/admin/buyback-rounds/{round_id}/close", as_=operator).status == 200
    logged = _mine(api, regulator, operator)
    assert [(a["route"], a["path_params"]) for a in logged] == [
        ("POST /v1/admin/buyback-rounds", {}),
        ("POST /v1/admin/buyback-rounds/{round_id}/close", {"round_id": round_id}),
    ]
    assert logged[0]["summary"]["budget_fen"] == 1000 and logged[0]["result"]["round_id"] == round_id


def test_given_a_day_then_the_csv_holds_that_days_actions_oldest_first_safe_for_a_spreadsheet(
    api, operator, regulator
):
    from tanhui.claims import factors

    factors.seed_defaults()
    assert api.put("/v1/admin/factors/hotel_low_carbon_night", FACTOR, as_=operator).status == 201
    assert api.put("/v1/admin/coin-policy", {"expiry": "none"}, as_=operator).status == 200
    day = datetime.now(UTC).strftime("%d")
    reply = api.get("/v1/regulator/audit-log.csv", as_=regulator, query={"month": _month(), "day": day})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in reply.headers["Content-Disposition"]
    text = reply.body
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    mine = [r for r in rows if r["who"] == operator.user_id]
    assert [r["route"] for r in mine] == ["PUT /v1/admin/factors/{behaviour}", "PUT /v1/admin/coin-policy"]
    assert json.loads(mine[0]["path_params"]) == {"behaviour": "hotel_low_carbon_night"}
    assert json.loads(mine[0]["summary"])["source"].startswith("=HYPERLINK")  # JSON: starts with {, inert
    assert mine[1]["status"] == "200" and json.loads(mine[1]["summary"]) == {"expiry": "none"}
    assert mine[1]["who_name"] == "运营 Operator"
    assert all(r["at"][:10] == f"{_month()}-{day}" for r in rows)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)


def test_given_more_actions_than_a_csv_holds_then_422_audit_log_too_large(
    api, operator, regulator, monkeypatch
):
    from tanhui.supervision import action_log

    assert api.put("/v1/admin/coin-policy", {"expiry": "none"}, as_=operator).status == 200
    assert api.put("/v1/admin/coin-policy", {"expiry": "none"}, as_=operator).status == 200
    monkeypatch.setattr(action_log, "MAX_CSV_ROWS", 1)
    reply = api.get("/v1/regulator/audit-log.csv", as_=regulator, query={"month": _month()})
    assert reply.status == 422 and reply.error_code == "audit_log_too_large"


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"month": "26-01"}, {"day": "32"}, {"day": "1"},
                                   {"cursor": "bm90LWpzb24"}, {"limit": "0"}])
def test_given_a_bad_query_then_a_4xx_with_a_code_never_a_5xx(api, regulator, query):
    reply = api.get("/v1/regulator/audit-log", as_=regulator, query=query)
    assert reply.status in (400, 422) and reply.error_code, reply.body


def test_given_a_cursor_of_another_month_then_400_invalid_cursor(api, operator, regulator):
    for _ in range(2):
        assert api.put("/v1/admin/coin-policy", {"expiry": "none"}, as_=operator).status == 200
    page = api.get("/v1/regulator/audit-log", as_=regulator, query={"month": _month(), "limit": "1"}).body
    reply = api.get("/v1/regulator/audit-log", as_=regulator,
                    query={"month": "2020-01", "cursor": page["next_cursor"]})
    assert reply.status == 400 and reply.error_code == "invalid_cursor"


def test_given_an_action_at_a_logged_key_then_the_first_stays(operator):
    from tanhui.models.audit_log import OperatorAction
    from tanhui.supervision import actions

    key = OperatorAction.key("2020-01-01T00:00:00.000Z", f"req-{operator.user_id}")
    first = OperatorAction(*key, at="2020-01-01T00:00:00.000Z", request_id="r", who=operator.user_id,
                           route="PUT /v1/admin/coin-policy", status=200)
    actions.record(first)
    actions.record(OperatorAction(*key, at=first.at, request_id="r", who="someone-else",
                                  route="PUT /v1/admin/coin-policy", status=200))
    assert OperatorAction.get(*key).who == operator.user_id


def test_given_a_regulator_then_every_write_route_of_every_function_answers_403_before_its_body(
    api, regulator
):
    from tanhui import api as tanhui_api

    from infra.local.functions import load_module

    template = cfn.load_template()
    specs = cfn.functions(template)
    writes = [r for r in cfn.http_routes(template) if r.method not in ("GET", "HEAD")]
    checked = []
    for route in writes:
        app = load_module(specs[route.function]).app
        found = next(r for r in tanhui_api.routes(app)
                     if r.method == route.method and r.openapi_path == route.path)
        allowed = tanhui_api.allowed_roles(app, found) or frozenset()
        if not allowed <= set(tanhui_api.ROLES):
            continue  # no person's token: registration, login (PUBLIC), a peer platform's
        assert "regulator" not in allowed, route.route_key
        path = route.path.replace("{", "").replace("}", "")
        reply = api.call(route.method, path, raw=b"{\"half\": ", as_=regulator,
                         headers={"Idempotency-Key": "regulator-write"})
        assert (reply.status, reply.error_code) == (403, "forbidden"), (route.route_key, reply.body)
        checked.append(route.route_key)
    assert "PUT /v1/admin/factors/{behaviour}" in checked and "POST /v1/claims" in checked


def test_given_a_regulator_then_it_reads_exports_totals_factors_partners_and_the_policy(
    api, admin, regulator, dispatcher
):
    from tanhui.claims import factors

    factors.seed_defaults()
    pid = api.post("/v1/admin/partners", PARTNER, as_=admin).body["partner_id"]
    today = datetime.now(UTC).date().isoformat()
    export_id = api.post("/v1/admin/exports", {"from": today, "to": today}, as_=admin).body["export_id"]
    dispatcher.drain()

    listed = api.get("/v1/regulator/exports", as_=regulator)
    assert listed.status == 200 and export_id in {e["export_id"] for e in listed.body["items"]}
    one = api.get(f"/v1/regulator/exports/{export_id}", as_=regulator)
    assert one.status == 200 and one.body["status"] == "completed"
    assert {f["name"] for f in one.body["files"]} >= {"manifest.json"}
    audit = api.get(f"/v1/regulator/exports/{export_id}/audit", as_=regulator)
    assert audit.status == 200 and audit.body["ok"] is True
    assert api.get("/v1/regulator/exports/NOSUCHEXPORT", as_=regulator).status == 404

    totals = api.get("/v1/regulator/totals", as_=regulator,
                     query={"from": today, "to": today, "group_by": "partner"})
    assert totals.status == 200
    assert api.get("/v1/regulator/totals", as_=regulator,
                   query={"from": today, "to": "x", "group_by": "partner"}).error_code == "invalid_date"

    current = api.get("/v1/regulator/factors", as_=regulator)
    assert current.status == 200 and current.body["items"]
    versions = api.get("/v1/regulator/factors/hotel_low_carbon_night", as_=regulator)
    assert versions.status == 200 and versions.body["items"]

    partners = api.get("/v1/regulator/partners", as_=regulator, query={"limit": "100"})
    assert partners.status == 200 and partners.body["items"]
    assert all("contact" not in p for p in partners.body["items"])
    partner = api.get(f"/v1/regulator/partners/{pid}", as_=regulator)
    assert partner.status == 200 and partner.body["name"] == PARTNER["name"] and "contact" not in partner.body
    assert api.get("/v1/regulator/partners/FFFFFF", as_=regulator).error_code == "partner_not_found"
    assert api.get(f"/v1/regulator/partners/{pid}/quota", as_=regulator).status == 200
    assert api.get("/v1/regulator/coin-policy", as_=regulator).status == 200


def test_given_a_regulator_then_me_says_regulator_and_no_phone_binds_it_like_a_tourist(api, regulator):
    from tanhui.identity.users import PHONE
    from tanhui.models.bindings import Binding

    me = api.get("/v1/me", as_=regulator)
    assert me.status == 200 and me.body["role"] == "regulator" and me.body["partner_id"] is None
    with pytest.raises(Binding.DoesNotExist):  # partners' files cannot credit a regulator's phone
        Binding.get(*Binding.key(PHONE, regulator.phone))


@pytest.mark.parametrize("who", ["admin", "tourist"])
def test_given_not_a_regulator_then_the_regulators_routes_answer_403(api, admin, register, who):
    session = admin if who == "admin" else register()
    for path in ("/v1/regulator/audit-log", "/v1/regulator/audit-log.csv", "/v1/regulator/factors"):
        assert api.get(path, as_=session).status == 403
