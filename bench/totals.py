"""Totals benchmark, one run, on one moto server: can the stream aggregator keep up with claims?

1. claim rate: the claim function on a warm container (as `bench/claims.py` measures it), each
   claim a fresh ticket of a Zipf-popular asset by a user drawn from a large population, so a
   stream batch holds what production's would: mostly different users, a few hot assets
2. aggregator throughput: the same claims' stream records read from moto's stream and delivered
   by the local dispatcher to AggregatorFunction in the template's batches (filter, partial batch
   response): behaviour records applied per second in the handler (event in → users' stats and
   boards read, totals and those items written), and the same with the local dispatcher's reading
   and filtering of the whole stream (the aggregator's own writes included), which Lambda's poller
   does on AWS
3. the ratio, against a target of 10x: one stream shard's aggregator must keep up with ten times
   the claims one claim container makes. Claims and their aggregation alternate in ROUNDS blocks
   (a stream batch each), so a slow moment of the shared cores falls on both; the overall ratio,
   the rounds' median and the lowest are printed
4. the aggregator's requests: items written and keys read per behaviour record
"""

from __future__ import annotations

import json
import os
import random
import secrets
import statistics
import time
from collections import Counter
from itertools import accumulate
from typing import Any

from _support import aws_environment, moto_stack

N = int(os.environ.get("BENCH_TOTALS_CLAIMS", "400"))
ROUNDS = 4
ASSETS, ZIPF_S, USERS = 50, 1.1, 1_000_000
TARGET = 10.0


ENDPOINT = aws_environment("bench-totals-Table")


def main() -> None:
    with moto_stack(ENDPOINT, "bench-totals") as stack:
        run(stack)


def run(stack: Any) -> None:
    from tanhui.claims import factors
    from tanhui.models.base import utc_now
    from tanhui.observability import metrics
    from tanhui.reductions import totals
    from tanhui.reductions.deltas import local_day

    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher
    from infra.local.events import http_event
    from infra.local.functions import LocalFunction
    from tests.factories import dynamodb_calls, make_asset, make_wallets, partner_item, single_use

    template = cfn.load_template()
    functions = {name: LocalFunction(spec) for name, spec in cfn.functions(template).items()}
    factors.seed_defaults()
    rng = random.Random(13)
    partners = [partner_item("scenic_spot") for _ in range(10)]
    assets = [make_asset(partners[i % 10], "ticket_product") for i in range(ASSETS)]
    weights = list(accumulate(1 / k**ZIPF_S for k in range(1, ASSETS + 1)))
    ranks = rng.choices(range(ASSETS), cum_weights=weights, k=N + 1)
    codes = {r: iter(single_use(assets[r], ranks.count(r))) for r in set(ranks)}
    users = [f"bench-{rng.randrange(USERS):07d}-{secrets.token_hex(4)}" for _ in range(N + 1)]
    now = utc_now()
    make_wallets(users)

    def claim(user: str, code: str) -> dict:
        return functions["ClaimsFunction"].invoke(http_event(
            "POST", "/v1/claims", route_key="POST /v1/claims", headers={"content-type": "application/json"},
            body=json.dumps({"code": code}).encode(), claims={"sub": user, "token_use": "access"}))

    assert claim(users[-1], next(codes[ranks[-1]]))["statusCode"] == 201  # warm-up
    aggregator = Timed(functions["AggregatorFunction"])
    functions["AggregatorFunction"] = aggregator  # type: ignore[assignment]
    dispatcher = Dispatcher(stack, template, functions)  # at the stream's end: only what follows
    dispatcher.drain()

    # in ROUNDS alternating blocks, so that a slower or faster moment of the shared cores falls on both
    claim_s, aggregate_s, drain_s, delivered, ratios = 0.0, 0.0, 0.0, 0, []
    items: Counter = Counter()
    calls: Counter = Counter()
    per_round = N // ROUNDS
    for first in range(0, per_round * ROUNDS, per_round):
        # 1: claims, one after another on a warm container
        t = time.perf_counter()
        for user, r in zip(users[first:first + per_round], ranks[first:first + per_round], strict=True):
            reply = claim(user, next(codes[r]))
            assert reply["statusCode"] == 201, reply
            metrics.metric_set.clear()
        claimed = time.perf_counter() - t
        # 2: their stream records through the dispatcher and the aggregator's handler
        aggregator.seconds = 0.0
        t = time.perf_counter()
        with dynamodb_calls(items) as round_calls:
            got = dispatcher.drain()
        drain_s += time.perf_counter() - t
        assert got == per_round, got
        calls += round_calls
        ratios.append(claimed / aggregator.seconds)  # (records / s applied) / (claims / s), same count
        claim_s, aggregate_s, delivered = claim_s + claimed, aggregate_s + aggregator.seconds, delivered + got
    day = local_day({"occurred_at": now})  # a run across local midnight would split the count
    counted = totals.query(day, day, "behaviour").totals.count
    assert counted == delivered == per_round * ROUNDS, (delivered, counted)

    claim_rate, apply_rate, drain_rate = delivered / claim_s, delivered / aggregate_s, delivered / drain_s
    print(f"claims: {delivered} on a warm claim container in {claim_s:.2f} s = {claim_rate:.0f} claims/s "
          f"(assets Zipf({ZIPF_S}) over {ASSETS}, {len(set(users))} users, in {ROUNDS} rounds)")
    print(f"aggregator: {delivered} behaviour records applied in {aggregate_s:.2f} s in the handler = "
          f"{apply_rate:.0f} records/s ({drain_s:.2f} s = {drain_rate:.0f} records/s with the local "
          f"dispatcher reading and filtering the stream); totals count {counted}")
    written = items["Put"] + items["Update"]
    print(f"aggregator per behaviour record: {written / delivered:.2f} items written "
          f"({items['Put'] / delivered:.2f} users' stats and partner boards put back, "
          f"{items['Update'] / delivered:.2f} totals ADDs) in {calls['TransactWriteItems'] / delivered:.3f} "
          f"TransactWriteItems, {items['BatchGetItem keys'] / delivered:.2f} keys read in "
          f"{calls['BatchGetItem'] / delivered:.3f} BatchGetItem; a claim writes 2 items in 1 and reads 1")
    print(f"aggregator throughput / claim rate = {apply_rate / claim_rate:.1f}x  [target >= {TARGET:.0f}x]  "
          f"(rounds: median {statistics.median(ratios):.1f}x, lowest {min(ratios):.1f}x; with the local "
          f"stream reading {drain_rate / claim_rate:.1f}x)")
    requests = (calls["TransactWriteItems"] + calls["BatchGetItem"]) / delivered
    print(f"  DynamoDB requests: a claim makes 2 (its transaction, the wallet read), the aggregator "
          f"{requests:.3f} per record = {2 / requests:.0f}x fewer")


class Timed:
    """A function whose invocations are timed."""

    def __init__(self, function: Any):
        self.function, self.seconds = function, 0.0

    def invoke(self, event: dict) -> Any:
        t = time.perf_counter()
        try:
            return self.function.invoke(event)
        finally:
            self.seconds += time.perf_counter() - t


if __name__ == "__main__":
    main()
