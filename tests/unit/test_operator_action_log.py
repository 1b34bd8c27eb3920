"""The operators' action log is append-only by IAM (its own table: PutItem for the functions with
operator routes, Query for the regulator's, nothing else for anyone), every function with operator
writes records them, and a body is logged only through the fields its model declares."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from tanhui import api
from tanhui.request_models import RequestModel
from tanhui.supervision import actions

from infra.local import cfn
from infra.local.functions import load_module

TEMPLATE = cfn.load_template()
RESOURCES = TEMPLATE["Resources"]
HTTP_FUNCTIONS = sorted({r.function for r in cfn.http_routes(TEMPLATE)})
PERSONAL = ("phone", "password", "contact", "email", "display_name", "user_id")


def _names_the_log(resource: Any) -> bool:
    text = str(resource)
    return "AuditLogTable" in text


def _log_grants() -> dict[str, set[str]]:
    grants: dict[str, set[str]] = {}
    for name, res in RESOURCES.items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for policy in res["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []):
                resources = statement["Resource"] if isinstance(statement["Resource"], list) else [
                    statement["Resource"]]
                actions_ = {a for a in statement["Action"] if a.startswith("dynamodb:")}
                assert "*" not in map(str, resources) or not actions_, (name, "dynamodb on *")
                if any(_names_the_log(r) for r in resources):
                    grants.setdefault(name, set()).update(actions_)
    return grants


@pytest.fixture(scope="module")
def resolvers() -> dict[str, Any]:
    specs = cfn.functions(TEMPLATE)
    return {name: load_module(specs[name]).app for name in HTTP_FUNCTIONS}


def _operator_writes(app: Any) -> list[Any]:
    return [r for r in api.routes(app)
            if r.method not in ("GET", "HEAD") and api.allowed_roles(app, r) == frozenset({"admin"})]


def test_given_the_template_then_the_log_is_put_by_operator_functions_and_queried_by_the_regulators_only():
    grants = _log_grants()
    assert grants.pop("RegulatorFunction") == {"dynamodb:Query"}
    assert grants and all(actions_ == {"dynamodb:PutItem"} for actions_ in grants.values()), grants
    log = RESOURCES["AuditLogTable"]
    assert log["DeletionPolicy"] == "Retain" and log["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True}
    assert not {"StreamSpecification", "TimeToLiveSpecification"} & set(log["Properties"])


def test_given_every_function_with_operator_writes_then_it_records_them_and_may_put_the_log(resolvers):
    grants = _log_grants()
    for name, app in resolvers.items():
        recording = actions.record_operator_writes in app._router_middlewares
        if _operator_writes(app):
            assert recording, f"{name}: app.use(middlewares=[actions.record_operator_writes])"
        if recording:
            assert grants.get(name) == {"dynamodb:PutItem"}, name
    assert "RegulatorFunction" not in [n for n, app in resolvers.items() if _operator_writes(app)]


def test_given_the_regulators_function_then_every_route_is_a_get_for_the_regulator(resolvers):
    app = resolvers["RegulatorFunction"]
    assert {(r.method, frozenset(api.allowed_roles(app, r) or ())) for r in api.routes(app)} == {
        ("GET", frozenset({"regulator"}))}


def test_given_every_function_then_a_regulator_is_let_in_only_to_reads(resolvers):
    """Read-only by construction: a route that admits the regulator is a GET, and one that admits it
    alone is under /v1/regulator/ (the others admit every signed-in user: /v1/me, /v1/projects)."""
    theirs = []
    for name, app in resolvers.items():
        for route in api.routes(app):
            allowed = api.allowed_roles(app, route) or frozenset()
            if "regulator" not in allowed:
                continue
            assert route.method == "GET", f"{name}: {route.method} {route.path} admits the regulator"
            if allowed == {"regulator"}:
                assert route.path.startswith("/v1/regulator/"), f"{name}: {route.path}"
                theirs.append(route.path)
            else:
                assert allowed >= set(api.ROLES), f"{name}: {route.path} {sorted(allowed)}"
    assert "/v1/regulator/audit-log" in theirs


def _body_models(route: Any) -> list[type[RequestModel]]:
    hints = typing.get_type_hints(route.func, include_extras=True)
    found = []
    for hint in hints.values():
        for arg in (hint, *typing.get_args(hint)):
            if isinstance(arg, type) and issubclass(arg, RequestModel):
                found.append(arg)
    return found


def test_given_every_operator_write_then_its_body_declares_what_may_be_logged_and_no_personal_field(
    resolvers
):
    declared = 0
    for name, app in resolvers.items():
        for route in _operator_writes(app):
            for model in _body_models(route):
                where = f"{name} {route.method} {route.path}: {model.__name__}"
                assert model.logged_fields is not None, where
                assert set(model.logged_fields) <= set(model.model_fields), model.__name__
                assert not [f for f in model.logged_fields if any(p in f for p in PERSONAL)], model.__name__
                declared += 1
    assert declared >= 8


def test_given_a_staff_login_then_only_the_names_of_its_fields_are_kept():
    from tanhui.partners.schemas import StaffIn

    body = StaffIn.model_validate(
        {"phone": "+8613800138000", "password": "partner-pass-1", "display_name": "王"})
    assert actions.summarise(body) == ({}, ["display_name", "password", "phone"])


def test_given_a_long_text_then_it_is_cut_and_an_alias_is_named_as_sent():
    from tanhui.exports.schemas import ExportIn
    from tanhui.partners.schemas import PartnerIn

    body = PartnerIn.model_validate({"name": "景" * 120, "role": "hotel", "contact": {}})
    summary, fields = actions.summarise(body)
    assert summary == {"name": "景" * 120, "role": "hotel"} and fields == ["contact", "name", "role"]
    assert actions._cut("x" * 500) == "x" * actions.MAX_TEXT + "…"
    assert actions.summarise(ExportIn.model_validate({"from": "2026-01-01", "to": "2026-01-02"})) == (
        {"from": "2026-01-01", "to": "2026-01-02"}, ["from", "to"])


@pytest.mark.parametrize(("groups", "role"), [
    (["regulator"], "regulator"), (["admin", "regulator"], "regulator"), (["admin"], "admin"),
    (["partner"], "partner"), ([], "tourist"), ("[admin regulator]", "regulator"),
])
def test_given_groups_then_the_role_is_the_least_powerful_of_regulator_and_operator(groups, role):
    assert api.principal_of({"sub": "u", "cognito:groups": groups}).role == role


def test_given_the_result_of_a_write_then_ids_are_kept_and_a_persons_id_is_not():
    assert actions._result_ids('{"partner_id":"A1B2C3","user_id":"u-1","name":"x","version":3}') == {
        "partner_id": "A1B2C3", "version": 3}
    assert actions._result_ids("not json") == {} and actions._result_ids(None) == {}


def test_given_the_log_cannot_be_written_then_the_write_is_answered_and_the_failure_counted_and_alarmed(
    monkeypatch
):
    from tanhui.models.audit_log import OperatorAction

    counted: list[str] = []
    monkeypatch.setattr(actions.metrics, "add_metric", lambda **kw: counted.append(kw["name"]))

    def down(self: Any, **_: Any) -> None:
        raise ConnectionError("the table is unreachable")

    monkeypatch.setattr(OperatorAction, "save", down)
    at = "2026-12-01T00:00:00.000Z"
    action = OperatorAction(*OperatorAction.key(at, "r"), at=at, request_id="r", who="op",
                            route="PUT /v1/admin/coin-policy", status=200)
    actions.record(action)  # no exception: the write it records has happened
    assert counted == ["OperatorActionNotLogged"]
    alarms = [r["Properties"] for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert any(a["MetricName"] == "OperatorActionNotLogged" and a["Threshold"] == 0 for a in alarms)
