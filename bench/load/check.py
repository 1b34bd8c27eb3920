"""The load test's invariants, read from the state of the stack it ran against (issue 21).

`check(items, seen, dead_letters)` holds the table's items (every item, as boto3's resource API
returns them), what the load's clients saw (`locustfile.SEEN`, as written to LOAD_OBSERVATIONS)
and the messages left in the dead-letter queues against:

1. **no 5xx**: no answer of the run had a 5xx status (nor went unanswered);
2. **no double credits**: a single-use code credited one tourist at most (by the clients' 201s and
   by the records' evidence; a record's key is its behaviour's identity, so one behaviour is one
   record), a file row credited to one person,
   an `Idempotency-Key` gave one voucher (one donation), each voucher and donation has exactly one
   `spend` entry, a voucher was consumed once at the till;
3. **every wallet = Σ its ledger**: coins = Σ coins of the user's credited entries (earn, spend,
   refund), gCO2e = Σ gCO2e of its credited earn records;
4. **totals = Σ ledgers**: the stream aggregator's totals by behaviour and by partner × behaviour
   (gCO2e, coins, count) are those of the credited earn records, and each user's stats too; a
   project's shards hold the sum of its donations;
5. **every partner file and export to its end**: each file the partners sent is `completed`, its
   rows (as many as were sent) each counted once in one outcome; each export asked for `completed`;
6. **no dead letter unexplained**: a message in a dead-letter queue is explained only when the job
   it names finished (`completed`) by another delivery, or (the aggregator's) its records are all
   counted in totals that hold; any other is listed.

`python bench/load/check.py --endpoint URL --observations FILE` reads the state and prints the
results (exit status 1 if one fails); `bench/load/run.py` calls `read_state` and `check` itself.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

SINGLE_USE = ("ticket_non_disposable", "low_carbon_product")  # behaviours of single-use codes
FINAL_OK = ("completed",)


@dataclass
class Result:
    name: str
    ok: bool
    checked: int  # how many things were looked at
    problems: list[str] = field(default_factory=list)
    note: str = ""

    def line(self) -> str:
        head = f"{'PASS' if self.ok else 'FAIL'}  {self.name}: {self.checked} checked"
        head += f"; {self.note}" if self.note else ""
        return (
            head
            + "".join(f"\n      - {p}" for p in self.problems[:20])
            + (f"\n      … and {len(self.problems) - 20} more" if len(self.problems) > 20 else "")
        )


def _n(value: Any) -> int:
    return int(value or 0)


def _credited(record: dict[str, Any]) -> bool:
    return record.get("status", "credited") == "credited" and bool(record.get("user_id"))


def _earns(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r.get("kind", "earn") == "earn" and _credited(r)]


def no_5xx(seen: dict[str, Any]) -> Result:
    answers: dict[str, int] = seen.get("answers", {})
    bad = {
        k: n
        for k, n in answers.items()
        if k.split("\t")[2].startswith("5") or k.split("\t")[2] == "no_answer"
    }
    return Result(
        "no 5xx",
        not bad,
        sum(answers.values()),
        [f"{n} × {' '.join(k.split())}" for k, n in sorted(bad.items(), key=lambda kv: -kv[1])],
    )


def no_double_credits(
    records: list[dict[str, Any]], items: list[dict[str, Any]], seen: dict[str, Any]
) -> Result:
    problems: list[str] = []
    checked = 0
    for code, users in seen.get("credited_by_code", {}).items():  # the clients' 201s
        checked += 1
        if len(users) > 1:
            problems.append(f"code {code[-12:]} answered 201 to {len(users)} scans ({', '.join(users)})")
    earns = _earns(records)
    by_code: defaultdict[str, list[str]] = defaultdict(list)
    row_users: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for r in earns:
        evidence = r.get("evidence") or {}
        if r.get("behaviour") in SINGLE_USE and evidence.get("code_id"):
            by_code[evidence["code_id"]].append(r["pk"])
        row_of = evidence.get("import_id") or evidence.get("file")
        if row_of and evidence.get("row") is not None:  # a row may credit several (one a night…)
            row_users[(str(row_of), str(evidence["row"]))].add(r["user_id"])
    for code_id, keys in by_code.items():
        checked += 1
        if len(keys) > 1:
            problems.append(f"code {code_id} credited by {len(keys)} records: {keys}")
    for (file, row), users in row_users.items():  # a row is one person's
        checked += 1
        if len(users) > 1:
            problems.append(f"{file} row {row} credited {len(users)} people: {sorted(users)}")
    for what in ("vouchers_by_key", "donations_by_key"):
        for key, ids in seen.get(what, {}).items():
            checked += 1
            if len(ids) > 1:
                problems.append(f"Idempotency-Key {key} gave {len(ids)} {what.split('_')[0]}: {ids}")
    spends = Counter(
        r["pk"].removeprefix("BEHAVIOUR#spend#") for r in records if r.get("kind") == "spend" and _credited(r)
    )
    vouchers = [i for i in items if i["pk"].startswith("VOUCHER#") and i.get("sk") == "VOUCHER"]
    donations = [
        i for i in items if i["pk"].startswith("USER#") and str(i.get("sk", "")).startswith("DONATION#")
    ]
    for kind, rows, ref in (
        ("voucher", vouchers, lambda i: i["pk"].removeprefix("VOUCHER#")),
        ("donation", donations, lambda i: i.get("donation_id") or i["sk"].removeprefix("DONATION#")),
    ):
        for item in rows:
            checked += 1
            if spends.get(ref(item), 0) != 1:
                problems.append(f"{kind} {ref(item)} has {spends.get(ref(item), 0)} spend entries, not 1")
    spent_for = {
        ref(i)
        for kind, rows, ref in (
            ("voucher", vouchers, lambda i: i["pk"].removeprefix("VOUCHER#")),
            ("donation", donations, lambda i: i.get("donation_id") or i["sk"].removeprefix("DONATION#")),
        )
        for i in rows
    }
    for reference in spends:
        if reference not in spent_for:
            problems.append(f"spend entry {reference}: no voucher or donation of that id")
    for code, n in seen.get("consumed", {}).items():
        checked += 1
        if n > 1:
            problems.append(f"voucher {code[-12:]} consumed {n} times at the till")
    return Result("no double credits", not problems, checked, problems)


def wallets_match_ledgers(records: list[dict[str, Any]], wallets: list[dict[str, Any]]) -> Result:
    coins: Counter[str] = Counter()
    gco2e: Counter[str] = Counter()
    for r in records:
        if _credited(r):
            coins[r["user_id"]] += _n(r.get("coins"))
            if r.get("kind", "earn") == "earn":
                gco2e[r["user_id"]] += _n(r.get("gco2e"))
    problems = []
    for w in wallets:
        user = w.get("user_id") or w["pk"].removeprefix("USER#")
        if (_n(w.get("coins")), _n(w.get("gco2e"))) != (coins[user], gco2e[user]):
            problems.append(
                f"user {user}: wallet {_n(w.get('coins'))} coins / {_n(w.get('gco2e'))} g, "
                f"ledger {coins[user]} coins / {gco2e[user]} g"
            )
        if _n(w.get("coins")) < 0:
            problems.append(f"user {user}: a negative balance {w.get('coins')}")
    with_records = set(coins) | set(gco2e)
    orphans = with_records - {w.get("user_id") or w["pk"].removeprefix("USER#") for w in wallets}
    problems += [f"user {u}: ledger entries but no wallet" for u in sorted(orphans)]
    return Result(
        "every wallet = Σ its ledger",
        not problems,
        len(wallets),
        problems,
        note=f"{sum(coins.values())} coins, {sum(gco2e.values())} gCO2e on the ledgers",
    )


def totals_match_ledgers(records: list[dict[str, Any]], items: list[dict[str, Any]]) -> Result:
    earns = _earns(records)
    want_b: Counter[tuple[str, ...]] = Counter()
    want_p: Counter[tuple[str, ...]] = Counter()
    want_u: Counter[tuple[str, ...]] = Counter()
    for r in earns:
        for measure, value in (("gco2e", r.get("gco2e")), ("coins", r.get("coins")), ("count", 1)):
            want_b[(r.get("behaviour") or "", measure)] += _n(value)
            want_p[(r.get("partner_id") or "", r.get("behaviour") or "", measure)] += _n(value)
            want_u[(r["user_id"], measure)] += _n(value)
    got_b: Counter[tuple[str, ...]] = Counter()
    got_p: Counter[tuple[str, ...]] = Counter()
    got_u: Counter[tuple[str, ...]] = Counter()
    for i in items:
        pk, sk = i["pk"], str(i.get("sk", ""))
        if pk.startswith("TOTALS#behaviour#"):
            behaviour = sk.split("#", 1)[1]
            for measure in ("gco2e", "coins", "count"):
                got_b[(behaviour, measure)] += _n(i.get(measure))
        elif pk.startswith("TOTALS#partner#"):
            _, partner, behaviour = sk.split("#", 2)
            for measure in ("gco2e", "coins", "count"):
                got_p[(partner, behaviour, measure)] += _n(i.get(measure))
        elif sk == "REDUCTION#stats":
            for measure in ("gco2e", "coins", "count"):
                got_u[(i.get("user_id") or pk.removeprefix("USER#"), measure)] += _n(i.get(measure))
    problems = []
    for label, want, got in (
        ("behaviour", want_b, got_b),
        ("partner × behaviour", want_p, got_p),
        ("user stats", want_u, got_u),
    ):
        for key in sorted(set(want) | set(got)):
            if want[key] != got[key]:
                problems.append(f"{label} {' '.join(key)}: totals {got[key]}, ledgers {want[key]}")
    shards: Counter[str] = Counter()
    given: Counter[str] = Counter()
    for i in items:
        if i["pk"].startswith("PROJECT#") and str(i.get("sk", "")).startswith("SHARD#"):
            shards[i["pk"].removeprefix("PROJECT#")] += _n(i.get("coins"))
        elif i["pk"].startswith("USER#") and str(i.get("sk", "")).startswith("DONATION#"):
            given[str(i.get("project_id"))] += _n(i.get("coins"))
    for project in sorted(set(shards) | set(given)):
        if shards[project] != given[project]:
            problems.append(f"project {project}: shards {shards[project]} coins, donations {given[project]}")
    return Result(
        "totals = Σ ledgers",
        not problems,
        len(want_b) + len(want_p) + len(want_u) + len(shards),
        problems,
        note=f"{len(earns)} credited earn records, "
        f"{sum(v for (_, m), v in want_b.items() if m == 'gco2e')} gCO2e",
    )


def dead_letters_explained(
    messages: dict[str, list[str]], items: list[dict[str, Any]], totals_hold: bool
) -> Result:
    jobs = {}
    for i in items:
        sk = str(i.get("sk", ""))
        if sk.startswith("IMPORT#") and i["pk"].startswith("PARTNER#"):
            jobs[sk.removeprefix("IMPORT#")] = ("import", i.get("status"))
            if i.get("object_key"):
                jobs[i["object_key"]] = ("import", i.get("status"))
        elif i["pk"].startswith("EXPORT#") and i.get("export_id"):
            jobs[i["export_id"]] = ("export", i.get("status"))
        elif i.get("batch_id") and i.get("status") and "BATCH" in sk:
            jobs[i["batch_id"]] = ("code batch", i.get("status"))
    problems, notes, checked = [], [], 0
    for queue, bodies in messages.items():
        for body in bodies:
            checked += 1
            named = [(ident, *jobs[ident]) for ident in jobs if ident in body]
            if "Aggregator" in queue and totals_hold:
                notes.append(f"{queue}: a stream batch whose records the totals count (they hold)")
            elif named and all(status in FINAL_OK for _, _, status in named):
                notes.append(f"{queue}: a redelivery of {named[0][1]} {named[0][0]}, which completed")
            else:
                problems.append(f"{queue}: {body[:200]}" + (f" (names {named})" if named else ""))
    return Result(
        "no dead letter unexplained",
        not problems,
        checked,
        problems,
        note="; ".join(notes) if notes else "no message in any dead-letter queue" if not checked else "",
    )


def imports_ended(items: list[dict[str, Any]], seen: dict[str, Any]) -> Result:
    """Every file the partners sent (all valid) was imported to its end: `completed`, with every
    row it holds counted once in one of the outcomes."""
    jobs = {
        str(i.get("import_id")): i
        for i in items
        if str(i.get("sk", "")).startswith("IMPORT#") and i["pk"].startswith("PARTNER#")
    }
    outcomes = ("credited", "duplicate", "pending", "unmatched", "invalid", "over_quota", "no_reduction")
    problems = []
    sent: dict[str, Any] = seen.get("imports", {})
    for import_id, sent_job in sorted(sent.items()):
        job = jobs.get(import_id)
        if job is None:
            problems.append(f"import {import_id} ({sent_job['type']}): not in the table")
            continue
        if job.get("status") != "completed":
            problems.append(
                f"import {import_id} ({sent_job['type']}): {job.get('status')}"
                + (f" ({job.get('reason_code')}: {job.get('reason')})" if job.get("reason") else "")
            )
            continue
        counted = sum(_n(job.get(k)) for k in outcomes)
        if not (_n(job.get("rows")) == counted == sent_job["rows"]):
            problems.append(
                f"import {import_id} ({sent_job['type']}): {sent_job['rows']} rows sent, "
                f"{_n(job.get('rows'))} read, {counted} counted"
            )
    exports = {str(i.get("export_id")): i for i in items if i["pk"].startswith("EXPORT#")}
    for export_id in seen.get("exports", []):
        status = exports.get(export_id, {}).get("status", "not in the table")
        if status != "completed":
            problems.append(f"export {export_id}: {status}")
    return Result(
        "every partner file and export to its end",
        not problems,
        len(sent) + len(seen.get("exports", [])),
        problems,
    )


def check(
    items: list[dict[str, Any]], seen: dict[str, Any], dead_letters: dict[str, list[str]]
) -> list[Result]:
    records = [i for i in items if i.get("sk") == "BEHAVIOUR"]
    wallets = [i for i in items if i.get("sk") == "WALLET"]
    totals = totals_match_ledgers(records, items)
    return [
        no_5xx(seen),
        no_double_credits(records, items, seen),
        imports_ended(items, seen),
        wallets_match_ledgers(records, wallets),
        totals,
        dead_letters_explained(dead_letters, items, totals.ok),
    ]


def read_state(endpoint: str, region: str = "us-east-1") -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """Every item of the stack's table, and the messages in its dead-letter queues (read without
    taking them: visibility 0)."""
    import boto3

    kw = {
        "endpoint_url": endpoint,
        "region_name": region,
        "aws_access_key_id": "local",
        "aws_secret_access_key": "local",
    }  # moto's: the local endpoint takes any
    dynamodb = boto3.resource("dynamodb", **kw)
    (table_name,) = [t.name for t in dynamodb.tables.all()]
    table, items, start = dynamodb.Table(table_name), [], None
    while True:
        page = table.scan(**({"ExclusiveStartKey": start} if start else {}))
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    sqs = boto3.client("sqs", **kw)
    dead: dict[str, list[str]] = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        if "deadletter" not in url.lower() and "dlq" not in url.lower():
            continue
        name = url.rsplit("/", 1)[1]
        bodies: dict[str, str] = {}
        for _ in range(50):
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
            ).get("Messages", [])
            fresh = {m["MessageId"]: m["Body"] for m in got if m["MessageId"] not in bodies}
            if not fresh:
                break
            bodies |= fresh
        dead[name] = list(bodies.values())
    return items, dead


def queue_backlog(endpoint: str, region: str = "us-east-1") -> dict[str, dict[str, int]]:
    """Each queue's messages waiting, in flight (received, not yet deleted: back after the queue's
    visibility timeout if their delivery failed) and its visibility timeout in seconds."""
    import boto3

    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    backlog = {}
    for url in sqs.list_queues().get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        backlog[url.rsplit("/", 1)[1]] = {
            "waiting": int(attributes.get("ApproximateNumberOfMessages", 0)),
            "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
            "visibility_timeout": int(attributes.get("VisibilityTimeout", 0)),
        }
    return backlog


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoint", required=True, help="the stack's AWS endpoint (demo.json aws_endpoint)")
    parser.add_argument(
        "--observations", required=True, help="what the load's clients saw (LOAD_OBSERVATIONS)"
    )
    args = parser.parse_args(argv)
    items, dead = read_state(args.endpoint)
    with open(args.observations, encoding="utf-8") as f:
        seen = json.load(f)
    results = check(items, seen, dead)
    for result in results:
        print(result.line())
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
