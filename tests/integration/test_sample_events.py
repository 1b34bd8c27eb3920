"""Every sample event in events/ runs through its function (as `sam local invoke` would).

The folder names the function (functions/<folder>/); known events pin their status, every
other one must be answered without a server error.
"""

import json
from pathlib import Path

import pytest

from infra.local import cfn

EVENTS = Path(__file__).resolve().parents[2] / "events"
EXPECTED = {
    "identity/register.json": 201,
    "identity/register_without_consent.json": 422,
    "identity/refresh.json": 401,
    "identity/me.json": 404,  # a sample sub with no profile
    "identity/give_consent.json": 404,  # the same sample sub: no such user
    "identity/bindings.json": 200,  # the same sample sub: no bindings
    "identity/bind_numbers.json": 403,  # the same sample sub: no consent
    "admin/create_partner.json": 201,
    "admin/create_partner_as_tourist.json": 403,
    "partner/profile.json": 403,  # a sample sub that is no partner's staff
    "partner/create_asset.json": 403,
    "partner/create_code_batch.json": 403,
    "partner/list_code_batches.json": 403,
    "partner/preview_import.json": 403,  # a sample sub that is no partner's staff
    "partner/get_import_mapping.json": 403,
    "partner/put_import_mapping.json": 403,
    "docs/openapi.json": 200,
    "landing/scanned_code.json": 404,  # a code signed with another key
    "claims/claim_invalid_code.json": 422,
    "claims/wallet.json": 404,  # a sample sub with no wallet
    "claims/ledger.json": 200,
    "claims/certificate.json": 404,  # the same sample sub: no profile
    "claims/check_certificate.json": 404,  # no certificate has this id
    "admin/list_factors.json": 200,
    "regulator/audit_log.json": 200,
    "regulator/audit_log_as_operator.json": 403,  # the operator does not read their own log here
    "regulator/factors.json": 200,
    "admin/create_project.json": 201,
    "donations/list_projects.json": 200,
    "donations/donate_unknown_project.json": 404,
    "rights/close_account.json": 404,  # the sample sub has no profile: nothing to close
    "donations/my_donations.json": 200,
    "spending/list_offers.json": 200,
    "spending/my_vouchers.json": 200,
    "spending/my_voucher.json": 404,  # the sample sub has no voucher of this id
    "spending/redeem_unknown_offer.json": 404,
    "admin/create_export.json": 202,
    "verify/verify_unknown_export.json": 404,
    "admin/totals_by_behaviour.json": 200,
    "partner/totals_by_day.json": 403,  # a sample sub that is no partner's staff
    "engagement/leaderboard.json": 200,  # nothing credited this week: no entries, `me` null
    "engagement/medals.json": 200,
    "engagement/leaderboard_as_operator.json": 200,  # the operator reads the board, `me` null
    "admin/list_exports.json": 200,
    "registry/public_registry.json": 200,
    "registry/check_unknown_retirement.json": 404,
    "admin/list_projects.json": 200,
    "admin/list_partner_users.json": 404,  # no partner FFFFFF
    "admin/partner_quota.json": 404,
    "wellknown/apple_app_site_association.json": 200,
    "wellknown/assetlinks.json": 200,
    "rights/data_export.json": 404,  # the sample sub: no profile
    "buyback/offer_unknown_round.json": 404,
    "buyback/open_rounds.json": 200,  # none open, or none the sample sub may sell into
    "buyback/my_offers.json": 200,
    "peers/check_unknown_client.json": 403,  # a peer token whose app client no peer owns
}


def _function_by_folder():
    out = {}
    for name, spec in cfn.functions(cfn.load_template()).items():
        module = spec.code_uri / spec.handler.rpartition(".")[0].replace(".", "/")
        out[module.parent.name] = name
    return out


SAMPLES = sorted(str(p.relative_to(EVENTS)) for p in EVENTS.rglob("*.json"))


def test_every_function_has_a_sample_event():
    assert set(_function_by_folder()) <= {s.split("/")[0] for s in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_event_is_handled(functions, sample):
    event = json.loads((EVENTS / sample).read_text())
    function = functions[_function_by_folder()[sample.split("/")[0]]]
    result = function.invoke(event)
    if "Records" in event:  # SQS: nothing reported as failed
        assert result == {"batchItemFailures": []}
        return
    if event.get("source") == "aws.events":  # a schedule: the run's counts
        assert set(result) >= {"refunded", "skipped"} or set(result) >= {"entries", "coins"}, result
        return
    assert result["statusCode"] < 500, result
    if sample in EXPECTED:
        assert result["statusCode"] == EXPECTED[sample], result["body"]
    if result["statusCode"] >= 400 and "json" in result["headers"].get("Content-Type", ""):
        assert json.loads(result["body"])["error"]["code"]
