"""The one write path's pieces without a database: plans name their items in the order they are
sent, tokens follow the natural key and the items, `retrying` retries only what is worth it
within its budget, and the fault spec reads as documented."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import CancellationReason, PutError, TransactWriteError
from tanhui import api, errors
from tanhui.models import writes
from tanhui.models.wallet import Wallet
from tanhui.models.writes import Budget, Cancelled, WritePlan, retryable, retrying

from infra.local import faults


def _plan(key=("u1",)) -> WritePlan:
    plan = WritePlan("test", key=key)
    plan.update("wallet", Wallet(*Wallet.key("u1")), [Wallet.coins.add(1)])
    plan.put_raw("entry", {"TableName": "t", "Item": {"pk": {"S": "u2"}, "sk": {"S": "WALLET"}}})
    plan.check("check", Wallet, *Wallet.key("u3"), condition=Wallet.pk.exists())
    plan.delete("gone", Wallet(*Wallet.key("u4")))
    return plan


def _cancelled(*codes: str | None) -> Cancelled:
    reasons = [None if c is None else CancellationReason(code=c) for c in codes]
    return Cancelled(_plan(), SimpleNamespace(cancellation_reasons=reasons))  # type: ignore[arg-type]


def test_given_a_plan_then_names_follow_the_order_sent_checks_deletes_puts_updates():
    assert _plan().names == ["check", "gone", "entry", "wallet"]
    with pytest.raises(ValueError, match="two items named"):
        _plan().put_raw("wallet", {"TableName": "t", "Item": {"pk": {"S": "u9"}}})


def test_given_reasons_then_read_by_name():
    cancelled = _cancelled(None, None, "ConditionalCheckFailed", "TransactionConflict")
    assert cancelled.failed == {"entry"} and not cancelled.contention_only
    assert _cancelled(None, "ThrottlingError", None, None).contention_only


def test_given_the_same_key_and_items_then_the_same_token_and_another_otherwise():
    assert _plan().token == _plan().token and len(_plan().token or "") == 36
    assert _plan(key=("u2",)).token != _plan().token
    other = _plan()
    other.put_raw("more", {"TableName": "t", "Item": {"pk": {"S": "u5"}}})
    assert other.token != _plan().token
    assert _plan(key=None).token is None


def test_given_errors_then_only_contention_throttling_and_lost_replies_are_retried():
    throttled = PutError("x", ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}},
                                          "PutItem"))
    failed = PutError("x", ClientError({"Error": {"Code": "ConditionalCheckFailedException"}}, "PutItem"))
    lost = TransactWriteError("x", ReadTimeoutError(endpoint_url="http://x"))
    assert retryable(_cancelled("TransactionConflict")) and retryable(throttled) and retryable(lost)
    assert not retryable(_cancelled("ConditionalCheckFailed")) and not retryable(failed)
    assert not retryable(ValueError("no"))


def test_given_retryable_failures_then_retried_with_jitter_inside_the_budget(monkeypatch):
    pauses: list[float] = []
    monkeypatch.setattr(writes.time, "sleep", pauses.append)
    calls = iter([_cancelled("TransactionConflict"), _cancelled("ThrottlingError"), None])

    def attempt() -> str:
        failure = next(calls)
        if failure is not None:
            raise failure
        return "done"

    assert retrying(attempt, operation="t", budget=Budget(attempts=3, base=0.1, cap=0.15)) == "done"
    assert len(pauses) == 2 and 0 <= pauses[0] <= 0.1 and 0 <= pauses[1] <= 0.15


def test_given_contention_past_the_budget_then_busy_and_other_errors_at_once(monkeypatch):
    monkeypatch.setattr(writes.time, "sleep", lambda _s: None)
    tries: list[int] = []

    def contended() -> None:
        tries.append(1)
        raise _cancelled("TransactionConflict")

    with pytest.raises(errors.Busy):
        retrying(contended, operation="t", budget=Budget(attempts=4))
    assert len(tries) == 4
    with pytest.raises(Cancelled):
        retrying(lambda: (_ for _ in ()).throw(_cancelled("ConditionalCheckFailed")), operation="t")


def test_given_a_service_busy_after_retries_then_the_api_answers_503_unavailable():
    slow = ClientError({"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}},
                       "GetObject")
    assert api.dependency_down(slow)
    assert api.dependency_down(TransactWriteError("x", ReadTimeoutError(endpoint_url="x")))
    assert api.internal_error(RuntimeError("from the queue"), "r")[0] == 500
    try:
        raise RuntimeError("the batch could not be queued") from slow
    except RuntimeError as exc:
        assert api.internal_error(exc, "r")[0] == 503
    assert not api.dependency_down(ClientError({"Error": {"Code": "ValidationException"}}, "PutItem"))


@pytest.mark.parametrize("spec", ["conflict", "conflict:x", "conflict:2", "nope:0.1"])
def test_given_a_bad_fault_spec_then_refused_with_the_reason(spec):
    with pytest.raises(faults.FaultSpecError, match="TANHUI_FAULTS"):
        faults.parse(spec)


def test_given_a_fault_spec_then_rates_by_kind():
    assert faults.parse("conflict:0.2, throttle:0.05,lost_reply:0") == {
        "conflict": 0.2, "throttle": 0.05, "lost_reply": 0.0}
