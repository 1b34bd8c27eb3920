"""Publishes the built web app (web/dist) to the template's WebBucket, as CloudFront serves it:
index.html revalidated on every visit (`no-cache`: a deploy shows at once), the hashed files under
assets/ cached for a year (`immutable`: their names change with their content), anything else for an
hour. index.html goes up last; other files the build no longer has are deleted, but not old
hashed assets: a page loaded just before a deploy still finds its chunks.

    python -m infra.web_publish --bucket <WebBucketName> [--dist web/dist]     # on AWS (credentials)

`make run` and the tests call `publish()` against the local moto stack."""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
         ".html": "text/html", ".svg": "image/svg+xml", ".json": "application/json",
         ".webmanifest": "application/manifest+json", ".woff2": "font/woff2", ".png": "image/png",
         ".ico": "image/x-icon", ".txt": "text/plain"}
TEXT = ("text/", "application/json", "application/manifest+json", "image/svg+xml")


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    ctype = TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{ctype}; charset=utf-8" if ctype.startswith(TEXT) else ctype


def cache_control(key: str) -> str:
    if key.endswith(".html"):
        return "no-cache"
    if key.startswith("assets/"):
        return "public, max-age=31536000, immutable"
    return "public, max-age=3600"


def publish(s3: Any, bucket: str, dist: Path = DIST) -> int:
    """Uploads every file of `dist` (index.html last), then deletes the files the build no longer
    has, old assets/ excepted. Returns the number of files uploaded."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist}/index.html: build the web app first (make web)")
    files = sorted((p for p in dist.rglob("*") if p.is_file()), key=lambda p: p.name == "index.html")
    keys = set()
    for path in files:
        key = path.relative_to(dist).as_posix()
        keys.add(key)
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(),
                      ContentType=content_type(key), CacheControl=cache_control(key))
    stale = [obj["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for obj in page.get("Contents", [])
             if obj["Key"] not in keys and not obj["Key"].startswith("assets/")]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in stale[start:start + 1000]]})
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.web_publish", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bucket", required=True, help="the stack's WebBucketName output")
    parser.add_argument("--dist", type=Path, default=DIST)
    args = parser.parse_args()
    import boto3

    print(f"{publish(boto3.client('s3'), args.bucket, args.dist)} files published to s3://{args.bucket}")


if __name__ == "__main__":
    main()
