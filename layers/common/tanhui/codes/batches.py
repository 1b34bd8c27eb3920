"""Print batches: up to 1,000,000 single-use codes (ticket or packaging), signed and laid out by
the print worker in chunks of at most 5,000, each chunk a CSV and a PDF of label sheets in the
batch bucket.

    POST /v1/partner/code-batches   -> create_print_batch: batch item (pending), one SQS message
                                       per chunk, then running
    BatchQueue -> CodeBatchFunction -> process_chunk: sign, write the two files, count the chunk
                                       once (a redelivered message changes nothing), done when
                                       the last chunk is counted
    GET  /v1/partner/code-batches/{id} -> batch_status: progress and 1-hour download links
"""

from __future__ import annotations

import json
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from tanhui import errors, idempotency
from tanhui.aws import client, download_link
from tanhui.codes import assets, issuing, keyring, labels, token
from tanhui.config import get_settings
from tanhui.models.assets import CodeBatch, batches_pk
from tanhui.models.base import utc_now
from tanhui.models.pages import decode_cursor, page_items
from tanhui.observability import logger
from tanhui.request_models import RequestModel
from tanhui.response_models import ResponseModel

CHUNK_CODES = 5_000
MAX_CODES = 1_000_000
SQS_BATCH = 10  # entries per SendMessageBatch call
LINK_SECONDS = 3600
OPEN_STATUSES = ("pending", "running")

HexId = Annotated[str, StringConstraints(max_length=6, pattern=r"^[0-9A-Fa-f]{6}$", to_upper=True)]


class UnprintableAssetKind(errors.Unprocessable):
    code = "wrong_asset_kind"
    message = "Print batches are for single-use codes: ticket_product and product_sku assets only."


class BatchNotFound(errors.NotFound):
    code, message = "batch_not_found", "No such code batch."


class CodeBatchIn(RequestModel):
    asset_id: HexId
    count: Annotated[int, Field(ge=1, le=MAX_CODES, strict=True)]


class BatchFiles(ResponseModel):
    chunk: int
    csv_url: str
    pdf_url: str


class CodeBatchSummary(ResponseModel):
    batch_id: str
    asset_id: str
    kind: Literal["ticket", "packaging"]
    mode: Literal["direct", "print"]
    status: str
    codes_total: int
    codes_done: int
    chunks_total: int
    chunks_done: int
    error: str | None = None
    created_at: str
    updated_at: str


class CodeBatchOut(CodeBatchSummary):
    files: list[BatchFiles]


class CodeBatchList(ResponseModel):
    items: list[CodeBatchSummary]
    next_cursor: str | None


class ChunkJob(BaseModel):
    """The SQS message for one chunk: a pointer into the batch item, nothing to trust beyond it."""

    partner_id: HexId
    batch_id: HexId
    chunk: Annotated[int, Field(ge=1)]
    count: Annotated[int, Field(ge=1, le=CHUNK_CODES)]


def chunk_sizes(count: int) -> list[int]:
    """[5000, 5000, ..., rest]: how many codes each chunk signs."""
    full, rest = divmod(count, CHUNK_CODES)
    return [CHUNK_CODES] * full + ([rest] if rest else [])


def chunk_key(partner_id: str, batch_id: str, chunk: int, ext: str) -> str:
    return f"batches/{partner_id}/{batch_id}/chunk-{chunk:05d}.{ext}"


# ------------------------------------------------------------------------------------- create
def create_print_batch(partner_id: str, body: CodeBatchIn) -> CodeBatchOut:
    asset = assets.active_asset(partner_id, body.asset_id)
    if not token.ASSET_CODE_KIND[asset.kind].single_use:
        raise UnprintableAssetKind(
            f"{asset.kind} assets have one static code; print batches hold ticket or packaging codes."
        )
    sizes = chunk_sizes(body.count)
    batch = issuing.new_batch(asset, body.count, mode="print", status="pending", chunks_total=len(sizes))
    try:
        _enqueue(batch, sizes)
    except Exception:
        _set_status(batch, "failed", error="The batch could not be queued for printing; create it again.")
        raise
    _set_status(batch, "running")
    queued = {"partner_id": partner_id, "batch_id": batch.batch_id, "codes": body.count, "chunks": len(sizes)}
    logger.info("print batch queued", extra=queued)
    return _out(batch, links=False)


