"""What every file type's rows are checked against and built into: the partner's context, the
plan that makes one row's behaviour records, and `Rejected` for a row that credits nothing.

The keys are the scans' own (`claims.keys`); the factor is the version in effect when the
behaviour happened. Each file type's spec (`imports.specs`) says which records its row makes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from tanhui import cache
from tanhui.claims import factors, keys
from tanhui.claims.scan import new_claim_id
from tanhui.codes.token import gtin14
from tanhui.imports.credit import INVALID, Quota
from tanhui.models.assets import Asset, AssetUnique, gtin_pk
from tanhui.models.base import iso_ms, plain
from tanhui.models.behaviour import BehaviourRecord, ledger_pk
from tanhui.models.partner import Partner, partner_pk


class Rejected(Exception):
    """The row credits nothing: `status` is its count (invalid, no_reduction, pending); what is
    wrong in Chinese and English, and the column and value it is about when there is one."""

    def __init__(
        self, status: str, code: str, en: str, zh: str, *, column: str | None = None, value: Any = None
    ):
        super().__init__(en)
        self.status, self.code, self.message, self.zh = status, code, en, zh
        self.column, self.value = column, (None if value is None or value == "" else str(value))


def invalid(code: str, en: str, zh: str, *, column: str | None = None, value: Any = None) -> Rejected:
    return Rejected(INVALID, code, en, zh, column=column, value=value)


# ---------------------------------------------------------------------------- the partner
@dataclass(frozen=True)
class Context:
    """What a partner's rows are checked against, loaded once per range (and cached)."""

    partner_id: str
    partner_name: str
    role: str
    monthly_coin_quota: int | None
    rooms: dict[str, Asset]  # room number and asset id -> hotel room
    products: dict[str, Asset]  # sku, GTIN-14 and asset id -> product SKU
    # a shop's sales: GTIN-14 -> another partner's product and that partner (None: nobody's)
    others: dict[str, tuple[Asset, Partner] | str | None] = field(default_factory=dict)  # or AMBIGUOUS

    @property
    def quota(self) -> Quota:
        return Quota(self.partner_id, self.monthly_coin_quota)

    def quota_of(self, partner_id: str) -> Quota:
        """The quota a record counts against: its partner's (a manufacturer's, for a shop's sale
        of its product), else the uploader's."""
        for found in self.others.values():
            if isinstance(found, tuple) and found[1].partner_id == partner_id:
                limit = found[1].monthly_coin_quota
                return Quota(partner_id, None if limit is None else int(limit))
        return self.quota


AMBIGUOUS = "ambiguous"  # ctx.others' mark of a GTIN more than one manufacturer registered


def product_by_gtin(ctx: Context, gtin: str) -> tuple[Asset, Partner] | None:
    """The product SKU with this GTIN-14 whichever manufacturer registered it, with that
    manufacturer (once per range and GTIN). A GTIN is one product (GS1): when two manufacturers
    registered it, the sale is nobody's to count — Rejected `gtin_ambiguous`, never the first found."""
    if gtin not in ctx.others:
        found: list[Asset] = []
        for holder in AssetUnique.by_gtin.query(gtin_pk(gtin)):
            try:
                asset = Asset.get(*Asset.key(holder.partner_id, holder.asset_id))
            except Asset.DoesNotExist:
                continue
            if asset.kind == "product_sku" and asset.status != "revoked":
                found.append(asset)
        makers = {a.partner_id for a in found}
        ctx.others[gtin] = (
            None if not found
            else AMBIGUOUS if len(makers) > 1
            else (found[0], Partner.get(*Partner.key(found[0].partner_id)))
        )
    got = ctx.others[gtin]
    if got == AMBIGUOUS:
        raise invalid(
            "gtin_ambiguous",
            "is registered by more than one manufacturer: the sale cannot be counted for either; "
            "ask the operator to settle whose product it is.",
            "被多家生产企业登记，无法确定是谁的产品：请联系平台运营方核实",
            column="gtin",
            value=gtin,
        )
    return got if isinstance(got, tuple) else None


def _add_product(products: dict[str, Asset], asset: Asset) -> None:
    attributes = plain(asset.attributes)
    products[asset.asset_id] = asset
    products.setdefault(str(attributes.get("sku", "")).strip().upper(), asset)
    gtin = gtin14(str(attributes.get("gtin") or ""))
    if gtin:
        products.setdefault(gtin, asset)


