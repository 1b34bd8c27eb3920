"""Partner files received in the upload bucket (the import inbox)."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel


class UploadedFile(TanhuiModel):
    """pk=UPLOAD#<bucket>/<key>, sk=VERSION#<version or etag>. Written once per object version."""

    bucket = UnicodeAttribute()
    object_key = UnicodeAttribute()
    version = UnicodeAttribute()
    partner_id = UnicodeAttribute(null=True)
    size = NumberAttribute()
    status = UnicodeAttribute()  # received | rejected
    reason = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute()

    @staticmethod
    def key(bucket: str, object_key: str, version: str) -> tuple[str, str]:
        return f"UPLOAD#{bucket}/{object_key}", f"VERSION#{version}"
