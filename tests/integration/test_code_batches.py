"""Print batches: the partner route queues chunks, the print worker writes CSV and PDF label
sheets to the batch bucket, each chunk counts once, and only the owner can see the batch."""

from __future__ import annotations

import csv
import io
import json
import math
import urllib.request
from pathlib import Path

import boto3
import pypdfium2 as pdfium
from tanhui.codes import batches, keyring, labels, token
from tanhui.models.assets import CodeBatch

from tests.support import page_image, pdf_font_problems, scan_label

ROOT = Path(__file__).resolve().parents[2]
SKU = {
    "kind": "product_sku",
    "attributes": {"sku": "ECO-CUP-2", "product_name": "竹纤维水杯 Bamboo cup", "gtin": "6901234567892"},
}
TICKET = {"kind": "ticket_product", "attributes": {"name": "西湖游船 Lake cruise"}}
ROOM = {"kind": "hotel_room", "attributes": {"room_number": "1208"}}



def new_asset(api, session, body):
    reply = api.post("/v1/partner/assets", body, as_=session)
    assert reply.status == 201, reply.body
    return reply.body["asset_id"]


def download(url: str) -> bytes:
    assert url.startswith("http://127.0.0.1:")  # a presigned link to the local S3
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return response.read()


def first_and_last_label(pdf_bytes: bytes, labels_in_file: int) -> tuple[str, str, int]:
    """Decodes the QR of the file's first and last label; returns them and the page count."""
    doc = pdfium.PdfDocument(pdf_bytes)
    last_slot = (labels_in_file - 1) % labels.LABELS_PER_PAGE
    first = scan_label(page_image(doc, 0), 0)
    last = scan_label(page_image(doc, len(doc) - 1), last_slot)
    return first, last, len(doc)


def test_given_sku_when_10000_codes_printed_then_two_chunks_each_counted_once(
    api, make_partner, dispatcher, aws
):
    maker = make_partner("manufacturer")
    asset_id = new_asset(api, maker, SKU)

    created = api.post("/v1/partner/code-batches", {"asset_id": asset_id.lower(), "count": 10_000}, as_=maker)

    assert created.status == 202, created.body
    batch_id = created.body["batch_id"]
    assert created.body["kind"] == "packaging" and created.body["status"] == "running"
    assert (created.body["chunks_total"], created.body["codes_done"], created.body["files"]) == (2, 0, [])

    assert dispatcher.drain() >= 2
    status = api.get(f"/v1/partner/code-batches/{batch_id}", as_=maker)

    assert status.status == 200, status.body
    body = status.body
    assert (body["status"], body["codes_done"], body["chunks_done"]) == ("done", 10_000, 2)
    assert [f["chunk"] for f in body["files"]] == [1, 2]
    code_ids: set[str] = set()
    for files in body["files"]:
        rows = list(csv.DictReader(io.StringIO(download(files["csv_url"]).decode())))
        assert len(rows) == 5_000
        code_ids.update(r["code_id"] for r in rows)
        sheets = download(files["pdf_url"])
        first, last, pages = first_and_last_label(sheets, len(rows))
        assert (first, last) == (rows[0]["url"], rows[-1]["url"])  # one label per row, in order
        assert sheets.count(b"/FontFile2") == 2  # one embedded subset of each font (Chinese, short code)
        assert pdf_font_problems(sheets) == []  # nothing the print shop's RIP must supply
        assert pages == math.ceil(len(rows) / labels.LABELS_PER_PAGE)
    assert len(code_ids) == 10_000
    sample = token.verify(rows[-1]["code_id"], keyring.verifying_key)
    assert (sample.kind, sample.asset_id, sample.batch_id) == (token.Kind.PACKAGING, asset_id, batch_id)
    assert rows[-1]["url"] == f"HTTPS://QR.TANHUI.CN/01/06901234567892/21/{sample.text}"

    # at-least-once delivery: chunk 1 arrives again, and a slower duplicate finishes after it
    sqs = boto3.client("sqs")
    message = {"partner_id": maker.partner_id, "batch_id": batch_id, "chunk": 1, "count": 5_000}
    sqs.send_message(QueueUrl=aws.env["BATCH_QUEUE_URL"], MessageBody=json.dumps(message))
    assert dispatcher.drain() >= 1
    batch = CodeBatch.get(*CodeBatch.key(maker.partner_id, batch_id))
    assert batches._count_chunk(batch, batches.ChunkJob.model_validate(message), {}) is False
    again = api.get(f"/v1/partner/code-batches/{batch_id}", as_=maker).body
    assert (again["status"], again["codes_done"], again["chunks_done"]) == ("done", 10_000, 2)
    rows_again = csv.DictReader(io.StringIO(download(again["files"][0]["csv_url"]).decode()))
    assert {r["code_id"] for r in rows_again} <= code_ids  # chunk 1's file was not rewritten

    other = make_partner("manufacturer")
    hidden = api.get(f"/v1/partner/code-batches/{batch_id}", as_=other)
    assert (hidden.status, hidden.error_code) == (404, "batch_not_found")


