"""S3 -> SQS -> import function: each partner file is recorded once."""

import boto3
import pytest
from tanhui.models.imports import UploadedFile


@pytest.fixture
def dispatcher(aws, functions):
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    d = Dispatcher(aws, cfn.load_template(), functions)
    d.drain()
    return d


def test_given_partner_upload_when_dispatched_then_file_recorded_once(aws, dispatcher):
    s3 = boto3.client("s3")
    bucket = aws.env["UPLOAD_BUCKET"]
    s3.put_object(Bucket=bucket, Key="partners/0A1B2C/2026-11/nights.csv", Body=b"night,room\n")
    s3.put_object(Bucket=bucket, Key="stray/file.csv", Body=b"x")
    assert dispatcher.drain() >= 2
    rows = {
        i.object_key: i for i in UploadedFile.scan(UploadedFile.pk.startswith(f"UPLOAD#{bucket}/"))
    }
    good = rows["partners/0A1B2C/2026-11/nights.csv"]
    assert (good.partner_id, good.status, good.size) == ("0A1B2C", "received", 11)
    assert rows["stray/file.csv"].status == "rejected"
    # the same notification delivered twice (at-least-once) records nothing new
    from tanhui.imports import inbox

    assert inbox.receive(bucket, good.object_key, good.size, good.version, None) is False
