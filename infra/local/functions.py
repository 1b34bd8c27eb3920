"""Loads the real Lambda handlers declared in template.yaml and invokes them as Lambda would:
one invocation at a time per function (as one warm container), with a LambdaContext."""

from __future__ import annotations

import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.cfn import ROOT, FunctionSpec

LAYER = ROOT / "layers" / "common"
# One import at a time: two functions' first invocations in two threads (the gateway's and the
# dispatcher's) importing the same package at once can see it half initialised.
_IMPORTING = threading.Lock()


@dataclass
class LambdaContext:
    """The attributes Powertools and our handlers read from the real context object."""

    function_name: str
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 10
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_module(spec: FunctionSpec) -> Any:
    """The function's handler module, freshly imported (as a new container would)."""
    module_path = spec.handler.rpartition(".")[0]
    file = Path(spec.code_uri) / (module_path.replace(".", "/") + ".py")
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))
    name = f"tanhui_function_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(name, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot load {file}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def _load_handler(spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
    return getattr(load_module(spec), spec.handler.rpartition(".")[2])


class LocalFunction:
    def __init__(self, spec: FunctionSpec):
        self.spec = spec
        self._handler: Callable[[dict[str, Any], Any], Any] | None = None
        self._lock = threading.Lock()

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            if self._handler is None:
                with _IMPORTING:
                    self._handler = _load_handler(self.spec)
            context = LambdaContext(self.spec.logical_id, self.spec.memory, self.spec.timeout)
            return self._handler(event, context)
