"""The base of every request body model: strict types (no "100" for 100, no "yes" for true,
no 1.0 for 1) and no unknown fields. Validators are built on first use, not at import, so a cold
start builds only what its invocations use. `tests/unit/test_route_roles.py` checks every route's
body. (Query strings are text by nature: `tanhui.api.PageLimit` takes plain digits only.)"""

from __future__ import annotations

import typing
from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)
    # The fields the operators' action log may record with their values (tanhui.supervision):
    # never a person's name, phone, email or free text about them, never a secret. The others are
    # recorded by name only. None: not declared (every operator write's body declares it).
    logged_fields: ClassVar[tuple[str, ...] | None] = None


def union_tags() -> frozenset[str]:
    """The tags of the tagged unions bodies are made of (`Field(discriminator="kind")`): each
    member's one-value `Literal` field. pydantic names the member it checked by its tag in an
    error's `loc`, where it is no field of the body (`errors.validation_details` leaves it out)."""
    tags: set[str] = set()
    todo = RequestModel.__subclasses__()
    while todo:
        model = todo.pop()
        todo += model.__subclasses__()
        for field in model.model_fields.values():
            values = typing.get_args(field.annotation)
            if typing.get_origin(field.annotation) is typing.Literal and len(values) == 1:
                tags.add(str(values[0]))
    return frozenset(tags)
