"""Partner API: a partner's own profile, assets, codes and print batches."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from tanhui import api, errors, idempotency
from tanhui.claims import revocation
from tanhui.codes import assets, batches, issuing
from tanhui.codes.batches import CodeBatchIn, CodeBatchList, CodeBatchOut
from tanhui.codes.schemas import (
    AssetIn,
    AssetList,
    AssetOut,
    AssetPatch,
    CodeOut,
    CodesIn,
    CodesOut,
    RevokedOut,
    RotatingCodeOut,
)
from tanhui.imports import jobs as imports
from tanhui.imports import mappings as import_mappings
from tanhui.imports import preview as import_preview
from tanhui.imports import report as import_report
from tanhui.imports.rows import FileType
from tanhui.imports.schemas import (
    CreatedImportOut,
    ImportIn,
    ImportList,
    ImportOut,
    MappingIn,
    MappingOut,
    PreviewIn,
    PreviewOut,
)
from tanhui.openapi import Raises, responses
from tanhui.partners import registry as partners
from tanhui.partners.schemas import PartnerOut
from tanhui.reductions import totals
from tanhui.reductions.schemas import FromDay, GroupBy, ToDay, TotalsOut

STAFF: tuple[Raises, ...] = ((errors.Forbidden, "not_partner_staff"),)  # every route: whose staff?
ASSET = (*STAFF, (errors.NotFound, "asset_not_found"))
ACTIVE_ASSET = (*ASSET, assets.AssetNotActive)
CURSOR = (errors.BadRequest, "invalid_cursor")
PARTNER_NOT_FOUND = (errors.NotFound, "partner_not_found")
IDEMPOTENCY_KEY = idempotency.ERRORS
AcceptLanguage = Annotated[str | None, Header(max_length=256)]  # `en` for the notes in English

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("partner",))


def _staff() -> tuple[str, api.Principal]:
    who = api.require_role(api.principal(app), "partner")
    return partners.partner_of(who.user_id), who


def _partner_id() -> str:
    return _staff()[0]


@app.get(
    "/v1/partner/profile",
    tags=["partner"],
    summary="My partner's profile",
    description="The partner the signed-in staff login belongs to.",
    responses=responses(raises=[*STAFF, PARTNER_NOT_FOUND]),
)
def profile() -> PartnerOut:
    return partners.partner_out(_partner_id())


# ------------------------------------------------------------------------------------ assets
@app.post(
    "/v1/partner/assets",
    tags=["assets"],
    summary="Register an asset",
    description="Something codes are issued for: a ticket product, hotel room, vehicle or product "
    "SKU, with the attributes its `kind` takes and an optional geofence for claims.",
    responses=responses(201, "Created.", raises=[
        *STAFF, assets.AssetKindNotAllowed, (errors.Conflict, "id_exhausted"), assets.AssetExists,
    ]),
)
def create_asset(body: Annotated[AssetIn, Body()]) -> Response[AssetOut]:
    return Response(201, api.JSON, assets.create(_partner_id(), body))


@app.get(
    "/v1/partner/assets",
    tags=["assets"],
    summary="List my assets",
    description="The partner's assets, a page at a time (`cursor` of the previous page).",
    responses=responses(raises=[*STAFF, CURSOR]),
)
def list_assets(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> AssetList:
    return assets.list_assets(_partner_id(), limit, cursor)


@app.get(
    "/v1/partner/assets/<asset_id>",
    tags=["assets"],
    summary="Get an asset",
    description="One of the partner's assets, with its status.",
    responses=responses(raises=ASSET),
)
def get_asset(asset_id: api.PathId) -> AssetOut:
    return assets.out(assets.get(_partner_id(), asset_id))


@app.patch(
    "/v1/partner/assets/<asset_id>",
    tags=["assets"],
    summary="Update an asset",
    description="Changes the name, attributes, geofence or time zone; the kind stays.",
    responses=responses(raises=[*ASSET, assets.AssetExists, (errors.Conflict, "busy")]),
)
def update_asset(asset_id: api.PathId, body: Annotated[AssetPatch, Body()]) -> AssetOut:
    return assets.update(_partner_id(), asset_id, body)


@app.delete(
    "/v1/partner/assets/<asset_id>",
    tags=["assets"],
    summary="Retire an asset",
    description="Takes the asset out of service: its codes are refused from now on (final).",
    responses=responses(raises=[*ASSET, assets.AssetNotActive]),
)
def retire_asset(asset_id: api.PathId) -> AssetOut:
    return assets.set_status(_partner_id(), asset_id, "retired")


@app.post(
    "/v1/partner/assets/<asset_id>/revoke",
    tags=["assets"],
    summary="Revoke an asset",
    description="For a compromised asset: every code of it is refused from now on (final).",
    responses=responses(raises=[*ASSET, assets.AssetNotActive]),
)
def revoke_asset(asset_id: api.PathId) -> AssetOut:
    return assets.set_status(_partner_id(), asset_id, "revoked")


@app.get(
    "/v1/partner/assets/<asset_id>/code",
    tags=["codes"],
    summary="An asset's standing code",
    description="The one code of a hotel room or vehicle, to print and display; tickets and "
    "packaging get one code per item instead (POST /v1/partner/codes).",
    responses=responses(raises=[*ACTIVE_ASSET, (errors.Unprocessable, "single_use_asset")]),
)
def asset_code(asset_id: api.PathId) -> CodeOut:
    return issuing.asset_code(_partner_id(), asset_id)


@app.get(
    "/v1/partner/assets/<asset_id>/rotating-code",
    tags=["codes"],
    summary="A vehicle's current rotating code",
    description="The code a vehicle's screen shows now and when it changes; a screenshot of an "
    "old one expires.",
    responses=responses(raises=[*ACTIVE_ASSET, issuing.NotRotating]),
)
def rotating_code(asset_id: api.PathId) -> RotatingCodeOut:
    return issuing.rotating_code(_partner_id(), asset_id)


# ------------------------------------------------------------------------------------- codes
@app.post(
    "/v1/partner/codes",
    tags=["codes"],
    summary="Issue single-use codes",
    description="Up to a few hundred one-per-item codes for a ticket product or product SKU, "
    "answered at once; for larger print runs use /v1/partner/code-batches.",
    responses=responses(201, "Issued.", raises=[
        *ACTIVE_ASSET, issuing.StaticAsset, (errors.Conflict, "id_exhausted"),
    ]),
)
def create_codes(body: Annotated[CodesIn, Body()]) -> Response[CodesOut]:
    return Response(201, api.JSON, issuing.create_codes(_partner_id(), body))


@app.get(
    "/v1/partner/codes/<code_file>",
    tags=["codes"],
    summary="A code as an image or label",
    description="`<code id>.png` or `.svg` renders the QR code; `.pdf` a printable label.",
    responses=responses(
        200,
        "The image or label.",
        content={"image/png": {}, "image/svg+xml": {}, "application/pdf": {}},
        raises=[*STAFF, issuing.CodeNotFound],
    ),
)
def code_file(code_file: api.PathId):  # binary body: no response model to validate
    content, media_type = issuing.code_file(_partner_id(), code_file)
    return Response(200, media_type, content, headers={"Cache-Control": "private, max-age=300"})


@app.post(
    "/v1/partner/codes/<code_id>/revoke",
    tags=["codes"],
    summary="Revoke a single-use code",
    description="Refuses any later claim of this code (a lost or stolen ticket); a code already "
    "claimed keeps its credit.",
    responses=responses(raises=[
        *STAFF, issuing.CodeNotFound, revocation.NotSingleUse, (errors.Conflict, "already_claimed"),
    ]),
)
def revoke_code(code_id: api.PathId) -> RevokedOut:
    partner_id, who = _staff()
    return revocation.revoke_code(partner_id, code_id, who.user_id)


# ----------------------------------------------------------------------------- print batches
@app.post(
    "/v1/partner/code-batches",
    tags=["codes"],
    summary="Order a print batch of codes",
    description="Queues the printing of many single-use codes (CSV and PDF label sheets); poll "
    "GET /v1/partner/code-batches/{batch_id} for the files. With an `Idempotency-Key` header a "
    "retry answers 200 with the batch first ordered.",
    responses=responses(202, "Accepted: printing has started.",
                        replay="The same Idempotency-Key again: the batch it ordered.",
                        raises=[*ACTIVE_ASSET, batches.UnprintableAssetKind, *IDEMPOTENCY_KEY,
                                (errors.Conflict, "id_exhausted")]),
)
def create_code_batch(
    body: Annotated[CodeBatchIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> Response[CodeBatchOut]:
    partner_id, who = _staff()
    outcome = batches.create_print_batch_once(partner_id, who.user_id, body, idempotency_key)
    return Response(202 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/partner/code-batches",
    tags=["codes"],
    summary="List my code batches",
    description="The partner's code batches, direct (POST /v1/partner/codes) and printed, newest "
    "first, a page at a time (`cursor` of the previous page); a batch's files are at "
    "GET /v1/partner/code-batches/{batch_id}.",
    responses=responses(raises=[*STAFF, CURSOR]),
)
def list_code_batches(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> CodeBatchList:
    return batches.list_batches(_partner_id(), limit, cursor)


@app.get(
    "/v1/partner/code-batches/<batch_id>",
    tags=["codes"],
    summary="A print batch's progress",
    description="How many codes are printed, and links to the CSV and PDF files once ready.",
    responses=responses(raises=[*STAFF, batches.BatchNotFound]),
)
def get_code_batch(batch_id: api.PathId) -> CodeBatchOut:
    return batches.batch_status(_partner_id(), batch_id)


@app.post(
    "/v1/partner/code-batches/<batch_id>/revoke",
    tags=["codes"],
    summary="Revoke a whole batch",
    description="Refuses every later claim of the batch's codes (a lost print run).",
    responses=responses(raises=[*STAFF, (errors.NotFound, "batch_not_found")]),
)
def revoke_code_batch(batch_id: api.PathId) -> RevokedOut:
    return issuing.revoke_batch(_partner_id(), batch_id)


# ----------------------------------------------------------------------------------- imports
@app.post(
    "/v1/partner/imports",
    tags=["imports"],
    summary="Start an import: get a presigned upload",
    description="Names the file's `type` (hotel_stays, product_sales, plant_adoptions, "
    "transit_trips, utility_savings, car_trips, waste_sorting) and returns a presigned S3 POST "
    "(`upload.url` + `upload.fields`, then the file as the form's `file` field) for exactly this "
    "import's key under the partner's own prefix, limited to `upload.max_bytes` by the POST "
    "policy itself. CSV, JSON Lines or an Excel workbook (.xlsx, .xls: its first visible sheet, or "
    "`sheet`) are accepted; another declared `filename` extension or `content_type` is refused "
    "before the upload (422 `unsupported_import_file`). The file is imported as soon as it lands; "
    "follow it with GET /v1/partner/imports/{import_id}.",
    responses=responses(201, "Created: upload within 15 minutes.",
                        raises=[*STAFF, imports.ImportTypeNotAllowed, imports.UnsupportedImportFile,
                                PARTNER_NOT_FOUND]),
)
def create_import(body: Annotated[ImportIn, Body()]) -> Response[CreatedImportOut]:
    partner_id, who = _staff()
    return Response(201, api.JSON, imports.create(partner_id, who.user_id, body))


@app.get(
    "/v1/partner/imports",
    tags=["imports"],
    summary="List my imports",
    description="The partner's imports, newest first, a page at a time (`cursor`); `reason` and "
    "`notes` in Chinese, English with `Accept-Language: en`.",
    responses=responses(raises=[*STAFF, CURSOR]),
)
def list_imports(
    limit: api.PageLimit = 20,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    accept_language: AcceptLanguage = None,
) -> ImportList:
    return imports.list_imports(_partner_id(), limit, cursor, import_report.language(accept_language))


@app.post(
    "/v1/partner/imports/preview",
    tags=["imports"],
    summary="Preview a file: its header row and the proposed mapping",
    description="Reads a file's first rows as its `type` would be read, crediting nothing and writing "
    "nothing: `content_base64` (the file's first 40 KiB, or all of a smaller one; a workbook whole) or "
    "`import_id` (an uploaded import's file). Answers the encoding and format, the header row found "
    "(below a title block), each column's field — by the partner's saved mapping, by the field's names, "
    "or null — with up to 3 sample values, what is missing, and `mapping`: the proposal to correct and "
    "save with PUT /v1/partner/import-mappings/{file_type}.",
    responses=responses(raises=[*STAFF, imports.ImportTypeNotAllowed, import_preview.PreviewUnreadable,
                                imports.ImportNotFound, import_preview.ImportNotUploaded,
                                PARTNER_NOT_FOUND]),
)
def preview_import(body: Annotated[PreviewIn, Body()]) -> PreviewOut:
    return import_preview.of_request(_partner_id(), body)


@app.get(
    "/v1/partner/import-mappings/<file_type>",
    tags=["imports"],
    summary="My saved mapping for a file type",
    description="The partner's own header texts and the field each feeds (null: ignored), as saved.",
    responses=responses(raises=[*STAFF, imports.ImportTypeNotAllowed, import_mappings.MappingNotFound,
                                PARTNER_NOT_FOUND]),
)
def get_import_mapping(file_type: FileType) -> MappingOut:
    return import_mappings.get_out(_partner_id(), file_type)


@app.put(
    "/v1/partner/import-mappings/<file_type>",
    tags=["imports"],
    summary="Save my mapping for a file type",
    description="Replaces the partner's mapping of its own header texts to the file type's fields "
    "(null: a column to ignore). Every field named must be the type's, none mapped twice, every "
    "required field (and one of each `one_of` group) mapped. Every later file of this type whose header "
    "row holds each mapped text is read by it, before the fields' own names.",
    responses=responses(raises=[*STAFF, imports.ImportTypeNotAllowed, import_mappings.UnknownField,
                                import_mappings.FieldMappedTwice, import_mappings.FieldUnmapped,
                                import_mappings.HeaderTwice, PARTNER_NOT_FOUND]),
)
def put_import_mapping(file_type: FileType, body: Annotated[MappingIn, Body()]) -> MappingOut:
    partner_id, who = _staff()
    return import_mappings.put(partner_id, file_type, body, who.user_id)


@app.get(
    "/v1/partner/imports/<import_id>",
    tags=["imports"],
    summary="Get an import",
    description="Status (awaiting_upload, processing, completed, quarantined, failed), counts of "
    "rows credited, duplicate, pending, unmatched, invalid, over_quota and no_reduction, the coins "
    "and gCO2e credited, and presigned links to the JSON report and the CSV of rejected rows (the "
    "partner's own rows and columns, with a 原因 / reason column). `reason` and `notes` are Chinese, "
    "English with `Accept-Language: en`.",
    responses=responses(raises=[*STAFF, imports.ImportNotFound]),
)
def get_import(import_id: api.PathId, accept_language: AcceptLanguage = None) -> ImportOut:
    job = imports.get(_partner_id(), import_id)
    return imports.out(job, lang=import_report.language(accept_language))


# ------------------------------------------------------------------------------------ totals
@app.get(
    "/v1/partner/totals",
    tags=["partner"],
    summary="My partner's reduction totals",
    description="The partner's own gCO2e, coins and credits of the local days (Asia/Shanghai) "
    "`from`..`to` (YYYY-MM-DD, inclusive, at most 366 days), by `group_by` behaviour, asset or day.",
    responses=responses(raises=[*STAFF, totals.InvalidDate, totals.InvalidRange, totals.RangeTooLong,
                                totals.InvalidGroupBy]),
)
def get_totals(from_day: FromDay, to: ToDay, group_by: GroupBy) -> TotalsOut:
    return totals.query(from_day, to, group_by, partner_id=_partner_id())


lambda_handler = api.lambda_handler(app)
