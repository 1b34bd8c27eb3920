"""Issuing, rendering and revoking codes. Codes are not stored: the token is the code id and
verifies by itself; only batches (for revocation and printing) are written. A single printed
code is revoked by a tombstone at its claim's de-duplication key (`claims.revocation`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from tanhui import errors
from tanhui.codes import assets, keyring, render, token
from tanhui.codes.schemas import CodeOut, CodesIn, CodesOut, RevokedOut, RotatingCodeOut
from tanhui.config import get_settings
from tanhui.models.assets import Asset, CodeBatch, batches_pk
from tanhui.models.base import plain, save_with_fresh_id, utc_now
from tanhui.models.writes import WritePlan, retrying
from tanhui.observability import logger

CODE_PATH = "/v1/partner/codes"
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


class StaticAsset(errors.Unprocessable):
    code = "static_asset"
    message = "Vehicles and hotel rooms have one static code: request count 1 or GET the asset's code."


class NotRotating(errors.Unprocessable):
    code, message = "not_rotating", "Only vehicle assets have rotating codes."


class CodeNotFound(errors.NotFound):
    code, message = "code_not_found", "No such code."


def _gtin(asset: Asset) -> str | None:
    return token.gtin14(plain(asset.attributes).get("gtin"))


def url_of(asset: Asset, tok: token.Token) -> str:
    gtin = _gtin(asset) if tok.kind is token.Kind.PACKAGING else None
    return token.code_url(get_settings().code_base_url, tok, gtin)


def _out(asset: Asset, tok: token.Token) -> CodeOut:
    link = f"{CODE_PATH}/{tok.text}"
    return CodeOut(
        code_id=tok.text,
        kind=tok.kind.label,
        url=url_of(asset, tok),
        short=tok.short,
        png=f"{link}.png",
        svg=f"{link}.svg",
        pdf=f"{link}.pdf",
    )


def static_code(asset: Asset) -> token.Token:
    kid, key = keyring.keyring().signing_key()
    return token.issue(token.ASSET_CODE_KIND[asset.kind], kid, key, asset.partner_id, asset.asset_id)


def new_batch(asset: Asset, count: int, mode: str, status: str, **extra: Any) -> CodeBatch:
    """A batch item under a fresh 6-hex batch id (it sits in every token of the batch)."""
    now = utc_now()
    batch = save_with_fresh_id(
        lambda batch_id: CodeBatch(
            *CodeBatch.key(asset.partner_id, batch_id),
            partner_id=asset.partner_id,
            batch_id=batch_id,
            asset_id=asset.asset_id,
            kind=token.ASSET_CODE_KIND[asset.kind].label,
            codes_total=count,
            mode=mode,
            status=status,
            created_at=now,
            updated_at=now,
            gsi1pk=batches_pk(asset.partner_id),
            gsi1sk=f"{now}#{batch_id}",
            **extra,
        )
    )
    if batch is None:
        raise errors.Conflict("Could not allocate a batch id; try again.", code="id_exhausted")
    return batch


def create_codes(partner_id: str, body: CodesIn) -> CodesOut:
    asset = assets.active_asset(partner_id, body.asset_id)
    kind = token.ASSET_CODE_KIND[asset.kind]
    if not kind.single_use:
        if body.count != 1:
            raise StaticAsset()
        return CodesOut(
            asset_id=asset.asset_id,
            kind=kind.label,
            batch_id=None,
            count=1,
            codes=[_out(asset, static_code(asset))],
        )
    batch = new_batch(asset, body.count, mode="direct", status="done", codes_done=body.count)
    kid, key = keyring.keyring().signing_key()
    tokens = token.issue_serials(kind, kid, key, partner_id, asset.asset_id, batch.batch_id, body.count)
    codes = [_out(asset, t) for t in tokens]
    logger.info("codes issued", extra={"batch_id": batch.batch_id, "count": body.count})
    return CodesOut(
        asset_id=asset.asset_id, kind=kind.label, batch_id=batch.batch_id, count=len(codes), codes=codes
    )


def asset_code(partner_id: str, asset_id: str) -> CodeOut:
    asset = assets.active_asset(partner_id, asset_id)
    if token.ASSET_CODE_KIND[asset.kind].single_use:
        raise errors.Unprocessable(
            "Tickets and packaging get one code per item: POST /v1/partner/codes.", code="single_use_asset"
        )
    return _out(asset, static_code(asset))


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rotating_code(partner_id: str, asset_id: str, now: float | None = None) -> RotatingCodeOut:
    """The code for an on-board screen: valid for its time step (±1 step), so a photo goes stale."""
    asset = assets.active_asset(partner_id, asset_id)
    if asset.kind != "vehicle":
        raise NotRotating()
    step_seconds = get_settings().rotating_step_seconds
    step = int(time.time() if now is None else now) // step_seconds
    kid, key = keyring.keyring().signing_key()
    tok = token.issue(token.Kind.VEHICLE_ROTATING, kid, key, partner_id, asset.asset_id, step=step)
    return RotatingCodeOut(
        **_out(asset, tok).model_dump(),
        step=step,
        step_seconds=step_seconds,
        valid_from=_iso(step * step_seconds),
        valid_until=_iso((step + 1) * step_seconds),
        accepted_until=_iso(token.accepted_until(step, step_seconds)),
    )


def own_code(partner_id: str, code_id: str) -> tuple[token.Token, Asset]:
    """A code issued by the caller's partner (anything else, forged or foreign, is 404)."""
    try:
        tok = token.verify(code_id, keyring.verifying_key)
    except errors.InvalidCode as exc:
        raise CodeNotFound() from exc
    if tok.partner_id != partner_id:
        raise CodeNotFound()
    try:
        return tok, assets.get(partner_id, tok.asset_id)
    except errors.NotFound as exc:
        raise CodeNotFound() from exc


