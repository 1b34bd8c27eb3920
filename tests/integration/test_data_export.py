"""A copy of my data (个人信息副本) over the moto server: a tourist with a scan, a partner file's
row, a redemption, a donation, a medal, a certificate and a binding asks for it; the JSON holds
every section with their values and nothing of anyone else, each CSV parses with the documented
Chinese and English headers, the links are short-lived attachments under the person's own prefix,
and copies are a minute apart."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import urllib3
from tanhui.certificates import periods
from tanhui.claims import factors
from tanhui.models.base import iso_ms
from tanhui.models.rights import DataExportMark

from tests.factories import make_asset, partner_item, single_use, static
from tests.support import import_file

ROUTE = "/v1/me/data-export"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "tourists.md"
SECTIONS = ("profile", "wallet", "consents", "bindings", "ledger", "vouchers", "donations", "medals",
            "certificates")
OFFER = {"title": "豆浆 Soy milk", "description": "", "coins_cost": 1, "stock": 10,
         "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z", "voucher_valid_days": 7}
PROJECT = {"name": "红树林 Mangroves", "description": "Replant the estuary.", "goal_coins": 1000}


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def documented_headers() -> dict[str, list[str]]:
    """section -> its CSV header cells, as docs/tourists.md's table of the copy lists them."""
    text = DOCS.read_text(encoding="utf-8").split("## A copy of my data", 1)[1]
    found: dict[str, list[str]] = {}
    section = None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[2].startswith("`"):
            continue
        if cells[0]:
            section = re.match(r"`(\w+)`", cells[0]).group(1)
        found.setdefault(section, []).append(cells[2].strip("`"))
    return found


def _fetch(url: str) -> urllib3.BaseHTTPResponse:
    reply = urllib3.request("GET", url)
    assert reply.status == 200, reply.data[:300]
    return reply


def _copy(api, who) -> dict:
    reply = api.post(ROUTE, as_=who)
    assert reply.status == 201, reply.body
    return reply.body


def _files(body: dict) -> tuple[dict, dict[str, bytes]]:
    json_file, zip_file = body["files"]
    document = json.loads(_fetch(json_file["url"]).data)
    archive = zipfile.ZipFile(io.BytesIO(_fetch(zip_file["url"]).data))
    return document, {name: archive.read(name) for name in archive.namelist()}


def _another_minute(who) -> None:
    """As if the last copy had been made two minutes ago."""
    mark = DataExportMark.get(*DataExportMark.key(who.user_id))
    mark.update([DataExportMark.last_at.set(iso_ms(datetime.now(UTC) - timedelta(minutes=2)))])


