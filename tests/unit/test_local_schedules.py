"""The local stack runs template schedules: `cfn.schedule_sources` reads `Schedule` and
`ScheduleV2` events, `infra.local.schedules` says when each is due, and
`Dispatcher.run_schedules(now)` invokes what is due with an EventBridge scheduled event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from infra.local import cfn, schedules
from infra.local.dispatcher import Dispatcher

T0 = datetime(2026, 12, 1, 8, 0, 30, tzinfo=UTC)  # a Tuesday


def function(*events: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"Type": "AWS::Serverless::Function",
            "Properties": {"CodeUri": "functions/x", "Handler": "app.lambda_handler",
                           "Events": dict(events)}}


TEMPLATE = {"Resources": {
    "RefundFunction": function(
        ("Hourly", {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}),
        ("Off", {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)", "Enabled": False}}),
    ),
    "ReportFunction": function(
        ("Nightly", {"Type": "ScheduleV2", "Properties": {"ScheduleExpression": "cron(30 2 * * ? *)"}}),
        ("WithInput", {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)",
                                                          "Input": '{"mode": "sweep"}'}}),
        ("Api", {"Type": "HttpApi", "Properties": {"Path": "/x", "Method": "GET"}}),
    ),
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
}}


class Recording:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> None:
        self.events.append(event)


def dispatcher(template: dict[str, Any]) -> tuple[Dispatcher, dict[str, Recording]]:
    resolver = SimpleNamespace(pseudo={"AWS::AccountId": "123456789012"})
    stack = SimpleNamespace(region="us-east-1", endpoint="http://127.0.0.1:1", stack_name="tanhui-test",
                            queue_urls={}, resolver=resolver)
    functions = {"RefundFunction": Recording(), "ReportFunction": Recording()}
    return Dispatcher(stack, template, functions, started=T0), functions  # type: ignore[arg-type]


def test_given_template_then_enabled_schedule_events_of_every_function_are_read():
    found = [(s.function, s.event, s.expression, s.kind) for s in cfn.schedule_sources(TEMPLATE)]
    assert found == [("RefundFunction", "Hourly", "rate(1 hour)", "Schedule"),
                     ("ReportFunction", "Nightly", "cron(30 2 * * ? *)", "ScheduleV2"),
                     ("ReportFunction", "WithInput", "rate(5 minutes)", "Schedule")]


def test_given_the_real_template_then_its_schedules_parse():
    for source in cfn.schedule_sources(cfn.load_template()):
        assert schedules.next_due(source.expression, T0) is not None, source


@pytest.mark.parametrize(("expression", "after", "due"), [
    ("rate(1 hour)", T0, T0 + timedelta(hours=1)),
    ("rate(2 days)", T0, T0 + timedelta(days=2)),
    ("cron(30 2 * * ? *)", T0, datetime(2026, 12, 2, 2, 30, tzinfo=UTC)),
    ("cron(0/15 * * * ? *)", T0, datetime(2026, 12, 1, 8, 15, tzinfo=UTC)),
    ("cron(0 9 ? * MON-FRI *)", datetime(2026, 12, 4, 9, 0, tzinfo=UTC),  # Friday 09:00 -> Monday
     datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
    ("cron(0 0 1 JAN ? *)", T0, datetime(2027, 1, 1, tzinfo=UTC)),
    ("cron(0 12 ? * 1 *)", T0, datetime(2026, 12, 6, 12, 0, tzinfo=UTC)),  # 1 = Sunday
    ("cron(0 0 1 1 ? 2020)", T0, None),
])
def test_given_expression_then_next_due_time(expression, after, due):
    assert schedules.next_due(expression, after) == due


@pytest.mark.parametrize("expression", ["rate(0 hours)", "rate(1 week)", "cron(0 0 L * ? *)",
                                        "cron(0 0 ? * 2#1 *)", "cron(* * *)", "every hour"])
def test_given_unsupported_expression_then_refused(expression):
    with pytest.raises(ValueError):
        schedules.parse(expression)


def test_given_schedules_when_run_at_times_then_each_is_invoked_when_due_with_a_scheduled_event():
    d, functions = dispatcher(TEMPLATE)
    assert d.run_schedules(T0) == []
    assert d.run_schedules(T0 + timedelta(minutes=5)) == ["ReportFunction.WithInput"]
    assert functions["ReportFunction"].events == [{"mode": "sweep"}]  # the template's Input
    assert d.run_schedules(T0 + timedelta(minutes=6)) == []
    # missed runs fire once, then the next one is after `now`
    assert d.run_schedules(T0 + timedelta(hours=1, minutes=1)) == ["RefundFunction.Hourly",
                                                                   "ReportFunction.WithInput"]
    [event] = functions["RefundFunction"].events
    assert {k: event[k] for k in ("version", "detail-type", "source", "detail", "account", "region")} == {
        "version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {},
        "account": "123456789012", "region": "us-east-1"}
    assert event["time"] == "2026-12-01T09:00:30Z" and event["id"]
    rule = "arn:aws:events:us-east-1:123456789012:rule/tanhui-test-RefundFunction-Hourly"
    assert event["resources"] == [rule]
    ran = d.run_schedules(datetime(2026, 12, 2, 2, 30, tzinfo=UTC))
    assert ran == ["RefundFunction.Hourly", "ReportFunction.Nightly", "ReportFunction.WithInput"]
    nightly = functions["ReportFunction"].events[-2]
    assert nightly["resources"][0].startswith("arn:aws:scheduler:us-east-1:123456789012:schedule/default/")


def test_given_a_failing_function_then_the_others_still_run_and_it_runs_again_next_time():
    d, functions = dispatcher(TEMPLATE)

    def boom(event: dict[str, Any]) -> None:
        raise RuntimeError("refund failed")

    functions["RefundFunction"].invoke = boom  # type: ignore[method-assign]
    later = T0 + timedelta(hours=1)
    both = ["RefundFunction.Hourly", "ReportFunction.WithInput"]
    assert d.run_schedules(later) == both
    assert d.run_schedules(later + timedelta(hours=1)) == both


def test_given_no_schedules_then_nothing_runs_and_no_thread_starts():
    d, _ = dispatcher({"Resources": {}})
    assert d.schedules == [] and d.run_schedules(T0 + timedelta(days=365)) == []
    d.start()
    assert d.threads == []
    d.stop()
