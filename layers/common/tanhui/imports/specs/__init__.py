"""One spec per partner file type; a new file type is one module here and its tests."""

from __future__ import annotations

from tanhui.imports.specs import (
    car_trips,
    hotel_stays,
    plant_adoptions,
    product_sales,
    transit_trips,
    utility_savings,
    waste_sorting,
)
from tanhui.imports.specs.base import Column, Spec, header_key, lookup

SPECS: dict[str, Spec] = {
    m.SPEC.file_type: m.SPEC
    for m in (
        hotel_stays,
        product_sales,
        plant_adoptions,
        transit_trips,
        utility_savings,
        car_trips,
        waste_sorting,
    )
}
LOOKUP: dict[str, dict[str, tuple[str, int]]] = {t: lookup(s) for t, s in SPECS.items()}

__all__ = ["LOOKUP", "SPECS", "Column", "Spec", "header_key"]
