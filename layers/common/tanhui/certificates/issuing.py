"""Issuing a certificate from the holder's own ledger, and its public check.

**Numbers.** The credited `earn` records of the user's ledger (gsi1 `USER#<id>#LEDGER`) whose
behaviour happened in the period: `occurred_at` from the period's first local midnight to the
next one after it (Asia/Shanghai). The query's key condition reads only records credited since the
period began (gsi1sk starts with created_at, and a behaviour is credited when or after it
happens), the filter keeps the period's: a year of one person's records is a few thousand at most.
(Imports do not yet refuse a file row dated after its upload: one credited before its period
began is missed.)

**Id.** HMAC-SHA-256 under a key derived from the active code-signing key (`codes.keyring`) of
everything the certificate states (user, display name, period, gCO2e, coins, behaviour counts),
120 bits as 24 base32 characters: the same numbers give the same id (the item is put once,
conditionally, and its first `issued_at` stays), new numbers a new id, and without the key an id
can neither be guessed from another nor tell whose it is. After a key rotation the same numbers
get a new id; certificates issued before stay where they are.

**The holder's list.** A certificate is on gsi1 under `USER#<id>#CERTIFICATES` (`mine`, read by a
copy of the holder's data); one issued before that index is put on it when its numbers are
downloaded again.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tanhui import errors
from tanhui.certificates import periods
from tanhui.certificates.schemas import (
    BehaviourCountOut,
    CertificateCheckOut,
    CertificateList,
    CertificateOut,
)
from tanhui.claims.schemas import BEHAVIOUR_NAMES, BEHAVIOURS
from tanhui.codes import keyring
from tanhui.config import get_settings
from tanhui.models.base import plain, put_once, utc_now
from tanhui.models.behaviour import STATUS_CREDITED, BehaviourRecord, ledger_pk
from tanhui.models.certificates import Certificate, certificates_pk
from tanhui.models.identity import UserProfile
from tanhui.models.pages import decode_cursor, page_items

if TYPE_CHECKING:
    from tanhui.certificates.pdf import CertificatePage

ID_KEY_LABEL = b"tanhui certificate id v1"  # derives the id key from a code-signing key
ID_BYTES = 15  # 120 bits: 24 base32 characters
ID_PATTERN = re.compile(r"[A-Z2-7]{24}")
CHECK_PATH = "/v1/certificates/"


class NoCreditsInPeriod(errors.NotFound):
    code = "no_credits_in_period"
    message = "Nothing was credited to you in this period: there is nothing to certify yet."


class CertificateNotFound(errors.NotFound):
    code, message = "certificate_not_found", "No such certificate."


PROFILE_NOT_FOUND = (errors.NotFound, "profile_not_found")


@dataclass(frozen=True, slots=True)
class Totals:
    gco2e: int
    coins: int
    behaviours: dict[str, int]  # behaviour -> number of credited records


def totals(user_id: str, period: periods.Period) -> Totals:
    """The user's credited earnings whose behaviour happened in `period`."""
    records = BehaviourRecord.ledger.query(
        ledger_pk(user_id),
        BehaviourRecord.gsi1sk >= period.start,  # credited no earlier than it happened
        filter_condition=(BehaviourRecord.kind == "earn")
        & (BehaviourRecord.status == STATUS_CREDITED)
        & (BehaviourRecord.occurred_at >= period.start)
        & (BehaviourRecord.occurred_at < period.end),
    )
    gco2e = coins = 0
    counts: Counter[str] = Counter()
    for record in records:
        gco2e += int(record.gco2e)
        coins += int(record.coins)
        counts[str(record.behaviour)] += 1
    return Totals(gco2e, coins, dict(counts))