def test_given_a_tourist_with_one_of_everything_when_they_take_a_copy_then_every_section_is_theirs(
    api, admin, register, make_partner, stream_dispatcher
):
    tourist, other = register("林小碳"), register("王大明")
    spot, hotel, cafe = make_partner("scenic_spot"), make_partner("hotel"), make_partner("merchant")
    assert api.put("/v1/me/bindings", {"transit_card": "3101 2345 6789"}, as_=tourist).status == 200
    ticket, theirs = single_use(make_asset(spot.partner_id, "ticket_product"), 2)
    room = make_asset(hotel.partner_id, "hotel_room", attributes={"room_number": "301"})
    assert api.post("/v1/claims", {"code": ticket}, as_=tourist).status == 201
    assert api.post("/v1/claims", {"code": static(room)}, as_=tourist).status == 201
    assert api.post("/v1/claims", {"code": theirs}, as_=other).status == 201
    night = (datetime.now(UTC) + timedelta(hours=8) - timedelta(days=3)).date().isoformat()
    filed = import_file(api, stream_dispatcher, hotel, "hotel_stays",
                        f"guest,room,check_in,nights\n{tourist.phone},301,{night},1\n".encode())
    assert filed["counts"]["credited"] == 1, filed
    alliance = api.put(f"/v1/admin/partners/{cafe.partner_id}/alliance", {"alliance": True}, as_=admin)
    assert alliance.status == 200
    offer = api.post("/v1/partner/offers", OFFER, as_=cafe).body["offer_id"]
    voucher = api.post("/v1/redemptions", {"offer_id": offer}, as_=tourist,
                       headers={"Idempotency-Key": str(uuid.uuid4())})
    assert voucher.status == 201, voucher.body
    project = api.post("/v1/admin/projects", PROJECT, as_=admin).body["project_id"]
    donation = api.post("/v1/donations", {"project_id": project, "coins": 1}, as_=tourist,
                        headers={"Idempotency-Key": str(uuid.uuid4())})
    assert donation.status == 201, donation.body
    stream_dispatcher.drain()  # medals
    year = datetime.now(UTC).astimezone(periods.LOCAL).strftime("%Y")
    pdf = api.get("/v1/me/certificate.pdf", as_=tourist, query={"period": year})
    assert pdf.status == 200
    ledger = api.get("/v1/me/ledger", as_=tourist, query={"limit": "100"}).body["items"]
    wallet = api.get("/v1/me/wallet", as_=tourist).body

    body = _copy(api, tourist)
    document, files = _files(body)

    # the JSON: every section, the tourist's values
    assert [k for k in document if k in SECTIONS] == list(SECTIONS)
    assert document["profile"] == {"user_id": tourist.user_id, "phone": tourist.phone,
                                   "display_name": "林小碳", "role": "tourist",
                                   "created_at": document["profile"]["created_at"]}
    assert document["wallet"]["coins"] == wallet["coins"]
    assert [(c["version"], c["accepted"], c["channel"]) for c in document["consents"]] == [
        ("2026-11", True, "register")]
    assert document["bindings"]["transit_card"] == "310123456789"
    assert [e["entry_id"] for e in document["ledger"]] == [e["entry_id"] for e in ledger]
    assert sorted(e["kind"] for e in document["ledger"]) == ["earn", "earn", "earn", "spend", "spend"]
    assert {e["evidence"].get("import_id") for e in document["ledger"]} >= {filed["import_id"]}
    assert sum(e["coins"] for e in document["ledger"]) == wallet["coins"]
    assert [v["voucher_id"] for v in document["vouchers"]] == [voucher.body["voucher_id"]]
    assert "code" not in document["vouchers"][0]  # the voucher's signed QR stays in the app
    assert [(d["project_id"], d["coins"]) for d in document["donations"]] == [(project, 1)]
    assert "first_scan" in {m["id"] for m in document["medals"]}
    assert [c["certificate_id"] for c in document["certificates"]] == [pdf.headers["X-Certificate-Id"]]
    assert document["fields"]["ledger"]["zh"] == "碳账本"
    assert body["counts"]["ledger"] == 5 and body["counts"]["profile"] == 1

    # nothing of anyone else
    text = json.dumps(document, ensure_ascii=False) + b"".join(files.values()).decode("utf-8-sig")
    assert other.user_id not in text and other.phone not in text and "王大明" not in text

    # each CSV: UTF-8 with BOM, the documented headers, one row per JSON row
    headers = documented_headers()
    assert sorted(files) == sorted(["README.txt", *(f"{s}.csv" for s in SECTIONS)])
    for section in SECTIONS:
        raw = files[f"{section}.csv"]
        assert raw.startswith("\ufeff".encode()), section
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        assert rows[0] == headers[section], section
        keys = [cell.rsplit(" ", 1)[1] for cell in rows[0]]
        assert keys == [f["key"] for f in document["fields"][section]["fields"]]
        value = document[section]
        assert len(rows) - 1 == (1 if isinstance(value, dict) else len(value)), section
    ledger_rows = list(csv.DictReader(io.StringIO(files["ledger.csv"].decode("utf-8-sig"), newline="")))
    assert [r["条目编号 entry_id"] for r in ledger_rows] == [e["entry_id"] for e in ledger]
    profile_row = next(csv.DictReader(io.StringIO(files["profile.csv"].decode("utf-8-sig"), newline="")))
    assert profile_row["手机号 phone"] == "'" + tourist.phone  # no formula in a spreadsheet

    # the links: 15 minutes (S3 refuses a link after its Expires; moto does not check it), attachments,
    # under the person's own prefix, ids unguessable
    expires = datetime.fromisoformat(body["links_expire_at"].replace("Z", "+00:00"))
    made = datetime.fromisoformat(body["created_at"].replace("Z", "+00:00"))
    assert timedelta(minutes=15) <= expires - made < timedelta(minutes=15, seconds=10)
    for file in body["files"]:
        url = urlsplit(file["url"])
        query = parse_qs(url.query)
        if "X-Amz-Expires" in query:  # signature version 4
            assert query["X-Amz-Expires"] == ["900"], file["url"]
        else:  # version 2: the moment it dies
            assert abs(int(query["Expires"][0]) - expires.timestamp()) <= 1, file["url"]
        assert url.path.split("/")[-4:-1] == ["personal", tourist.user_id, body["export_id"]]
        assert file["name"] in query["response-content-disposition"][0]
        reply = _fetch(file["url"])
        assert reply.headers["Content-Disposition"] == f'attachment; filename="{file["name"]}"'


