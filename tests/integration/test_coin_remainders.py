"""Rounding (docs/developers/data-model.md, "Rounding"): a file row's fraction of a coin carries to
the person's next credit of the behaviour, on the wallet, in the credit's own wallet update; the coins
paid add up exactly to the milli-coins earned, sequentially and concurrently, and a record worth
under one coin is never a 0-coin ledger entry."""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from tanhui.claims import factors, keys
from tanhui.claims import transaction as tx
from tanhui.imports import credit
from tanhui.imports.records import Context, Plan
from tanhui.models.base import iso_ms, plain
from tanhui.models.behaviour import BehaviourRecord
from tanhui.models.wallet import Wallet
from tanhui.wallet import account

BEHAVIOUR = "utility_saving"


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _credit(user_id: str, kwh: float, n: int) -> credit.Credit:
    """One utility row of `kwh` saved electricity (1 coin and 570 g per kWh), as a file makes it."""
    ctx = Context("P-rem", "供电局 Power", "utility", None, {}, {})
    occurred = datetime.now(UTC) - timedelta(days=3)
    plan = Plan(ctx, "utility_savings", "imp-rem", "partners/P-rem/x.csv", n, datetime.now(UTC))
    factor = factors.factor_for(BEHAVIOUR, iso_ms(occurred))
    reduction = factors.units_reduction(factor, kwh, "electricity")
    key = keys.utility_period("electricity", f"{user_id}-{n}-{secrets.token_hex(3)}", "2026-01")
    behaviour, records, used = plan.one(key, BEHAVIOUR, factor, reduction, occurred, None, user_id, {"n": n})
    days = [tx.cap_day(occurred)]
    return credit.Credit(n, "imp-rem", user_id, behaviour, int(used.daily_cap), records, days)


def _wallet(user_id: str) -> dict[str, int]:
    pk, sk = Wallet.key(user_id)
    item = boto3.client("dynamodb").get_item(
        TableName=Wallet.Meta.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True
    )["Item"]
    return {"coins": int(item["coins"]["N"]), "carry": tx.carry_of(item, BEHAVIOUR)}


def _ledger(user_id: str) -> list:
    entries, cursor = [], None
    while True:
        page = account.ledger(user_id, limit=7, cursor=cursor)
        entries += page.items
        if not (cursor := page.next_cursor):
            return entries


def test_given_a_saving_of_0_4_kwh_then_no_coin_but_a_remainder_of_400_millicoins():
    factor = factors.factor_for(BEHAVIOUR, iso_ms(datetime.now(UTC)))
    reduction = factors.units_reduction(factor, 0.4, "electricity")

    assert tuple(reduction) == (0, 228) and reduction.remainder == 400
    assert factors.units_reduction(factor, 2.75, "electricity").remainder == 750
    assert factors.units_reduction(factor, 3, "electricity").remainder == 0


def test_given_25_rows_of_0_37_coin_when_credited_one_by_one_then_9_coins_and_250_carried(register):
    user = register().user_id

    outcomes = [credit.credit_rows([_credit(user, 0.37, n)])[0] for n in range(25)]

    assert {o.status for o in outcomes} == {credit.CREDITED}
    assert sum(o.coins for o in outcomes) == 9  # 25 × 370 = 9,250 milli-coins
    assert _wallet(user) == {"coins": 9, "carry": 250}
    entries = _ledger(user)
    assert len(entries) == 9 and all(e.coins == 1 for e in entries)  # no 0-coin earn entry
    assert all(e.evidence.coins_from_carry == 1 for e in entries)
    zero = [o for o in outcomes if o.coins == 0]
    assert len(zero) == 16 and all(o.gco2e == 211 for o in zero)  # their gCO2e is recorded


def test_given_rows_of_several_users_in_one_file_then_each_carry_is_their_own(register):
    a, b = register().user_id, register().user_id

    for n in range(3):  # 3 × 0.5 for a, 3 × 0.25 for b, in shared transactions
        credit.credit_rows([_credit(a, 0.5, 10 + n), _credit(b, 0.25, 20 + n)])

    assert _wallet(a) == {"coins": 1, "carry": 500}
    assert _wallet(b) == {"coins": 0, "carry": 750}
    assert _ledger(b) == []


def test_given_concurrent_small_credits_then_the_coins_add_up_exactly(register):
    user = register().user_id
    rows = [_credit(user, 0.3, n) for n in range(40)]  # 40 × 300 = 12,000 milli-coins

    with ThreadPoolExecutor(8) as pool:
        outcomes = [o for batch in pool.map(lambda c: credit.credit_rows([c]), rows) for o in batch]

    assert {o.status for o in outcomes} == {credit.CREDITED}
    assert sum(o.coins for o in outcomes) == 12
    assert _wallet(user) == {"coins": 12, "carry": 0}
    assert sum(e.coins for e in _ledger(user)) == 12


def test_given_a_whole_and_a_fraction_then_the_whole_is_paid_with_the_row(register):
    user = register().user_id

    first = credit.credit_rows([_credit(user, 2.6, 1)])[0]
    second = credit.credit_rows([_credit(user, 1.5, 2)])[0]

    assert (first.coins, second.coins) == (2, 2)  # 2 + 600; then 1 + 500 → 1,100: one more coin
    assert _wallet(user) == {"coins": 4, "carry": 100}
    [record] = [r for r in BehaviourRecord.ledger.query(f"USER#{user}#LEDGER") if r.evidence["n"] == 2]
    assert plain(record.evidence)["coins_from_carry"] == 1
    assert record.content_hash == record.content_digest()  # sealed as paid


def _stored(user_id: str, n: int, **fields) -> None:
    created = f"2026-01-0{n}T00:00:00.000Z"
    BehaviourRecord(
        *BehaviourRecord.key(f"BEHAVIOUR#test#{user_id}#{n}"),
        claim_id=f"c{n}", user_id=user_id, behaviour="waste_sorting", channel="import",
        created_at=created, gsi1pk=f"USER#{user_id}#LEDGER", gsi1sk=f"{created}#c{n}",
        **({"coins": 2, "gco2e": 420, "occurred_at": "2025-12-30T04:00:00.000Z"} | fields),
    ).save()


def test_given_stored_entries_then_the_ledger_types_them_and_skips_what_does_not_read(api, register):
    tourist = register()
    _stored(tourist.user_id, 1, evidence={"quantity": "", "kg": 0.3, "row": 4, "card": "A-01"})
    _stored(tourist.user_id, 2, evidence={"quantity": 3.0, "kg": ""})
    _stored(tourist.user_id, 3, kind="bonus", evidence={})  # no kind an entry has: skipped, logged
    _stored(tourist.user_id, 4, coins=0, evidence={"remainder_millicoins": 300})  # not a coin

    page = api.get("/v1/me/ledger", as_=tourist)

    assert page.status == 200, page.body
    assert [(e["entry_id"], e["evidence"]) for e in page.body["items"]] == [
        ("c2", {"quantity": 3}),
        ("c1", {"kg": "0.3", "row": 4, "card": "A-01"}),
    ]
    assert {e["occurred_at"] for e in page.body["items"]} == {"2025-12-30T04:00:00.000Z"}
