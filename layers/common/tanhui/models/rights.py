"""A person's rights under the Personal Information Protection Law (个人信息保护法).

    pk=USER#<id>, sk=DATA_EXPORT   the person's last copy of their data (个人信息副本): its id and
                                   time, and how many they asked for; a second copy within a
                                   minute is refused by the condition on `last_at`

The copies themselves are files in the export bucket under `personal/<user id>/<export id>/`
(`tanhui.rights.data_export`), which a lifecycle rule deletes after a day.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

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
