"""A file streamed to S3 by multipart upload, hashed and measured as it is written."""

from __future__ import annotations

import hashlib
from types import TracebackType
from typing import Any

from tanhui.aws import client

PART_BYTES = 8 * 1024 * 1024  # S3 parts are at least 5 MiB but the last


class S3File:
    """`write()` bytes, then leave the `with` block: the object exists once it closes cleanly
    (an exception aborts the upload and leaves nothing). `sha256` and `size` describe what was
    written."""

    def __init__(self, bucket: str, key: str, content_type: str):
        self.bucket, self.key, self.content_type = bucket, key, content_type
        self._hash = hashlib.sha256()
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []
        self._upload_id: str | None = None
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        self.size += len(data)
        self._buffer += data
        if len(self._buffer) >= PART_BYTES:
            self._flush()

    def _flush(self) -> None:
        s3 = client("s3")
        if self._upload_id is None:
            self._upload_id = s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type
            )["UploadId"]
        number = len(self._parts) + 1
        etag = s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number,
            Body=bytes(self._buffer),
        )["ETag"]
        self._parts.append({"ETag": etag, "PartNumber": number})
        self._buffer.clear()

    def __enter__(self) -> S3File:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        s3 = client("s3")
        if kind is not None:
            if self._upload_id is not None:
                s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            return
        if self._upload_id is None:  # small enough for one request
            s3.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer),
                          ContentType=self.content_type)
            return
        if self._buffer:
            self._flush()
        s3.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
