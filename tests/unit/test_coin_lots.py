"""Coin lots (积分有效期) as arithmetic: coins are spent oldest first, a refund gives back the
coins last taken, an expiry takes what remains of a lot — and what remains of each lot follows
from the lots earned and the balance alone (`wallet.lots.remaining`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st
from tanhui.claims import transaction as tx
from tanhui.wallet import lots

NEXT_YEAR = SimpleNamespace(expiry="end_of_next_year", years=None)
TWO_YEARS = SimpleNamespace(expiry="years_after", years=2)
NEVER = SimpleNamespace(expiry="none", years=None)


@dataclass
class Model:
    """The coins as they really are: a queue of lots, and a stack of what was taken from which."""

    year: int = 2025
    held: dict[int, int] = field(default_factory=dict)
    earned: dict[int, int] = field(default_factory=dict)
    taken: list[list[int]] = field(default_factory=list)  # [year, coins], last taken on top
    coins: int = 0

    def earn(self, years_on: int, n: int) -> None:
        self.year += years_on
        self.held[self.year] = self.held.get(self.year, 0) + n
        self.earned[self.year] = self.earned.get(self.year, 0) + n
        self.coins += n

    def take(self, n: int, only: int | None = None) -> None:
        for year in sorted(self.held):
            if only is not None and year != only:
                continue
            part = min(n, self.held[year])
            if part:
                self.held[year] -= part
                self.taken.append([year, part])
                self.coins -= part
                n -= part
        assert n == 0

    def refund(self, n: int) -> None:
        while n:
            top = self.taken[-1]
            part = min(n, top[1])
            self.held[top[0]] += part
            self.coins += part
            top[1] -= part
            n -= part
            if not top[1]:
                self.taken.pop()

    def remaining(self) -> dict[int, int]:
        return {y: n for y, n in sorted(self.held.items()) if n > 0}


steps = st.lists(st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 1), st.integers(1, 50)),
    st.tuples(st.just("spend"), st.integers(1, 60)),
    st.tuples(st.just("refund"), st.integers(1, 60)),
    st.tuples(st.just("expire")),
), max_size=40)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_given_earns_spends_refunds_and_expiries_in_any_order_then_the_lots_follow_from_the_balance(ops):
    m = Model()
    for op in ops:
        if op[0] == "earn":
            m.earn(op[1], op[2])
        elif op[0] == "spend":
            m.take(min(op[1], m.coins))
        elif op[0] == "refund":
            m.refund(min(op[1], sum(t[1] for t in m.taken)))
        elif m.remaining():  # the oldest lot holding coins expires: all of what remains
            oldest = min(m.remaining())
            m.take(m.remaining()[oldest], only=oldest)
        assert lots.remaining(m.earned, m.coins, 2025) == m.remaining(), ops
        assert sum(lots.remaining(m.earned, m.coins, 2025).values()) == m.coins


def test_given_coins_from_before_lots_were_counted_then_they_are_the_oldest_lot():
    # 10 coins with no lot (wallet made in 2025), then 5 earned in 2026, then 8 spent
    assert lots.remaining({2026: 5}, 7, 2025) == {2025: 2, 2026: 5}
    assert lots.remaining({}, 10, 2025) == {2025: 10}
    assert lots.remaining({2026: 5}, 3, 2025) == {2026: 3}


def test_given_a_lot_then_it_expires_at_the_end_of_the_next_local_year_or_never():
    assert lots.utc_text(lots.expires_at(2026, NEXT_YEAR)) == "2027-12-31T16:00:00Z"
    assert lots.utc_text(lots.expires_at(2026, TWO_YEARS)) == "2028-12-31T16:00:00Z"
    assert lots.expires_at(2026, NEVER) is None


def test_given_lots_then_the_due_ones_are_those_past_their_expiry_oldest_first():
    held = {2024: 3, 2025: 4, 2026: 5}
    just_before = datetime(2026, 12, 31, 15, 59, 59, tzinfo=UTC)
    at_midnight = datetime(2026, 12, 31, 16, 0, 0, tzinfo=UTC)
    assert lots.due(held, NEXT_YEAR, just_before) == [2024]
    assert lots.due(held, NEXT_YEAR, at_midnight) == [2024, 2025]
    assert lots.due(held, NEVER, at_midnight) == []
    assert lots.next_expiry(held, NEXT_YEAR) == (3, datetime(2025, 12, 31, 16, tzinfo=UTC))
    assert lots.next_expiry({}, NEXT_YEAR) is None
    assert lots.next_expiry(held, NEVER) is None


def test_given_a_credit_then_its_wallet_update_counts_the_coins_in_the_local_years_lot():
    # 2026-12-31 17:00 UTC is already 2027 in Shanghai
    at = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    item = tx.wallet_credit("u1", "eco_vehicle_ride", 3, 1000, 10, at, "now")
    assert item["ExpressionAttributeNames"]["#lot"] == "lot_2027"
    assert "#lot :coins" in item["UpdateExpression"].split(" SET ")[0]
    nothing = tx.wallet_credit("u1", "eco_vehicle_ride", 0, 1000, 10, at, "now")
    assert "#lot" not in nothing["ExpressionAttributeNames"]


def test_given_a_raw_wallet_then_held_reads_its_lots_and_its_year():
    item = {"coins": {"N": "12"}, "created_at": {"S": "2025-03-01T00:00:00.000Z"},
            "lot_2025": {"N": "4"}, "lot_2026": {"N": "10"}, "expired_2025": {"N": "1"}}
    assert lots.held(item) == {2025: 2, 2026: 10}
