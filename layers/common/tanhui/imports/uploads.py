"""The upload record, and the objects in the upload bucket it does not vouch for.

`jobs.create` writes an import (its upload record) when it hands a partner a presigned form: that
partner, that exact key, a size limit, the content type declared, and when the form expires. A file
is imported only through the record that names its exact key, within the record's limits, once. Any
other object — a key rewritten into another partner's folder, a file copied into the bucket by hand,
one over its size limit, of another content type, landed after its form expired, or a second file
at a key whose import is under way or done — is quarantined: copied to `quarantine/<key>` (its
version, its reason in its metadata), its version deleted from `partners/`, a warning logged and
`PartnerUploadQuarantined` counted; never surveyed, never credited. Real S3 enforces the form's
policy; moto does not, and the import relies on neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tanhui.aws import client
from tanhui.config import get_settings
from tanhui.models.imports import ImportJob
from tanhui.observability import logger, metrics

QUARANTINE_PREFIX = "quarantine/"
# an upload started before its form expired may finish a while after (256 MiB on a slow line)
LATE_UPLOAD = timedelta(hours=1)


@dataclass(frozen=True)
class Landed:
    """One object version in the upload bucket, as `head_object` tells it."""

    key: str
    version: str  # "null" for an object written while versioning was off
    at: datetime  # LastModified
    size: int
    content_type: str | None


@dataclass(frozen=True)
class Refusal:
    """Why an object is not imported: a reason code, in English and Chinese."""

    code: str
    en: str
    zh: str


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def refusal(job: ImportJob | None, landed: Landed, default_max_bytes: int) -> Refusal | None:
    """What is wrong with an object for the upload record `job` (the import its key names, if any),
    or None when the record vouches for it. A record's limits hold whatever the import's status,
    so a notification delivered again refuses the same object for the same reason."""
    if job is None or job.object_key != landed.key:
        return Refusal(
            code="upload_unknown",
            en="No upload form was issued for this key; the file is not imported.",
            zh="没有为这个位置签发过上传表单：文件不予导入",
        )
    limit = int(job.upload_max_bytes or default_max_bytes)
    if landed.size > limit:
        return Refusal(
            code="too_large",
            en=f"The file is {landed.size:,} bytes; its upload allows {limit:,}.",
            zh=f"文件有 {landed.size:,} 字节，这次上传最多 {limit:,} 字节",
        )
    declared = _media(job.upload_content_type)
    if declared and _media(landed.content_type) != declared:
        return Refusal(
            code="wrong_content_type",
            en=f"The file was sent as {landed.content_type or 'no type'}; the import declared {declared}.",
            zh=f"文件的类型是 {landed.content_type or '（无）'}，创建导入时声明的是 {declared}",
        )
    expires = job.upload_expires_at
    if expires and landed.at > datetime.fromisoformat(expires.replace("Z", "+00:00")) + LATE_UPLOAD:
        return Refusal(
            code="upload_expired",
            en="The file landed after its upload form had expired; create a new import.",
            zh="文件在上传表单过期之后才到：请重新创建导入",
        )
    if job.status != "awaiting_upload" and job.object_version not in (None, landed.version):
        return Refusal(
            code="upload_used",
            en="Another file was already uploaded with this form; create a new import.",
            zh="这个上传表单已经用过了：请重新创建导入",
        )
    return None


def quarantine_key(key: str) -> str:
    return QUARANTINE_PREFIX + key


def quarantine_object(landed: Landed, why: Refusal, partner_id: str | None) -> str:
    """Moves one object version out of `partners/` (copy, then delete that version); both steps
    are idempotent, so a redelivered notification finishes a move a crash cut short."""
    s3, bucket = client("s3"), get_settings().upload_bucket
    source: dict[str, Any] = {"Bucket": bucket, "Key": landed.key}
    if landed.version != "null":
        source["VersionId"] = landed.version
    target = quarantine_key(landed.key)
    s3.copy_object(
        Bucket=bucket,
        Key=target,
        CopySource=source,
        MetadataDirective="REPLACE",
        Metadata={"reason-code": why.code, "source-version": landed.version},
        ContentType=landed.content_type or "application/octet-stream",
    )
    s3.delete_object(Bucket=bucket, Key=landed.key, VersionId=landed.version)
    logger.warning(
        "upload quarantined",
        extra={
            "key": landed.key,
            "version": landed.version,
            "size": landed.size,
            "code": why.code,
            "partner_id": partner_id,
            "quarantine_key": target,
        },
    )
    metrics.add_metric(name="PartnerUploadQuarantined", unit="Count", value=1)
    return target


__all__ = ["QUARANTINE_PREFIX", "Landed", "Refusal", "quarantine_key", "quarantine_object", "refusal"]
