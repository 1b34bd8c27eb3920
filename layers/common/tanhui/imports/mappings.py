"""A partner's own header row, saved once per file type: each header text as its clerks write it →
the field it feeds, or null for a column to leave out. A later file whose header row holds every
mapped text (compared as headers are: case, spaces, full width and a trailing unit forgiven) is
read by it: the saved mapping wins over the spec's aliases for that partner; the file's other
columns still go by the aliases to fields the mapping does not feed.

    ImportMapping  pk=PARTNER#<partner>, sk=MAPPING#<file type>

A mapping is checked when saved: its fields are the file type's, none is fed by two headers, every
required field (and one of each group, nights or check_out) is fed, no two header texts are one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from tanhui import errors
from tanhui.imports import plans
from tanhui.imports.schemas import MappingIn, MappingOut
from tanhui.imports.specs import SPECS, header_key
from tanhui.models.base import iso_ms
from tanhui.models.imports import ImportMapping
from tanhui.models.partner import partner_pk

Saved = dict[str, str | None]  # header key -> field (None: ignored)


def key(partner_id: str, file_type: str) -> tuple[str, str]:
    return partner_pk(partner_id), f"MAPPING#{file_type}"


class MappingNotFound(errors.NotFound):
    code, message = "import_mapping_not_found", "No mapping is saved for this file type."


class UnknownField(errors.Unprocessable):
    code, message = "mapping_unknown_field", "A header is mapped to a field this file type does not have."


class FieldMappedTwice(errors.Unprocessable):
    code, message = "mapping_field_twice", "Two headers are mapped to one field."


class FieldUnmapped(errors.Unprocessable):
    code, message = "mapping_field_missing", "A required field is mapped by no header."


class HeaderTwice(errors.Unprocessable):
    code, message = "mapping_header_twice", "Two header texts are the same header."


def check(file_type: str, columns: Mapping[str, str | None]) -> None:
    """Raises the first of the mapping's problems (422, a stable code, the header and field named)."""
    spec = SPECS[file_type]
    names = [c.name for c in spec.columns]
    seen_keys: dict[str, str] = {}
    fed: dict[str, str] = {}
    for text, field in columns.items():
        folded = header_key(text)
        if folded in seen_keys:
            raise HeaderTwice(
                f"「{seen_keys[folded]}」和「{text}」是同一个表头。"
                f'("{seen_keys[folded]}" and "{text}" are the same header.)',
                details=[{"field": f"columns.{text}", "problem": "the same header as " + seen_keys[folded]}],
            )
        seen_keys[folded] = text
        if field is None:
            continue
        if field not in names:
            raise UnknownField(
                f"{file_type} 文件没有 {field!r} 这一项；可用的有：{'、'.join(names)}。"
                f"({file_type} files have no field {field!r}; they have: {', '.join(names)}.)",
                details=[{"field": f"columns.{text}", "problem": f"unknown field {field!r}"}],
            )
        if field in fed:
            raise FieldMappedTwice(
                f"「{fed[field]}」和「{text}」都对应 {field}：一项只能对应一列。"
                f'("{fed[field]}" and "{text}" are both mapped to {field}: one column a field.)',
                details=[{"field": f"columns.{text}", "problem": f"{field} is mapped twice"}],
            )
        fed[field] = text
    missing = [c.name for c in spec.columns if c.required and c.name not in fed]
    missing += ["/".join(g) for g in spec.one_of if not any(n in fed for n in g)]
    if missing:
        raise FieldUnmapped(
            f"没有哪一列对应 {'、'.join(missing)}。(No header is mapped to {', '.join(missing)}.)",
            details=[{"field": "columns", "problem": f"{m} is not mapped"} for m in missing],
        )


def put(partner_id: str, file_type: str, body: MappingIn, by: str) -> MappingOut:
    """PUT /v1/partner/import-mappings/{file_type}: the partner's mapping, checked, replaced whole."""
    plans.require_type(partner_id, file_type)
    return out(save(partner_id, file_type, body.columns, by))


def get_out(partner_id: str, file_type: str) -> MappingOut:
    """GET /v1/partner/import-mappings/{file_type}."""
    plans.require_type(partner_id, file_type)
    return out(get(partner_id, file_type))


def out(item: ImportMapping) -> MappingOut:
    return MappingOut(type=item.file_type, columns=columns_of(item), updated_at=item.updated_at)


def save(partner_id: str, file_type: str, columns: Mapping[str, str | None], by: str) -> ImportMapping:
    check(file_type, columns)
    item = ImportMapping(
        *key(partner_id, file_type),
        partner_id=partner_id,
        file_type=file_type,
        columns=[[text, field or ""] for text, field in columns.items()],
        updated_by=by,
        updated_at=iso_ms(datetime.now(UTC)),
    )
    item.save()
    return item


def get(partner_id: str, file_type: str) -> ImportMapping:
    try:
        return ImportMapping.get(*key(partner_id, file_type), consistent_read=True)
    except ImportMapping.DoesNotExist as exc:
        raise MappingNotFound() from exc


def columns_of(item: ImportMapping) -> dict[str, str | None]:
    return {str(text): (str(field) or None) for text, field in item.columns}


def saved(partner_id: str, file_type: str) -> Saved | None:
    """The partner's mapping by header key, for the survey; None when there is none."""
    try:
        item = ImportMapping.get(*key(partner_id, file_type), consistent_read=True)
    except ImportMapping.DoesNotExist:
        return None
    return {header_key(text): field for text, field in columns_of(item).items()}

