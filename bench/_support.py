"""The start every bench under bench/ shares: the repository's imports on sys.path, an environment
for a moto server on a free port (set when the bench's module loads, before any `tanhui` import
and before any child process it starts), and that server in this process with the stack provisioned
from template.yaml, its writes atomic as the local stack and the tests run moto.

    ENDPOINT = aws_environment("bench-claims-Table")   # at module level
    ...
    with moto_stack(ENDPOINT, "bench-claims") as stack:  # in main()
        ...
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "common"), str(ROOT)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_environment(table_name: str, **extra: str) -> str:
    """Points this process (and the processes it starts) at a moto server on a free port, with the
    functions' quiet settings; returns that server's endpoint."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=endpoint, TABLE_NAME=table_name,
        POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_NAMESPACE="Bench",
        POWERTOOLS_SERVICE_NAME="tanhui", **extra,
    )
    return endpoint


@contextmanager
def moto_stack(endpoint: str, stack_name: str) -> Iterator[Any]:
    """moto on `endpoint`'s port with every resource of template.yaml; the functions' environment
    set from it (the template's INFO level would log, and Metrics print, every request); the server
    stopped at the end."""
    from moto.server import ThreadedMotoServer

    from infra.local.moto_atomic import make_moto_writes_atomic

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    make_moto_writes_atomic()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=int(endpoint.rsplit(":", 1)[1]), verbose=False)
    server.start()
    try:
        from infra.local.provision import provision

        stack = provision(endpoint, stack_name=stack_name)
        os.environ.update(stack.env)
        os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true")
        from tanhui.config import get_settings

        get_settings.cache_clear()
        yield stack
    finally:
        server.stop()
