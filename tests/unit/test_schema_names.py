"""Every request and response body model has a name of its own: the OpenAPI document (merged from
every function by DocsFunction) names its schemas by class name, so two bodies of one name leave
one of them described as the other, and the web client's generated types with it (the buyback's
`OfferIn` once stood for the spending `OfferIn`, and the H5's typed call did not build)."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

from infra.local import cfn
from infra.local.functions import load_module


def _models() -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [RequestModel, ResponseModel]
    while todo:
        model = todo.pop()
        for sub in model.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_given_every_function_then_no_two_body_models_share_a_name():
    for spec in cfn.functions(cfn.load_template()).values():  # every route's models imported
        load_module(spec)
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _models():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: sorted(where) for name, where in by_name.items() if len(where) > 1} == {}
