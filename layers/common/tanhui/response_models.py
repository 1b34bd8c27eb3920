"""The base of every response body model. Validators are built on first use, not at import, so a
cold start builds only what its invocations use (the claim function never builds the factor
models). `from_attributes=True`: a response model reads a PynamoDB item directly
(`WalletOut.model_validate(wallet_item)`), with no field-by-field mapper in between."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from tanhui.models.base import plain


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True, from_attributes=True)


# a MapAttribute of an item read back, as the plain object it holds
Map = Annotated[dict[str, Any], BeforeValidator(plain)]
