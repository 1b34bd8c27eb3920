"""A person's rights under the Personal Information Protection Law (个人信息保护法).

    pk=USER#<id>, sk=DATA_EXPORT   the person's last copy of their data (个人信息副本): its id and
                                   time, and how many they asked for; a second copy within a
                                   minute is refused by the condition on `last_at`

    pk=CLOSURE#<id>, sk=CLOSURE        an account's closing (注销): when, what became of its coins
                                   and vouchers, how many records were pseudonymised, and the
                                   consents it had given and withdrawn (versions and times). It
                                   names no one: no user id, phone or name, and nothing links it
                                   to the person but the closing id they were answered.

The copies themselves are files in the export bucket under `personal/<user id>/<export id>/`
(`tanhui.rights.data_export`), which a lifecycle rule deletes after a day.
"""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel
from tanhui.models.identity import user_pk


class DataExportMark(TanhuiModel):
    user_id = UnicodeAttribute()
    last_export_id = UnicodeAttribute()
    last_at = UnicodeAttribute()
    copies = NumberAttribute(default=0)  # copies made

    @staticmethod
    def key(user_id: str) -> tuple[str, str]:
        return user_pk(user_id), "DATA_EXPORT"


class AccountClosure(TanhuiModel):
    closure_id = UnicodeAttribute()
    status = UnicodeAttribute()  # closing | closed
    started_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    coins = UnicodeAttribute()  # forfeit | donate: what the person chose for their unspent coins
    coins_forfeited = NumberAttribute(default=0)
    coins_donated = NumberAttribute(default=0)
    project_id = UnicodeAttribute(null=True)  # donate: the project
    vouchers_cancelled = NumberAttribute(default=0)
    records_pseudonymised = NumberAttribute(default=0)
    # [{version, accepted_at, withdrawn_at}]: the consent records, without the person
    consents: ListAttribute = ListAttribute(of=MapAttribute, default=list)
    # [{round_id, reference, coins, amount_fen}]: buyback payouts still owed, by the payout reference
    buyback: ListAttribute = ListAttribute(of=MapAttribute, default=list)

    @staticmethod
    def key(closure_id: str) -> tuple[str, str]:
        return f"CLOSURE#{closure_id}", "CLOSURE"
