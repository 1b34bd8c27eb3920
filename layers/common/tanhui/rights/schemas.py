"""Response body of a copy of a person's data."""

from __future__ import annotations

from pydantic import Field

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
