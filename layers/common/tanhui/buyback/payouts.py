"""The payouts file of a buyback round, for the paying agency: one row per person, and a manifest.

    POST /v1/admin/buyback-rounds/{id}/payouts -> write_payouts: the round's seller items (one per
        person, read strongly consistent) streamed to buyback/<round>/<payout>/payouts.csv in the
        export bucket (`exports.writer.S3File`: hashed and measured as written), then
        manifest.json beside it, then the payout item with both SHA-256s
    GET  /v1/admin/buyback-rounds/{id}/payouts/{payout_id} -> payout_status: the facts and
        15-minute links to both files

Written synchronously, while the operator waits (HTTP API answers within 30 s): a round's sellers
are one query partition, read a page (1 MB, about 7,000 sellers) at a time and streamed out; the
Query is the whole cost (measured on the local moto: 5,000 sellers in 6 s; see docs/operators.md).
Only a round that takes no more offers (closed, or past its window) is paid out: the file is then
final, and the same round exported twice gives the same rows and totals (a new payout id).

The CSV is UTF-8 with a byte-order mark (Excel reads the Chinese right), CRLF line ends, a header
row of `<中文> <key>` per column, rows in seller-key order.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from tanhui import errors
from tanhui.aws import client, download_link
from tanhui.buyback.rounds import get_round, is_open
from tanhui.buyback.schemas import BuybackPayoutOut
from tanhui.config import get_settings
from tanhui.exports.jobs import CsvRows
from tanhui.exports.writer import S3File
from tanhui.models.base import iso_ms, sortable_id
from tanhui.models.buyback import SELLER_PREFIX, BuybackPayout, BuybackSeller, round_pk
from tanhui.observability import logger

FORMAT = "tanhui-buyback-payouts/1"
CSV_NAME, MANIFEST_NAME = "payouts.csv", "manifest.json"
LINK_SECONDS = 15 * 60
BOM = "\ufeff".encode()
# (key, Chinese header): the CSV's columns in this order
COLUMNS = (
    ("person_reference", "人员编号"),
    ("coins", "回购碳币"),
    ("amount_fen", "金额（分）"),
    ("offers", "出售次数"),
)
REFERENCE_RULE = (
    "16 Crockford base32 characters of HMAC-SHA256(the round's secret salt, the person's account id): "
    "stable within the round, different in every round; the operator resolves it to the account"
)


class RoundStillOpen(errors.Conflict):
    code, message = "buyback_round_open", (
        "The round still takes offers: close it (or wait for its window to end) before paying out."
    )


class PayoutNotFound(errors.NotFound):
    code, message = "buyback_payout_not_found", "No such payouts file."


def file_key(round_id: str, payout_id: str, name: str) -> str:
    return f"buyback/{round_id}/{payout_id}/{name}"


def write_payouts(round_id: str, by: str) -> BuybackPayoutOut:
    found = get_round(round_id)
    at = datetime.now(UTC)
    now, payout_id = iso_ms(at), sortable_id(at)
    if is_open(found, now) or found.opens_at > now:
        raise RoundStillOpen()
    bucket, table = get_settings().export_bucket, CsvRows()
    totals: dict[str, int] = {"rows": 0, "coins": 0, "amount_fen": 0, "offers": 0}
    with S3File(bucket, file_key(found.round_id, payout_id, CSV_NAME), "text/csv; charset=utf-8") as out:
        out.write(BOM + table.row([f"{zh} {key}" for key, zh in COLUMNS]))
        sellers = BuybackSeller.query(
            round_pk(found.round_id), BuybackSeller.sk.startswith(SELLER_PREFIX), consistent_read=True
        )
        for seller in sellers:
            row: dict[str, Any] = {"person_reference": seller.reference, "coins": int(seller.coins),
                   "amount_fen": int(seller.amount_fen), "offers": int(seller.offers)}
            out.write(table.row([row[key] for key, _ in COLUMNS]))
            totals["rows"] += 1
            for name in ("coins", "amount_fen", "offers"):
                totals[name] += row[name]
    manifest = {
        "format": FORMAT,
        "round_id": found.round_id,
        "payout_id": payout_id,
        "created_at": now,
        "round": {"title_zh": found.title_zh, "title_en": found.title_en, "price_fen": int(found.price_fen),
                  "budget_fen": int(found.budget_fen), "opens_at": found.opens_at,
                  "closes_at": found.closes_at, "behaviours": [str(b) for b in found.behaviours]},
        "file": {"name": CSV_NAME, "sha256": out.sha256, "bytes": out.size, "rows": totals["rows"],
                 "encoding": "UTF-8 with BOM, CRLF",
                 "columns": [{"key": key, "zh": zh} for key, zh in COLUMNS]},
        "totals": totals,
        "person_reference": REFERENCE_RULE,
    }
    body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"
    client("s3").put_object(Bucket=bucket, Key=file_key(found.round_id, payout_id, MANIFEST_NAME), Body=body,
                            ContentType="application/json")
    payout = BuybackPayout(
        *BuybackPayout.key(found.round_id, payout_id), payout_id=payout_id, round_id=found.round_id,
        rows=totals["rows"], coins=totals["coins"], amount_fen=totals["amount_fen"], file_sha256=out.sha256,
        file_bytes=out.size, manifest_sha256=hashlib.sha256(body).hexdigest(), created_by=by, created_at=now,
    )
    payout.save(condition=BuybackPayout.pk.does_not_exist())
    logger.info("buyback payouts written", extra={"round_id": found.round_id, "payout_id": payout_id,
                                                   "rows": totals["rows"]})
    return _out(payout)


def payout_status(round_id: str, payout_id: str) -> BuybackPayoutOut:
    found = get_round(round_id)
    if len(payout_id) != 26 or not payout_id.isalnum():
        raise PayoutNotFound()
    try:
        key = BuybackPayout.key(found.round_id, payout_id.upper())
        payout = BuybackPayout.get(*key, consistent_read=True)
    except BuybackPayout.DoesNotExist as exc:
        raise PayoutNotFound() from exc
    return _out(payout)


def _out(payout: BuybackPayout) -> BuybackPayoutOut:
    def link(name: str) -> str:
        return download_link(get_settings().export_bucket, file_key(payout.round_id, payout.payout_id, name),
                             LINK_SECONDS, f"tanhui-buyback-{payout.round_id}-{name}")

    return BuybackPayoutOut.model_validate({**payout.attribute_values, "file_url": link(CSV_NAME),
                                     "manifest_url": link(MANIFEST_NAME)})

