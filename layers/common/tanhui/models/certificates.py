"""Certificates of a tourist's reductions over a period (the PDF of GET /v1/me/certificate.pdf).

pk=CERT#<certificate id>, sk=CERTIFICATE. The id is a keyed digest of everything the certificate
states (`tanhui.certificates.issuing.certificate_id`), so the item is put once (conditional) and a
second download with the same numbers finds it; new numbers make a new id and a new item. Items
are never changed: a certificate confirms what it said when it was issued.
"""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute

from tanhui.models.base import TanhuiModel

CERTIFICATE_SK = "CERTIFICATE"


class Certificate(TanhuiModel):
    certificate_id = UnicodeAttribute()
    user_id = UnicodeAttribute()  # whose ledger it sums: never shown by the public check
    display_name = UnicodeAttribute()
    period = UnicodeAttribute()  # YYYY or YYYY-MM (local dates, Asia/Shanghai)
    gco2e = NumberAttribute()
    coins = NumberAttribute()
    behaviours: MapAttribute = MapAttribute()  # {behaviour: number of credited records}
    issued_at = UnicodeAttribute()

    @staticmethod
    def key(certificate_id: str) -> tuple[str, str]:
        return f"CERT#{certificate_id}", CERTIFICATE_SK
