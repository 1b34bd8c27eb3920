"""The operator's coin expiry policy (积分有效期): immutable, numbered versions, the newest in
force; none set means no expiry, so nothing changes until the operator sets one.

A PUT creates version n+1 with a conditional put (two concurrent PUTs cannot both take n+1),
recording who and when. Readers of a balance use a per-container cache
(`settings.metadata_cache_seconds`); the expiry job reads the newest version strongly.
"""

from __future__ import annotations

from tanhui import cache, errors
from tanhui.models.base import put_once, utc_now
from tanhui.models.identity import display_names
from tanhui.models.wallet import POLICY_PK, CoinPolicyVersion
from tanhui.observability import logger
from tanhui.wallet.schemas import CoinPolicies, CoinPolicyIn, CoinPolicyOut

CACHE_KEY = ("coin_policy",)


def no_expiry() -> CoinPolicyOut:
    """What is in force before the operator sets a policy (built on use: not at a cold start)."""
    return CoinPolicyOut(expiry="none", years=None, version=0)


def _newest(limit: int | None, consistent: bool = False) -> list[CoinPolicyVersion]:
    return list(CoinPolicyVersion.query(
        POLICY_PK, CoinPolicyVersion.sk.startswith("VERSION#"), scan_index_forward=False,
        limit=limit, consistent_read=consistent,
    ))


def current(*, consistent: bool = False) -> CoinPolicyOut:
    """The policy in force (strongly read when `consistent`; otherwise cached per container)."""
    def load() -> CoinPolicyOut:
        found = _newest(1, consistent)
        return CoinPolicyOut.model_validate(found[0]) if found else no_expiry()

    return load() if consistent else cache.cached(CACHE_KEY, load)


def _named(found: list[CoinPolicyVersion]) -> list[CoinPolicyOut]:
    """The versions, each with its operator's display name (one BatchGetItem)."""
    names = display_names(v.created_by or "" for v in found)
    return [CoinPolicyOut.model_validate(v).model_copy(
        update={"created_by_name": names.get(v.created_by or "")}) for v in found]


def history() -> CoinPolicies:
    versions = _named(_newest(None, consistent=True))
    return CoinPolicies(current=versions[0] if versions else no_expiry(), versions=versions)


def set_policy(body: CoinPolicyIn, by: str | None, *, now: str | None = None) -> CoinPolicyOut:
    created = now or utc_now()
    for _ in range(10):
        latest = _newest(1, consistent=True)
        version = int(latest[0].version) + 1 if latest else 1
        item = CoinPolicyVersion(
            *CoinPolicyVersion.key(version), version=version, expiry=body.expiry, years=body.years,
            created_at=created, created_by=by,
        )
        if not put_once(item):
            continue  # another operator took this number: read the newest again
        cache.forget(CACHE_KEY)
        logger.info("coin policy set", extra={"version": version, "expiry": body.expiry, "years": body.years})
        return _named([item])[0]
    raise errors.Conflict("Another policy change is in progress; try again.", code="version_conflict")
