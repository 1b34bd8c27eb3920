"""Records each uploaded partner file exactly once, with the partner it belongs to.

Partners upload under `partners/<partner_id>/<anything>`; a file elsewhere is recorded as
rejected so an operator can see it. Parsing rows into credits builds on these records.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from pynamodb.exceptions import PutError

from tanhui.models.base import utc_now
from tanhui.models.imports import UploadedFile
from tanhui.observability import logger

_PARTNER_PREFIX = re.compile(r"^partners/([0-9A-F]{6})/.+")


def receive(bucket: str, raw_key: str, size: int, version: str | None, etag: str | None) -> bool:
    """Returns True when the file is new, False when this version was already recorded."""
    object_key = unquote_plus(raw_key)
    match = _PARTNER_PREFIX.match(object_key)
    item = UploadedFile(
        *UploadedFile.key(bucket, object_key, version or etag or "null"),
        bucket=bucket,
        object_key=object_key,
        version=version or etag or "null",
        partner_id=match.group(1) if match else None,
        size=size,
        status="received" if match else "rejected",
        reason=None if match else "files must be uploaded under partners/<partner_id>/",
        received_at=utc_now(),
    )
    try:
        item.save(condition=UploadedFile.pk.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            logger.info("upload already recorded", extra={"key": object_key})
            return False
        raise
    logger.info("upload recorded", extra={"key": object_key, "status": item.status})
    return True