def context(partner_id: str, *, fresh: bool = False) -> Context:
    """The partner's context, from the per-container cache unless `fresh` (a range of a file
    reads it anew: a room or product the partner added just before uploading must be found)."""
    if fresh:
        cache.forget(("import_context", partner_id))

    def load() -> Context:
        partner = Partner.get(*Partner.key(partner_id))
        rooms: dict[str, Asset] = {}
        products: dict[str, Asset] = {}
        for asset in Asset.query(partner_pk(partner_id), Asset.sk.startswith("ASSET#")):
            if asset.status == "revoked":
                continue
            if asset.kind == "hotel_room":
                rooms[asset.asset_id] = asset
                rooms.setdefault(str(plain(asset.attributes).get("room_number", "")).strip().upper(), asset)
            elif asset.kind == "product_sku":
                _add_product(products, asset)
        return Context(
            partner_id=partner_id,
            partner_name=partner.name,
            role=partner.role,
            monthly_coin_quota=None
            if partner.monthly_coin_quota is None
            else int(partner.monthly_coin_quota),
            rooms=rooms,
            products=products,
        )

    return cache.cached(("import_context", partner_id), load)


# ------------------------------------------------------------------------------- the plan
def at_local(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=keys.LOCAL)


def month_start(month: str) -> date:
    return date.fromisoformat(f"{month}-01")


def when(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else at_local(value)


def factor_at(behaviour: str, occurred: datetime) -> Any:
    try:
        return factors.factor_for(behaviour, iso_ms(occurred))
    except factors.FactorMissing as exc:
        raise invalid(
            "factor_missing",
            f"No factor for {behaviour} was in effect then.",
            f"当时没有生效的 {behaviour} 减排因子",
        ) from exc


Built = tuple[str, list[BehaviourRecord], Any]  # behaviour, records, the factor (its daily and monthly caps)


@dataclass
class Plan:
    """Builds the records of one row for a known user."""

    ctx: Context
    file_type: str
    import_id: str
    object_key: str
    row_no: int
    now: datetime

    def record(
        self,
        key: str,
        behaviour: str,
        factor: Any,
        coins: int,
        gco2e: int,
        occurred: datetime,
        asset: Asset | None,
        user_id: str,
        evidence: dict[str, Any],
        *,
        partner: Partner | None = None,
    ) -> BehaviourRecord:
        """One behaviour record; `partner`: whose behaviour it counts as when not the uploader's
        (a shop's sale of a manufacturer's product counts for the manufacturer)."""
        created = iso_ms(self.now)
        claim_id = new_claim_id(self.now)
        return BehaviourRecord(
            *BehaviourRecord.key(key),
            claim_id=claim_id,
            user_id=user_id,
            behaviour=behaviour,
            channel="import",
            partner_id=partner.partner_id if partner else self.ctx.partner_id,
            partner_name=partner.name if partner else self.ctx.partner_name,
            asset_id=asset.asset_id if asset else None,
            asset_name=asset.name if asset else None,
            evidence={
                "import_id": self.import_id,
                "file": self.object_key,
                "row": self.row_no,
                "type": self.file_type,
                **evidence,
            },
            factor_version=int(factor.version),
            coins=coins,
            gco2e=gco2e,
            occurred_at=iso_ms(occurred),
            created_at=created,
            gsi1pk=ledger_pk(user_id),
            gsi1sk=f"{created}#{claim_id}",
        ).seal()

    def one(
        self,
        key: str,
        behaviour: str,
        factor: Any,
        reduction: tuple[int, int],
        occurred: datetime,
        asset: Asset | None,
        user_id: str,
        evidence: dict[str, Any],
        *,
        partner: Partner | None = None,
    ) -> Built:
        """A row that is one behaviour record. A reduction's fraction of a coin (milli-coins,
        `factors.Reduction`) goes into its evidence, for the carry (`credit._fit`)."""
        coins, gco2e = reduction
        remainder = getattr(reduction, "remainder", 0)
        if remainder:
            evidence = {**evidence, "remainder_millicoins": remainder}
        record = self.record(
            key, behaviour, factor, coins, gco2e, occurred, asset, user_id, evidence, partner=partner
        )
        return behaviour, [record], factor
