"""What a parsed file row credits, through its file type's spec: its person, its behaviour
records (at the scans' own de-duplication keys, with the factor in effect when it happened), and
which partner roles may send the file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tanhui import errors
from tanhui.claims import transaction as tx
from tanhui.imports.credit import Credit, Quota
from tanhui.imports.records import Context, Plan, Rejected, context
from tanhui.imports.specs import SPECS
from tanhui.partners import registry as partners

ROLES_OF_TYPE = {t: s.roles for t, s in SPECS.items()}  # which partner roles may hand in which file
BEHAVIOUR_OF_TYPE = {t: s.behaviour for t, s in SPECS.items()}

__all__ = [
    "BEHAVIOUR_OF_TYPE",
    "ImportTypeNotAllowed",
    "ROLES_OF_TYPE",
    "Context",
    "Plan",
    "Rejected",
    "context",
    "credit_of",
    "observe",
    "person",
    "quota_for",
    "require_type",
]


class ImportTypeNotAllowed(errors.Forbidden):
    code, message = "import_type_not_allowed", "This partner does not hand in this kind of file."


def require_type(partner_id: str, file_type: str) -> None:
    """Refuses (403) a file type the partner's role does not hand in."""
    role = partners.get_partner(partner_id).role  # not the whole context: no asset is needed here
    if role not in ROLES_OF_TYPE[file_type]:
        raise ImportTypeNotAllowed(
            f"A {role} does not hand in {file_type} files "
            f"(that is for: {', '.join(ROLES_OF_TYPE[file_type])})."
        )


def person(file_type: str, row: Any) -> tuple[str, str]:
    """How the row names its person: ("user", id), ("phone", E.164) or a bound number's kind."""
    return SPECS[file_type].person(row)


def credit_of(plan: Plan, row: Any, user_id: str) -> Credit:
    """The row's credit for `user_id`; raises Rejected when it credits nothing."""
    behaviour, records, factor = SPECS[plan.file_type].build(plan, row, user_id)
    monthly_cap = getattr(factor, "monthly_cap", None)
    return Credit(
        row=plan.row_no,
        import_id=plan.import_id,
        user_id=user_id,
        behaviour=behaviour,
        daily_cap=int(factor.daily_cap),
        monthly_cap=None if monthly_cap is None else int(monthly_cap),
        records=records,
        days=[
            tx.cap_day(datetime.fromisoformat(r.occurred_at.replace("Z", "+00:00"))) for r in records
        ],
    )


def observe(file_type: str, row: Any, ctx: Context) -> None:
    """What later rows compare against (a plate's days out this month, for car_trips)."""
    seen = SPECS[file_type].observe
    if seen is not None:
        seen(row, ctx)


def quota_for(ctx: Context, credit: Credit) -> Quota:
    """The monthly quota a credit counts against: its records' partner's (a manufacturer's, for a
    shop's sale of its product), else the uploader's."""
    owner = str(credit.records[0].partner_id) if credit.records else ctx.partner_id
    return ctx.quota if owner == ctx.partner_id else ctx.quota_of(owner)