def test_given_bad_batch_requests_when_posted_then_clear_4xx(api, make_partner):
    maker = make_partner("manufacturer")
    asset_id = new_asset(api, maker, SKU)
    hotel = make_partner("hotel")
    room_id = new_asset(api, hotel, ROOM)

    for body in (
        {"asset_id": asset_id, "count": 0},
        {"asset_id": asset_id, "count": 1_000_001},
        {"asset_id": asset_id, "count": "10"},
        {"asset_id": "XYZ123", "count": 10},
        {"asset_id": asset_id},
    ):
        reply = api.post("/v1/partner/code-batches", body, as_=maker)
        assert (reply.status, reply.error_code) == (422, "validation_error"), body

    room = api.post("/v1/partner/code-batches", {"asset_id": room_id, "count": 10}, as_=hotel)
    assert (room.status, room.error_code) == (422, "wrong_asset_kind")
    stranger = api.post("/v1/partner/code-batches", {"asset_id": room_id, "count": 10}, as_=maker)
    assert (stranger.status, stranger.error_code) == (404, "asset_not_found")
    assert api.get("/v1/partner/code-batches/ABCDEF", as_=maker).error_code == "batch_not_found"

    assert api.call("DELETE", f"/v1/partner/assets/{asset_id}", as_=maker).status < 300
    retired = api.post("/v1/partner/code-batches", {"asset_id": asset_id, "count": 10}, as_=maker)
    assert (retired.status, retired.error_code) == (409, "asset_not_active")


def test_given_batch_revoked_before_printing_when_chunks_arrive_then_nothing_is_printed(
    api, make_partner, dispatcher
):
    spot = make_partner("scenic_spot")
    asset_id = new_asset(api, spot, TICKET)
    created = api.post("/v1/partner/code-batches", {"asset_id": asset_id, "count": 30}, as_=spot)
    assert created.status == 202, created.body
    batch_id = created.body["batch_id"]
    assert created.body["kind"] == "ticket"

    assert api.post(f"/v1/partner/code-batches/{batch_id}/revoke", as_=spot).status == 200
    dispatcher.drain()

    body = api.get(f"/v1/partner/code-batches/{batch_id}", as_=spot).body
    assert (body["status"], body["codes_done"], body["files"]) == ("revoked", 0, [])


