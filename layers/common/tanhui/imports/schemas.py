"""Request and response bodies of the partner import API."""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from tanhui.imports.rows import FileType
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

ImportStatus = Literal["awaiting_upload", "processing", "completed", "quarantined", "failed"]


class Schema(ResponseModel):
    pass


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
    ignored_columns: list[str] = Field(default_factory=list, description="The file's columns not read "
                                       "(the first 1,000)")
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
    logged_fields = ("monthly_coins",)

    monthly_coins: Annotated[int, Field(ge=0, le=1_000_000_000)] | None = Field(
        description="Coins the partner's files may issue per calendar month (Asia/Shanghai); null: no quota"
    )


class QuotaOut(Schema):
    partner_id: str
    monthly_coins: int | None
    month: str
    issued_coins: int


# ------------------------------------------------------------------- preview and mappings
PREVIEW_BASE64_CHARS = 54_616  # base64 of 40 KiB (imports.preview.PREVIEW_BYTES)
HeaderText = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Base64Text = Annotated[str, StringConstraints(min_length=4, max_length=PREVIEW_BASE64_CHARS)]
FieldName = Annotated[str, StringConstraints(max_length=64)]  # a field of a file type: `rows` names them


class PreviewIn(RequestModel):
    type: FileType
    content_base64: Base64Text | None = Field(
        default=None,
        description="The file's first 40 KiB (or all of a smaller file), base64; a workbook (.xlsx, .xls) "
        "whole. Or give import_id.",
    )
    import_id: Annotated[str, StringConstraints(max_length=26, pattern=r"^[0-9A-Za-z]{26}$")] | None = Field(
        default=None, description="An uploaded import whose file to preview (a workbook: its converted CSV)"
    )
    sheet: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=31)] | None = (
        Field(default=None, description="A workbook's sheet (its tab name); default: the first visible one")
    )

    @model_validator(mode="after")
    def _one_source(self) -> PreviewIn:
        if (self.content_base64 is None) == (self.import_id is None):
            raise ValueError("give content_base64 or import_id, one of them")
        if self.content_base64 is not None:
            try:
                base64.b64decode(self.content_base64, validate=True)
            except ValueError as exc:
                raise ValueError("content_base64 is not base64") from exc
        return self

    @property
    def content(self) -> bytes | None:
        return None if self.content_base64 is None else base64.b64decode(self.content_base64)


class PreviewColumn(Schema):
    header: str = Field(description="The column's header text as written")
    field: str | None = Field(description="The field it feeds; null: ignored")
    by: Literal["mapping", "names"] | None = Field(
        description="mapping: the partner's saved mapping; names: the field's name or one of its aliases"
    )
    samples: list[str] = Field(description="Up to 3 distinct values from the first rows")


class PreviewField(Schema):
    name: str
    required: bool
    description: str
    names: list[str] = Field(description="The header texts recognised without a mapping")


class PreviewOut(Schema):
    type: str
    source_format: str = Field(description="csv, jsonl, xlsx or xls")
    sheet: str | None = Field(description="A workbook's sheet read")
    encoding: str = Field(description="utf-8-sig, utf-8 or gb18030 (a workbook: its CSV's utf-8)")
    format: str = Field(description="csv or jsonl (a workbook is read as its CSV)")
    title_rows: int = Field(description="Rows above the header row (a title, an export time …)")
    header_row: int = Field(description="The header row's number as a spreadsheet shows it (0: JSON Lines)")
    columns: list[PreviewColumn]
    mapping: dict[str, str | None] = Field(
        description="The proposed mapping, header text → field or null: a body for PUT "
        "/v1/partner/import-mappings/{file_type} as `columns`, once corrected"
    )
    mapping_applied: bool = Field(description="The partner's saved mapping matched this header row")
    missing: list[str] = Field(description="Required fields no column feeds")
    missing_one_of: list[list[str]] = Field(description="Groups of which one field is needed and none is fed")
    complete: bool = Field(description="An import of this file would find its header row")
    rows_sampled: int
    fields: list[PreviewField] = Field(description="The file type's fields")
    one_of: list[list[str]] = Field(description="Groups of optional fields of which one is needed")


class MappingIn(RequestModel):
    columns: Annotated[dict[HeaderText, FieldName | None], Field(min_length=1, max_length=200)] = Field(
        description="Each header text as the partner's files have it → the field it feeds, or null to "
        "ignore that column. Every required field (and one of each one_of group) is mapped once."
    )


class MappingOut(Schema):
    type: str
    columns: dict[str, str | None]
    updated_at: str
