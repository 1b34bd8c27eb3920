"""The rows of partner files, by file type: the columns each type has (and the names clerks give
them), and `parse_row`, which turns one row's fields into the type's frozen row model or raises
`RowInvalid` naming the column and the value. Each type's own rules live in its spec
(`imports.specs.<type>`); this module is what the rest of the import reads them through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from tanhui.identity.phones import normalise_phone
from tanhui.imports.specs import LOOKUP, SPECS, Column, Spec, header_key
from tanhui.imports.specs.car_trips import CarTrips
from tanhui.imports.specs.hotel_stays import HotelStay
from tanhui.imports.specs.plant_adoptions import PlantAdoption
from tanhui.imports.specs.product_sales import ProductSale
from tanhui.imports.specs.transit_trips import TransitTrips
from tanhui.imports.specs.utility_savings import UtilitySaving
from tanhui.imports.specs.waste_sorting import WasteSorting
from tanhui.imports.values import LOCAL_TIME, RowInvalid, Who

FileType = Literal[
    "hotel_stays",
    "product_sales",
    "plant_adoptions",
    "transit_trips",
    "utility_savings",
    "car_trips",
    "waste_sorting",
]
FILE_TYPES: tuple[str, ...] = get_args(FileType)
assert tuple(SPECS) == FILE_TYPES, "FileType lists the specs, in order"
SCHEMAS: dict[str, Spec] = SPECS
Row = HotelStay | ProductSale | PlantAdoption | TransitTrips | UtilitySaving | CarTrips | WasteSorting

__all__ = [
    "FILE_TYPES",
    "LOCAL_TIME",
    "LOOKUP",
    "SCHEMAS",
    "CarTrips",
    "Column",
    "FileType",
    "HotelStay",
    "PlantAdoption",
    "ProductSale",
    "Row",
    "RowInvalid",
    "TransitTrips",
    "UtilitySaving",
    "WasteSorting",
    "Who",
    "canonical_column",
    "column_name",
    "header_for",
    "normalise_phone",
    "parse_row",
    "schemas_markdown",
]


def header_for(file_type: str) -> tuple[str, ...]:
    """The canonical header of a file type, every column in order (a template's first row)."""
    return tuple(c.name for c in SPECS[file_type].columns)


column_name = header_key


def canonical_column(file_type: str, text: str) -> str | None:
    """The spec column a header name (or one of its aliases) stands for, or None."""
    found = LOOKUP[file_type].get(header_key(text))
    return found[0] if found else None


def schemas_markdown() -> str:
    """The table of file columns in docs/partners.md, made from the specs."""
    lines = ["| file type | column | required | value | also accepted as |", "|---|---|---|---|---|"]
    for spec in SPECS.values():
        for i, c in enumerate(spec.columns):
            first = f"`{spec.file_type}` — {spec.description}" if i == 0 else ""
            aliases = ", ".join(a for a in c.aliases if a != c.name)
            group = next((g for g in spec.one_of if c.name in g), None)
            needed = "yes" if c.required else (f"one of {' / '.join(group)}" if group else "no")
            cells = (first, f"`{c.name}`", needed, c.description, aliases)
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def parse_row(file_type: str, fields: Mapping[str, Any]) -> Row:
    """One row's typed value. Keys may be the canonical names or any alias; an empty value is
    a missing one. Raises RowInvalid naming the column."""
    if file_type not in SPECS:
        raise ValueError(f"unknown file type {file_type!r}")
    canonical: dict[str, Any] = {}
    for key, value in fields.items():
        name = canonical_column(file_type, str(key))
        if name is None:
            raise RowInvalid(str(key), None, "不是这种文件的列", "is not a column of this file type")
        if name in canonical:
            raise RowInvalid(name, None, "出现了两次", "is given twice")
        canonical[name] = None if value == "" else value
    row: Row = SPECS[file_type].parse(canonical)
    return row
