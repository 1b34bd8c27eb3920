"""Test-wide setup: environment before any `tanhui` import, one session-scoped moto server
built from template.yaml, handlers invoked with real API Gateway v2 events."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from infra.local import faults  # noqa: F401 - on botocore's handlers before any client is made
from tests.iam import DynamoDBRecorder
from tests.log_secrets import LogSecretsWatch
from tests.support import Api, Session, login, unique_phone


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Pinned in the environment so that a second import of this module keeps the same server. Under
# pytest-xdist each worker has a server of its own: the workers inherit the controller's environment,
# so the name carries the worker's id.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
AWS_PORT = int(os.environ.setdefault(f"TANHUI_TEST_AWS_PORT{_WORKER and '_' + _WORKER}", str(_free_port())))
ENDPOINT = f"http://127.0.0.1:{AWS_PORT}"
STACK_NAME = "tanhui-test"
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_REGION="us-east-1",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_ENDPOINT_URL=ENDPOINT,
    TABLE_NAME=f"{STACK_NAME}-Table",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_NAMESPACE="TanhuiTest",
    POWERTOOLS_SERVICE_NAME="tanhui",
    POWERTOOLS_DEV="false",
)


@pytest.fixture(scope="session", autouse=True)
def log_secrets() -> Iterator[LogSecretsWatch]:
    """Every log line of the run; at the end none may hold a key, password or token."""
    watch = LogSecretsWatch()
    watch.start()
    yield watch
    watch.stop()
    assert watch.leaks() == [], "secrets in log lines"


@pytest.fixture(scope="session")
def aws(log_secrets: LogSecretsWatch) -> Iterator[Any]:
    """One moto server for the whole run, with every resource created from template.yaml (none
    against a deployed stack: a test that needs it is skipped, tests/e2e/remote.py)."""
    if os.environ.get("TANHUI_API"):
        from tests.e2e.remote import LOCAL_ONLY

        pytest.skip(LOCAL_ONLY)
    from moto.server import ThreadedMotoServer

    from infra.local.moto_atomic import make_moto_writes_atomic
    from infra.local.moto_cognito import make_moto_cognito_honour_write_attributes

    make_moto_writes_atomic()
    make_moto_cognito_honour_write_attributes()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=AWS_PORT, verbose=False)
    server.start()
    from infra.local.provision import provision

    stack = provision(ENDPOINT, stack_name=STACK_NAME, parameters={"AutoConfirmUsers": "true"})
    os.environ.update(stack.env)
    from tanhui.config import get_settings

    get_settings.cache_clear()
    yield stack
    server.stop()


@contextmanager
def web_bucket_kept(aws: Any, *only: str) -> Iterator[None]:
    """Puts the web bucket back as it was (the browser tests publish web/dist there) after a test
    that writes it, all of it or the keys `only` names: under pytest-xdist a worker runs the
    integration and browser files in any order."""
    import boto3

    s3 = boto3.client("s3", endpoint_url=aws.endpoint, region_name=aws.region)
    bucket = aws.env["WEB_BUCKET"]

    def keys() -> set[str]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        found = {obj["Key"] for page in pages for obj in page.get("Contents", [])}
        return found & set(only) if only else found

    saved = {}
    for key in keys():
        obj = s3.get_object(Bucket=bucket, Key=key)
        saved[key] = {"Body": obj["Body"].read()} | {
            k: obj[k] for k in ("ContentType", "CacheControl", "ContentEncoding") if obj.get(k)}
    try:
        yield
    finally:
        for key in keys() - saved.keys():
            s3.delete_object(Bucket=bucket, Key=key)
        for key in sorted(saved, key=lambda k: k == "index.html"):  # index.html last, as publish does
            s3.put_object(Bucket=bucket, Key=key, **saved[key])


@pytest.fixture(scope="session")
def functions(aws: Any) -> Iterator[dict[str, Any]]:
    from infra.local import cfn
    from infra.local.functions import LocalFunction

    template = cfn.load_template()
    found = {name: LocalFunction(spec) for name, spec in cfn.functions(template).items()}
    recorder = DynamoDBRecorder()
    recorder.install(found)
    yield found
    # least privilege holds: every DynamoDB action a handler used is granted to its function
    assert recorder.ungranted(template) == {}, "a function used DynamoDB actions template.yaml does not grant"


def _dispatcher(aws: Any, functions: dict[str, Any], *, streams: bool) -> Any:
    from infra.local import cfn
    from infra.local.dispatcher import Dispatcher

    d = Dispatcher(aws, cfn.load_template(), functions, streams=streams)
    d.drain()
    return d


@pytest.fixture
def dispatcher(aws: Any, functions: dict[str, Any]) -> Any:
    """The local dispatcher for queues and schedules; `drain()` runs what is due now (the queues
    are drained first: a test sees only its own messages). The table's stream is not followed:
    the aggregator's writes cost moto more than the writes of the tests that do not count them."""
    return _dispatcher(aws, functions, streams=False)


