"""Every route in template.yaml × every kind of caller → the expected status, over the local
gateway (its JWT authorizer included), or a deployed stack's (`make e2e-remote`: its regulator
from TANHUI_REGULATOR_USER / TANHUI_REGULATOR_PASSWORD). Resources belong to `partner`; `partner2`
has the same partner role and must neither read nor change them; tourists only ever see their own
wallet; the `regulator` (监管) reads its own routes and is refused every write. The stack's own
settings (coin policy, offset rate, the platform's registry account) are written with the values
they have (`KEPT`), so the matrix changes none of them."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from infra.local import cfn
from tests.e2e import remote
from tests.support import unique_phone

CALLERS = ("anonymous", "tourist", "tourist2", "partner", "partner2", "admin", "regulator")
TICKET = {"kind": "ticket_product", "attributes": {"name": "年卡 Annual pass"}}
PARTNER_BODY = {"name": "矩阵景区", "role": "scenic_spot", "contact": {"name": "Ms Chen"}}
PLANT_FILE = {"type": "plant_adoptions", "filename": "x.csv"}
PLANT_PREVIEW = {"type": "plant_adoptions", "content_base64": base64.b64encode(
    "认养人电话,挂牌,树种,认养日\n13800138000,T-1,榕树,2026-11-01\n".encode()).decode()}
PLANT_MAPPING = {"columns": {"认养人电话": "adopter", "挂牌": "tree_id", "树种": "species",
                             "认养日": "adopted_on"}}
PROJECT = {"name": "红树林修复 Mangroves", "description": "Replant the estuary.", "goal_coins": 1000}
OFFER = {"title": "绿茶 Green tea", "description": "", "coins_cost": 1, "stock": 5,
         "valid_from": "2020-01-01T00:00:00Z", "valid_until": "2099-01-01T00:00:00Z", "voucher_valid_days": 7}
FACTOR = {"method": "per_night", "unit": "night", "gco2e_per_unit": 1, "coins_per_unit": 1,
          "daily_cap": 1, "source": "matrix", "effective_from": "2099-01-01T00:00:00Z"}


def row(anonymous: int, tourist: int, partner: int, partner2: int, admin: int,
        regulator: int = 403) -> dict[str, int]:
    return {"anonymous": anonymous, "tourist": tourist, "tourist2": tourist, "partner": partner,
            "partner2": partner2, "admin": admin, "regulator": regulator}


TOURIST_ONLY = row(401, 200, 403, 403, 403)
ADMIN_ONLY = row(401, 403, 403, 403, 200)
REGULATOR_ONLY = row(401, 403, 403, 403, 403, regulator=200)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


# route key -> (method, path with {placeholders}, body or a callable making one, expected statuses)
MATRIX: dict[str, tuple[str, str, Any, dict[str, int]]] = {
    # public: identity with bodies that fail validation, docs, code landing pages
    "POST /v1/auth/register": ("POST", "/v1/auth/register", {}, everyone(422)),
    "POST /v1/auth/confirm": ("POST", "/v1/auth/confirm", {}, everyone(422)),
    "POST /v1/auth/login": ("POST", "/v1/auth/login", {}, everyone(422)),
    "POST /v1/auth/refresh": ("POST", "/v1/auth/refresh", {}, everyone(401)),  # no token, no cookie
    "POST /v1/auth/logout": ("POST", "/v1/auth/logout", {}, everyone(204)),  # nothing to revoke
    "GET /v1/consent": ("GET", "/v1/consent", None, everyone(200)),
    "GET /openapi.json": ("GET", "/openapi.json", None, everyone(200)),
    "GET /.well-known/apple-app-site-association": ("GET", "/.well-known/apple-app-site-association", None,
                                                    everyone(200)),
    "HEAD /.well-known/apple-app-site-association": ("HEAD", "/.well-known/apple-app-site-association", None,
                                                     everyone(200)),
    "GET /.well-known/assetlinks.json": ("GET", "/.well-known/assetlinks.json", None, everyone(200)),
    "HEAD /.well-known/assetlinks.json": ("HEAD", "/.well-known/assetlinks.json", None, everyone(200)),
    "GET /docs": ("GET", "/docs", None, everyone(200)),
    "GET /Q/{code}": ("GET", "/Q/{code}", None, everyone(200)),
    "GET /01/{gtin}/21/{code}": ("GET", "/01/06901234567892/21/AAAAAAAAAAAA", None, everyone(404)),
    "HEAD /Q/{code}": ("HEAD", "/Q/{code}", None, everyone(200)),
    "HEAD /01/{gtin}/21/{code}": ("HEAD", "/01/06901234567892/21/AAAAAAAAAAAA", None, everyone(404)),
    # a tourist's own account
    "GET /v1/me": ("GET", "/v1/me", None, row(401, 200, 200, 200, 200, regulator=200)),
    "POST /v1/me/consent": ("POST", "/v1/me/consent", {"version": "2026-11", "accepted": True},
                            TOURIST_ONLY),
    # tourists of their own (`world["withdrawing"]`): a withdrawn consent stops the others' claims
    "DELETE /v1/me/consent": ("DELETE", "/v1/me/consent", None, row(401, 204, 403, 403, 403)),
    "POST /v1/claims": ("POST", "/v1/claims", {"code": "{claim_url}"}, row(401, 201, 403, 403, 403)),
    "GET /v1/me/wallet": ("GET", "/v1/me/wallet", None, TOURIST_ONLY),
    "GET /v1/me/bindings": ("GET", "/v1/me/bindings", None, TOURIST_ONLY),
    "PUT /v1/me/bindings": ("PUT", "/v1/me/bindings", {"daily_km": 12.5}, TOURIST_ONLY),
    "GET /v1/me/ledger": ("GET", "/v1/me/ledger", None, TOURIST_ONLY),
    # a copy of my data: each tourist's own, once here (the next within a minute is 429)
    "POST /v1/me/data-export": ("POST", "/v1/me/data-export", None, row(401, 201, 403, 403, 403)),
    # closing an account: each tourist's own (`world["closing"]`), once
    "POST /v1/me/account/close": ("POST", "/v1/me/account/close",
                                  {"password": "green-trip-2026", "coins": "forfeit"},
                                  row(401, 201, 403, 403, 403)),
    # engagement: tourists' boards (a partner's by its id: partner2's is empty) and medals
    "GET /v1/leaderboard": ("GET", "/v1/leaderboard?scope=partner&partner_id={partner_id}", None,
                            row(401, 200, 403, 403, 200)),  # the operator reads boards too
    "GET /v1/me/medals": ("GET", "/v1/me/medals", None, TOURIST_ONLY),
    # certificates: nothing was credited in 2025 (404 no_credits_in_period); the check is public
    "GET /v1/me/certificate.pdf": ("GET", "/v1/me/certificate.pdf?period=2025", None,
                                   row(401, 404, 403, 403, 403)),
    "GET /v1/certificates/{certificate_id}": ("GET", "/v1/certificates/AAAAAAAAAAAAAAAAAAAAAAAA", None,
                                              everyone(404)),
    "HEAD /v1/certificates/{certificate_id}": ("HEAD", "/v1/certificates/AAAAAAAAAAAAAAAAAAAAAAAA",
                                               None, everyone(404)),
    # donations: more coins than any matrix tourist holds (409 insufficient_coins)
    "GET /v1/projects": ("GET", "/v1/projects", None, row(401, 200, 200, 200, 200, regulator=200)),
    "POST /v1/donations": ("POST", "/v1/donations", {"project_id": "{project}", "coins": 10**6},
                           row(401, 409, 403, 403, 403)),
    "GET /v1/me/donations": ("GET", "/v1/me/donations", None, TOURIST_ONLY),
    "POST /v1/admin/projects": ("POST", "/v1/admin/projects", PROJECT, row(401, 403, 403, 403, 201)),
    "POST /v1/admin/projects/{project_id}/close": ("POST", "/v1/admin/projects/{close_project}/close",
                                                   None, ADMIN_ONLY),
    "GET /v1/admin/projects": ("GET", "/v1/admin/projects", None, ADMIN_ONLY),
    # government buyback: the matrix tourists earned nothing a round buys (409 buyback_not_eligible)
    "POST /v1/admin/buyback-rounds": ("POST", "/v1/admin/buyback-rounds", lambda: _buyback_round(),
                                      row(401, 403, 403, 403, 201)),
    "GET /v1/admin/buyback-rounds": ("GET", "/v1/admin/buyback-rounds", None, ADMIN_ONLY),
    "GET /v1/admin/buyback-rounds/{round_id}": ("GET", "/v1/admin/buyback-rounds/{buyback}", None,
                                                ADMIN_ONLY),
    "POST /v1/admin/buyback-rounds/{round_id}/close": (
        "POST", "/v1/admin/buyback-rounds/{close_buyback}/close", None, ADMIN_ONLY),
    "POST /v1/admin/buyback-rounds/{round_id}/payouts": (
        "POST", "/v1/admin/buyback-rounds/{paid_buyback}/payouts", None, row(401, 403, 403, 403, 201)),
    "GET /v1/admin/buyback-rounds/{round_id}/payouts/{payout_id}": (
        "GET", "/v1/admin/buyback-rounds/{paid_buyback}/payouts/{payout}", None, ADMIN_ONLY),
    "GET /v1/buyback-rounds": ("GET", "/v1/buyback-rounds", None, TOURIST_ONLY),
    "POST /v1/buyback-rounds/{round_id}/offers": ("POST", "/v1/buyback-rounds/{buyback}/offers", {"coins": 1},
                                                  row(401, 409, 403, 403, 403)),
    "GET /v1/me/buyback-offers": ("GET", "/v1/me/buyback-offers", None, TOURIST_ONLY),
    # the registry (签发 / 转移登记 / 注销): the operator's routes; a partner of the matrix is a scenic
    # spot, no holder (403 registry_not_a_holder on the holders' routes); the public ones answer anyone
    "POST /v1/admin/registry/issuances": ("POST", "/v1/admin/registry/issuances", {"export_id": "0" * 26},
                                          row(401, 403, 403, 403, 404)),  # no such export
    "GET /v1/admin/registry/issuances": ("GET", "/v1/admin/registry/issuances", None, ADMIN_ONLY),
    "GET /v1/admin/registry/issuances/{issuance_id}": ("GET", "/v1/admin/registry/issuances/" + "0" * 26,
                                                       None, row(401, 403, 403, 403, 404)),
    "GET /v1/admin/registry/accounts": ("GET", "/v1/admin/registry/accounts", None, ADMIN_ONLY),
    "PUT /v1/admin/registry/accounts/{account_id}": (
        "PUT", "/v1/admin/registry/accounts/PLATFORM",
        lambda: {"transfers_allowed": KEPT["platform_transfers"]}, ADMIN_ONLY),
    "POST /v1/admin/registry/transfers": ("POST", "/v1/admin/registry/transfers",
                                          {"from": "PLATFORM", "to": "{partner_id}", "units": 1,
                                           "reason": "m"},
                                          row(401, 403, 403, 403, 409)),  # a scenic spot holds no units
    "GET /v1/admin/registry/transfers": ("GET", "/v1/admin/registry/transfers", None, ADMIN_ONLY),
    "PUT /v1/admin/registry/offset-rate": ("PUT", "/v1/admin/registry/offset-rate",
                                           lambda: {"coins_per_unit": KEPT["offset_rate"]}, ADMIN_ONLY),
    "GET /v1/partner/registry/account": ("GET", "/v1/partner/registry/account", None,
                                         row(401, 403, 403, 403, 403)),
    "POST /v1/partner/registry/retirements": (
        "POST", "/v1/partner/registry/retirements",
        {"units": 1, "beneficiary": "矩阵论坛", "purpose": "m",
         "emission": {"kind": "event", "description": "m"}},
        row(401, 403, 403, 403, 403)),
    "POST /v1/partner/registry/transfers": ("POST", "/v1/partner/registry/transfers",
                                            {"to": "PLATFORM", "units": 1, "reason": "m"},
                                            row(401, 403, 403, 403, 403)),
    # more coins than any matrix tourist holds, or no rate or units yet: 409 either way
    "POST /v1/me/offsets": ("POST", "/v1/me/offsets", {"coins": 10**6}, row(401, 409, 403, 403, 403)),
    "GET /v1/regulator/registry/issuances": ("GET", "/v1/regulator/registry/issuances", None, REGULATOR_ONLY),
    "GET /v1/regulator/registry/transfers": ("GET", "/v1/regulator/registry/transfers", None, REGULATOR_ONLY),
    "GET /v1/regulator/registry/retirements": ("GET", "/v1/regulator/registry/retirements", None,
                                               REGULATOR_ONLY),
    "GET /v1/regulator/registry/accounts": ("GET", "/v1/regulator/registry/accounts", None, REGULATOR_ONLY),
    "GET /v1/registry": ("GET", "/v1/registry", None, everyone(200)),
    "GET /v1/registry/offset-rate": ("GET", "/v1/registry/offset-rate", None, everyone(200)),
    "GET /v1/registry/retirements/{retirement_id}": ("GET", "/v1/registry/retirements/" + "0" * 26, None,
                                                     everyone(404)),
    "GET /v1/registry/retirements/{retirement_id}/certificate.pdf": (
        "GET", "/v1/registry/retirements/" + "0" * 26 + "/certificate.pdf", None, everyone(404)),
    # platform operators
    "POST /v1/admin/partners": ("POST", "/v1/admin/partners", PARTNER_BODY, row(401, 403, 403, 403, 201)),
    "GET /v1/admin/partners": ("GET", "/v1/admin/partners", None, ADMIN_ONLY),
    "GET /v1/admin/partners/{partner_id}": ("GET", "/v1/admin/partners/{partner_id}", None, ADMIN_ONLY),
    "POST /v1/admin/partners/{partner_id}/users": (
        "POST", "/v1/admin/partners/{partner_id}/users",
        lambda: {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "M"},
        row(401, 403, 403, 403, 201)),
    "GET /v1/admin/partners/{partner_id}/users": ("GET", "/v1/admin/partners/{partner_id}/users", None,
                                                  ADMIN_ONLY),
    "GET /v1/admin/partners/{partner_id}/quota": ("GET", "/v1/admin/partners/{partner_id}/quota", None,
                                                  ADMIN_ONLY),
    "DELETE /v1/admin/partners/{partner_id}/users/{user_id}": (  # admin: no such staff login
        "DELETE", "/v1/admin/partners/{partner_id}/users/" + "0" * 26, None, row(401, 403, 403, 403, 404)),
    "PUT /v1/admin/factors/{behaviour}": ("PUT", "/v1/admin/factors/no_such_behaviour", FACTOR,
                                          row(401, 403, 403, 403, 404)),
    "GET /v1/admin/factors/{behaviour}": ("GET", "/v1/admin/factors/hotel_low_carbon_night", None,
                                          ADMIN_ONLY),
    "GET /v1/admin/factors": ("GET", "/v1/admin/factors", None, ADMIN_ONLY),
    "PUT /v1/admin/coin-policy": ("PUT", "/v1/admin/coin-policy", lambda: KEPT["coin_policy"], ADMIN_ONLY),
    "GET /v1/admin/coin-policy": ("GET", "/v1/admin/coin-policy", None, ADMIN_ONLY),
    "GET /v1/admin/totals": ("GET", "/v1/admin/totals?from=2026-11-01&to=2026-11-30&group_by=partner", None,
                             ADMIN_ONLY),
    # a partner's own resources: partner2 (same role) gets 404, as if they did not exist
    "GET /v1/partner/profile": ("GET", "/v1/partner/profile", None, row(401, 403, 200, 200, 403)),
    # each partner's own totals (partner2 sees its own, empty)
    "GET /v1/partner/totals": ("GET", "/v1/partner/totals?from=2026-11-01&to=2026-11-30&group_by=asset", None,
                               row(401, 403, 200, 200, 403)),
    "POST /v1/partner/assets": ("POST", "/v1/partner/assets", TICKET, row(401, 403, 201, 201, 403)),
    "GET /v1/partner/assets": ("GET", "/v1/partner/assets", None, row(401, 403, 200, 200, 403)),
    "GET /v1/partner/assets/{asset_id}": ("GET", "/v1/partner/assets/{asset}", None,
                                          row(401, 403, 200, 404, 403)),
    "PATCH /v1/partner/assets/{asset_id}": ("PATCH", "/v1/partner/assets/{asset}",
                                            {"attributes": {"name": "{caller}"}},
                                            row(401, 403, 200, 404, 403)),
    "DELETE /v1/partner/assets/{asset_id}": ("DELETE", "/v1/partner/assets/{retire_asset}", None,
                                             row(401, 403, 200, 404, 403)),
    "POST /v1/partner/assets/{asset_id}/revoke": ("POST", "/v1/partner/assets/{revoke_asset}/revoke", None,
                                                  row(401, 403, 200, 404, 403)),
    "GET /v1/partner/assets/{asset_id}/code": ("GET", "/v1/partner/assets/{room}/code", None,
                                               row(401, 403, 200, 404, 403)),
    "GET /v1/partner/assets/{asset_id}/rotating-code": ("GET", "/v1/partner/assets/{asset}/rotating-code",
                                                        None, row(401, 403, 422, 404, 403)),
    "POST /v1/partner/codes": ("POST", "/v1/partner/codes", {"asset_id": "{asset}", "count": 1},
                               row(401, 403, 201, 404, 403)),
    "GET /v1/partner/codes/{code_file}": ("GET", "/v1/partner/codes/{code}.png", None,
                                          row(401, 403, 200, 404, 403)),
    "POST /v1/partner/codes/{code_id}/revoke": ("POST", "/v1/partner/codes/{revoke_code}/revoke", None,
                                                row(401, 403, 200, 404, 403)),
    "POST /v1/partner/code-batches": ("POST", "/v1/partner/code-batches", {"asset_id": "{asset}", "count": 1},
                                      row(401, 403, 202, 404, 403)),
    "GET /v1/partner/code-batches": ("GET", "/v1/partner/code-batches", None, row(401, 403, 200, 200, 403)),
    "GET /v1/partner/code-batches/{batch_id}": ("GET", "/v1/partner/code-batches/{batch}", None,
                                                row(401, 403, 200, 404, 403)),
    "POST /v1/partner/code-batches/{batch_id}/revoke": (
        "POST", "/v1/partner/code-batches/{revoke_batch}/revoke", None, row(401, 403, 200, 404, 403)),
    # partner files (the partner is a scenic spot: plant adoptions are its kind of file)
    "POST /v1/partner/imports": ("POST", "/v1/partner/imports", PLANT_FILE, row(401, 403, 201, 201, 403)),
    "GET /v1/partner/imports": ("GET", "/v1/partner/imports", None, row(401, 403, 200, 200, 403)),
    "GET /v1/partner/imports/{import_id}": ("GET", "/v1/partner/imports/{import}", None,
                                            row(401, 403, 200, 404, 403)),
    "POST /v1/partner/imports/preview": ("POST", "/v1/partner/imports/preview", PLANT_PREVIEW,
                                         row(401, 403, 200, 200, 403)),
    "GET /v1/partner/import-mappings/{file_type}": ("GET", "/v1/partner/import-mappings/plant_adoptions",
                                                    None, row(401, 403, 200, 404, 403)),  # partner2: none
    "PUT /v1/partner/import-mappings/{file_type}": ("PUT", "/v1/partner/import-mappings/plant_adoptions",
                                                    PLANT_MAPPING, row(401, 403, 200, 200, 403)),
    "PUT /v1/admin/partners/{partner_id}/alliance": (
        "PUT", "/v1/admin/partners/{partner_id}/alliance", {"alliance": True}, ADMIN_ONLY),
    # spending: the partner is a scenic spot in the alliance, partner2 a scenic spot outside it
    "POST /v1/partner/offers": ("POST", "/v1/partner/offers", OFFER, row(401, 403, 201, 403, 403)),
    "GET /v1/partner/offers": ("GET", "/v1/partner/offers", None, row(401, 403, 200, 200, 403)),
    "PATCH /v1/partner/offers/{offer_id}": ("PATCH", "/v1/partner/offers/{offer}", {"title": "{caller}"},
                                            row(401, 403, 200, 404, 403)),
    "DELETE /v1/partner/offers/{offer_id}": ("DELETE", "/v1/partner/offers/{withdraw_offer}", None,
                                             row(401, 403, 200, 404, 403)),
    "POST /v1/partner/vouchers/consume": ("POST", "/v1/partner/vouchers/consume", {"code": "{voucher}"},
                                          row(401, 403, 200, 403, 403)),  # 403 voucher_other_merchant
    "GET /v1/offers": ("GET", "/v1/offers", None, TOURIST_ONLY),
    "GET /v1/offers/{offer_id}": ("GET", "/v1/offers/{offer}", None, TOURIST_ONLY),
    "POST /v1/redemptions": ("POST", "/v1/redemptions", {"offer_id": "NOSUCHOFFER0"},
                             row(401, 422, 403, 403, 403)),
    "GET /v1/me/vouchers": ("GET", "/v1/me/vouchers", None, TOURIST_ONLY),
    "GET /v1/me/vouchers/{voucher_file}": ("GET", "/v1/me/vouchers/0000000000000000.png", None,
                                           row(401, 404, 403, 403, 403)),
    "PUT /v1/admin/partners/{partner_id}/quota": (
        "PUT", "/v1/admin/partners/{partner_id}/quota", {"monthly_coins": 100000}, ADMIN_ONLY),
    # ledger exports: the operator's, and the public check of a completed one
    "POST /v1/admin/exports": ("POST", "/v1/admin/exports", lambda: {"from": _today(), "to": _today()},
                               row(401, 403, 403, 403, 202)),
    "GET /v1/admin/exports": ("GET", "/v1/admin/exports", None, ADMIN_ONLY),
    "GET /v1/admin/exports/{export_id}": ("GET", "/v1/admin/exports/{export}", None, ADMIN_ONLY),
    "GET /v1/admin/exports/{export_id}/audit": ("GET", "/v1/admin/exports/{export}/audit", None, ADMIN_ONLY),
    "GET /v1/verify/exports/{export_id}": ("GET", "/v1/verify/exports/{export}", None, everyone(200)),
    # peer platforms (滤重): only a peer's client-credentials token passes the peers' authorizer
    # (tests/integration/test_peers.py calls them as peers); the operator onboards and audits peers
    "POST /v1/peers/keys/check": ("POST", "/v1/peers/keys/check", {"keys": ["0" * 64]}, everyone(401)),
    "POST /v1/peers/keys/register": ("POST", "/v1/peers/keys/register", {"keys": ["0" * 64]}, everyone(401)),
    "GET /v1/peers/calls": ("GET", "/v1/peers/calls", None, everyone(401)),
    "POST /v1/admin/peers": ("POST", "/v1/admin/peers",
                             lambda: {"peer_id": f"matrix-{uuid.uuid4().hex[:8]}", "name": "矩阵平台",
                                      "per_minute": 100}, row(401, 403, 403, 403, 201)),
    "GET /v1/admin/peers/{peer_id}/calls": ("GET", "/v1/admin/peers/matrix-peer/calls", None, ADMIN_ONLY),
    "PATCH /v1/admin/peers/{peer_id}": ("PATCH", "/v1/admin/peers/matrix-none", {"per_minute": 5},
                                        row(401, 403, 403, 403, 404)),  # admin: no such peer
    "GET /v1/admin/peers": ("GET", "/v1/admin/peers", None, ADMIN_ONLY),
    "GET /v1/regulator/peers": ("GET", "/v1/regulator/peers", None, REGULATOR_ONLY),
    "GET /v1/regulator/peers/{peer_id}/calls": ("GET", "/v1/regulator/peers/matrix-peer/calls", None,
                                                REGULATOR_ONLY),
    # supervision (监管): the regulator's reads, nobody else's
    "GET /v1/regulator/audit-log": ("GET", "/v1/regulator/audit-log", None, REGULATOR_ONLY),
    "GET /v1/regulator/audit-log.csv": ("GET", "/v1/regulator/audit-log.csv", None, REGULATOR_ONLY),
    "GET /v1/regulator/exports": ("GET", "/v1/regulator/exports", None, REGULATOR_ONLY),
    "GET /v1/regulator/exports/{export_id}": ("GET", "/v1/regulator/exports/{export}", None, REGULATOR_ONLY),
    "GET /v1/regulator/exports/{export_id}/audit": ("GET", "/v1/regulator/exports/{export}/audit", None,
                                                    REGULATOR_ONLY),
    "GET /v1/regulator/totals": ("GET", "/v1/regulator/totals?from=2026-11-01&to=2026-11-30&group_by=partner",
                                 None, REGULATOR_ONLY),
    "GET /v1/regulator/factors": ("GET", "/v1/regulator/factors", None, REGULATOR_ONLY),
    "GET /v1/regulator/factors/{behaviour}": ("GET", "/v1/regulator/factors/hotel_low_carbon_night", None,
                                              REGULATOR_ONLY),
    "GET /v1/regulator/partners": ("GET", "/v1/regulator/partners", None, REGULATOR_ONLY),
    "GET /v1/regulator/partners/{partner_id}": ("GET", "/v1/regulator/partners/{partner_id}", None,
                                                REGULATOR_ONLY),
    "GET /v1/regulator/partners/{partner_id}/quota": (
        "GET", "/v1/regulator/partners/{partner_id}/quota", None, REGULATOR_ONLY),
    "GET /v1/regulator/coin-policy": ("GET", "/v1/regulator/coin-policy", None, REGULATOR_ONLY),
}


# the stack's settings as `world` found them: the matrix writes them back as they are
KEPT: dict[str, Any] = {}


def _buyback_round() -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    def at(days: int) -> str:
        return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {"title_zh": "矩阵回购", "title_en": "Matrix buyback", "price_fen": 5, "budget_fen": 1000,
            "opens_at": at(-1), "closes_at": at(7), "behaviours": ["transit_trip"]}


def _today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


def test_every_route_in_the_template_is_in_the_matrix():
    routes = {r.route_key for r in cfn.http_routes(cfn.load_template())}
    assert set(MATRIX) == routes


def _fill(value: Any, names: dict[str, str]) -> Any:
    if callable(value):
        value = value()
    if isinstance(value, str):
        return value.format(**names) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _partner(http: Any, admin: Any, role: str) -> Any:
    made = remote.new_partner(http, admin.access_token, f"matrix {role}", role)
    session = remote.login(http, made["login"]["phone"], made["login"]["password"])
    session.partner_id = made["partner_id"]
    return session


def _keep_settings(http: Any, admin: Any) -> None:
    status, policy, _ = http.get("/v1/admin/coin-policy", token=admin.access_token)
    assert status == 200, policy
    current = policy["current"]
    years = {"years": current["years"]} if current["years"] else {}
    KEPT["coin_policy"] = {"expiry": current["expiry"]} | years
    status, rate, _ = http.get("/v1/registry/offset-rate")
    assert status == 200, rate
    KEPT["offset_rate"] = rate["coins_per_unit"] or 10  # none set: 10 (a deployed stack then has one)
    status, accounts, _ = http.get("/v1/admin/registry/accounts?limit=100", token=admin.access_token)
    assert status == 200, accounts
    platform = [a for a in accounts["items"] if a["account_id"] == "PLATFORM"]
    KEPT["platform_transfers"] = bool(platform and platform[0].get("transfers_allowed"))


@pytest.fixture(scope="module")
def world(request, http, admin) -> dict[str, Any]:
    drain = None
    if remote.remote():
        remote.require_factors(http, admin)
    else:
        from tanhui.claims import factors

        drain = request.getfixturevalue("local_stack").dispatcher.drain
        factors.seed_defaults()

    def register() -> Any:
        return remote.tourist(http, "T", "green-trip-2026")  # the password POST /v1/me/account/close sends

    def make_partner(role: str) -> Any:
        return _partner(http, admin, role)

    _keep_settings(http, admin)
    partner, partner2 = make_partner("scenic_spot"), make_partner("scenic_spot")
    hotel = make_partner("hotel")
    tokens = {"anonymous": None, "tourist": register().access_token, "tourist2": register().access_token,
              "partner": partner.access_token, "partner2": partner2.access_token, "admin": admin.access_token,
              "regulator": remote.regulator(http).access_token}

    def made(method: str, path: str, body: Any, who: Any) -> dict[str, Any]:
        status, out, _ = http.request(method, path, body, token=who.access_token)
        assert status in (200, 201, 202), out
        return out

    asset, retire, revoke = (
        made("POST", "/v1/partner/assets", TICKET, partner)["asset_id"] for _ in range(3)
    )
    codes = made("POST", "/v1/partner/codes", {"asset_id": asset, "count": 2}, partner)
    batch = made("POST", "/v1/partner/code-batches", {"asset_id": asset, "count": 1}, partner)["batch_id"]
    revoke_batch = made("POST", "/v1/partner/code-batches", {"asset_id": asset, "count": 1}, partner)
    rooms = [
        made("POST", "/v1/partner/assets", {"kind": "hotel_room", "attributes": {"room_number": n}}, hotel)
        for n in ("9", "1")
    ]
    room_url = made("GET", f"/v1/partner/assets/{rooms[0]['asset_id']}/code", None, hotel)["url"]
    upload = made("POST", "/v1/partner/imports", PLANT_FILE, partner)
    made("PUT", "/v1/partner/import-mappings/plant_adoptions", PLANT_MAPPING, partner)
    project, close_project = (
        made("POST", "/v1/admin/projects", PROJECT, admin)["project_id"] for _ in range(2)
    )
    made("PUT", f"/v1/admin/partners/{partner.partner_id}/alliance", {"alliance": True}, admin)
    offer, withdraw = (made("POST", "/v1/partner/offers", OFFER, partner)["offer_id"] for _ in range(2))
    buyer = register()
    made("POST", "/v1/claims", {"code": room_url}, buyer)  # 2 coins for the night
    status, voucher, _ = http.request("POST", "/v1/redemptions", {"offer_id": offer},
                                      token=buyer.access_token, headers={"Idempotency-Key": "matrix"})
    assert status == 201, voucher
    export = made("POST", "/v1/admin/exports", {"from": _today(), "to": _today()}, admin)["export_id"]
    buyback, close_buyback, paid_buyback = (
        made("POST", "/v1/admin/buyback-rounds", _buyback_round(), admin)["round_id"] for _ in range(3)
    )
    made("POST", f"/v1/admin/buyback-rounds/{paid_buyback}/close", None, admin)
    payout = made("POST", f"/v1/admin/buyback-rounds/{paid_buyback}/payouts", None, admin)["payout_id"]
    remote.settle(lambda: http.get(f"/v1/admin/exports/{export}", token=admin.access_token),  # its queue
                  lambda got: got[1].get("status") not in ("pending", "running"), drain)
    names = {"asset": asset, "retire_asset": retire, "revoke_asset": revoke,
             "code": codes["codes"][0]["code_id"], "revoke_code": codes["codes"][1]["code_id"],
             "batch": batch, "revoke_batch": revoke_batch["batch_id"], "partner_id": partner.partner_id,
             "claim_url": room_url, "room": rooms[1]["asset_id"],  # static codes need a room: the hotel's
             "import": upload["import_id"], "project": project, "close_project": close_project,
             "offer": offer, "withdraw_offer": withdraw, "voucher": voucher["code"],
             "export": export, "buyback": buyback, "close_buyback": close_buyback,
             "paid_buyback": paid_buyback, "payout": payout}
    withdrawing = {"tourist": register().access_token, "tourist2": register().access_token}
    closing = {"tourist": register().access_token, "tourist2": register().access_token}
    return {"tokens": tokens, "names": names, "partner": partner, "hotel": hotel, "withdrawing": withdrawing,
            "closing": closing}


@pytest.mark.parametrize("route_key", sorted(MATRIX))
def test_given_each_caller_then_route_answers_as_the_matrix_says(http, world, route_key):
    method, path, body, expected = MATRIX[route_key]
    got = {}
    for caller in CALLERS:
        names = world["names"] | {"caller": caller}
        if route_key == "GET /v1/partner/assets/{asset_id}/code":  # a hotel room: the hotel's own
            token = world["hotel"].access_token if caller == "partner" else world["tokens"][caller]
        elif route_key == "DELETE /v1/me/consent":
            token = world["withdrawing"].get(caller) or world["tokens"][caller]
        elif route_key == "POST /v1/me/account/close":
            token = world["closing"].get(caller) or world["tokens"][caller]
        else:
            token = world["tokens"][caller]
        # a fresh Idempotency-Key on every POST, as the web clients send (coin-moving routes need one)
        key = {"Idempotency-Key": f"matrix-{uuid.uuid4()}"} if method == "POST" else None
        status, reply, _ = http.request(method, _fill(path, names), _fill(body, names), token=token,
                                        headers=key)
        got[caller] = status
        if status >= 400 and path.startswith("/v1/") and method != "HEAD":  # HTML pages, HEAD: no body
            # HTTP API answers its own refusals (no route, the JWT authorizer's) with {"message": …}
            gateway = remote.remote() and isinstance(reply, dict) and set(reply) == {"message"}
            assert isinstance(reply, dict) and (gateway or reply["error"]["code"]), (route_key, caller, reply)
    assert got == expected


def test_given_another_partner_of_the_same_role_then_nothing_of_the_first_is_listed_or_changed(
    http, world
):
    names, tokens = world["names"], world["tokens"]
    listed = http.get("/v1/partner/assets", token=tokens["partner2"])[1]["items"]
    assert names["asset"] not in {a["asset_id"] for a in listed}
    http.request("PATCH", f"/v1/partner/assets/{names['asset']}", {"attributes": {"name": "hijacked"}},
                 token=tokens["partner2"])
    mine = http.get(f"/v1/partner/assets/{names['asset']}", token=tokens["partner"])[1]
    assert mine["name"] != "hijacked" and mine["status"] == "active"


def test_given_a_tourists_claim_then_another_tourist_sees_none_of_it(http, world):
    tokens, url = world["tokens"], world["names"]["claim_url"]
    http.post("/v1/claims", {"code": url}, token=tokens["tourist"])
    mine = http.get("/v1/me/ledger", token=tokens["tourist"])[1]["items"]
    theirs = http.get("/v1/me/ledger", token=tokens["tourist2"])[1]["items"]
    assert mine and not ({e["entry_id"] for e in mine} & {e["entry_id"] for e in theirs})
