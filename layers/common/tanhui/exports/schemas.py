"""Bodies of the export routes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

MAX_DAYS = 366
Day = Annotated[str, Field(max_length=10, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", examples=["2026-11-01"])]
FILE_NAMES = ("behaviours.csv", "behaviours.jsonl", "manifest.json")


class ExportIn(RequestModel):
    """UTC dates, both inclusive, by the day a record was recorded (its `created_at`)."""

    logged_fields = ("from_", "to")

    from_: Day = Field(alias="from")
    to: Day

    @model_validator(mode="after")
    def _range(self) -> ExportIn:
        try:
            start, end = date.fromisoformat(self.from_), date.fromisoformat(self.to)
        except ValueError as exc:
            raise ValueError("from and to must be real dates (YYYY-MM-DD)") from exc
        if end < start:
            raise ValueError("to must not be before from")
        if (end - start).days + 1 > MAX_DAYS:
            raise ValueError(f"an export covers at most {MAX_DAYS} days")
        if end > datetime.now(UTC).date():
            raise ValueError("to must not be after today (UTC)")
        return self


class ExportFile(ResponseModel):
    name: str
    sha256: str | None = None
    rows: int | None = None
    bytes: int | None = None
    url: str | None = None  # a presigned GET, 15 minutes


class ExportOut(ResponseModel):
    export_id: str
    status: str  # pending | running | completed | failed
    range: dict[str, str]  # {"from", "to"}
    recorded_before: str  # the records of the range created before this time
    created_at: str
    updated_at: str
    rows: int | None = None
    coins: int | None = None
    gco2e: int | None = None
    sequence: int | None = None
    manifest_sha256: str | None = None
    previous_export_id: str | None = None
    previous_manifest_sha256: str | None = None
    error: str | None = None
    files: list[ExportFile] = []
    verify_path: str | None = Field(
        default=None,
        description="Once completed: the public check of its manifest and chain (GET, no sign-in), "
        "for anyone the export is handed to",
    )


class ExportList(ResponseModel):
    items: list[ExportOut]
    next_cursor: str | None


class Mismatch(ResponseModel):
    claim_id: str | None
    key: str
    problem: str  # missing | content_changed
    fields: list[str] = []  # the exported fields the stored record no longer has


class DayCheck(ResponseModel):
    day: str
    merkle_root: str | None
    recomputed: str | None
    ok: bool


class AuditOut(ResponseModel):
    export_id: str
    ok: bool
    checked: int
    file_ok: bool  # the JSONL file still has the SHA-256 its manifest names
    # records whose person closed their account since: found by the hash the export wrote
    # (`erased_from`), sealed again, every exported field but the key unchanged
    pseudonymised: int = 0
    mismatches: list[Mismatch] = Field(description="the first 1,000 records that do not match (`ok` is "
                                       "false if any does)")
    days: list[DayCheck]


class FileCheck(ResponseModel):
    file: str
    sha256: str
    matches: bool


class VerifyOut(ResponseModel):
    """What a completed export's manifest states, for anyone: no user ids, phones or names."""

    export_id: str
    sequence: int
    range: dict[str, str]
    recorded_before: str
    created_at: str
    files: list[ExportFile]
    totals: dict[str, Any]
    days: list[dict[str, Any]]
    manifest_sha256: str
    manifest_ok: bool  # the stored manifest.json still hashes to manifest_sha256
    previous_export_id: str | None
    previous_manifest_sha256: str | None
    chain_ok: bool  # the previous export's manifest hashes to previous_manifest_sha256
    check: FileCheck | None = None