def create_print_batch_once(
    partner_id: str, caller: str, body: CodeBatchIn, key: str | None
) -> idempotency.Outcome[CodeBatchOut]:
    """A retried request with the same `Idempotency-Key` gets the batch the first one made."""
    return idempotency.once(
        "code-batches", caller, key, body,
        create=lambda _mark: create_print_batch(partner_id, body),
        id_of=lambda out: out.batch_id,
        replay=lambda batch_id: batch_status(partner_id, batch_id),
    )


def _enqueue(batch: CodeBatch, sizes: list[int]) -> None:
    sqs, url = client("sqs"), get_settings().batch_queue_url
    entries = [
        {
            "Id": str(n),
            "MessageBody": json.dumps(
                {"partner_id": batch.partner_id, "batch_id": batch.batch_id, "chunk": n, "count": size}
            ),
        }
        for n, size in enumerate(sizes, start=1)
    ]
    for i in range(0, len(entries), SQS_BATCH):
        group = entries[i : i + SQS_BATCH]
        for _attempt in range(3):  # SendMessageBatch can fail some entries and succeed others
            failed = {f["Id"] for f in sqs.send_message_batch(QueueUrl=url, Entries=group).get("Failed", [])}
            group = [e for e in group if e["Id"] in failed]
            if not group:
                break
        if group:
            raise RuntimeError(f"SQS refused chunk messages {sorted(e['Id'] for e in group)}")


def _set_status(batch: CodeBatch, status: str, error: str | None = None) -> None:
    """Moves an open batch on; a batch that already finished or was revoked keeps its status."""
    actions: list[Action] = [CodeBatch.status.set(status), CodeBatch.updated_at.set(utc_now())]
    if error:
        actions.append(CodeBatch.error.set(error))
    try:
        batch.update(actions=actions, condition=CodeBatch.status.is_in(*OPEN_STATUSES))
    except UpdateError as exc:
        if exc.cause_response_code != "ConditionalCheckFailedException":
            raise
        batch.refresh()


# -------------------------------------------------------------------------------------- print
def process_chunk(message_body: dict) -> int:
    """Signs and writes one chunk. Returns how many codes it counted: 0 when the chunk was
    counted before (redelivery) or its batch is no longer open (revoked, failed)."""
    job = ChunkJob.model_validate(message_body)
    context = {"partner_id": job.partner_id, "batch_id": job.batch_id, "chunk": job.chunk}
    try:
        batch = CodeBatch.get(*CodeBatch.key(job.partner_id, job.batch_id))
    except CodeBatch.DoesNotExist:
        logger.warning("chunk of an unknown batch dropped", extra=context)
        return 0
    if batch.status not in OPEN_STATUSES or job.chunk in (batch.done_chunks or set()):
        logger.info("chunk skipped", extra=context | {"status": batch.status})
        return 0
    try:
        asset = assets.active_asset(job.partner_id, batch.asset_id)
    except (errors.NotFound, errors.Conflict) as exc:
        _set_status(batch, "failed", error=f"The asset can no longer get codes ({exc.code}).")
        logger.warning("batch failed: asset not active", extra=context)
        return 0

    kid, key = keyring.keyring().signing_key()
    kind = token.Kind[batch.kind.upper()]
    codes = [
        (t, issuing.url_of(asset, t))
        for t in token.issue_serials(kind, kid, key, job.partner_id, batch.asset_id, job.batch_id, job.count)
    ]
    sheets = labels.label_sheets(
        (labels.Label(url, asset.name, t.short) for t, url in codes),
        title=f"Tanhui {kind.label} codes {job.batch_id} part {job.chunk}",
    )
    files = {
        ext: _put(chunk_key(job.partner_id, job.batch_id, job.chunk, ext), data, media_type)
        for ext, data, media_type in (
            ("csv", labels.codes_csv(codes), "text/csv"),
            ("pdf", sheets, "application/pdf"),
        )
    }
    if not _count_chunk(batch, job, files):
        logger.info("chunk counted by another delivery", extra=context)
        return 0
    if batch.chunks_done >= batch.chunks_total:
        _set_status(batch, "done")
    logger.info("chunk printed", extra=context | {"codes": job.count})
    return job.count


