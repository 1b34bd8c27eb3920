"""Certificates over the moto server: a tourist's scans, downloaded as a PDF whose numbers are
their ledger's, confirmed by the public check without phone or user id; ids follow the numbers."""

from __future__ import annotations

import base64
import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pypdfium2 as pdfium
import pytest
from tanhui.certificates import periods
from tanhui.claims import factors
from tanhui.models.base import iso_ms

from tests.factories import ledger_record, make_asset, partner_item, single_use, static
from tests.support import pdf_font_problems

PDF = "/v1/me/certificate.pdf"


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _this(fmt: str) -> str:
    return datetime.now(UTC).astimezone(periods.LOCAL).strftime(fmt)


def _scan(api, who, *codes):
    for code in codes:
        reply = api.post("/v1/claims", {"code": code}, as_=who)
        assert reply.status == 201, reply.body


def _tickets(n):
    return single_use(make_asset(partner_item("scenic_spot", name="丹霞山景区"), "ticket_product"), n)


def _download(api, who, period):
    reply = api.get(PDF, as_=who, query={"period": period})
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "application/pdf"
    assert pdf_font_problems(base64.b64decode(reply.body)) == []  # every font embedded
    doc = pdfium.PdfDocument(base64.b64decode(reply.body))
    assert len(doc) == 1
    return reply.headers["X-Certificate-Id"], doc[0].get_textpage().get_text_range()


def _check(api, certificate_id):
    reply = api.get(f"/v1/certificates/{certificate_id}")  # no token
    assert reply.status == 200, reply.body
    return reply.body


def _ledger(api, who, period):
    """(gco2e, coins, {behaviour: count}) of the earn entries the tourist's ledger lists in the period."""
    entries, cursor = [], None
    while True:
        query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = api.get("/v1/me/ledger", as_=who, query=query).body
        entries += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    local = [e for e in entries if e["kind"] == "earn" and datetime.fromisoformat(
        e["at"].replace("Z", "+00:00")).astimezone(periods.LOCAL).strftime("%Y-%m").startswith(period)]
    return (sum(e["gco2e"] for e in local), sum(e["coins"] for e in local),
            dict(Counter(e["behaviour"] for e in local)))


def _numbers(checked):
    return checked["gco2e"], checked["coins"], {b["behaviour"]: b["count"] for b in checked["behaviours"]}


def test_given_scans_when_the_tourist_downloads_then_the_pdf_and_the_check_state_their_ledger(api, register):
    tourist = register("林小碳")
    _scan(api, tourist, *_tickets(2), static(make_asset(partner_item("hotel"), "hotel_room")),
          static(make_asset(partner_item("transport_operator"), "vehicle")))
    year = _this("%Y")

    cid, text = _download(api, tourist, year)

    checked = _check(api, cid)
    gco2e, coins, behaviours = _ledger(api, tourist, year)
    assert _numbers(checked) == (gco2e, coins, behaviours)
    assert behaviours == {"ticket_non_disposable": 2, "hotel_low_carbon_night": 1, "eco_vehicle_ride": 1}
    kg = f"{(gco2e + 50) // 100 // 10:,}.{(gco2e + 50) // 100 % 10} kg"
    for expected in ("林小碳", f"{year}年", kg, f"{gco2e:,} g", f"获得碳币 {coins} 枚", cid,
                     "非一次性门票", "低碳住宿", "乘坐环保车船", "/v1/certificates/" + cid):
        assert expected in text, expected
    assert checked["holder"] == "林**" and checked["period"] == year and checked["certificate_id"] == cid
    assert [b["name"] for b in checked["behaviours"]] == ["非一次性门票", "乘坐环保车船", "低碳住宿"]
    public = json.dumps(checked, ensure_ascii=False)
    assert tourist.phone not in public and tourist.phone[3:] not in public and tourist.user_id not in public
    assert tourist.user_id not in cid


def test_given_the_same_numbers_then_the_same_id_and_more_claims_a_new_one(api, register):
    tourist, other = register("小林"), register("小王")
    tickets = _tickets(4)
    _scan(api, tourist, *tickets[:2])
    month = _this("%Y-%m")

    first, _ = _download(api, tourist, month)
    _scan(api, other, tickets[2])  # another user's credit changes nothing of mine
    again, _ = _download(api, tourist, month)
    issued = _check(api, first)["issued_at"]
    _scan(api, tourist, tickets[3])
    more, _ = _download(api, tourist, month)

    assert again == first and _check(api, again)["issued_at"] == issued
    assert more != first
    assert _numbers(_check(api, first))[2] == {"ticket_non_disposable": 2}  # the old one stays as issued
    assert _numbers(_check(api, more)) == _ledger(api, tourist, month)
    assert _numbers(_check(api, more))[2] == {"ticket_non_disposable": 3}
    theirs, _ = _download(api, other, month)
    assert _numbers(_check(api, theirs))[2] == {"ticket_non_disposable": 1}


