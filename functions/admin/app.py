"""Admin API: partners, their staff logins, methodology factors, donation projects and ledger exports."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from tanhui import api, errors, idempotency
from tanhui.claims import factors
from tanhui.claims.schemas import FactorIn, FactorList, FactorOut, FactorVersions
from tanhui.donations import projects
from tanhui.donations.schemas import ProjectIn, ProjectList, ProjectOut, ProjectStatus
from tanhui.exports import checks, jobs
from tanhui.exports.schemas import AuditOut, ExportIn, ExportList, ExportOut
from tanhui.identity.phones import InvalidPhone
from tanhui.imports import quota
from tanhui.imports.schemas import QuotaIn, QuotaOut
from tanhui.openapi import responses
from tanhui.partners import registry
from tanhui.partners.schemas import (
    AllianceIn,
    PartnerIn,
    PartnerList,
    PartnerOut,
    StaffIn,
    StaffList,
    StaffOut,
)
from tanhui.reductions import totals
from tanhui.reductions.schemas import FromDay, GroupBy, ToDay, TotalsOut
from tanhui.supervision import actions
from tanhui.wallet import policy
from tanhui.wallet.schemas import CoinPolicies, CoinPolicyIn, CoinPolicyOut

PARTNER_NOT_FOUND = (errors.NotFound, "partner_not_found")
IDEMPOTENCY_KEY = idempotency.ERRORS
INVALID_CURSOR = (errors.BadRequest, "invalid_cursor")
Cursor = Annotated[str | None, Query(max_length=2048)]

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("admin",))
app.use(middlewares=[actions.record_operator_writes])  # every successful write, in the operators' log


def _admin() -> api.Principal:
    return api.require_role(api.principal(app), "admin")


@app.post(
    "/v1/admin/partners",
    tags=["admin"],
    summary="Register a partner",
    description="Creates a scenic spot, hotel, bus operator or retailer that can then issue codes. "
    "With an `Idempotency-Key` header a retry answers 200 with the partner first created.",
    responses=responses(201, "Created.", replay="The same Idempotency-Key again: the partner it created.",
                        raises=[*IDEMPOTENCY_KEY, (errors.Conflict, "id_exhausted")]),
)
def create_partner(
    body: Annotated[PartnerIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> Response[PartnerOut]:
    who = _admin()
    outcome = registry.create_partner_once(body, who.user_id, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/partners",
    tags=["admin"],
    summary="List partners",
    description="Every partner, newest first, a page at a time (`cursor` of the previous page).",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_partners(limit: api.PageLimit = 20, cursor: Cursor = None) -> PartnerList:
    _admin()
    return registry.list_partners(limit, cursor)


@app.get(
    "/v1/admin/partners/<partner_id>",
    tags=["admin"],
    summary="Get a partner",
    description="One partner's profile and status.",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def get_partner(partner_id: api.PathId) -> PartnerOut:
    _admin()
    return registry.partner_out(partner_id)


@app.post(
    "/v1/admin/partners/<partner_id>/users",
    tags=["admin"],
    summary="Create a staff login for a partner",
    description="A phone-number login in the `partner` group, linked to this partner; it can "
    "sign in at once with the given password.",
    responses=responses(201, "Created.", raises=[
        PARTNER_NOT_FOUND, (errors.Conflict, "partner_inactive"), errors.PhoneTaken, errors.WeakPassword,
        InvalidPhone,
    ]),
)
def create_partner_user(partner_id: api.PathId, body: Annotated[StaffIn, Body()]) -> Response[StaffOut]:
    _admin()
    staff = registry.create_staff(partner_id, body)
    return Response(201, api.JSON, staff)


@app.get(
    "/v1/admin/partners/<partner_id>/users",
    tags=["admin"],
    summary="A partner's staff logins",
    description="The staff logins made for this partner (phone, name, when), a page at a time "
    "(`cursor` of the previous page).",
    responses=responses(raises=[PARTNER_NOT_FOUND, INVALID_CURSOR]),
)
def list_partner_users(partner_id: api.PathId, limit: api.PageLimit = 20, cursor: Cursor = None) -> StaffList:
    _admin()
    return registry.list_staff(partner_id.upper(), limit, cursor)


@app.delete(
    "/v1/admin/partners/<partner_id>/users/<user_id>",
    tags=["admin"],
    summary="End a partner's staff login",
    description="Someone left the partner's desk: their login is signed out everywhere and deleted, "
    "with their profile; what they did stays. Their access token still passes the authorizer until "
    "it expires (at most an hour), but partner routes refuse it within `metadata_cache_seconds`. "
    "The phone may be given a new login.",
    responses=responses(204, "Ended.", raises=[PARTNER_NOT_FOUND, registry.StaffNotFound]),
)
def remove_partner_user(partner_id: api.PathId, user_id: api.PathId) -> Response[None]:
    _admin()
    registry.remove_staff(partner_id.upper(), user_id)
    return Response(204)


@app.get(
    "/v1/admin/partners/<partner_id>/quota",
    tags=["admin"],
    summary="A partner's monthly coin quota",
    description="Issuance supervision: the coins the partner's files may issue per calendar month "
    "(`null`: no quota) and what they issued this month (Asia/Shanghai).",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def get_quota(partner_id: api.PathId) -> QuotaOut:
    _admin()
    return quota.current(partner_id.upper())


@app.put(
    "/v1/admin/partners/<partner_id>/quota",
    tags=["admin"],
    summary="Set a partner's monthly coin quota",
    description="Issuance supervision: the coins the partner's files may issue per calendar month "
    "(Asia/Shanghai). Rows beyond it are reported as `over_quota` and not credited; `null` removes "
    "the quota. Scans are not counted against it.",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def put_quota(partner_id: api.PathId, body: Annotated[QuotaIn, Body()]) -> QuotaOut:
    _admin()
    return quota.set_quota(partner_id.upper(), body)


@app.put(
    "/v1/admin/partners/<partner_id>/alliance",
    tags=["admin"],
    summary="Admit a partner to the low-carbon alliance",
    description="`{\"alliance\": true}` lets a hotel or scenic spot make offers like a merchant "
    "(`false` takes it back; its offers stay until withdrawn).",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def put_alliance(partner_id: api.PathId, body: Annotated[AllianceIn, Body()]) -> PartnerOut:
    _admin()
    return registry.set_alliance(partner_id.upper(), body.alliance)


# ------------------------------------------------------------------ methodology factors


@app.put(
    "/v1/admin/factors/<behaviour>",
    tags=["admin"],
    summary="Set a behaviour's methodology factor",
    description="Adds a new version of the coins and grams CO2e a behaviour earns, effective from "
    "its `effective_from`; earlier versions stay for the claims made under them.",
    responses=responses(201, "The new version.", raises=[
        factors.UnknownBehaviour, factors.MethodMismatch, (errors.Conflict, "version_conflict"),
    ]),
)
def put_factor(behaviour: api.PathId, body: Annotated[FactorIn, Body()]) -> Response[FactorOut]:
    who = _admin()
    return Response(201, api.JSON, factors.create_version(behaviour, body, who.user_id))


@app.get(
    "/v1/admin/factors/<behaviour>",
    tags=["admin"],
    summary="A behaviour's factor versions",
    description="Every version of one behaviour's factor and which is in effect now.",
    responses=responses(raises=[factors.UnknownBehaviour]),
)
def get_factor_versions(behaviour: api.PathId) -> FactorVersions:
    _admin()
    return factors.versions(behaviour)


@app.get(
    "/v1/admin/factors",
    tags=["admin"],
    summary="Factors in effect",
    description="The factor version in effect now for each behaviour.",
)
def list_factors() -> FactorList:
    _admin()
    return factors.current_all()


# ------------------------------------------------------------------ donation projects


@app.post(
    "/v1/admin/projects",
    tags=["admin"],
    summary="Open a public-good project",
    description="A project tourists can donate coins to (公益捐赠), optionally run by a partner, "
    "with a goal in coins. With an `Idempotency-Key` header a retry answers 200 with the project "
    "first created.",
    responses=responses(201, "Created.", replay="The same Idempotency-Key again: the project it created.",
                        raises=[*IDEMPOTENCY_KEY, PARTNER_NOT_FOUND]),
)
def create_project(
    body: Annotated[ProjectIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> Response[ProjectOut]:
    who = _admin()
    outcome = projects.create_project_once(body, who.user_id, idempotency_key)
    return Response(201 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/projects",
    tags=["admin"],
    summary="Every public-good project",
    description="Open and closed projects (or only `status`), newest first, each with the coins "
    "raised, donations and donors, a page at a time (`cursor` of the previous page).",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_projects(
    status: Annotated[ProjectStatus | None, Query()] = None, limit: api.PageLimit = 20, cursor: Cursor = None
) -> ProjectList:
    _admin()
    return projects.list_all(status, limit, cursor)


@app.post(
    "/v1/admin/projects/<project_id>/close",
    tags=["admin"],
    summary="Close a project",
    description="The project takes no more donations (they get 409 `project_closed`) and leaves "
    "the list of open projects; its totals stay. Closing a closed project answers it as it is.",
    responses=responses(raises=[projects.ProjectNotFound]),
)
def close_project(project_id: api.PathId) -> ProjectOut:
    _admin()
    return projects.close_project(project_id)


# ------------------------------------------------------------------ ledger exports


@app.post(
    "/v1/admin/exports",
    tags=["admin"],
    summary="Export a range of the ledger",
    description="Starts an export of the credited behaviours recorded on the UTC days `from` to `to` "
    "(inclusive, at most 366, not after today) before now: a CSV, a JSONL file and a manifest with "
    "their SHA-256, totals, a Merkle root a day and the previous export's manifest SHA-256. "
    "With an `Idempotency-Key` header a retry answers 200 with the export first started.",
    responses=responses(202, "Started: poll GET /v1/admin/exports/{export_id}.",
                        replay="The same Idempotency-Key again: the export it started.",
                        raises=[*IDEMPOTENCY_KEY]),
)
def create_export(
    body: Annotated[ExportIn, Body()], idempotency_key: api.OptionalIdempotencyKey = None
) -> Response[ExportOut]:
    who = _admin()
    outcome = jobs.create_export_once(body, who.user_id, idempotency_key)
    return Response(202 if outcome.created else 200, api.JSON, outcome.value)


@app.get(
    "/v1/admin/exports",
    tags=["admin"],
    summary="Ledger exports",
    description="Every export, newest first, a page at a time (`cursor` of the previous page): "
    "status, range, counts, the manifest's SHA-256, the files (without links: GET "
    "/v1/admin/exports/{export_id} signs them) and, once completed, `verify_path`, the public check.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_exports(limit: api.PageLimit = 20, cursor: Cursor = None) -> ExportList:
    _admin()
    return jobs.list_exports(limit, cursor)


@app.get(
    "/v1/admin/exports/<export_id>",
    tags=["admin"],
    summary="An export's status and files",
    description="Status (pending, running, completed, failed), counts, the manifest's SHA-256 and, "
    "once completed, 15-minute download links to behaviours.csv, behaviours.jsonl and manifest.json.",
    responses=responses(raises=[jobs.ExportNotFound]),
)
def get_export(export_id: api.PathId) -> ExportOut:
    _admin()
    return jobs.export_status(export_id)


@app.get(
    "/v1/admin/exports/<export_id>/audit",
    tags=["admin"],
    summary="Audit the ledger against an export",
    description="Re-reads every record the export's JSONL file names, recomputes each content hash "
    "and each day's Merkle root: `ok`, how many were `checked`, and every record that is `missing` "
    "or whose content changed since (`content_changed`, with the fields that differ).",
    responses=responses(raises=[jobs.ExportNotFound, jobs.ExportNotCompleted]),
)
def audit_export(export_id: api.PathId) -> AuditOut:
    _admin()
    return checks.audit(export_id)


# ------------------------------------------------------------------ totals


@app.get(
    "/v1/admin/totals",
    tags=["admin"],
    summary="Reduction totals",
    description="gCO2e, coins and credits of the local days (Asia/Shanghai) `from`..`to` "
    "(YYYY-MM-DD, inclusive, at most 366 days), by `group_by` behaviour, partner, asset or day, "
    "with their sum. Kept by the stream aggregator: a claim shows up once its stream record is read.",
    responses=responses(raises=[totals.InvalidDate, totals.InvalidRange, totals.RangeTooLong,
                                totals.InvalidGroupBy]),
)
def get_totals(from_day: FromDay, to: ToDay, group_by: GroupBy) -> TotalsOut:
    _admin()
    return totals.query(from_day, to, group_by)


# ------------------------------------------------------------------ coin expiry


@app.put(
    "/v1/admin/coin-policy",
    tags=["admin"],
    summary="Set the coin expiry policy",
    description="积分有效期: `{\"expiry\": \"none\"}` (coins never expire: the default), "
    "`{\"expiry\": \"end_of_next_year\"}` (the coins earned in a year, Asia/Shanghai, expire at "
    "the end of the next year) or `{\"expiry\": \"years_after\", \"years\": n}` (at the end of "
    "the n-th year after, 1–10). Each change is a new version recording who and when. It applies "
    "to every lot, earned before it or after: a lot already past its new expiry lapses at the "
    "next daily run. Coins are spent oldest first.",
    responses=responses(raises=[(errors.Conflict, "version_conflict")]),
)
def put_coin_policy(body: Annotated[CoinPolicyIn, Body()]) -> CoinPolicyOut:
    who = _admin()
    return policy.set_policy(body, who.user_id)


@app.get(
    "/v1/admin/coin-policy",
    tags=["admin"],
    summary="The coin expiry policy",
    description="The policy in force (`version` 0: never set, no expiry) and every change, newest "
    "first, with who made it and when.",
)
def get_coin_policy() -> CoinPolicies:
    _admin()
    return policy.history()


lambda_handler = api.lambda_handler(app)
