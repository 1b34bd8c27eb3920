"""Coin expiry benchmark, one run, on one moto server: the daily expiry job over WALLETS wallets.

The table holds WALLETS wallets (each with lots of 2025 and 2026 and some coins spent) and
OTHER behaviour records per wallet (≈ 530 B each, as claims write them; 0 unless asked), since the
job's Scan reads every item of the single table, not only wallets. Then, with the policy `end_of_next_year`:

1. an idle day (2026-12-01, nothing due): the whole Scan and no write — what most days cost —
   with 1 segment and with 8 (`wallet.expiry.SEGMENTS`), side by side
2. the day 2025's lots lapse (2027-01-01 00:05 Beijing): one write plan per wallet holding 2025
   coins — time, requests per wallet, items scanned per wallet
3. the schedule fired again the same day: nothing written twice, and wallet = Σ its expiry entries

It prints what bench/SCALE.md ("Coin expiry") multiplies out to 1,000,000 wallets. moto applies
writes one at a time (the local stack's lock), so the write phase measures the job's own work plus
moto's, not DynamoDB's parallelism.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime

from _support import aws_environment, moto_stack

WALLETS = int(os.environ.get("BENCH_EXPIRY_WALLETS", "10000"))
# behaviour records per wallet: 0 by default, as moto's Scan reads the whole table for each page (a
# page costs it seconds at 50,000 items); SCALE.md counts the records a real table's Scan reads too
OTHER = int(os.environ.get("BENCH_EXPIRY_OTHER_ITEMS", "0"))
IDLE_DAY = datetime(2026, 12, 1, 16, 5, tzinfo=UTC)
LAPSE_DAY = datetime(2026, 12, 31, 16, 5, tzinfo=UTC)  # 2027-01-01 00:05 in Beijing


ENDPOINT = aws_environment("bench-expiry-Table")


def main() -> None:
    with moto_stack(ENDPOINT, "bench-expiry"):
        run()


def seed(rng: random.Random) -> tuple[dict[str, int], int]:
    """WALLETS wallets with lots and OTHER records each; {user: 2025 coins left} and Σ coins."""
    import boto3
    from tanhui.models.behaviour import BehaviourRecord, ledger_pk
    from tanhui.models.wallet import Wallet, lot_attribute

    client = boto3.client("dynamodb", endpoint_url=ENDPOINT)
    table = Wallet.Meta.table_name
    left, total = {}, 0
    requests = []
    for i in range(WALLETS):
        user = f"bench-{i:07d}"
        e25, e26 = rng.randrange(0, 40), rng.randrange(0, 40)
        spent = rng.randrange(0, e25 + e26 + 1)
        coins = e25 + e26 - spent
        left[user] = max(0, min(e25 - spent, e25))
        total += coins
        item = Wallet(*Wallet.key(user), user_id=user, coins=coins, lifetime_coins=e25 + e26,
                      spent_coins=spent, gco2e=0, consent_version="bench",
                      created_at="2025-01-01T00:00:00.000Z",
                      updated_at="2026-06-01T00:00:00.000Z").serialize()
        item |= {lot_attribute(2025): {"N": str(e25)}, lot_attribute(2026): {"N": str(e26)}}
        requests.append({"PutRequest": {"Item": item}})
        for n in range(OTHER):
            record = BehaviourRecord(
                *BehaviourRecord.key(f"BEHAVIOUR#code#{user}-{n}"), kind="earn", claim_id=f"C{i:07d}{n}",
                user_id=user, behaviour="ticket_non_disposable", channel="scan", partner_id="P00001",
                partner_name="丹霞山景区 Danxia Mountain", asset_id="A00001", asset_name="年卡 Annual pass",
                evidence={"code_id": "x" * 120}, factor_version=1, coins=1, gco2e=20,
                occurred_at="2026-06-01T00:00:00.000Z", created_at="2026-06-01T00:00:00.000Z",
                gsi1pk=ledger_pk(user), gsi1sk=f"2026-06-01T00:00:00.000Z#C{i:07d}{n}",
            ).serialize()
            requests.append({"PutRequest": {"Item": record}})
    for start in range(0, len(requests), 25):
        client.batch_write_item(RequestItems={table: requests[start:start + 25]})
    return left, total


def run() -> None:
    from tanhui.models.base import TableMeta

    TableMeta.read_timeout_seconds = 300  # moto's Scan page is slow; DynamoDB's is not
    from tanhui.models.wallet import Wallet
    from tanhui.wallet import expiry, policy
    from tanhui.wallet.schemas import CoinPolicyIn

    t = time.perf_counter()
    left, total = seed(random.Random(22))
    print(f"seeded {WALLETS:,} wallets and {WALLETS * OTHER:,} other records "
          f"in {time.perf_counter() - t:.1f} s")
    policy.set_policy(CoinPolicyIn(expiry="end_of_next_year"), "bench")

    idle = {}
    for segments in (1, expiry.SEGMENTS):
        t = time.perf_counter()
        done = expiry.run(at=IDLE_DAY, segments=segments)
        idle[segments] = time.perf_counter() - t
        assert done.entries == 0, done
    scanned = done.scanned
    print(f"1. idle day (nothing due): {scanned:,} items scanned, {done.requests} Scan requests, "
          f"{done.wallets:,} wallets holding coins; 1 segment {idle[1]:.2f} s, {expiry.SEGMENTS} segments "
          f"{idle[expiry.SEGMENTS]:.2f} s ({idle[1] / idle[expiry.SEGMENTS]:.1f}x)")

    due = sum(1 for n in left.values() if n > 0)
    t = time.perf_counter()
    lapse = expiry.run(at=LAPSE_DAY)
    seconds = time.perf_counter() - t
    assert (lapse.entries, lapse.coins) == (due, sum(left.values())), (lapse, due)
    writes = lapse.entries + lapse.replanned
    print(f"2. 2025's lots lapse: {lapse.entries:,} wallets ({lapse.coins:,} coins) in {seconds:.1f} s = "
          f"{seconds / max(1, lapse.entries) * 1000:.2f} ms a wallet on moto; "
          f"{writes / max(1, lapse.entries):.2f} TransactWriteItems and "
          f"{(lapse.requests - writes) / max(1, lapse.entries):.3f} reads a wallet "
          f"(Scan pages included), {lapse.scanned / max(1, lapse.wallets):.1f} items scanned a wallet "
          f"holding coins; the write phase {(seconds - idle[expiry.SEGMENTS]) / seconds:.0%} of the run")

    again = expiry.run(at=LAPSE_DAY)
    remaining = sum(int(w.coins) for w in Wallet.scan(Wallet.sk == "WALLET"))
    assert again.entries == 0 and remaining == total - lapse.coins, (again, remaining)
    print(f"3. fired again: {again.entries} entries, {again.coins} coins; Σ wallets = {remaining:,} = "
          f"{total:,} − {lapse.coins:,} expired")


if __name__ == "__main__":
    main()
