"""The base of every response body model. Validators are built on first use, not at import, so a
cold start builds only what its invocations use (the claim function never builds the factor
models). `from_attributes=True`: a response model reads a PynamoDB item directly
(`WalletOut.model_validate(wallet_item)`), with no field-by-field mapper in between. A field with
no limit of its own gets the stored data's (`tanhui.limits.bounded`): the document says it, the
model checks it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict

from tanhui.limits import bounded, limited
from tanhui.models.base import plain


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True, from_attributes=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        changed = False
        for field in cls.__pydantic_fields__.values():
            if not limited(field.metadata) and (new := bounded(field.annotation)) is not field.annotation:
                field.annotation, changed = new, True
        if changed and cls.__pydantic_complete__:  # deferred models are built on first use
            cls.model_rebuild(force=True)


# a MapAttribute of an item read back, as the plain object it holds
Map = Annotated[dict[str, Any], BeforeValidator(plain)]

