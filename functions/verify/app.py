"""Public: the facts of a completed export's manifest, to check its files' SHA-256 against."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.params import Query
from tanhui import api, errors
from tanhui.exports import checks, jobs
from tanhui.exports.schemas import VerifyOut
from tanhui.openapi import responses

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=(api.PUBLIC,))


@app.get(
    "/v1/verify/exports/<export_id>",
    tags=["verify"],
    summary="Verify an export",
    description="What a completed export's manifest states: each file's name, SHA-256 and rows, "
    "the totals, the Merkle root of each day, the manifest's SHA-256, the previous export's and "
    "whether that link checks out (`chain_ok`). With `file` and `sha256` it also says whether a "
    "file you hold matches. No personal data.",
    responses=responses(raises=[jobs.ExportNotFound, errors.BadRequest]),
)
def verify_export(
    export_id: api.PathId,
    file: Annotated[Literal["behaviours.csv", "behaviours.jsonl", "manifest.json"] | None, Query()] = None,
    sha256: Annotated[str | None, Query(max_length=64, pattern=r"^[0-9a-fA-F]{64}$")] = None,
) -> VerifyOut:
    return checks.facts(export_id, file, sha256)


lambda_handler = api.lambda_handler(app)