def test_given_credits_that_happened_before_they_were_credited_then_their_local_day_picks_the_period(
    api, register
):
    tourist = register("陈一")
    now = datetime.now(UTC)
    last_year = now.astimezone(periods.LOCAL).year - 1
    year_start = periods.parse(str(last_year + 1)).start  # local midnight of 1 January, in UTC
    just_before = iso_ms(datetime.fromisoformat(year_start.replace("Z", "+00:00")) - timedelta(minutes=1))
    ledger_record(tourist.user_id, "plant_adoption", coins=5, gco2e=10_000, occurred_at=year_start)
    ledger_record(tourist.user_id, "transit_trip", coins=3, gco2e=900, occurred_at=just_before)
    ledger_record(tourist.user_id, None, coins=-2, gco2e=0, occurred_at=None, kind="spend")
    ledger_record(tourist.user_id, "plant_adoption", coins=5, gco2e=10_000, occurred_at=year_start,
                  status="revoked")

    this_year, _ = _download(api, tourist, str(last_year + 1))
    previous, _ = _download(api, tourist, str(last_year))

    assert _numbers(_check(api, this_year)) == (10_000, 5, {"plant_adoption": 1})
    assert _numbers(_check(api, previous)) == (900, 3, {"transit_trip": 1})


@pytest.mark.parametrize("period", ["26", "2026-13", "2026-1", "2026/11", "2026-11-01", "1999",
                                    str(datetime.now(UTC).year + 1), "二〇二六"])
def test_given_a_bad_or_future_period_then_400_invalid_period(api, register, period):
    reply = api.get(PDF, as_=register(), query={"period": period})
    assert (reply.status, reply.error_code) == (400, "invalid_period")


def test_given_no_period_then_422_and_no_credits_in_it_then_404(api, register):
    tourist = register()
    assert api.get(PDF, as_=tourist).status == 422
    reply = api.get(PDF, as_=tourist, query={"period": _this("%Y")})
    assert (reply.status, reply.error_code) == (404, "no_credits_in_period")


def test_given_no_token_then_the_pdf_is_401_and_the_check_is_public(api, register):
    tourist = register()
    _scan(api, tourist, *_tickets(1))
    cid, _ = _download(api, tourist, _this("%Y"))

    assert api.get(PDF, query={"period": _this("%Y")}).status == 401
    assert _check(api, cid)["certificate_id"] == cid
    assert _check(api, cid.lower())["certificate_id"] == cid


@pytest.mark.parametrize("certificate_id", ["A" * 24, "not-an-id", "A" * 128])
def test_given_an_unknown_id_then_404_certificate_not_found(api, certificate_id):
    reply = api.get(f"/v1/certificates/{certificate_id}")
    assert (reply.status, reply.error_code) == (404, "certificate_not_found")


def test_given_an_id_past_the_path_limit_then_422_validation_error(api):
    reply = api.get("/v1/certificates/" + "A" * 300)  # api.PathId: 128 at most
    assert (reply.status, reply.error_code) == (422, "validation_error")


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_given_a_browser_opens_the_qr_then_a_page_a_person_reads_chinese_first(api, register):
    tourist = register("林小碳")
    _scan(api, tourist, *_tickets(2))
    cid, _ = _download(api, tourist, _this("%Y"))
    page = api.get(f"/v1/certificates/{cid}", headers={"accept": BROWSER})
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    text = page.body
    for expected in ("林**", "非一次性门票", "Non-disposable ticket", cid, "减碳量", "CO2e saved"):
        assert expected in text, expected
    assert text.index("碳惠减碳证书") < text.index("Tanhui carbon reduction certificate")
    assert tourist.phone not in text and tourist.user_id not in text
    assert "<script" not in text and "<style" not in text and "style=" not in text
    for accept in ("application/json", "*/*"):
        assert api.get(f"/v1/certificates/{cid}", headers={"accept": accept}).body["certificate_id"] == cid
    head = api.call("HEAD", f"/v1/certificates/{cid}", headers={"accept": BROWSER})
    assert head.status == 200 and head.headers["Content-Type"].startswith("text/html") and not head.body
    assert api.call("HEAD", f"/v1/certificates/{cid}").status == 200


def test_given_a_browser_and_an_unknown_id_then_a_404_page(api):
    page = api.get(f"/v1/certificates/{'A' * 24}", headers={"accept": BROWSER})
    assert page.status == 404 and "未找到证书" in page.body and "No such certificate" in page.body
    assert api.call("HEAD", f"/v1/certificates/{'A' * 24}", headers={"accept": BROWSER}).status == 404
