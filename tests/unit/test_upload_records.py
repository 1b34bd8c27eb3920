"""The upload record vouches for an object only by its exact key and within its limits
(tanhui.imports.uploads.refusal); everything else is quarantined."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from tanhui.imports.uploads import LATE_UPLOAD, Landed, refusal

KEY = "partners/ABC123/hotel_stays/01JZZZZZZZZZZZZZZZZZZZZZZZ/stays.csv"
ISSUED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
EXPIRED = ISSUED + timedelta(minutes=15)


def record(**change: object) -> SimpleNamespace:
    base = {
        "object_key": KEY,
        "status": "awaiting_upload",
        "object_version": None,
        "upload_max_bytes": 1000,
        "upload_content_type": None,
        "upload_expires_at": "2026-11-03T08:15:00.000Z",
    }
    return SimpleNamespace(**(base | change))


def landed(**change: object) -> Landed:
    at = ISSUED + timedelta(minutes=5)
    base = {"key": KEY, "version": "v1", "at": at, "size": 1000, "content_type": None}
    return Landed(**(base | change))  # type: ignore[arg-type]


def code(job: SimpleNamespace | None, obj: Landed) -> str | None:
    found = refusal(job, obj, 256 * 1024 * 1024)  # type: ignore[arg-type]
    return found.code if found else None


def test_given_an_object_at_its_records_key_within_its_limits_then_the_record_vouches_for_it():
    assert code(record(), landed()) is None
    csv = record(upload_content_type="text/csv")
    assert code(csv, landed(content_type="text/csv; charset=utf-8")) is None
    assert code(record(status="processing", object_version="v1"), landed()) is None  # delivered again
    late_but_started_in_time = EXPIRED + LATE_UPLOAD
    assert code(record(), landed(at=late_but_started_in_time)) is None


@pytest.mark.parametrize(
    ("job", "obj", "expected"),
    [
        (None, landed(), "upload_unknown"),  # no record for the key (another partner's folder …)
        (record(object_key=KEY.replace("stays.csv", "other.csv")), landed(), "upload_unknown"),
        (record(), landed(size=1001), "too_large"),
        (record(upload_max_bytes=None), landed(size=256 * 1024 * 1024 + 1), "too_large"),  # an older record
        (record(upload_content_type="text/csv"), landed(content_type="image/png"), "wrong_content_type"),
        (record(upload_content_type="text/csv"), landed(content_type=None), "wrong_content_type"),
        (record(), landed(at=EXPIRED + LATE_UPLOAD + timedelta(seconds=1)), "upload_expired"),
        (record(status="completed", object_version="v1"), landed(version="v2"), "upload_used"),
        (record(status="quarantined", object_version="v1"), landed(version="v2"), "upload_used"),
    ],
)
def test_given_an_object_its_record_does_not_vouch_for_then_the_reason_says_why(job, obj, expected):
    assert code(job, obj) == expected


def test_given_a_refusal_then_it_says_why_in_chinese_and_english():
    found = refusal(record(), landed(size=1234), 0)  # type: ignore[arg-type]
    assert found is not None
    assert (found.zh, found.en) == (
        "文件有 1,234 字节，这次上传最多 1,000 字节",
        "The file is 1,234 bytes; its upload allows 1,000.",
    )