def test_given_consent_withdrawn_and_given_again_then_the_copy_holds_every_consent_record(api, register):
    tourist = register()
    assert api.delete("/v1/me/consent", as_=tourist).status == 204

    withdrawn, _ = _files(_copy(api, tourist))  # no consent needed to take one's data
    _another_minute(tourist)
    assert api.post("/v1/me/consent", {"version": "2026-11", "accepted": True}, as_=tourist).status == 200
    again, files = _files(_copy(api, tourist))

    given_then_withdrawn = [(c["accepted"], bool(c["withdrawn_at"])) for c in withdrawn["consents"]]
    assert given_then_withdrawn == [(True, False), (False, True)]
    records = again["consents"]  # oldest first, each with its version and times
    assert [(c["version"], c["accepted"]) for c in records] == [("2026-11", True), ("2026-11", False),
                                                                ("2026-11", True)]
    assert records[0]["accepted_at"] < records[1]["withdrawn_at"] < records[2]["accepted_at"]
    rows = list(csv.DictReader(io.StringIO(files["consents.csv"].decode("utf-8-sig"), newline="")))
    assert [r["是否同意 accepted"] for r in rows] == ["true", "false", "true"]


def test_given_a_copy_a_moment_ago_then_429_and_a_minute_later_a_new_copy(api, register):
    tourist = register()
    first = _copy(api, tourist)

    again = api.post(ROUTE, as_=tourist)
    assert (again.status, again.error_code) == (429, "data_export_too_soon")
    _another_minute(tourist)
    second = _copy(api, tourist)

    assert second["export_id"] != first["export_id"]
    assert {f["url"] for f in second["files"]}.isdisjoint(f["url"] for f in first["files"])
    assert _files(second)[0]["export_id"] == second["export_id"]
    assert _files(first)[0]["export_id"] == first["export_id"]  # the first's links still work
    assert DataExportMark.get(*DataExportMark.key(tourist.user_id)).copies == 2


def test_given_two_tourists_then_each_copy_is_under_its_own_prefix_and_holds_only_its_owner(api, register):
    one, two = register("甲"), register("乙")
    copies = {who.user_id: _copy(api, who) for who in (one, two)}
    for who in (one, two):
        body = copies[who.user_id]
        document, _ = _files(body)
        assert document["profile"]["user_id"] == who.user_id
        for file in body["files"]:
            assert f"/personal/{who.user_id}/{body['export_id']}/" in urlsplit(file["url"]).path
    assert copies[one.user_id]["export_id"] != copies[two.user_id]["export_id"]
    # the id is not the time alone: 80 random bits follow its 48 bits of milliseconds
    assert copies[one.user_id]["export_id"][10:] != copies[two.user_id]["export_id"][10:]


def test_given_a_copy_that_fails_then_the_turn_is_given_back(api, register, monkeypatch):
    from tanhui.rights import copy

    tourist = register()

    def broken(user_id: str) -> dict:
        raise RuntimeError("the table is on fire")

    monkeypatch.setattr(copy, "collect", broken)
    assert api.post(ROUTE, as_=tourist).status == 500
    monkeypatch.undo()
    assert _copy(api, tourist)["counts"]["profile"] == 1


@pytest.mark.parametrize("role", ["partner", "admin"])
def test_given_a_partner_or_the_operator_then_403(api, admin, make_partner, role):
    who = admin if role == "admin" else make_partner("hotel")
    assert api.post(ROUTE, as_=who).status == 403


def test_given_a_certificate_issued_before_the_holders_index_then_it_is_listed_once_downloaded_again(
    api, register
):
    from tanhui.models.certificates import Certificate

    tourist = register()
    spot = make_asset(partner_item("scenic_spot"), "ticket_product")
    assert api.post("/v1/claims", {"code": single_use(spot)[0]}, as_=tourist).status == 201
    year = datetime.now(UTC).astimezone(periods.LOCAL).strftime("%Y")
    certificate_id = api.get("/v1/me/certificate.pdf", as_=tourist, query={"period": year}).headers[
        "X-Certificate-Id"]
    old = Certificate.get(*Certificate.key(certificate_id))
    old.update([Certificate.gsi1pk.remove(), Certificate.gsi1sk.remove()])  # as issued before the index

    before, _ = _files(_copy(api, tourist))
    assert api.get("/v1/me/certificate.pdf", as_=tourist, query={"period": year}).status == 200
    _another_minute(tourist)
    after, _ = _files(_copy(api, tourist))

    assert before["certificates"] == []
    assert [c["certificate_id"] for c in after["certificates"]] == [certificate_id]
    assert after["certificates"][0]["issued_at"] == old.issued_at  # the same certificate, unchanged