def certificate_id(key: bytes, user_id: str, display_name: str, period: str, sums: Totals) -> str:
    """The id of a certificate stating these values (see the module docstring)."""
    content = json.dumps(
        [user_id, display_name, period, sums.gco2e, sums.coins, sorted(sums.behaviours.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    id_key = hmac.digest(key, ID_KEY_LABEL, "sha256")
    return base64.b32encode(hmac.digest(id_key, content, "sha256")[:ID_BYTES]).decode()


def _display_name(user_id: str) -> str:
    try:
        profile = UserProfile.get(*UserProfile.key(user_id), attributes_to_get=["display_name"])
        return str(profile.display_name)
    except UserProfile.DoesNotExist as exc:
        raise errors.NotFound("No profile for this user; log in again.", code="profile_not_found") from exc


def issue(user_id: str, period_text: str, *, now: datetime | None = None) -> Certificate:
    """The certificate of the user's reductions in the period: the stored one if these numbers
    were certified before, else a new one. NoCreditsInPeriod when nothing was credited."""
    period = periods.parse(period_text, now)
    name = _display_name(user_id)
    sums = totals(user_id, period)
    if not sums.behaviours:
        raise NoCreditsInPeriod()
    _kid, key = keyring.keyring().signing_key()
    cid = certificate_id(key, user_id, name, period.text, sums)
    issued_at = utc_now()
    item = Certificate(
        *Certificate.key(cid),
        certificate_id=cid,
        user_id=user_id,
        display_name=name,
        period=period.text,
        gco2e=sums.gco2e,
        coins=sums.coins,
        behaviours=sums.behaviours,
        issued_at=issued_at,
        gsi1pk=certificates_pk(user_id),
        gsi1sk=f"{issued_at}#{cid}",
    )
    if not put_once(item):
        item = Certificate.get(*Certificate.key(cid), consistent_read=True)  # issued before
        if item.gsi1pk is None:  # issued before the holder's index: put it on the list
            item.update([Certificate.gsi1pk.set(certificates_pk(user_id)),
                         Certificate.gsi1sk.set(f"{item.issued_at}#{cid}")])
    return item


def mine(user_id: str, limit: int, cursor: str | None) -> CertificateList:
    """The user's certificates, newest first, a page at a time."""
    pk = certificates_pk(user_id)
    start = decode_cursor(cursor, {"pk", "sk", "gsi1pk", "gsi1sk"}, equal={"gsi1pk": pk})
    page = Certificate.by_user.query(pk, scan_index_forward=False, limit=limit, page_size=limit,
                                     last_evaluated_key=start)
    items, next_cursor = page_items(page, lambda cert: CertificateOut.model_validate(
        {**cert.attribute_values, "check_url": check_url(cert.certificate_id)}))
    return CertificateList(items=items, next_cursor=next_cursor)


def _counts(cert: Certificate) -> list[tuple[str, int]]:
    """(behaviour, count) in the order of `claims.schemas.BEHAVIOURS`, unknown ones last."""
    counts = {str(b): int(n) for b, n in plain(cert.behaviours).items()}
    order = {b: i for i, b in enumerate(BEHAVIOURS)}
    return sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))


def check_url(certificate_id: str) -> str:
    """The public check's URL, on the public base URL printed codes use (`CODE_BASE_URL`)."""
    return get_settings().code_base_url.rstrip("/") + CHECK_PATH + certificate_id


def page_of(cert: Certificate) -> CertificatePage:
    from tanhui.certificates.pdf import CertificatePage

    period = periods.parse(cert.period, datetime.fromisoformat(cert.issued_at.replace("Z", "+00:00")))
    issued = datetime.fromisoformat(cert.issued_at.replace("Z", "+00:00")).astimezone(periods.LOCAL)
    return CertificatePage(
        certificate_id=cert.certificate_id,
        holder=cert.display_name,
        period=cert.period,
        period_chinese=period.chinese,
        gco2e=int(cert.gco2e),
        coins=int(cert.coins),
        behaviours=[(BEHAVIOUR_NAMES.get(b, b), n) for b, n in _counts(cert)],
        issued_on=issued.date().isoformat(),
        verify_url=check_url(cert.certificate_id),
    )


def download(user_id: str, period_text: str) -> tuple[Certificate, bytes]:
    """The certificate and its PDF page (reportlab and qrcode load here, not at a cold start)."""
    from tanhui.certificates import pdf

    cert = issue(user_id, period_text)
    return cert, pdf.certificate_pdf(page_of(cert))


def masked(name: str) -> str:
    """A holder's name as the public check shows it: the first character, then **."""
    return name[:1] + "**"


def check(certificate_id: str) -> CertificateCheckOut:
    """What the certificate states, for anyone holding its id (the QR on the page)."""
    cid = certificate_id.upper()
    if not ID_PATTERN.fullmatch(cid):
        raise CertificateNotFound()
    try:
        cert = Certificate.get(*Certificate.key(cid))
    except Certificate.DoesNotExist as exc:
        raise CertificateNotFound() from exc
    return CertificateCheckOut(
        certificate_id=cid,
        holder=masked(cert.display_name),
        period=cert.period,
        gco2e=int(cert.gco2e),
        coins=int(cert.coins),
        behaviours=[
            BehaviourCountOut(behaviour=b, name=BEHAVIOUR_NAMES.get(b, b), count=n) for b, n in _counts(cert)
        ],
        issued_at=cert.issued_at,
    )
