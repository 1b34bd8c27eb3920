"""Certificates of a tourist's reductions over a period (the PDF of GET /v1/me/certificate.pdf).

pk=CERT#<certificate id>, sk=CERTIFICATE; gsi1pk=USER#<user>#CERTIFICATES, gsi1sk=<issued_at>#<id>
(the holder's certificates: a copy of their data lists them). The id is a keyed digest of
everything the certificate states (`tanhui.certificates.issuing.certificate_id`), so the item is
put once (conditional) and a second download with the same numbers finds it; new numbers make a
new id and a new item. Items are never changed (but for the index keys of one issued before the
index): a certificate confirms what it said when it was issued.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import Gsi1, TanhuiModel
from tanhui.models.identity import user_pk

CERTIFICATE_SK = "CERTIFICATE"


def certificates_pk(user_id: str) -> str:
    """gsi1pk of a user's certificates."""
    return f"{user_pk(user_id)}#CERTIFICATES"


class Certificate(TanhuiModel):
    certificate_id = UnicodeAttribute()
    user_id = UnicodeAttribute()  # whose ledger it sums: never shown by the public check
    display_name = UnicodeAttribute()
    period = UnicodeAttribute()  # YYYY or YYYY-MM (local dates, Asia/Shanghai)
    gco2e = NumberAttribute()
    coins = NumberAttribute()
    behaviours: MapAttribute = MapAttribute()  # {behaviour: number of credited records}
    issued_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)  # absent on certificates issued before the index
    gsi1sk = UnicodeAttribute(null=True)

    by_user = Gsi1()

    @staticmethod
    def key(certificate_id: str) -> tuple[str, str]:
        return f"CERT#{certificate_id}", CERTIFICATE_SK
