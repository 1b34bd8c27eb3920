"""The public registry (GET /v1/registry, no login): the registry's totals, the latest issuances
(by export and serial range), every holding account by name with its held and retired units, and
the latest retirements by serial range. No person's id: an individual's offset names them only by
their masked display name."""

from __future__ import annotations

from tanhui.models.registry import ACCOUNTS, RegistryAccount
from tanhui.registry import issuance, retirements
from tanhui.registry.schemas import AccountOut, RegistryOut

LATEST = 20
MAX_ACCOUNTS = 200


def registry() -> RegistryOut:
    state = issuance.state()
    holdings = [AccountOut.model_validate(a) for a in
                RegistryAccount.by_listing.query(ACCOUNTS, limit=MAX_ACCOUNTS, page_size=MAX_ACCOUNTS)]
    return RegistryOut(
        issued_units=int(state.issued_units), next_serial=int(state.next_serial), carry_g=int(state.carry_g),
        held_units=sum(a.held_units for a in holdings), retired_units=sum(a.retired_units for a in holdings),
        issuances=issuance.list_issuances(LATEST, None).items,
        holdings=holdings,
        retirements=retirements.list_retirements(LATEST, None).items,
    )
