"""A copy of my data (个人信息副本): `POST /v1/me/data-export`, answered at once.

A person's data is a few queries (`rights.copy.collect`), so the copy is made in the request:

1. the person's mark (`models.rights.DataExportMark`) takes the new copy's id and time, on the
   condition that the last copy is a minute old or more (else 429 `data_export_too_soon`, nothing
   read): a double tap or a script makes one copy a minute;
2. every section is read and written as `data.json` and `data-csv.zip` to the personal data
   bucket at `personal/<user id>/<export id>/`, the id 26 characters of which 80 bits are random;
3. the answer carries a presigned link to each file, valid 15 minutes, which a browser saves under
   the file's name (`Content-Disposition: attachment`).

The bucket is private (no public access; only the rights function may list it, under `personal/`,
to delete a closed account's copies), unversioned (a deleted copy is
gone), and holds nothing else: the rights function may write and read under `personal/`, and a
lifecycle rule deletes each object a day after it was made (S3 rounds to the next midnight UTC:
`deleted_by` is when it is gone at the latest). A second request makes a new copy with new
links, never the old one again. If reading or writing fails, the mark is given back, so the
person can try again at once.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import UpdateError

from tanhui import errors
from tanhui.aws import client, download_link
from tanhui.config import get_settings
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.identity import UserProfile
from tanhui.models.rights import DataExportMark
from tanhui.models.writes import Cancelled, WritePlan, retrying
from tanhui.observability import logger, metrics
from tanhui.rights import copy
from tanhui.rights.schemas import DataExportFile, DataExportOut

PREFIX = "personal/"
LINK_SECONDS = 15 * 60
KEPT_DAYS = 1  # template.yaml: PersonalDataBucket's lifecycle rule `expire-personal-copies`
EVERY_SECONDS = 60  # one copy a minute a person
JSON_NAME, ZIP_NAME = "data.json", "data-csv.zip"
TYPES = {JSON_NAME: "application/json", ZIP_NAME: "application/zip"}


class DataExportTooSoon(errors.TooManyRequests):
    retry_after = EVERY_SECONDS  # at most: the last copy is younger than that
    code, message = "data_export_too_soon", (
        "You asked for a copy of your data less than a minute ago: its links still work; ask again "
        "in a minute."
    )


def object_key(user_id: str, export_id: str, name: str) -> str:
    return f"{PREFIX}{user_id}/{export_id}/{name}"


def _take_turn(user_id: str, export_id: str, at: datetime) -> None:
    """Marks the copy as the person's last, unless the last is less than a minute old; only while
    the person's profile exists and no closing began (a closed account's token makes no mark)."""
    since = iso_ms(at - timedelta(seconds=EVERY_SECONDS))
    plan = WritePlan("data_export_turn", key=(user_id, export_id))
    plan.check("profile", UserProfile, *UserProfile.key(user_id),
               condition=UserProfile.pk.exists() & UserProfile.closing_id.does_not_exist())
    plan.update("mark", DataExportMark(*DataExportMark.key(user_id)),
                [DataExportMark.user_id.set(user_id), DataExportMark.last_export_id.set(export_id),
                 DataExportMark.last_at.set(iso_ms(at)), DataExportMark.copies.add(1)],
                condition=DataExportMark.pk.does_not_exist() | (DataExportMark.last_at <= since))
    try:
        retrying(plan.send, operation="data_export_turn")
    except Cancelled as cancelled:
        if "profile" in cancelled.failed:
            raise errors.NotFound("No profile for this user; log in again.",
                                  code="profile_not_found") from cancelled
        if "mark" in cancelled.failed:
            raise DataExportTooSoon() from cancelled
        raise


def _give_back(user_id: str, export_id: str) -> None:
    """This copy failed: the next request may make one at once (unless another took the turn)."""
    try:
        DataExportMark(*DataExportMark.key(user_id)).update(
            [DataExportMark.last_at.set(""), DataExportMark.copies.add(-1)],
            condition=DataExportMark.last_export_id == export_id,
        )
    except UpdateError:
        logger.warning("data export turn not given back", extra={"user_id": user_id})


def _put(user_id: str, export_id: str, name: str, body: bytes) -> None:
    client("s3").put_object(Bucket=get_settings().personal_data_bucket,
                            Key=object_key(user_id, export_id, name), Body=body, ContentType=TYPES[name])


def request_copy(user_id: str, *, at: datetime | None = None) -> DataExportOut:
    """Makes a new copy of the person's data and answers links to its two files."""
    at = at or datetime.now(UTC)
    export_id, created_at = sortable_id(at), iso_ms(at)
    _take_turn(user_id, export_id, at)
    try:
        data = copy.collect(user_id)
        bodies = {JSON_NAME: copy.json_document(export_id, created_at, data),
                  ZIP_NAME: copy.csv_zip(export_id, created_at, data)}
        for name, body in bodies.items():
            _put(user_id, export_id, name, body)
    except Exception:
        _give_back(user_id, export_id)
        raise
    bucket, signed_at = get_settings().personal_data_bucket, datetime.now(UTC)
    files = [
        DataExportFile(
            name=f"tanhui-data-{export_id}-{name}", content_type=TYPES[name], bytes=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            url=download_link(bucket, object_key(user_id, export_id, name), LINK_SECONDS,
                              f"tanhui-data-{export_id}-{name}"),
        )
        for name, body in bodies.items()
    ]
    metrics.add_metric(name="PersonalDataExported", unit="Count", value=1)
    logger.info("personal data exported", extra={"user_id": user_id, "export_id": export_id})
    return DataExportOut(
        export_id=export_id, created_at=created_at,
        links_expire_at=iso_ms(signed_at + timedelta(seconds=LINK_SECONDS)),
        deleted_by=iso_ms(at + timedelta(days=KEPT_DAYS + 1)),
        counts=copy.counts(data), files=files,
    )
