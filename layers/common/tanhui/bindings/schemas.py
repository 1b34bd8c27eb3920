"""Request and response bodies of /v1/me/bindings."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from tanhui.bindings.normalisation import MAX_TEXT
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

Number = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
UNBIND = " null unbinds it (the number is free for others); absent leaves it as it is."


class BindingsIn(RequestModel):
    transit_card: Number | None = Field(None, description="Transit card (公交卡) number;" + UNBIND)
    electricity_account: Number | None = Field(None, description="Electricity account (户号);" + UNBIND)
    water_account: Number | None = Field(None, description="Water account (户号);" + UNBIND)
    gas_account: Number | None = Field(None, description="Gas account (户号);" + UNBIND)
    sorting_card: Number | None = Field(None, description="Waste-sorting card (垃圾积分卡);" + UNBIND)
    car_plate: Number | None = Field(None, description="Car plate, e.g. 粤B·D12345;" + UNBIND)
    daily_km: float | None = Field(
        None, description="Kilometres the car is driven on a usual day (0 < km ≤ 500), for "
        "car-free days; null clears it."
    )


class BindingsOut(ResponseModel):
    """The caller's bindings as stored (normalised); null = not bound."""

    model_config = ConfigDict(from_attributes=True)

    transit_card: str | None = None
    electricity_account: str | None = None
    water_account: str | None = None
    gas_account: str | None = None
    sorting_card: str | None = None
    car_plate: str | None = None
    daily_km: float | None = None
    updated_at: str | None = None
