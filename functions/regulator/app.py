"""Regulator API (监管): read-only. The operators' action log (pages and CSV), ledger exports and
their audit, totals, factors, partners (without their contacts) and the coin expiry policy. Every
route is a GET; the function's role in template.yaml reads and never writes."""

from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from tanhui import api, errors
from tanhui.claims import factors
from tanhui.claims.schemas import FactorList, FactorVersions
from tanhui.exports import checks, jobs
from tanhui.exports.schemas import AuditOut, ExportList, ExportOut
from tanhui.imports import quota
from tanhui.imports.schemas import QuotaOut
from tanhui.openapi import responses
from tanhui.partners import registry
from tanhui.reductions import totals
from tanhui.reductions.schemas import FromDay, GroupBy, ToDay, TotalsOut
from tanhui.supervision import action_log
from tanhui.supervision.schemas import Day, Month, OperatorActionList, PartnerSeen, PartnerSeenList
from tanhui.wallet import policy
from tanhui.wallet.schemas import CoinPolicies

PARTNER_NOT_FOUND = (errors.NotFound, "partner_not_found")
INVALID_CURSOR = (errors.BadRequest, "invalid_cursor")
Cursor = Annotated[str | None, Query(max_length=2048)]
CSV = "text/csv; charset=utf-8"

app = APIGatewayHttpResolver(enable_validation=True, serializer=api.to_json)
api.install(app, allow=("regulator",))


@app.get(
    "/v1/regulator/audit-log",
    tags=["regulator"],
    summary="The operators' action log",
    description="Every successful operator write of a UTC `month` (default: this month), or of one `day` of "
    "it, newest first, a page at a time (`cursor` of the previous page): when, who (the operator's user id), "
    "the route, its path parameters, the body's loggable fields with their values and the names of the "
    "others (never a person's name, phone, email or password), the ids the answer named, the status. "
    "Appended once, never changed.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_operator_actions(
    month: Month = None, day: Day = None, limit: api.PageLimit = 50, cursor: Cursor = None
) -> OperatorActionList:
    return action_log.list_actions(month, day, limit, cursor)


@app.get(
    "/v1/regulator/audit-log.csv",
    tags=["regulator"],
    summary="The operators' action log as CSV",
    description="The same actions of a `month` (or one `day` of it), oldest first, as one CSV file: UTF-8 "
    "with a byte-order mark, one header row, objects as compact JSON. At most "
    f"{action_log.MAX_CSV_ROWS} actions (422 `audit_log_too_large`: ask for a day).",
    responses=responses(200, "The CSV file.", content={"text/csv": {}}, raises=[action_log.AuditLogTooLarge]),
)
def operator_actions_csv(month: Month = None, day: Day = None):  # a CSV body: no response model
    name = f"operator-actions-{month or 'this-month'}{'-' + day if day else ''}.csv"
    return Response(200, CSV, action_log.csv_of(month, day),
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@app.get(
    "/v1/regulator/exports",
    tags=["regulator"],
    summary="Ledger exports",
    description="Every export the operator made, newest first, a page at a time: status, range, counts, "
    "the manifest's SHA-256 and, once completed, `verify_path`, the public check.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_exports(limit: api.PageLimit = 20, cursor: Cursor = None) -> ExportList:
    return jobs.list_exports(limit, cursor)


@app.get(
    "/v1/regulator/exports/<export_id>",
    tags=["regulator"],
    summary="An export's status and files",
    description="As the operator sees it: once completed, 15-minute download links to behaviours.csv, "
    "behaviours.jsonl and manifest.json.",
    responses=responses(raises=[jobs.ExportNotFound]),
)
def get_export(export_id: api.PathId) -> ExportOut:
    return jobs.export_status(export_id)


@app.get(
    "/v1/regulator/exports/<export_id>/audit",
    tags=["regulator"],
    summary="Audit the ledger against an export",
    description="Re-reads every record the export names and recomputes each content hash and each day's "
    "Merkle root: `ok`, how many were `checked`, and every record `missing` or changed since.",
    responses=responses(raises=[jobs.ExportNotFound, jobs.ExportNotCompleted]),
)
def audit_export(export_id: api.PathId) -> AuditOut:
    return checks.audit(export_id)


@app.get(
    "/v1/regulator/totals",
    tags=["regulator"],
    summary="Reduction totals",
    description="The platform's gCO2e, coins and credits of the local days `from`..`to` (YYYY-MM-DD, at most "
    "366 days) by `group_by` behaviour, partner, asset or day, as the operator sees them.",
    responses=responses(raises=[totals.InvalidDate, totals.InvalidRange, totals.RangeTooLong,
                                totals.InvalidGroupBy]),
)
def get_totals(from_day: FromDay, to: ToDay, group_by: GroupBy) -> TotalsOut:
    return totals.query(from_day, to, group_by)


@app.get(
    "/v1/regulator/factors",
    tags=["regulator"],
    summary="Factors in effect",
    description="The factor version in effect now for each behaviour, with its source.",
)
def list_factors() -> FactorList:
    return factors.current_all()


@app.get(
    "/v1/regulator/factors/<behaviour>",
    tags=["regulator"],
    summary="A behaviour's factor versions",
    description="Every version of one behaviour's factor (who set it, when, from when it applies, its "
    "source) and which is in effect now.",
    responses=responses(raises=[factors.UnknownBehaviour]),
)
def get_factor_versions(behaviour: api.PathId) -> FactorVersions:
    return factors.versions(behaviour)


@app.get(
    "/v1/regulator/partners",
    tags=["regulator"],
    summary="Partners",
    description="Every partner, newest first, a page at a time: role, status, alliance membership and "
    "monthly coin quota; not its contact person.",
    responses=responses(raises=[INVALID_CURSOR]),
)
def list_partners(limit: api.PageLimit = 20, cursor: Cursor = None) -> PartnerSeenList:
    page = registry.list_partners(limit, cursor)
    return PartnerSeenList(items=[PartnerSeen.model_validate(p.model_dump()) for p in page.items],
                           next_cursor=page.next_cursor)


@app.get(
    "/v1/regulator/partners/<partner_id>",
    tags=["regulator"],
    summary="A partner",
    description="One partner's role, status, alliance membership and monthly coin quota; not its contact.",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def get_partner(partner_id: api.PathId) -> PartnerSeen:
    return PartnerSeen.model_validate(registry.partner_out(partner_id).model_dump())


@app.get(
    "/v1/regulator/partners/<partner_id>/quota",
    tags=["regulator"],
    summary="A partner's monthly coin quota",
    description="Issuance supervision (发放监管): the coins the partner's files may issue per calendar month "
    "(`null`: no quota) and what they issued this month (Asia/Shanghai).",
    responses=responses(raises=[PARTNER_NOT_FOUND]),
)
def get_quota(partner_id: api.PathId) -> QuotaOut:
    return quota.current(partner_id.upper())


@app.get(
    "/v1/regulator/coin-policy",
    tags=["regulator"],
    summary="The coin expiry policy",
    description="The policy in force and every change, newest first, with who made it and when.",
)
def get_coin_policy() -> CoinPolicies:
    return policy.history()


lambda_handler = api.lambda_handler(app)
