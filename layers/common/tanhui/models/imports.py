"""Partner imports: one item per uploaded file, rows waiting for their user, monthly issuance.

    ImportJob     pk=PARTNER#<partner>, sk=IMPORT#<import id>   (ids sort by time: newest first
                  is a reverse query of the partner's own partition, no index)
    PendingRow    pk=PENDING#<kind>#<value>, sk=<import id>#<row>  (TTL: 90 days)
    IssuedCoins   pk=PARTNER#<partner>, sk=ISSUED#<YYYYMM>       (the issuance quota's counter)
    ImportMapping pk=PARTNER#<partner>, sk=MAPPING#<file type>   (key: tanhui.imports.mappings)
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
)

from tanhui.models.base import TanhuiModel
from tanhui.models.partner import partner_pk

COUNTS = ("rows", "credited", "duplicate", "pending", "unmatched", "invalid", "over_quota", "no_reduction")


def import_sk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


class ImportJob(TanhuiModel):
    partner_id = UnicodeAttribute()
    import_id = UnicodeAttribute()
    file_type = UnicodeAttribute()
    filename = UnicodeAttribute()
    object_key = UnicodeAttribute()  # partners/<partner>/<type>/<import id>/<filename>
    # the upload record: what the presigned form allowed (imports.uploads holds an object to it)
    upload_max_bytes = NumberAttribute(null=True)
    upload_content_type = UnicodeAttribute(null=True)  # the one declared, which the form requires
    upload_expires_at = UnicodeAttribute(null=True)  # when the form stops being accepted
    status = UnicodeAttribute()  # awaiting_upload | processing | completed | quarantined | failed
    reason = UnicodeAttribute(null=True)  # why quarantined or failed
    reason_code = UnicodeAttribute(null=True)
    reason_zh = UnicodeAttribute(null=True)  # the same in Chinese (reason: English)
    source_header: ListAttribute = ListAttribute(null=True)  # the CSV's header row as written
    ignored_columns: ListAttribute = ListAttribute(null=True)  # its columns no field is read from
    notes: ListAttribute = ListAttribute(null=True)  # [[code, zh, en], ...] about the whole file
    skipped_rows = NumberAttribute(default=0)  # 合计 / total rows: not rows of anyone's behaviour
    object_version = UnicodeAttribute(null=True)  # the S3 version being imported
    size = NumberAttribute(null=True)
    encoding = UnicodeAttribute(null=True)
    file_format = UnicodeAttribute(null=True)  # csv | jsonl
    header: ListAttribute = ListAttribute(null=True)  # the CSV's canonical column names
    ranges: ListAttribute = ListAttribute(null=True)  # [[start, end, first_row], ...]
    # a workbook upload: read as the CSV converted from it (imports.workbooks)
    sheet = UnicodeAttribute(null=True)  # asked for in the request, then the one converted
    source_format = UnicodeAttribute(null=True)  # xlsx | xls
    converted_key = UnicodeAttribute(null=True)  # partners/<partner>/<type>/<import id>/converted.csv
    converted_version = UnicodeAttribute(null=True)
    numeric_columns: ListAttribute = ListAttribute(null=True)  # header texts of columns that held numbers
    ranges_total = NumberAttribute(default=0)
    ranges_sent = BooleanAttribute(null=True)  # every range's message is queued
    done_ranges = NumberSetAttribute(null=True)  # range numbers already counted (redelivery-safe)
    # counts (COUNTS) and sums, added to by each range as it completes
    rows = NumberAttribute(default=0)
    credited = NumberAttribute(default=0)
    duplicate = NumberAttribute(default=0)
    pending = NumberAttribute(default=0)
    unmatched = NumberAttribute(default=0)
    invalid = NumberAttribute(default=0)
    over_quota = NumberAttribute(default=0)
    no_reduction = NumberAttribute(default=0)
    coins = NumberAttribute(default=0)
    gco2e = NumberAttribute(default=0)
    reasons: MapAttribute = MapAttribute(default=dict)  # reason code -> rows
    report_key = UnicodeAttribute(null=True)
    rejects_key = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    completed_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(partner_id: str, import_id: str) -> tuple[str, str]:
        return partner_pk(partner_id), import_sk(import_id)


def pending_pk(kind: str, value: str) -> str:
    return f"PENDING#{kind}#{value}"


class PendingRow(TanhuiModel):
    """A file row whose person is not known yet (an unregistered phone, an unbound number) or has
    not consented: credited when they register, bind the number or consent, until it expires."""

    kind = UnicodeAttribute()  # phone | user | transit_card | ... (what the row names them by)
    value = UnicodeAttribute()
    partner_id = UnicodeAttribute()
    import_id = UnicodeAttribute()
    file_type = UnicodeAttribute()
    object_key = UnicodeAttribute()
    row = NumberAttribute()
    fields: MapAttribute = MapAttribute()  # the row as read from the file
    code = UnicodeAttribute(null=True)  # the reason the import counted it pending under
    created_at = UnicodeAttribute()

    @staticmethod
    def key(kind: str, value: str, import_id: str, row: int) -> tuple[str, str]:
        return pending_pk(kind, value), f"{import_id}#{row:09d}"


class IssuedCoins(TanhuiModel):
    """Coins a partner's files issued in a month (Asia/Shanghai), against its monthly quota."""

    partner_id = UnicodeAttribute()
    month = UnicodeAttribute()
    coins = NumberAttribute(default=0)

    @staticmethod
    def key(partner_id: str, month: str) -> tuple[str, str]:
        return partner_pk(partner_id), f"ISSUED#{month}"


class CarMonth(TanhuiModel):
    """pk=CARMONTH#<plate>, sk=<YYYY-MM>: the days a car went out in a month, from a property
    manager's gate records; the next month's row is compared with it (car-free days)."""

    plate = UnicodeAttribute()
    month = UnicodeAttribute()
    days_out = NumberAttribute()
    partner_id = UnicodeAttribute()

    @staticmethod
    def key(plate: str, month: str) -> tuple[str, str]:
        return f"CARMONTH#{plate}", month

    @classmethod
    def days_out_in(cls, plate: str, month: str) -> int | None:
        try:
            return int(cls.get(*cls.key(plate, month)).days_out)
        except cls.DoesNotExist:
            return None

    @classmethod
    def remember(cls, plate: str, month: str, days_out: int, partner_id: str) -> None:
        cls(*cls.key(plate, month), plate=plate, month=month, days_out=days_out, partner_id=partner_id).save()


class ImportMapping(TanhuiModel):
    """A partner's own header row for a file type: each header text as its clerks write it → the
    field it feeds (None: a column to ignore). Keyed by `tanhui.imports.mappings.key`."""

    partner_id = UnicodeAttribute()
    file_type = UnicodeAttribute()
    columns: ListAttribute = ListAttribute()  # [[header text, field or None], ...] in the file's order
    updated_by = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
