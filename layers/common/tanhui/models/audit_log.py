"""The operators' action log (监管), in a table of its own (`AuditLogTable` in template.yaml).

- OperatorAction  pk=AUDITLOG#<YYYY-MM>, sk=<at>#<request id>: one successful operator write
                  (who, the route, its path parameters, a summary of the body, the status), put
                  once (attribute_not_exists) and never updated or deleted: the functions that
                  write it hold PutItem alone on that table.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from tanhui.config import get_settings
from tanhui.models.base import TableMeta

AUDITLOG_PREFIX = "AUDITLOG#"


class _AuditLogTable(type(TableMeta)):  # type: ignore[misc]
    @property
    def table_name(cls) -> str:
        return get_settings().audit_log_table_name


class AuditLogMeta(TableMeta, metaclass=_AuditLogTable):
    """TableMeta's options, on the action log's own table."""


def month_pk(month: str) -> str:
    """`month` is YYYY-MM (UTC)."""
    return f"{AUDITLOG_PREFIX}{month}"


class OperatorAction(Model):
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at = UnicodeAttribute()
    request_id = UnicodeAttribute()
    who = UnicodeAttribute()  # the operator's user id
    route = UnicodeAttribute()  # "PUT /v1/admin/factors/{behaviour}"
    path_params = JSONAttribute(default=dict)
    summary = JSONAttribute(default=dict)  # the body's fields its request model lets be logged
    fields = ListAttribute(of=UnicodeAttribute, default=list)  # every field the body sent, by name
    result = JSONAttribute(default=dict)  # the ids the answer named (partner_id, export_id, version…)
    status = NumberAttribute()

    @staticmethod
    def key(at: str, request_id: str) -> tuple[str, str]:
        return month_pk(at[:7]), f"{at}#{request_id}"


OperatorAction.Meta = AuditLogMeta  # type: ignore[assignment]  # see models.base.TableMeta
