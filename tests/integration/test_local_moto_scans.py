"""The local stack's moto (infra/local/moto_atomic): a Scan page is read under the writes' lock, as
moto iterates the table's items while it reads them — the expiry job's segments scanned while its
plans put entries, and moto answered some pages with a 500 ("dictionary changed size during
iteration") that DynamoDB never gives (bench/expiry.py at 10,000 wallets)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Pending

import boto3
import pytest


def test_given_a_write_in_progress_then_a_scan_page_waits_for_it(aws):
    from infra.local import moto_atomic

    ddb, table = boto3.client("dynamodb"), aws.env["TABLE_NAME"]
    with ThreadPoolExecutor(1) as pool:
        with moto_atomic._LOCK:  # as a write holds it
            page = pool.submit(ddb.scan, TableName=table, Limit=1)
            with pytest.raises(Pending):
                page.result(timeout=1)
        assert page.result(timeout=30)["ResponseMetadata"]["HTTPStatusCode"] == 200
