"""Checking a completed export: the public facts of its manifest, and the operator's ledger audit.

`facts` (GET /v1/verify/exports/{id}, no login) answers from the manifest as stored: its files'
names, SHA-256 and rows, the totals, the Merkle root of each day, the manifest's own SHA-256 and
whether the previous export's stored manifest still hashes to the `previous_manifest_sha256` this
one names. A manifest holds no user ids, phones or names of people.

`audit` (GET /v1/admin/exports/{id}/audit) re-reads every record the JSONL file names (by key,
BatchGetItem) and recomputes its content hash and each day's Merkle root. A record that is gone
is `missing`; one whose stored content no longer hashes to its `content_hash`, or whose hash is
no longer the one the export wrote, is `content_changed`, with the exported fields that differ.

A record whose person closed their account since (注销) was pseudonymised: it names the hash the
export wrote as `erased_from`, where it was or at `BEHAVIOUR#erased#<that hash>` if its key named
the person. It checks out (`pseudonymised`, the export's hash its Merkle leaf) when it is sealed
(its content hashes to its `content_hash`) and every exported field but the key, and the card,
plate or account in its evidence, is unchanged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from tanhui import errors
from tanhui.exports import jobs
from tanhui.exports.merkle import Merkle
from tanhui.exports.schemas import AuditOut, DayCheck, ExportFile, FileCheck, Mismatch, VerifyOut
from tanhui.limits import RESPONSE_ITEMS
from tanhui.models.behaviour import BEHAVIOUR_SK, ERASED_PREFIX, BehaviourRecord, impersonal
from tanhui.models.exports import ExportJob

BATCH_KEYS = 100  # BatchGetItem's limit


def _completed(export_id: str) -> ExportJob:
    job = jobs.job_of(export_id)
    if job.status != "completed" or not job.manifest_sha256:
        raise jobs.ExportNotCompleted()
    return job


def _manifest(export_id: str) -> tuple[dict[str, Any], str]:
    raw = jobs.read_file(export_id, jobs.MANIFEST_NAME).read()
    return json.loads(raw), hashlib.sha256(raw).hexdigest()


def _chain_ok(manifest: dict[str, Any]) -> bool:
    previous = manifest.get("previous_export_id")
    if previous is None:
        return manifest.get("sequence") == 1 and manifest.get("previous_manifest_sha256") is None
    try:
        before = _completed(previous)
        stored, digest = _manifest(previous)
    except errors.TanhuiError:
        return False
    return (
        digest == manifest.get("previous_manifest_sha256") == before.manifest_sha256
        and stored.get("sequence") == manifest.get("sequence", 0) - 1
    )


# --------------------------------------------------------------------------- public facts
def facts(export_id: str, file: str | None = None, sha256: str | None = None) -> VerifyOut:
    if (file is None) != (sha256 is None):
        raise errors.BadRequest("Send file and sha256 together (or neither).")
    try:
        job = _completed(export_id)
    except jobs.ExportNotCompleted as exc:  # nothing to verify yet: as if it did not exist
        raise jobs.ExportNotFound() from exc
    manifest, digest = _manifest(job.export_id)
    files = [ExportFile(name=f["name"], sha256=f["sha256"], rows=f["rows"], bytes=f["bytes"])
             for f in manifest["files"]]
    files.append(ExportFile(name=jobs.MANIFEST_NAME, sha256=job.manifest_sha256))
    check = None
    if file is not None and sha256 is not None:
        expected = next((f.sha256 for f in files if f.name == file), None)
        check = FileCheck(file=file, sha256=sha256.lower(), matches=expected == sha256.lower())
    totals = manifest["totals"]
    return VerifyOut(
        export_id=job.export_id,
        sequence=manifest["sequence"],
        range=manifest["range"],
        recorded_before=manifest["recorded_before"],
        created_at=manifest["created_at"],
        files=files,
        totals={"rows": totals["rows"], "gco2e": totals["gco2e"], "coins": totals["coins"],
                "behaviours": totals["behaviours"]},
        days=[{"day": d["day"], "rows": d["rows"], "merkle_root": d["merkle_root"]}
              for d in manifest["days"]],
        manifest_sha256=job.manifest_sha256 or "",
        manifest_ok=digest == job.manifest_sha256,
        previous_export_id=manifest.get("previous_export_id"),
        previous_manifest_sha256=manifest.get("previous_manifest_sha256"),
        chain_ok=_chain_ok(manifest),
        check=check,
    )


# ------------------------------------------------------------------------------ the audit
def _lines(export_id: str, digest: Any) -> Iterator[dict[str, Any]]:
    """The JSONL file's lines as read, hashing its bytes on the way."""
    rest = b""
    for chunk in jobs.read_file(export_id, jobs.JSONL_NAME).iter_chunks(1024 * 1024):
        digest.update(chunk)
        *complete, rest = (rest + chunk).split(b"\n")
        yield from (json.loads(raw) for raw in complete if raw.strip())
    if rest.strip():
        yield json.loads(rest)


