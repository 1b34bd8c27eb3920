"""A rotating code says until when a claim of it is accepted (`accepted_until`), and that is the
claim's real acceptance window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tanhui import errors
from tanhui.claims import factors, scan
from tanhui.claims.schemas import ClaimIn
from tanhui.codes import issuing as codes

from tests.factories import make_asset, partner_item


@pytest.fixture(scope="module", autouse=True)
def _ready(aws):
    factors.seed_defaults()


def _at(iso: str) -> datetime:
    return datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_given_rotating_code_then_claims_accepted_until_accepted_until_and_refused_from_it(register):
    bus = make_asset(partner_item("transport_operator"), "vehicle")
    shown = codes.rotating_code(bus.partner_id, bus.asset_id, now=datetime.now(UTC).timestamp())
    until = _at(shown.accepted_until)
    assert until > _at(shown.valid_until)  # the code outlives its own step by the tolerance

    last_moment = scan.claim(register().user_id, ClaimIn(code=shown.url), at=until - timedelta(seconds=1))
    assert last_moment.created
    with pytest.raises(errors.CodeExpired):
        scan.claim(register().user_id, ClaimIn(code=shown.url), at=until)
