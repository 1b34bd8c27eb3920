"""The load test's checker (bench/load/check.py) on small states: each invariant passes on a
consistent state and fails, naming the culprit, on the one thing that breaks it."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from bench.load.check import check

ALICE, BOB = "a1", "b2"


def _record(
    pk: str, user: str, coins: int, gco2e: int = 0, kind: str = "earn", **extra: Any
) -> dict[str, Any]:
    return {
        "pk": pk,
        "sk": "BEHAVIOUR",
        "kind": kind,
        "status": "credited",
        "user_id": user,
        "coins": Decimal(coins),
        "gco2e": Decimal(gco2e),
    } | extra


def _state() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Alice scanned a ticket and a hotel night and redeemed a voucher; Bob's file row credited him
    and he donated; the aggregator's totals and stats have caught up."""
    items = [
        _record(
            "BEHAVIOUR#ticket#S1",
            ALICE,
            1,
            500,
            behaviour="ticket_non_disposable",
            partner_id="P1",
            evidence={"code_id": "C1"},
        ),
        _record(
            f"BEHAVIOUR#night#{ALICE}#2026-12-06",
            ALICE,
            2,
            1500,
            behaviour="hotel_low_carbon_night",
            partner_id="P2",
            evidence={"code_id": "R1"},
        ),
        _record(
            f"BEHAVIOUR#transit#{BOB}#2026-11",
            BOB,
            14,
            7000,
            behaviour="transit_trip",
            partner_id="P3",
            evidence={"import_id": "I1", "row": Decimal(1)},
        ),
        _record("BEHAVIOUR#spend#V1", ALICE, -2, kind="spend", channel="redemption"),
        _record("BEHAVIOUR#spend#D1", BOB, -1, kind="spend", channel="donation"),
        {
            "pk": f"USER#{ALICE}",
            "sk": "WALLET",
            "user_id": ALICE,
            "coins": Decimal(1),
            "gco2e": Decimal(2000),
        },
        {"pk": f"USER#{BOB}", "sk": "WALLET", "user_id": BOB, "coins": Decimal(13), "gco2e": Decimal(7000)},
        {"pk": "VOUCHER#V1", "sk": "VOUCHER", "status": "consumed"},
        {
            "pk": f"USER#{BOB}",
            "sk": "DONATION#D1",
            "donation_id": "D1",
            "project_id": "PR1",
            "coins": Decimal(1),
        },
        {"pk": "PROJECT#PR1", "sk": "SHARD#03", "coins": Decimal(1)},
        {
            "pk": "PARTNER#P3",
            "sk": "IMPORT#I1",
            "import_id": "I1",
            "status": "completed",
            "object_key": "partners/P3/transit_trips/I1/bus.csv",
            "rows": Decimal(1),
            "credited": Decimal(1),
        },
    ]
    for behaviour, partner, coins, gco2e in (
        ("ticket_non_disposable", "P1", 1, 500),
        ("hotel_low_carbon_night", "P2", 2, 1500),
        ("transit_trip", "P3", 14, 7000),
    ):
        items.append(
            {
                "pk": "TOTALS#behaviour#2026-12#3",
                "sk": f"2026-12-06#{behaviour}",
                "coins": Decimal(coins),
                "gco2e": Decimal(gco2e),
                "count": Decimal(1),
            }
        )
        items.append(
            {
                "pk": "TOTALS#partner#2026-12#5",
                "sk": f"2026-12-06#{partner}#{behaviour}",
                "coins": Decimal(coins),
                "gco2e": Decimal(gco2e),
                "count": Decimal(1),
            }
        )
    items += [
        {
            "pk": f"USER#{ALICE}",
            "sk": "REDUCTION#stats",
            "user_id": ALICE,
            "coins": Decimal(3),
            "gco2e": Decimal(2000),
            "count": Decimal(2),
        },
        {
            "pk": f"USER#{BOB}",
            "sk": "REDUCTION#stats",
            "user_id": BOB,
            "coins": Decimal(14),
            "gco2e": Decimal(7000),
            "count": Decimal(1),
        },
    ]
    seen = {
        "answers": {
            "POST\t/v1/claims [ticket]\t201\t": 1,
            "POST\t/v1/claims [ticket]\t409\talready_claimed": 1,
        },
        "credited_by_code": {"HTTPS://QR.TANHUI.CN/Q/T1": [ALICE]},
        "vouchers_by_key": {"k1": ["V1"]},
        "donations_by_key": {"k2": ["D1"]},
        "consumed": {"HTTPS://QR.TANHUI.CN/Q/V1": 1},
        "imports": {"I1": {"type": "transit_trips", "rows": 1, "status": "completed"}},
    }
    return items, seen


