"""Bodies of a person's rights: a copy of their data, closing their account."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tanhui.donations.schemas import ProjectId
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel


class DataExportFile(ResponseModel):
    name: str = Field(description="The name the browser saves it under, e.g. "
                      "`tanhui-data-<export_id>-data.json` or `…-data-csv.zip`.")
    content_type: str = Field(description="`application/json` or `application/zip`.")
    bytes: int
    sha256: str = Field(description="SHA-256 of the file, lower-case hex.")
    url: str = Field(description="A presigned link (GET), valid until `links_expire_at`; the answer "
                     "is the file as an attachment.")


class DataExportOut(ResponseModel):
    export_id: str
    created_at: str
    links_expire_at: str = Field(description="The links die 15 minutes after the copy was made; ask "
                                 "for a new copy after that (a minute after the last).")
    deleted_by: str = Field(description="When the files are deleted at the latest (a day after, "
                            "rounded up to midnight UTC).")
    counts: dict[str, int] = Field(description="Rows per section: profile, wallet, consents, "
                                   "bindings, ledger, vouchers, donations, medals, certificates.")
    files: list[DataExportFile] = Field(description="The JSON document, then the zip of one CSV per "
                                        "section (UTF-8 with BOM; headers `<中文> <key>`).")


class ClosingIn(RequestModel):
    """Closing my account (注销): the password again, and what becomes of the unspent coins."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=256)] = Field(
        description="The account's password: closing needs the person to sign in again.")
    coins: Literal["forfeit", "donate"] = Field(
        description="`forfeit`: the unspent coins lapse (a `forfeit` ledger entry); `donate`: they go "
        "to `project_id`, an open public-good project, as a donation.")
    project_id: ProjectId | None = Field(default=None, description="With `coins: donate` only.")

    @model_validator(mode="after")
    def _project_with_donate(self) -> ClosingIn:
        if (self.coins == "donate") != (self.project_id is not None):
            raise ValueError("project_id goes with coins: donate, and only with it")
        return self


class BuybackPayoutOwed(ResponseModel):
    round_id: str
    reference: str = Field(description="The payout reference the round's payouts file names.")
    coins: int
    amount_fen: int


class ClosedOut(ResponseModel):
    closure_id: str = Field(description="The closing's reference: the one thing that names it. Nothing "
                            "kept links it to the person.")
    status: Literal["closing", "closed"]
    closed_at: str | None
    coins_forfeited: int
    coins_donated: int
    project_id: str | None
    vouchers_cancelled: int = Field(description="Open vouchers cancelled; their coins go back to no one.")
    records_pseudonymised: int = Field(description="Behaviour records kept for carbon accounting without "
                                       "the person (no user id, phone or name).")
    buyback: list[BuybackPayoutOwed] = Field(
        default_factory=list, description="Coins sold into government buyback rounds (政府回购): the "
        "paying agency pays them by the payout reference, which stays on the round without the person.")