def test_given_ticket_batch_when_printed_then_labels_carry_ticket_urls(api, make_partner, dispatcher):
    spot = make_partner("scenic_spot")
    asset_id = new_asset(api, spot, TICKET)
    created = api.post("/v1/partner/code-batches", {"asset_id": asset_id, "count": 30}, as_=spot)
    batch_id = created.body["batch_id"]

    dispatcher.drain()

    body = api.get(f"/v1/partner/code-batches/{batch_id}", as_=spot).body
    assert (body["status"], body["codes_done"], body["chunks_total"]) == ("done", 30, 1)
    rows = list(csv.DictReader(io.StringIO(download(body["files"][0]["csv_url"]).decode())))
    assert [r["url"] for r in rows] == [f"HTTPS://QR.TANHUI.CN/Q/{r['code_id']}" for r in rows]
    first, last, pages = first_and_last_label(download(body["files"][0]["pdf_url"]), len(rows))
    assert (first, last, pages) == (rows[0]["url"], rows[-1]["url"], 2)
    text = pdfium.PdfDocument(download(body["files"][0]["pdf_url"]))[0].get_textpage().get_text_range()
    assert "西湖游船 Lake cruise" in text and rows[0]["short"] in text
    for ext in ("pdf", "csv"):  # a click on the link saves the file under a name the clerk can read
        with urllib.request.urlopen(body["files"][0][f"{ext}_url"], timeout=30) as response:  # noqa: S310
            saved_as = f'attachment; filename="{batch_id}-part-1.{ext}"'
            assert response.headers["Content-Disposition"] == saved_as


def test_given_chunk_failing_on_its_last_delivery_then_batch_is_marked_failed(
    api, make_partner, functions, monkeypatch
):
    spot = make_partner("scenic_spot")
    asset_id = new_asset(api, spot, TICKET)
    batch = api.post("/v1/partner/code-batches", {"asset_id": asset_id, "count": 5}, as_=spot).body
    event = json.loads((ROOT / "events" / "code_batches" / "chunk.json").read_text())
    record = event["Records"][0]
    record["body"] = json.dumps(
        {"partner_id": spot.partner_id, "batch_id": batch["batch_id"], "chunk": 1, "count": 5}
    )

    def bucket_down(*_args, **_kwargs):
        raise RuntimeError("S3 is unavailable")

    monkeypatch.setattr(batches, "_put", bucket_down)
    worker = functions["CodeBatchFunction"]
    for receive, status in (("1", "running"), ("3", "failed")):
        record["attributes"]["ApproximateReceiveCount"] = receive
        reply = worker.invoke(event)  # reported failed: the queue delivers it again, then dead-letters it
        assert reply == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
        body = api.get(f"/v1/partner/code-batches/{batch['batch_id']}", as_=spot).body
        assert body["status"] == status, body
    assert "dead-letter" in body["error"]


def test_given_three_batches_when_listed_then_newest_first_paged_and_private(api, make_partner):
    spot = make_partner("scenic_spot")
    asset_id = new_asset(api, spot, TICKET)
    made = [
        api.post("/v1/partner/codes", {"asset_id": asset_id, "count": 2}, as_=spot).body["batch_id"],
        api.post("/v1/partner/code-batches", {"asset_id": asset_id, "count": 3}, as_=spot).body["batch_id"],
        api.post("/v1/partner/codes", {"asset_id": asset_id, "count": 1}, as_=spot).body["batch_id"],
    ]

    first = api.get("/v1/partner/code-batches", as_=spot, query={"limit": "2"})
    page_two = {"limit": "2", "cursor": first.body["next_cursor"]}
    rest = api.get("/v1/partner/code-batches", as_=spot, query=page_two)

    assert first.status == 200, first.body
    listed = first.body["items"] + rest.body["items"]
    assert [b["batch_id"] for b in listed] == made[::-1]
    assert [(b["mode"], b["codes_total"]) for b in listed] == [("direct", 1), ("print", 3), ("direct", 2)]
    assert rest.body["next_cursor"] is None
    other = make_partner("scenic_spot")
    assert api.get("/v1/partner/code-batches", as_=other).body == {"items": [], "next_cursor": None}
    foreign = api.get("/v1/partner/code-batches", as_=other, query={"cursor": first.body["next_cursor"]})
    assert (foreign.status, foreign.error_code) == (400, "invalid_cursor")
