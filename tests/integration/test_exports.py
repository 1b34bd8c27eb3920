"""Verifiable ledger exports over the moto server: POST → ExportQueue → ExportFunction → files.

What the files must be is recomputed here from first principles (hashlib, json, csv), never with
the code under test: SHA-256 of the bytes downloaded over the presigned links, rows counted, each
record's content hash from its raw DynamoDB item, each day's Merkle root level by level.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
import urllib3
from tanhui.claims import factors

from tests.factories import make_asset, partner_item, single_use


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()



TODAY = lambda: datetime.now(UTC).date().isoformat()  # noqa: E731


def _scan(api, register, count: int = 2) -> list[str]:
    tourist = register()
    asset = make_asset(partner_item("scenic_spot", name="丹霞山景区"), "ticket_product")
    claim_ids = []
    for code in single_use(asset, count):
        reply = api.post("/v1/claims", {"code": code}, as_=tourist)
        assert reply.status == 201, reply.body
        claim_ids.append(reply.body["claim_id"])
    return claim_ids


def _export(api, dispatcher, admin, day: str | None = None) -> dict:
    day = day or TODAY()
    started = api.post("/v1/admin/exports", {"from": day, "to": day}, as_=admin)
    assert started.status == 202, started.body
    assert started.body["status"] == "pending"
    dispatcher.drain()
    reply = api.get(f"/v1/admin/exports/{started.body['export_id']}", as_=admin)
    assert reply.status == 200 and reply.body["status"] == "completed", reply.body
    return reply.body


def _download(export: dict) -> dict[str, bytes]:
    out = {}
    for f in export["files"]:
        got = urllib3.request("GET", f["url"])
        assert got.status == 200, f["name"]
        saved_as = f'attachment; filename="tanhui-export-{export["export_id"]}-{f["name"]}"'
        assert got.headers["Content-Disposition"] == saved_as
        out[f["name"]] = got.data
    return out


def _raw(key: str) -> dict:
    return boto3.client("dynamodb").get_item(
        TableName=_table(), Key={"pk": {"S": key}, "sk": {"S": "BEHAVIOUR"}}, ConsistentRead=True
    )["Item"]


def _table() -> str:
    from tanhui.config import get_settings

    return get_settings().table_name


def _plain(value: dict):
    """A DynamoDB attribute value as JSON data, numbers without trailing zeros as integers."""
    (kind, v), = value.items()
    if kind == "S":
        return v
    if kind == "N":
        n = float(v)
        return int(n) if n == int(n) else n
    if kind == "M":
        return {k: _plain(x) for k, x in v.items()}
    if kind == "NULL":
        return None
    if kind == "BOOL":
        return v
    raise AssertionError(kind)


FIELDS = ("claim_id", "user_id", "behaviour", "channel", "partner_id", "asset_id", "evidence",
          "factor_version", "coins", "gco2e", "occurred_at", "created_at", "kind", "status")


def _expected_hash(item: dict) -> str:
    content = {"key": item["pk"]["S"]} | {f: _plain(item[f]) if f in item else None for f in FIELDS}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _merkle(hashes: list[str]) -> str | None:
    """Level by level: leaf H(0x00||h), parent H(0x01||l||r), an odd last node promoted."""
    if not hashes:
        return None
    level = [hashlib.sha256(b"\x00" + bytes.fromhex(h)).digest() for h in hashes]
    while len(level) > 1:
        nxt = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
               for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0].hex()


# --------------------------------------------------------------------------------- the files
def test_given_scans_when_exported_then_files_match_their_manifest_and_records_their_hashes(
    api, register, admin, dispatcher
):
    claim_ids = _scan(api, register)

    export = _export(api, dispatcher, admin)

    files = _download(export)
    assert set(files) == {"behaviours.csv", "behaviours.jsonl", "manifest.json"}
    manifest = json.loads(files["manifest.json"])
    assert hashlib.sha256(files["manifest.json"]).hexdigest() == export["manifest_sha256"]
    assert manifest["export_id"] == export["export_id"]
    assert manifest["range"] == {"from": TODAY(), "to": TODAY()}
    listed = {f["name"]: f for f in manifest["files"]}
    lines = [json.loads(line) for line in files["behaviours.jsonl"].decode().splitlines()]
    rows = list(csv.DictReader(io.StringIO(files["behaviours.csv"].decode())))
    for name in ("behaviours.csv", "behaviours.jsonl"):
        assert listed[name]["sha256"] == hashlib.sha256(files[name]).hexdigest()
        assert listed[name]["bytes"] == len(files[name])
    assert listed["behaviours.csv"]["rows"] == len(rows) == len(lines) == listed["behaviours.jsonl"]["rows"]
    assert [r["content_hash"] for r in rows] == [line["content_hash"] for line in lines]
    # deterministic order: recorded time, then claim id
    order = [(x["created_at"], x["claim_id"]) for x in lines]
    assert order == sorted(order)
    # every line is the stored record and hashes to its canonical content
    mine = [line for line in lines if line["claim_id"] in claim_ids]
    assert [line["claim_id"] for line in mine] == claim_ids
    for line in mine:
        item = _raw(line["key"])
        assert line["content_hash"] == item["content_hash"]["S"] == _expected_hash(item)
        assert line["factor_source"] and line["behaviour"] == "ticket_non_disposable"
        assert line["partner_name"] == "丹霞山景区" and "user_id" not in line
    # totals and the day's Merkle root
    assert manifest["totals"]["rows"] == len(lines)
    assert manifest["totals"]["gco2e"] == sum(x["gco2e"] for x in lines)
    assert manifest["totals"]["coins"] == sum(x["coins"] for x in lines) == export["coins"]
    per = manifest["totals"]["behaviours"]["ticket_non_disposable"]
    assert per["rows"] == sum(x["behaviour"] == "ticket_non_disposable" for x in lines)
    [day] = manifest["days"]
    root = _merkle([x["content_hash"] for x in lines])
    assert day == {"day": TODAY(), "rows": len(lines), "merkle_root": root}


def test_given_a_record_recorded_after_the_request_then_the_export_leaves_it_out(
    api, register, admin, dispatcher
):
    started = api.post("/v1/admin/exports", {"from": TODAY(), "to": TODAY()}, as_=admin)
    [late] = _scan(api, register, count=1)  # before the worker runs, after the request
    dispatcher.drain()

    export = api.get(f"/v1/admin/exports/{started.body['export_id']}", as_=admin).body

    lines = _download(export)["behaviours.jsonl"].decode().splitlines()
    assert late not in {json.loads(line)["claim_id"] for line in lines}
    assert all(json.loads(line)["created_at"] < export["recorded_before"] for line in lines)


def test_given_a_spend_then_only_credited_earn_records_are_exported(
    api, register, admin, dispatcher
):
    from tanhui.models.behaviour import BehaviourRecord
    from tanhui.wallet import account

    [credited] = _scan(api, register, count=1)
    record = next(r for r in BehaviourRecord.scan(BehaviourRecord.claim_id == credited))
    assert record.gsi3pk.startswith(f"RECORDED#{TODAY()}#") and record.gsi3sk.endswith(credited)
    user = record.user_id
    from tanhui.models.base import utc_now
    from tanhui.models.writes import WritePlan

    plan = WritePlan("test_spend")
    account.add_movement(plan, user, 1, kind="spend", reference="SPENDEXPORT" + credited[-6:],
                         now=utc_now(), channel="redemption")
    plan.send()
    spend = BehaviourRecord.get("BEHAVIOUR#spend#SPENDEXPORT" + credited[-6:], "BEHAVIOUR")
    assert spend.gsi3pk is None and spend.content_hash == _expected_hash(_raw(spend.pk))

    lines = _download(_export(api, dispatcher, admin))["behaviours.jsonl"].decode().splitlines()

    ids = {json.loads(line)["claim_id"] for line in lines}
    assert credited in ids and spend.claim_id not in ids


# --------------------------------------------------------------------------------- the chain
def test_given_two_exports_then_the_second_names_the_first_manifest_and_verify_checks_the_link(
    api, register, admin, dispatcher
):
    _scan(api, register, count=1)
    first = _export(api, dispatcher, admin)
    second = _export(api, dispatcher, admin)

    assert second["previous_export_id"] == first["export_id"]
    assert second["previous_manifest_sha256"] == first["manifest_sha256"]
    assert second["sequence"] == first["sequence"] + 1
    manifest = json.loads(_download(second)["manifest.json"])
    assert manifest["previous_manifest_sha256"] == first["manifest_sha256"]
    verified = api.get(f"/v1/verify/exports/{second['export_id']}")
    assert verified.status == 200, verified.body
    assert verified.body["chain_ok"] is True and verified.body["manifest_ok"] is True
    assert verified.body["previous_manifest_sha256"] == first["manifest_sha256"]


def test_given_two_exports_reading_the_same_chain_head_then_one_links_after_the_other(
    api, admin, dispatcher, monkeypatch
):
    from tanhui.exports import chain, jobs

    started = [api.post("/v1/admin/exports", {"from": TODAY(), "to": TODAY()}, as_=admin).body["export_id"]
               for _ in range(2)]
    from tanhui.config import get_settings

    dispatcher.sqs.purge_queue(QueueUrl=get_settings().export_queue_url)  # run them here, side by side
    both_read = threading.Barrier(2, timeout=30)
    real_head, real_advance, advanced = chain.head, chain.advance, []

    def head():
        seen = real_head()
        if not advanced:  # the first reads of both: neither may link before the other has read
            both_read.wait()
        return seen

    def advance(seen, export_id, digest):
        won = real_advance(seen, export_id, digest)
        advanced.append((export_id, won))
        return won

    monkeypatch.setattr(chain, "head", head)
    monkeypatch.setattr(chain, "advance", advance)
    threads = [threading.Thread(target=jobs.process, args=(e,)) for e in started]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(won for _, won in advanced) == [False, True, True]  # one lost and linked again
    a, b = (api.get(f"/v1/admin/exports/{e}", as_=admin).body for e in started)
    assert {a["status"], b["status"]} == {"completed"}
    earlier, later = sorted((a, b), key=lambda x: x["sequence"])
    assert later["sequence"] == earlier["sequence"] + 1
    assert later["previous_manifest_sha256"] == earlier["manifest_sha256"]
    assert chain.head().export_id == later["export_id"]


def test_given_a_chain_head_then_only_one_of_two_claims_on_it_moves_it():
    from tanhui.exports import chain

    ddb, key = boto3.client("dynamodb"), {"pk": {"S": "EXPORT_CHAIN"}, "sk": {"S": "HEAD"}}
    before = ddb.get_item(TableName=_table(), Key=key, ConsistentRead=True).get("Item")
    try:
        seen = chain.head()
        assert chain.advance(seen, "A" * 26, "a" * 64) is True
        assert chain.advance(seen, "B" * 26, "b" * 64) is False
        moved = chain.head()
        assert (moved.export_id, moved.manifest_sha256) == ("A" * 26, "a" * 64)
        assert moved.sequence == seen.sequence + 1
    finally:  # the exports of the other tests link to the real head
        if before:
            ddb.put_item(TableName=_table(), Item=before)
        else:
            ddb.delete_item(TableName=_table(), Key=key)


# --------------------------------------------------------------------------------- the audit
def test_given_a_record_edited_in_dynamodb_then_the_audit_names_exactly_that_claim(
    api, register, admin, dispatcher
):
    [claim_id, other] = _scan(api, register)
    export = _export(api, dispatcher, admin)
    clean = api.get(f"/v1/admin/exports/{export['export_id']}/audit", as_=admin)
    assert clean.status == 200 and clean.body["ok"] is True, clean.body
    assert clean.body["checked"] == export["rows"] and clean.body["mismatches"] == []
    lines = [json.loads(x) for x in _download(export)["behaviours.jsonl"].decode().splitlines()]
    key = next(x["key"] for x in lines if x["claim_id"] == claim_id)
    original = _raw(key)
    ddb = boto3.client("dynamodb")
    try:
        edited = original | {"gco2e": {"N": str(int(original["gco2e"]["N"]) + 1000)}}
        ddb.put_item(TableName=_table(), Item=edited)

        audit = api.get(f"/v1/admin/exports/{export['export_id']}/audit", as_=admin).body

        assert audit["ok"] is False and audit["file_ok"] is True
        assert audit["mismatches"] == [
            {"claim_id": claim_id, "key": key, "problem": "content_changed", "fields": ["gco2e"]}
        ]
        assert [d["ok"] for d in audit["days"]] == [False]

        # the same edit with its content_hash rewritten to match: still named
        ddb.put_item(TableName=_table(), Item=edited | {"content_hash": {"S": _expected_hash(edited)}})
        audit = api.get(f"/v1/admin/exports/{export['export_id']}/audit", as_=admin).body
        assert [(m["claim_id"], m["problem"], m["fields"]) for m in audit["mismatches"]] == [
            (claim_id, "content_changed", ["gco2e"])]

        ddb.delete_item(TableName=_table(), Key={"pk": original["pk"], "sk": original["sk"]})
        audit = api.get(f"/v1/admin/exports/{export['export_id']}/audit", as_=admin).body
        assert [(m["claim_id"], m["problem"]) for m in audit["mismatches"]] == [(claim_id, "missing")]
        assert other not in {m["claim_id"] for m in audit["mismatches"]}
    finally:
        ddb.put_item(TableName=_table(), Item=original)
    assert api.get(f"/v1/admin/exports/{export['export_id']}/audit", as_=admin).body["ok"] is True


# ------------------------------------------------------------------------- the public check
def test_given_a_completed_export_then_anyone_can_check_a_file_and_no_personal_data_shows(
    api, register, admin, dispatcher
):
    tourist = register()
    _scan(api, lambda: tourist, count=1)
    export = _export(api, dispatcher, admin)
    files = _download(export)
    jsonl_sha = hashlib.sha256(files["behaviours.jsonl"]).hexdigest()

    reply = api.get(f"/v1/verify/exports/{export['export_id']}",
                    query={"file": "behaviours.jsonl", "sha256": jsonl_sha})

    assert reply.status == 200, reply.body
    assert reply.body["check"] == {"file": "behaviours.jsonl", "sha256": jsonl_sha, "matches": True}
    assert reply.body["manifest_sha256"] == hashlib.sha256(files["manifest.json"]).hexdigest()
    assert {f["name"]: f["sha256"] for f in reply.body["files"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert reply.body["days"] == json.loads(files["manifest.json"])["days"]
    text = json.dumps(reply.body, ensure_ascii=False)
    assert tourist.user_id not in text and tourist.phone not in text and "user_id" not in text
    wrong = api.get(f"/v1/verify/exports/{export['export_id']}",
                    query={"file": "behaviours.csv", "sha256": "0" * 64})
    assert wrong.body["check"]["matches"] is False


# ------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "body",
    [
        {"from": "2026-11-02", "to": "2026-11-01"},  # to before from
        {"from": "2025-01-01", "to": "2026-01-02"},  # 367 days
        {"from": "2026-02-30", "to": "2026-03-01"},  # no such day
        {"from": "2026/11/01", "to": "2026-11-01"},
        {"from": 20261101, "to": "2026-11-01"},
        {"from": "2026-11-01"},
        {"from": "2026-11-01", "to": "2026-11-01", "shard": 1},
        {"from": TODAY(), "to": (datetime.now(UTC) + timedelta(days=2)).date().isoformat()},
    ],
)
def test_given_a_bad_range_then_422_and_nothing_is_queued(api, admin, body):
    reply = api.post("/v1/admin/exports", body, as_=admin)

    assert reply.status == 422, reply.body
    assert reply.error_code == "validation_error"


def test_given_unknown_or_unfinished_exports_then_404_or_409_and_bad_checks_are_4xx(api, admin, register):
    assert api.get("/v1/admin/exports/NOSUCHEXPORT", as_=admin).error_code == "export_not_found"
    assert api.get("/v1/admin/exports/" + "0" * 26, as_=admin).error_code == "export_not_found"
    assert api.get("/v1/verify/exports/" + "0" * 26).error_code == "export_not_found"
    pending = api.post("/v1/admin/exports", {"from": TODAY(), "to": TODAY()}, as_=admin).body["export_id"]
    assert api.get(f"/v1/verify/exports/{pending}").error_code == "export_not_found"
    assert api.get(f"/v1/admin/exports/{pending}/audit", as_=admin).error_code == "export_not_completed"
    only_file = api.get(f"/v1/verify/exports/{pending}", query={"file": "manifest.json"})
    assert (only_file.status, only_file.error_code) == (400, "bad_request")
    bad_hash = api.get(f"/v1/verify/exports/{pending}", query={"file": "manifest.json", "sha256": "xyz"})
    assert bad_hash.status == 422
    assert api.get("/v1/admin/exports/" + "0" * 26, as_=register()).status == 403


def test_given_the_same_idempotency_key_then_the_same_export_and_another_body_422(api, admin):
    key = {"Idempotency-Key": "export-" + datetime.now(UTC).strftime("%H%M%S%f")}
    body = {"from": TODAY(), "to": TODAY()}
    first = api.post("/v1/admin/exports", body, as_=admin, headers=key)
    again = api.post("/v1/admin/exports", body, as_=admin, headers=key)
    other = api.post("/v1/admin/exports", {"from": "2026-01-01", "to": "2026-01-02"}, as_=admin, headers=key)

    assert (first.status, again.status) == (202, 200)
    assert again.body["export_id"] == first.body["export_id"]
    assert other.error_code == "idempotency_key_reused"


def test_given_exports_then_the_list_is_newest_first_paged_and_skips_an_item_that_does_not_read(
    api, dispatcher, admin, register
):
    from tanhui.models.base import sortable_id

    _scan(api, register, 1)
    done = _export(api, dispatcher, admin)
    pending = api.post("/v1/admin/exports", {"from": TODAY(), "to": TODAY()}, as_=admin).body
    broken = sortable_id(datetime.now(UTC))  # newest of all, but no range, status or times
    boto3.client("dynamodb").put_item(TableName=_table(), Item={
        "pk": {"S": f"EXPORT#{broken}"}, "sk": {"S": "EXPORT"}, "export_id": {"S": broken},
        "gsi1pk": {"S": "EXPORTS"}, "gsi1sk": {"S": broken}})
    try:
        first = api.get("/v1/admin/exports", as_=admin, query={"limit": "2"})
        assert first.status == 200, first.body
        # the broken one, newest, is skipped
        assert [e["export_id"] for e in first.body["items"]] == [pending["export_id"]]
        query = {"limit": "1", "cursor": first.body["next_cursor"]}
        second = api.get("/v1/admin/exports", as_=admin, query=query)
    finally:
        boto3.client("dynamodb").delete_item(TableName=_table(), Key={"pk": {"S": f"EXPORT#{broken}"},
                                                                       "sk": {"S": "EXPORT"}})
    listed = second.body["items"][0]
    assert listed["export_id"] == done["export_id"] and listed["status"] == "completed"
    assert listed["range"] == done["range"] and listed["manifest_sha256"] == done["manifest_sha256"]
    assert [f["name"] for f in listed["files"]] == [f["name"] for f in done["files"]]
    assert all(f["url"] is None for f in listed["files"])  # links come from GET /v1/admin/exports/{id}
    assert listed["verify_path"] == done["verify_path"] == f"/v1/verify/exports/{done['export_id']}"
    assert api.get(listed["verify_path"]).status == 200  # public: no token
    assert first.body["items"][0]["verify_path"] is None  # not completed yet
    bad = api.get("/v1/admin/exports", as_=admin, query={"cursor": "garbage!"})
    assert (bad.status, bad.error_code) == (400, "invalid_cursor")
    assert api.get("/v1/admin/exports", as_=register()).status == 403