def _failed(
    items: list[dict[str, Any]], seen: dict[str, Any], dead: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    return {r.name: r.problems for r in check(items, seen, dead or {}) if not r.ok}


def _item(items: list[dict[str, Any]], pk: str, sk: str) -> dict[str, Any]:
    return next(i for i in items if i["pk"] == pk and i["sk"] == sk)


def test_given_a_consistent_state_when_checked_then_every_invariant_holds():
    items, seen = _state()
    results = check(items, seen, {})
    assert [(r.name, r.ok) for r in results] == [
        ("no 5xx", True),
        ("no double credits", True),
        ("every partner file and export to its end", True),
        ("every wallet = Σ its ledger", True),
        ("totals = Σ ledgers", True),
        ("no dead letter unexplained", True),
    ]


def test_given_a_5xx_or_no_answer_when_checked_then_no_5xx_fails_naming_the_route():
    items, seen = _state()
    seen["answers"] |= {"POST\t/v1/donations\t503\t": 2, "GET\t/v1/me\tno_answer\tConnectionError": 1}
    problems = _failed(items, seen)["no 5xx"]
    assert problems == ["2 × POST /v1/donations 503", "1 × GET /v1/me no_answer ConnectionError"]


def test_given_a_code_credited_twice_when_checked_then_double_credits_fail():
    items, seen = _state()
    seen["credited_by_code"]["HTTPS://QR.TANHUI.CN/Q/T1"].append(BOB)  # two 201s for one code
    assert "answered 201 to 2 scans" in _failed(items, seen)["no double credits"][0]
    items, seen = _state()
    items.append(
        _record(
            "BEHAVIOUR#ticket#S2",
            BOB,
            1,
            500,
            behaviour="ticket_non_disposable",
            partner_id="P1",
            evidence={"code_id": "C1"},
        )
    )  # one code id under another key
    assert "code C1 credited by 2 records" in " ".join(_failed(items, seen)["no double credits"])


def test_given_a_retried_redemption_that_made_two_vouchers_when_checked_then_double_credits_fail():
    items, seen = _state()
    seen["vouchers_by_key"]["k1"] = ["V1", "V2"]
    items += [{"pk": "VOUCHER#V2", "sk": "VOUCHER", "status": "issued"}]  # and V2 debited nothing
    problems = _failed(items, seen)["no double credits"]
    assert any("Idempotency-Key k1 gave 2 vouchers" in p for p in problems)
    assert any("voucher V2 has 0 spend entries, not 1" in p for p in problems)


def test_given_a_spend_without_its_voucher_or_a_voucher_consumed_twice_when_checked_then_they_are_named():
    items, seen = _state()
    items.append(_record("BEHAVIOUR#spend#V9", ALICE, -2, kind="spend"))
    _item(items, f"USER#{ALICE}", "WALLET")["coins"] -= 2
    seen["consumed"]["HTTPS://QR.TANHUI.CN/Q/V1"] = 2
    problems = _failed(items, seen)["no double credits"]
    assert "spend entry V9: no voucher or donation of that id" in problems
    assert any("consumed 2 times" in p for p in problems)


def test_given_a_wallet_credited_twice_when_checked_then_wallet_equals_ledger_fails():
    items, seen = _state()
    _item(items, f"USER#{BOB}", "WALLET")["coins"] += 14  # a lost reply's retry credited the wallet again
    failed = _failed(items, seen)
    assert list(failed) == ["every wallet = Σ its ledger"]
    assert failed["every wallet = Σ its ledger"] == [
        f"user {BOB}: wallet 27 coins / 7000 g, ledger 13 coins / 7000 g"
    ]


def test_given_totals_behind_the_ledgers_when_checked_then_totals_fail_and_a_dead_letter_is_unexplained():
    items, seen = _state()
    _item(items, "TOTALS#behaviour#2026-12#3", "2026-12-06#transit_trip")["count"] = Decimal(
        2
    )  # applied twice
    dead = {"tanhui-local-AggregatorDeadLetterQueue": ['{"records": 1}']}
    failed = _failed(items, seen, dead)
    assert failed["totals = Σ ledgers"] == ["behaviour transit_trip count: totals 2, ledgers 1"]
    assert failed["no dead letter unexplained"] == ['tanhui-local-AggregatorDeadLetterQueue: {"records": 1}']


def test_given_a_dead_letter_of_a_completed_import_when_checked_then_it_is_explained():
    items, seen = _state()
    body = '{"Records": [{"s3": {"object": {"key": "partners/P3/transit_trips/I1/bus.csv"}}}]}'
    results = {r.name: r for r in check(items, seen, {"tanhui-local-UploadDeadLetterQueue": [body]})}
    letters = results["no dead letter unexplained"]
    assert letters.ok and letters.checked == 1 and "import I1, which completed" in letters.note
    _item(items, "PARTNER#P3", "IMPORT#I1")["status"] = "processing"
    assert (
        "names"
        in _failed(items, copy.deepcopy(seen), {"q-DeadLetter": [body]})["no dead letter unexplained"][0]
    )


def test_given_an_import_left_processing_short_of_rows_or_an_export_unfinished_then_it_fails():
    items, seen = _state()
    _item(items, "PARTNER#P3", "IMPORT#I1")["status"] = "processing"
    seen["imports"]["I2"] = {"type": "hotel_stays", "rows": 3, "status": "sent"}
    assert _failed(items, seen)["every partner file and export to its end"] == [
        "import I1 (transit_trips): processing",
        "import I2 (hotel_stays): not in the table",
    ]
    items, seen = _state()
    seen["exports"] = ["E1", "E2"]
    items += [
        {"pk": "EXPORT#E1", "sk": "EXPORT", "export_id": "E1", "status": "completed"},
        {"pk": "EXPORT#E2", "sk": "EXPORT", "export_id": "E2", "status": "running"},
    ]
    assert _failed(items, seen)["every partner file and export to its end"] == ["export E2: running"]
    items, seen = _state()
    seen["imports"]["I1"]["rows"] = 2  # two rows sent, one counted
    assert _failed(items, seen)["every partner file and export to its end"] == [
        "import I1 (transit_trips): 2 rows sent, 1 read, 1 counted"
    ]
