"""Registry API (签发 / 转移登记 / 注销 / 消纳): the operator issues verified reductions from audited
exports and registers transfers; organisations and events hold, transfer (where allowed) and retire
units; a tourist offsets with coins; anyone reads the registry, a retirement and its certificate."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors, idempotency
from tanhui.exports import jobs
from tanhui.openapi import Raises, responses
from tanhui.partners.registry import NotPartnerStaff
from tanhui.registry import accounts, issuance, offsets, public, ranges, retirements, transfers
from tanhui.registry.schemas import (
    AccountList,
    AccountOut,
    HoldingOut,
    IssuanceIn,
    IssuanceList,
    IssuanceOut,
    OffsetIn,
    OffsetOut,
    OffsetRateIn,
    OffsetRateOut,
    PartnerTransferIn,
    RegistryOut,
    RetirementIn,
    RetirementList,
    RetirementOut,
    TransferIn,
    TransferList,
    TransferOut,
    TransfersAllowedIn,
)
from tanhui.supervision import actions

IDEMPOTENCY_KEY = (idempotency.InvalidKey, idempotency.InProgress, idempotency.KeyReused)
INVALID_CURSOR = (errors.BadRequest, "invalid_cursor")
BUSY = (errors.Conflict, "busy")
MOVES: list[Raises] = [ranges.InsufficientUnits, ranges.TooFragmented, BUSY]
Cursor = Annotated[str | None, Query(max_length=2048)]

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("admin",))
app.use(middlewares=[actions.record_operator_writes])  # the operator's writes, in the operators' log


def _caller(role: str) -> str:
    return api.require_role(api.principal(app), role).user_id


# ------------------------------------------------------------------------------ the operator
@app.post(
    "/v1/admin/registry/issuances",
    tags=["registry"],
    summary="Issue verified reductions from an export",
    description="签发: the records of a completed ledger export whose audit is ok (every record re-read "
    "and re-hashed), not issued before, become units of 1 kg CO2e with serials [start, end) in the "
    "platform's account `PLATFORM`; grams below a unit carry to the next issuance. A record is issued "
    "at most once, whichever export holds it. With an `Idempotency-Key` a retry answers 200 with the "
    "issuance first made.",
    responses=responses(201, "Issued.", replay="The same Idempotency-Key again: the issuance it made.",
                        raises=[*IDEMPOTENCY_KEY, jobs.ExportNotFound, jobs.ExportNotCompleted,
                                issuance.AuditFailed, issuance.NothingToIssue, issuance.TooManyDays, BUSY]),
)
def issue(body: Annotated[IssuanceIn, Body()],
          idempotency_key: api.OptionalIdempotencyKey = None) -> Response[IssuanceOut]:
    outcome = issuance.issue_once(body, _caller("admin"), idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/registry/issuances",
    tags=["registry"],
    summary="Every issuance",
    description="Newest first, a page at a time (`cursor` of the previous page).",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_issuances(limit: api.PageLimit = 20, cursor: Cursor = None) -> IssuanceList:
    _caller("admin")
    return issuance.list_issuances(limit, cursor)


@app.get(
    "/v1/admin/registry/issuances/<issuance_id>",
    tags=["registry"],
    summary="An issuance",
    description="Its export and manifest, the grams counted per day (from which cutoff), the carry "
    "in and out, and its serial range.",
    responses=responses(raises=[issuance.IssuanceNotFound]),
)
def get_issuance(issuance_id: api.PathId) -> IssuanceOut:
    _caller("admin")
    return issuance.issuance_out(issuance_id)


@app.get(
    "/v1/admin/registry/accounts",
    tags=["registry"],
    summary="Holding accounts",
    description="The platform's and every organisation's or event's account opened so far, with "
    "held and retired units and whether its staff may transfer.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_accounts(limit: api.PageLimit = 20, cursor: Cursor = None) -> AccountList:
    _caller("admin")
    return accounts.list_accounts(limit, cursor)


@app.put(
    "/v1/admin/registry/accounts/<account_id>",
    tags=["registry"],
    summary="Allow or forbid a holder's transfers",
    description="Opens the account of an organisation or event partner if it has none yet, and sets "
    "whether its staff may transfer units themselves (POST /v1/partner/registry/transfers).",
    responses=responses(raises=[accounts.AccountNotFound, accounts.NotAHolder]),
)
def set_account(account_id: api.PathId, body: Annotated[TransfersAllowedIn, Body()]) -> AccountOut:
    _caller("admin")
    return accounts.set_transfers_allowed(account_id, body.transfers_allowed)


@app.post(
    "/v1/admin/registry/transfers",
    tags=["registry"],
    summary="Register a transfer",
    description="转移登记: moves `units` of the lowest serials `from` holds to `to` (a range is split, "
    "never duplicated), with the reason and the price if any; the record names the ranges moved. "
    "The `Idempotency-Key` header is required (a retry answers 200 with the first transfer).",
    responses=responses(201, "Transferred.", replay="The same Idempotency-Key again: the transfer it made.",
                        raises=[*IDEMPOTENCY_KEY, accounts.AccountNotFound, accounts.NotAHolder,
                                transfers.SameAccount, *MOVES]),
)
def transfer(
    body: Annotated[TransferIn, Body()], idempotency_key: api.IdempotencyKey
) -> Response[TransferOut]:
    outcome = transfers.transfer_once(body.from_, body, _caller("admin"), "admin", idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/registry/transfers",
    tags=["registry"],
    summary="Every transfer",
    description="Newest first, a page at a time: who (the operator or a holder), when, why, the price "
    "and the serial ranges.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_transfers(limit: api.PageLimit = 20, cursor: Cursor = None) -> TransferList:
    _caller("admin")
    return transfers.list_transfers(limit, cursor)


@app.put(
    "/v1/admin/registry/offset-rate",
    tags=["registry"],
    summary="Set the offset rate",
    description="How many coins a tourist pays per unit (1 kg CO2e) retired for them from the "
    "platform's account (POST /v1/me/offsets).",
)
def set_offset_rate(body: Annotated[OffsetRateIn, Body()]) -> OffsetRateOut:
    return offsets.set_rate(body, _caller("admin"))


# ------------------------------------------------------------------------------ holders
HOLDER: list[Raises] = [NotPartnerStaff, (errors.Forbidden, accounts.NotAHolder.code)]


@app.get(
    "/v1/partner/registry/account",
    tags=["registry"],
    summary="My holding account",
    description="An organisation's or event's account: held and retired units and the serial ranges "
    "held, lowest first.",
    responses=responses(raises=HOLDER),
)
@api.allow("partner")
def my_account() -> HoldingOut:
    account = accounts.account_of_staff(_caller("partner"))
    return HoldingOut(account=AccountOut.model_validate(account),
                      held=[transfers.range_out(int(r.start), int(r.end))
                            for r in ranges.held_ranges(account.account_id)])


@app.post(
    "/v1/partner/registry/retirements",
    tags=["registry"],
    summary="Retire units (消纳)",
    description="Retires `units` of the account's lowest held serials against a named emission (an "
    "event's, a year's office emissions, a trip, or 以碳代偿 compensation) for the beneficiary and "
    "purpose. Retired units never move or retire again. The answer names the public check and the "
    "certificate (PDF). The `Idempotency-Key` header is required.",
    responses=responses(201, "Retired.", replay="The same Idempotency-Key again: the retirement it made.",
                        raises=[*IDEMPOTENCY_KEY, *HOLDER, *MOVES]),
)
@api.allow("partner")
def retire(
    body: Annotated[RetirementIn, Body()], idempotency_key: api.IdempotencyKey
) -> Response[RetirementOut]:
    outcome = retirements.holder_retire_once(_caller("partner"), body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.post(
    "/v1/partner/registry/transfers",
    tags=["registry"],
    summary="Transfer units to another account",
    description="A holder's own transfer, where the operator allowed it on the account (else 403 "
    "`registry_transfers_not_allowed`). The `Idempotency-Key` header is required.",
    responses=responses(201, "Transferred.", replay="The same Idempotency-Key again: the transfer it made.",
                        raises=[*IDEMPOTENCY_KEY, *HOLDER, accounts.TransfersNotAllowed,
                                accounts.AccountNotFound, accounts.NotAHolder, transfers.SameAccount,
                                *MOVES]),
)
@api.allow("partner")
def holder_transfer(body: Annotated[PartnerTransferIn, Body()],
                    idempotency_key: api.IdempotencyKey) -> Response[TransferOut]:
    outcome = transfers.holder_transfer_once(_caller("partner"), body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


# ------------------------------------------------------------------------------ tourists
@app.post(
    "/v1/me/offsets",
    tags=["registry"],
    summary="Offset with coins (以碳积分抵销)",
    description="Converts `coins` (a whole multiple of the operator's rate, GET /v1/registry/offset-rate) "
    "into units of the platform's account retired for the tourist, with an `offset` ledger entry, in "
    "one transaction. The retirement's certificate names the tourist by their masked display name "
    "only. The `Idempotency-Key` header is required.",
    responses=responses(201, "Offset.", replay="The same Idempotency-Key again: the offset it made.",
                        raises=[*IDEMPOTENCY_KEY, offsets.RateNotSet, offsets.NotWholeUnits,
                                offsets.InsufficientCoins, offsets.PlatformShort, ranges.TooFragmented,
                                BUSY]),
)
@api.allow("tourist")
def offset(body: Annotated[OffsetIn, Body()], idempotency_key: api.IdempotencyKey) -> Response[OffsetOut]:
    outcome = offsets.offset_once(_caller("tourist"), body, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


# ------------------------------------------------------------------------------ the regulator
@app.get(
    "/v1/regulator/registry/issuances",
    tags=["registry"],
    summary="Issuances (监管)",
    description="Every issuance, newest first, a page at a time: read-only, for the regulator.",
    responses=responses(raises=[INVALID_CURSOR]),
)
@api.allow("regulator")
def regulator_issuances(limit: api.PageLimit = 20, cursor: Cursor = None) -> IssuanceList:
    return issuance.list_issuances(limit, cursor)


@app.get(
    "/v1/regulator/registry/transfers",
    tags=["registry"],
    summary="Transfers (监管)",
    description="Every transfer, newest first: who (the operator or a holder), when, why, the price "
    "and the serial ranges.",
    responses=responses(raises=[INVALID_CURSOR]),
)
@api.allow("regulator")
def regulator_transfers(limit: api.PageLimit = 20, cursor: Cursor = None) -> TransferList:
    return transfers.list_transfers(limit, cursor)


@app.get(
    "/v1/regulator/registry/retirements",
    tags=["registry"],
    summary="Retirements (监管)",
    description="Every retirement, newest first, with its serial ranges, beneficiary and emission.",
    responses=responses(raises=[INVALID_CURSOR]),
)
@api.allow("regulator")
def regulator_retirements(limit: api.PageLimit = 20, cursor: Cursor = None) -> RetirementList:
    return retirements.list_retirements(limit, cursor)


@app.get(
    "/v1/regulator/registry/accounts",
    tags=["registry"],
    summary="Holding accounts (监管)",
    description="Every holding account with its held and retired units.",
    responses=responses(raises=[INVALID_CURSOR]),
)
@api.allow("regulator")
def regulator_accounts(limit: api.PageLimit = 20, cursor: Cursor = None) -> AccountList:
    return accounts.list_accounts(limit, cursor)


# ------------------------------------------------------------------------------ anyone
REGISTRY = responses()
REGISTRY[200]["content"] = {api.JSON: {"model": RegistryOut}, "text/html": {}}


@app.get(
    "/v1/registry",
    tags=["registry"],
    summary="The public registry",
    description="No sign-in: units issued, held and retired; the latest issuances by export and "
    "serial range; every holding account by name; the latest retirements by serial range, each "
    "linking to its public check. No person's id. An `Accept` header that prefers `text/html` (a "
    "browser) gets the registry as a page a person reads, Chinese first, English beside; anything "
    "else JSON.",
    responses=REGISTRY,
)
@api.allow(api.PUBLIC)
def registry():  # JSON or HTML (documented in REGISTRY): no response model
    from tanhui.registry import html

    return api.json_or_page(app, public.registry, html.registry_page)


@app.get(
    "/v1/registry/offset-rate",
    tags=["registry"],
    summary="The offset rate",
    description="Coins per unit (1 kg CO2e) a tourist's offset costs; null until the operator sets it.",
)
@api.allow(api.PUBLIC)
def offset_rate() -> OffsetRateOut:
    return offsets.rate()


CHECK = responses(raises=[retirements.RetirementNotFound])
CHECK[200]["content"] = {api.JSON: {"model": RetirementOut}, "text/html": {}}
CHECK[404]["content"]["text/html"] = {}


@app.get(
    "/v1/registry/retirements/<retirement_id>",
    tags=["registry"],
    summary="Check a retirement",
    description="No sign-in: what was retired, for whom, against which emission, by which account, "
    "with its serial ranges (what the certificate's QR opens). No person's id. An `Accept` header "
    "that prefers `text/html` (a browser) gets a page a person reads, Chinese first, English beside; "
    "anything else JSON.",
    responses=CHECK,
)
@api.allow(api.PUBLIC)
def check_retirement(retirement_id: api.PathId):  # JSON or HTML (documented in CHECK): no response model
    from tanhui.registry import html

    return api.json_or_page(app, lambda: retirements.retirement_out(retirement_id), html.page,
                            missing=(retirements.RetirementNotFound, html.not_found))


@app.get(
    "/v1/registry/retirements/<retirement_id>/certificate.pdf",
    tags=["registry"],
    summary="A retirement's certificate (PDF)",
    description="No sign-in: one A4 page stating the retirement, with a QR of its public check.",
    responses=responses(200, "The certificate.", content={"application/pdf": {}},
                        raises=[retirements.RetirementNotFound]),
)
@api.allow(api.PUBLIC)
def retirement_certificate(retirement_id: api.PathId):  # binary body: no response model to validate
    from tanhui.registry.certificate import certificate_pdf

    retirements.retirement_out(retirement_id)  # 404 for an id that is no retirement's
    record = retirements.get_retirement(retirement_id)
    return Response(200, "application/pdf", certificate_pdf(record), headers={
        "Content-Disposition": f'inline; filename="tanhui-retirement-{record.retirement_id}.pdf"',
        "Cache-Control": "public, max-age=300",
    })


lambda_handler = api.lambda_handler(app)
