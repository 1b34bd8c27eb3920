"""Peer de-duplication benchmark (滤重), one run, on one moto server: the DynamoDB requests and
the time of one peer's 1,000 keys in one batch call, side by side with the same 1,000 keys in
1,000 single-key calls.

1. register 1,000 new keys: one call (10 BatchGetItem of 100 keys, 10 plans of 100 puts, the rate
   counter, the audit item) vs 1,000 calls of one key (each a read, a plan, a counter, an audit)
2. check the same 1,000 keys: one call vs 1,000 calls
3. a scan of a behaviour that takes no part (a hotel night) and of one that does (a printed
   ticket): the claim's requests, to show that the key rides in the claim's one transaction

Each call runs the domain function the handler calls (`peers.exchange`), so the times are the
function's own, without the gateway; the peer's lookup is cached per container as in Lambda.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from datetime import UTC, datetime

from _support import aws_environment, moto_stack

ENDPOINT = aws_environment("bench-peers-Table")
KEYS = 1_000


def main() -> None:
    with moto_stack(ENDPOINT, "bench-peers"):
        run()


def _peer(peer_id: str):
    from tanhui.models.base import iso_ms
    from tanhui.models.peers import Peer

    return Peer(*Peer.key(f"client-{peer_id}"), peer_id=peer_id, client_id=f"client-{peer_id}",
                name=peer_id, per_minute=10 * KEYS, created_at=iso_ms(datetime.now(UTC)))


def _measure(label: str, work) -> tuple[Counter, float]:
    from tests.factories import dynamodb_calls

    started = time.perf_counter()
    with dynamodb_calls() as calls:
        work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {sum(calls.values()):>6} requests  {seconds:7.2f} s  {dict(sorted(calls.items()))}")
    return calls, seconds


def run() -> None:
    from tanhui.peers import exchange

    print(f"{KEYS:,} keys, one peer each side (two peers so that both sides register new keys)")
    batch_keys = [secrets.token_hex(32) for _ in range(KEYS)]
    single_keys = [secrets.token_hex(32) for _ in range(KEYS)]
    batch, single = _peer("bench-batch"), _peer("bench-single")
    b_reg, tb_reg = _measure("register: 1 call of 1,000 keys", lambda: exchange.register(batch, batch_keys))
    s_reg, ts_reg = _measure("register: 1,000 calls of 1 key",
                             lambda: [exchange.register(single, [k]) for k in single_keys])
    b_chk, tb_chk = _measure("check: 1 call of 1,000 keys", lambda: exchange.check(batch, batch_keys))
    s_chk, ts_chk = _measure("check: 1,000 calls of 1 key",
                             lambda: [exchange.check(single, [k]) for k in single_keys])
    print(f"register: batch takes {sum(b_reg.values()) / sum(s_reg.values()):.3f} of the single calls' "
          f"requests and {tb_reg / ts_reg:.3f} of their time")
    print(f"check:    batch takes {sum(b_chk.values()) / sum(s_chk.values()):.3f} of the single calls' "
          f"requests and {tb_chk / ts_chk:.3f} of their time")
    claims()


def claims() -> None:
    from tanhui.claims import factors, scan
    from tanhui.claims.schemas import ClaimIn
    from tanhui.identity.users import ensure_account
    from tanhui.models.wallet import Wallet

    from tests.factories import dynamodb_calls, make_asset, partner_item, single_use, static

    factors.seed_defaults()
    user, other = (f"bench-{secrets.token_hex(4)}" for _ in range(2))
    for n, who in enumerate((user, other)):
        ensure_account(user_id=who, phone=f"+86138{secrets.randbelow(10**6):06d}{n:02d}", display_name="B",
                       role="tourist")
        Wallet(*Wallet.key(who)).update(actions=[Wallet.consent_version.set("2026-11")])
    room = static(make_asset(partner_item("hotel"), "hotel_room"))
    ticket, warm = single_use(make_asset(partner_item(), "ticket_product"), 2)
    scan.claim(other, ClaimIn(code=room))  # a warm container: the asset and factor cached
    scan.claim(other, ClaimIn(code=warm))  # and the network key read (once per 5 minutes)
    items: Counter = Counter()
    for label, code in (("a hotel night (takes no part)", room), ("a printed ticket (takes part)", ticket)):
        items.clear()
        with dynamodb_calls(items) as calls:
            scan.claim(user, ClaimIn(code=code))
        print(f"claim of {label:<32} {dict(sorted(calls.items()))}  items {dict(sorted(items.items()))}")


if __name__ == "__main__":
    main()