@pytest.fixture
def stream_dispatcher(aws: Any, functions: dict[str, Any]) -> Any:
    """The dispatcher that also follows the table's stream, from its end now, into the
    aggregator: for tests of totals, leaderboards and medals."""
    return _dispatcher(aws, functions, streams=True)


@pytest.fixture(scope="session")
def gateway(functions: dict[str, Any]) -> Any:
    from infra.local import cfn
    from infra.local.gateway import LocalGateway

    return LocalGateway(cfn.load_template(), functions)


@pytest.fixture(scope="session")
def api(gateway: Any) -> Api:
    return Api(gateway)


@pytest.fixture
def register(api: Api):
    """Factory: a new tourist who accepted consent, logged in."""

    def make(display_name: str = "游客 Tourist") -> Session:
        phone, password = unique_phone(), "green-trip-2026"
        reply = api.post(
            "/v1/auth/register",
            {
                "phone": phone,
                "password": password,
                "display_name": display_name,
                "consent": {"version": "2026-11", "accepted": True},
            },
        )
        assert reply.status == 201, reply.body
        return login(api, phone, password)

    return make


@pytest.fixture(scope="session")
def admin(request: Any) -> Any:
    """The operator: made in the session's Cognito, or against TANHUI_API the stack's own operator
    login (TANHUI_OPERATOR_USER / TANHUI_OPERATOR_PASSWORD)."""
    if os.environ.get("TANHUI_API"):
        from tests.e2e.remote import operator

        return operator(request.getfixturevalue("http"))
    api: Api = request.getfixturevalue("api")
    from tanhui.identity import cognito
    from tanhui.identity.users import ensure_account

    phone, password = unique_phone(), "operator-2026"
    user_id = cognito.create_staff_user(
        phone, password, {"phone_number": phone, "name": "Op"}, group="admin"
    )
    ensure_account(user_id=user_id, phone=phone, display_name="Op", role="admin")
    return login(api, phone, password)


@pytest.fixture
def make_partner(api: Api, admin: Session):
    """Factory: a partner of `role` created by the admin, with one staff login, logged in."""

    def make(role: str = "hotel", name: str | None = None) -> Session:
        created = api.post(
            "/v1/admin/partners",
            {
                "name": name or f"{role} {uuid.uuid4().hex[:6]}",
                "role": role,
                "contact": {"name": "Ms Chen", "phone": "+8620123456"},
            },
            as_=admin,
        )
        assert created.status == 201, created.body
        partner_id = created.body["partner_id"]
        phone, password = unique_phone(), "partner-pass-1"
        staff = api.post(
            f"/v1/admin/partners/{partner_id}/users",
            {"phone": phone, "password": password, "display_name": "Front desk"},
            as_=admin,
        )
        assert staff.status == 201, staff.body
        session = login(api, phone, password)
        session.partner_id = partner_id
        return session

    return make
