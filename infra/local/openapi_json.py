"""Writes the OpenAPI document DocsFunction serves to a file, with no server and no AWS: the web
app's API types are generated from it (`make web`), so a changed route breaks the web build.

    python -m infra.local.openapi_json web/openapi.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from infra.local import cfn
from infra.local.functions import LambdaContext, load_module


def document() -> dict:
    for k, v in {"AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_LOG_LEVEL": "WARNING",
                 "TABLE_NAME": "unused", "POWERTOOLS_METRICS_NAMESPACE": "Tanhui"}.items():
        os.environ.setdefault(k, v)
    docs = load_module(cfn.functions(cfn.load_template())["DocsFunction"])
    event = json.loads((cfn.ROOT / "events/docs/openapi.json").read_text(encoding="utf-8"))
    reply = docs.lambda_handler(event, LambdaContext("DocsFunction"))
    if reply["statusCode"] != 200:
        raise SystemExit(f"DocsFunction answered {reply['statusCode']}: {reply['body'][:300]}")
    return json.loads(reply["body"])


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m infra.local.openapi_json OUT.json")
    text = json.dumps(document(), indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    out = Path(argv[0])
    if not out.exists() or out.read_text(encoding="utf-8") != text:  # keeps make's timestamps honest
        out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
