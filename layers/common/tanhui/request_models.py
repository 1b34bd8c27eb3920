"""The base of every request body model: strict types (no "100" for 100, no "yes" for true,
no 1.0 for 1) and no unknown fields. Validators are built on first use, not at import, so a cold
start builds only what its invocations use. `tests/unit/test_route_roles.py` checks every route's
body. (Query strings are text by nature: `tanhui.api.PageLimit` takes plain digits only.)"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)