def give_up(message_body: dict, reason: str) -> None:
    """The chunk's last delivery failed (it goes to the dead-letter queue next): the batch is marked
    failed so its owner sees it instead of a batch `running` forever."""
    job = ChunkJob.model_validate(message_body)
    try:
        batch = CodeBatch.get(*CodeBatch.key(job.partner_id, job.batch_id))
    except CodeBatch.DoesNotExist:
        return
    _set_status(batch, "failed", error=f"Chunk {job.chunk} could not be printed: {reason}")
    logger.error("print batch failed", extra={"batch_id": job.batch_id, "chunk": job.chunk})


def _put(key: str, body: bytes, content_type: str) -> str:
    client("s3").put_object(Bucket=get_settings().batch_bucket, Key=key, Body=body, ContentType=content_type)
    return key


def _count_chunk(batch: CodeBatch, job: ChunkJob, files: dict[str, str]) -> bool:
    """Adds the chunk to the batch's progress once: the condition refuses a chunk number already
    in `done_chunks`, so a redelivered message cannot count twice."""
    try:
        batch.update(
            actions=[
                CodeBatch.chunks_done.add(1),
                CodeBatch.codes_done.add(job.count),
                CodeBatch.done_chunks.add({job.chunk}),
                CodeBatch.files[str(job.chunk)].set(files),
                CodeBatch.updated_at.set(utc_now()),
            ],
            condition=~CodeBatch.done_chunks.contains(job.chunk),
        )
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# ------------------------------------------------------------------------------------- status
def batch_status(partner_id: str, batch_id: str) -> CodeBatchOut:
    """A partner's own batch with download links (1 hour) for every finished chunk; another
    partner's batch does not exist for them."""
    batch_id = batch_id.upper()
    try:
        batch = CodeBatch.get(*CodeBatch.key(partner_id, batch_id))
    except CodeBatch.DoesNotExist as exc:
        raise BatchNotFound() from exc
    return _out(batch, links=True)


def list_batches(partner_id: str, limit: int, cursor: str | None) -> CodeBatchList:
    """A partner's batches, direct and printed, newest first (links: `batch_status`)."""
    listing = batches_pk(partner_id)
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": listing})
    page = CodeBatch.by_listing.query(
        listing, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
    )
    items, next_cursor = page_items(page, CodeBatchSummary.model_validate)
    return CodeBatchList(items=items, next_cursor=next_cursor)


def _link(batch: CodeBatch, chunk: int, ext: str) -> str:
    key = chunk_key(batch.partner_id, batch.batch_id, chunk, ext)
    filename = f"{batch.batch_id}-part-{chunk}.{ext}"
    return download_link(get_settings().batch_bucket, key, LINK_SECONDS, filename)


def _out(batch: CodeBatch, *, links: bool) -> CodeBatchOut:
    files = []
    if links:
        for chunk in sorted(int(n) for n in batch.done_chunks or ()):
            files.append(
                BatchFiles(
                    chunk=chunk,
                    csv_url=_link(batch, chunk, "csv"),
                    pdf_url=_link(batch, chunk, "pdf"),
                )
            )
    return CodeBatchOut.model_validate({**batch.attribute_values, "files": files})