def _batches(lines: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for line in lines:
        batch.append(line)
        if len(batch) == BATCH_KEYS:
            yield batch
            batch = []
    if batch:
        yield batch


def _differences(line: dict[str, Any], record: BehaviourRecord, *, but: tuple[str, ...] = ()) -> list[str]:
    now = jobs.line_of(record)
    return [name for name in jobs.COLUMNS
            if name not in ("factor_source", "content_hash", *but) and now[name] != line.get(name)]


def _records(batch: list[dict[str, Any]]) -> dict[str, BehaviourRecord]:
    """The records of a batch of lines by the line's key: where the export found them, else, for
    a record pseudonymised since, where it moved to."""
    stored = {r.pk: r for r in BehaviourRecord.batch_get([(line["key"], BEHAVIOUR_SK) for line in batch])}
    moved = {f"{ERASED_PREFIX}{line.get('content_hash')}": line["key"] for line in batch
             if line["key"] not in stored and line.get("content_hash")}
    if moved:
        for record in BehaviourRecord.batch_get([(key, BEHAVIOUR_SK) for key in moved]):
            stored[moved[record.pk]] = record
    return stored


def _check(line: dict[str, Any], record: BehaviourRecord) -> tuple[str, Mismatch | None, bool]:
    """(the Merkle leaf, the mismatch or None, whether pseudonymised) of one line's record."""
    now = record.content_digest()
    exported = line.get("content_hash")
    if record.erased_from is not None and record.erased_from == exported:
        evidence = line.get("evidence")
        changed = _differences({**line, "evidence": impersonal(evidence) if evidence else evidence}, record,
                               but=("key",))
        if now == record.content_hash and not changed:
            return exported, None, True
        return now, Mismatch(claim_id=line.get("claim_id"), key=line["key"], problem="content_changed",
                             fields=changed or ["content_hash"]), True
    if now != record.content_hash or now != exported:
        return now, Mismatch(claim_id=line.get("claim_id"), key=line["key"], problem="content_changed",
                             fields=_differences(line, record)), False
    return now, None, False


def audit(export_id: str) -> AuditOut:
    job = _completed(export_id)
    manifest, _ = _manifest(job.export_id)
    expected_roots = {d["day"]: d["merkle_root"] for d in manifest["days"]}
    trees: dict[str, Merkle] = {}
    mismatches: list[Mismatch] = []
    checked = pseudonymised = 0
    file_digest = hashlib.sha256()
    for batch in _batches(_lines(job.export_id, file_digest)):
        stored = _records(batch)
        for line in batch:
            checked += 1
            tree = trees.setdefault(line["created_at"][:10], Merkle())
            record = stored.get(line["key"])
            if record is None:
                mismatches.append(Mismatch(claim_id=line.get("claim_id"), key=line["key"], problem="missing"))
                continue
            leaf, mismatch, erased = _check(line, record)
            tree.add(leaf)
            pseudonymised += erased and mismatch is None
            if mismatch is not None:
                mismatches.append(mismatch)
    jsonl: dict[str, Any] = next((f for f in manifest["files"] if f["name"] == jobs.JSONL_NAME), {})
    day_checks = []
    for day, expected in expected_roots.items():
        recomputed = trees[day].root() if day in trees else None
        day_checks.append(
            DayCheck(day=day, merkle_root=expected, recomputed=recomputed, ok=recomputed == expected)
        )
    file_ok = file_digest.hexdigest() == jsonl.get("sha256") and checked == jsonl.get("rows")
    ok = file_ok and not mismatches and all(d.ok for d in day_checks)
    return AuditOut(export_id=job.export_id, ok=ok, checked=checked, file_ok=file_ok,
                    pseudonymised=pseudonymised, mismatches=mismatches[:RESPONSE_ITEMS], days=day_checks)
