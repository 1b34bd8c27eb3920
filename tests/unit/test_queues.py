"""Every queue and stream consumer gives up where template.yaml says the last delivery is.

A queue's maxReceiveCount is written once in the code (`tanhui.sqs.QUEUES`): its consumer marks
its job failed on that delivery, and the queue then moves the message to its dead-letter queue. If
the two disagreed, a job would be failed while deliveries remained (a smaller number in the code),
or never (a larger one: the message reaches the dead-letter queue with the job still `running`).
"""

from __future__ import annotations

from typing import Any

import pytest
from tanhui import sqs

from infra.local import cfn
from infra.local.functions import load_module

TEMPLATE = cfn.load_template()
RESOURCES = TEMPLATE["Resources"]
SOURCES = {s.queue: s for s in cfn.sqs_sources(TEMPLATE)}


def _handler(function: str) -> Any:
    return load_module(cfn.functions(TEMPLATE)[function]).lambda_handler


@pytest.mark.parametrize("queue", sqs.QUEUES, ids=lambda q: q.name)
def test_given_a_queue_in_the_code_then_its_max_receive_count_is_the_templates(queue):
    redrive = RESOURCES[queue.name]["Properties"]["RedrivePolicy"]
    assert redrive["maxReceiveCount"] == queue.max_receives, queue
    dead_letter = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert RESOURCES[dead_letter]["Type"] == "AWS::SQS::Queue"
    alarmed = [r for r in RESOURCES.values() if r["Type"] == "AWS::CloudWatch::Alarm"
               and {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letter, "QueueName"]}}
               in r["Properties"].get("Dimensions", [])]
    assert alarmed, f"nobody hears of a message in {dead_letter}"


@pytest.mark.parametrize("source", SOURCES.values(), ids=lambda s: s.queue)
def test_given_a_queue_a_function_reads_then_its_handler_is_wired_to_that_queue(source):
    assert source.queue in {q.name for q in sqs.QUEUES}, f"{source.queue}: add it to tanhui.sqs.QUEUES"
    assert source.partial_failures, f"{source.function} must report partial batch failures"
    assert "RedrivePolicy" in RESOURCES[source.queue]["Properties"], f"{source.queue}: no dead-letter queue"
    handler = _handler(source.function)
    assert getattr(handler, "queue", None) == next(q for q in sqs.QUEUES if q.name == source.queue), (
        f"{source.function}: build its handler with sqs.batch_handler(..., queue=sqs.<its queue>)"
    )


def test_given_every_queue_in_the_code_then_a_function_reads_it():
    assert {q.name for q in sqs.QUEUES} == set(SOURCES)


def test_given_the_table_stream_then_its_consumer_reports_failures_and_gives_up_to_an_alarmed_queue():
    [stream] = cfn.stream_sources(TEMPLATE)
    props = RESOURCES[stream.function]["Properties"]["Events"][stream.event]["Properties"]
    assert stream.partial_failures and props.get("BisectBatchOnFunctionError") is True
    assert 0 <= stream.max_retries <= 10_000  # -1 would retry a record until it expires (24 h)
    assert stream.on_failure is not None and RESOURCES[stream.on_failure]["Type"] == "AWS::SQS::Queue"
    assert any(r["Type"] == "AWS::CloudWatch::Alarm"
               and {"Name": "QueueName", "Value": {"Fn::GetAtt": [stream.on_failure, "QueueName"]}}
               in r["Properties"].get("Dimensions", []) for r in RESOURCES.values())
