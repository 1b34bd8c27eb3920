"""Trees and plants adopted at a scenic spot, reported by its office (§三 植物认养): one credit a
tree and year."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tanhui.claims import factors, keys
from tanhui.imports import values as v
from tanhui.imports.records import Built, Plan, factor_at, when
from tanhui.imports.specs.base import DATE, PHONE_ALIASES, WHO, Spec, col, one_day


@dataclass(frozen=True)
class PlantAdoption:
    adopter: v.Who
    tree_id: str
    species: str
    age_years: int | None
    height_m: Decimal | None
    adopted_on: date


def parse(f: Mapping[str, Any]) -> PlantAdoption:
    return PlantAdoption(
        adopter=v.who("adopter", f.get("adopter")),
        tree_id=v.required("tree_id", f.get("tree_id")),
        species=v.required("species", f.get("species")),
        age_years=v.integer("age_years", f.get("age_years"), 0, 500),
        height_m=v.decimal("height_m", f.get("height_m"), 150),
        adopted_on=v.need("adopted_on", v.day("adopted_on", f.get("adopted_on"))),
    )


def build(plan: Plan, row: PlantAdoption, user_id: str) -> Built:
    behaviour, occurred = "plant_adoption", when(row.adopted_on)
    factor = factor_at(behaviour, occurred)
    evidence = {
        "tree_id": row.tree_id,
        "species": row.species,
        "age_years": row.age_years if row.age_years is not None else "",
        "height_m": str(row.height_m) if row.height_m is not None else "",
    }
    key = keys.plant_adoption(plan.ctx.partner_id, row.tree_id, occurred.year)
    reduction = factors.units_reduction(factor, 1)
    return plan.one(key, behaviour, factor, reduction, occurred, None, user_id, evidence)


SPEC = Spec(
    file_type="plant_adoptions",
    description="Trees and plants adopted at a scenic spot, reported by its office (§三 植物认养).",
    roles=("scenic_spot",),
    behaviour="plant_adoption",
    columns=(
        col(
            "adopter", WHO, *PHONE_ALIASES, "认养人手机", "认养人手机号", "碳普惠账户", "认养人",
            "adopter", "phone", "mobile", "user_id",
        ),
        col(
            "tree_id", "the plant's tag number", "树木编号", "植物编号", "挂牌号", "认养编号", "编号",
            "tree id", "tree no", "tag",
        ),
        col("species", "species as written", "植物种类", "树种", "品种", "种类", "植物名称", "species"),
        col("age_years", "whole years 0–500", "树龄", "age", required=False),
        col("height_m", "metres 0–150, decimal", "高度", "树高", "height", required=False),
        col("adopted_on", DATE, "认养日期", "认养时间", "日期", "adopted on", "date"),
    ),
    row=PlantAdoption,
    parse=parse,
    person=lambda row: ("user" if row.adopter.kind == "user_id" else "phone", row.adopter.value),
    build=build,
    days=lambda row: one_day(row.adopted_on),
    date_column="adopted_on",
    identifiers=("tree_id",),
)
