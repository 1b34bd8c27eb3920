"""Request and response bodies of the partner import API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tanhui.imports.rows import FileType
from tanhui.request_models import RequestModel

ImportStatus = Literal["awaiting_upload", "processing", "completed", "quarantined", "failed"]


class Schema(BaseModel):
    model_config = ConfigDict(defer_build=True)


class ImportIn(RequestModel):
    type: FileType
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    sheet: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=31)] | None = (
        Field(default=None, description="A workbook's sheet (its tab name); default: the first visible one")
    )
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        default=None,
        description="The file's media type, if known (text/csv, application/vnd.openxmlformats-"
        "officedocument.spreadsheetml.sheet, application/vnd.ms-excel, …): the upload declares the same",
    )


class UploadOut(Schema):
    method: Literal["POST"] = "POST"
    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int


class ImportCounts(Schema):
    rows: int = 0
    credited: int = 0
    duplicate: int = 0
    pending: int = 0
    unmatched: int = 0
    invalid: int = 0
    over_quota: int = 0
    no_reduction: int = 0


class ImportOut(Schema):
    import_id: str
    type: str
    filename: str
    object_key: str
    status: ImportStatus
    reason: str | None = Field(
        default=None, description="Why quarantined or failed: Chinese, English with Accept-Language: en"
    )
    reason_code: str | None = None
    notes: list[str] = Field(
        default_factory=list,
        description="About the file as a whole (columns ignored, a title block skipped, leading zeros a "
        "workbook may have lost), in the same language",
    )
    ignored_columns: list[str] = Field(default_factory=list, description="The file's columns not read")
    skipped_rows: int = Field(default=0, description="合计 / total rows skipped (not counted in rows)")
    counts: ImportCounts
    coins: int
    gco2e: int
    reasons: dict[str, int]
    ranges_total: int
    ranges_done: int
    report_url: str | None = None
    rejects_url: str | None = None
    created_at: str
    updated_at: str
    completed_at: str | None = None


class CreatedImportOut(Schema):
    import_id: str
    object_key: str
    upload: UploadOut


class ImportList(Schema):
    items: list[ImportOut]
    next_cursor: str | None


class QuotaIn(RequestModel):
    monthly_coins: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = Field(
        description="Coins the partner's files may issue per calendar month (Asia/Shanghai); null: no quota"
    )


class QuotaOut(Schema):
    partner_id: str
    monthly_coins: int | None
    month: str
    issued_coins: int