def code_file(partner_id: str, file_name: str) -> tuple[bytes, str]:
    """`<code id>.png|.svg|.pdf` -> (content, media type)."""
    code_id, _, ext = file_name.rpartition(".")
    if ext not in MEDIA_TYPES or not code_id:
        raise CodeNotFound("Ask for <code id>.png, .svg or .pdf.")
    tok, asset = own_code(partner_id, code_id)
    url = url_of(asset, tok)
    if ext == "png":
        return render.png(url), MEDIA_TYPES[ext]
    if ext == "svg":
        return render.svg(url), MEDIA_TYPES[ext]
    from tanhui.codes import labels  # reportlab is heavy: only the PDF path pays for it

    return labels.label_sheets([labels.Label(url=url, title=asset.name, short=tok.short)]), MEDIA_TYPES[ext]


# ------------------------------------------------------------------------------- revocation
def revoke_batch(partner_id: str, batch_id: str) -> RevokedOut:
    """Marks the batch revoked and lists it on its asset, in one transaction: claims refuse codes
    of a batch listed on the (cached) asset, within the metadata cache age."""
    batch_id = batch_id.upper()
    try:
        batch = CodeBatch.get(*CodeBatch.key(partner_id, batch_id))
    except CodeBatch.DoesNotExist as exc:
        raise errors.NotFound("No such batch.", code="batch_not_found") from exc
    now = utc_now()
    plan = WritePlan("batch_revoke")
    plan.update("asset", Asset(*Asset.key(partner_id, batch.asset_id)),
                [Asset.revoked_batches.add({batch_id}), Asset.updated_at.set(now)],
                condition=Asset.pk.exists())
    plan.update("batch", batch, [CodeBatch.status.set("revoked"), CodeBatch.updated_at.set(now)],
                condition=CodeBatch.pk.exists())
    retrying(plan.send, operation="batch_revoke")
    logger.info("batch revoked", extra={"partner_id": partner_id, "batch_id": batch_id})
    return RevokedOut(id=batch_id, status="revoked")
