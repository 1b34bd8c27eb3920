"""Every route of every HTTP function declares who may call it, agrees with the template on
whether it needs a token, and takes a strict request body."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import BaseModel
from tanhui import api
from tanhui.request_models import RequestModel

from infra.local import cfn
from infra.local.functions import load_module

TEMPLATE = cfn.load_template()
HTTP_FUNCTIONS = sorted({r.function for r in cfn.http_routes(TEMPLATE)})


@pytest.fixture(scope="module")
def resolvers() -> dict[str, Any]:
    specs = cfn.functions(TEMPLATE)
    return {name: load_module(specs[name]).app for name in HTTP_FUNCTIONS}


def _all_routes(resolvers: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [(name, app, route) for name, app in resolvers.items() for route in api.routes(app)]


def test_given_every_function_then_every_route_declares_its_roles(resolvers):
    undeclared = [
        f"{name}: {route.method} {route.path}"
        for name, app, route in _all_routes(resolvers)
        if api.allowed_roles(app, route) is None
    ]
    assert not undeclared, "declare roles with api.install(app, allow=...) or @api.allow(...)"


def test_given_template_routes_then_public_exactly_where_the_template_has_no_authorizer(resolvers):
    checked = 0
    for route in cfn.http_routes(TEMPLATE):
        app = resolvers[route.function]
        matches = [
            r for r in api.routes(app) if r.method == route.method and r.openapi_path == route.path
        ]
        assert matches, f"{route.route_key} in template.yaml has no handler in {route.function}"
        public = api.PUBLIC in (api.allowed_roles(app, matches[0]) or ())
        assert public == (not route.authorized), route.route_key
        checked += 1
    assert checked >= 25


def _models(annotation: Any) -> list[type[BaseModel]]:
    """Pydantic models inside an annotation (Annotated, unions, lists, dicts)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def _nested_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    seen: list[type[BaseModel]] = []
    todo = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.append(current)
        for field in current.model_fields.values():
            todo.extend(_models(field.annotation))
    return seen


def test_given_every_route_body_then_model_and_nested_models_are_strict(resolvers):
    from tanhui.codes.schemas import KindAttributes

    bodies = [
        model
        for _, _, route in _all_routes(resolvers)
        for param in route.dependant.body_params
        for model in _models(param.type_)
    ]
    assert len(bodies) >= 12
    models = {m for body in [*bodies, *_models(KindAttributes)] for m in _nested_models(body)}
    loose = [
        m.__name__
        for m in models
        if not issubclass(m, RequestModel)
        or m.model_config.get("strict") is not True
        or m.model_config.get("extra") != "forbid"
    ]
    assert not loose, f"request models must derive from RequestModel: {sorted(loose)}"


def test_given_every_function_then_its_resolver_writes_readable_utf8(resolvers):
    escaping = [name for name, app in resolvers.items() if app._serializer({"n": "丹霞"}) != '{"n":"丹霞"}']
    assert not escaping, "pass serializer=api.to_json to the resolver"
