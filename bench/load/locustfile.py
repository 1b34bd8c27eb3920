"""The load test's people (issue 21): tourists, partners, a merchant at the till and the operator,
on the real API of a `make run` with its demo data (`bench/load/run.py` starts both: `make load`).

- **Tourists** (100 by default) register with consent, bind a transit card, a water account, a
  sorting card and a car plate, then scan every kind of code (the scenic spot's single-use tickets
  and the maker's packaging codes as the partners print them, the hotel room, the boat's rotating
  code), redeem the café's offer and donate (each with an `Idempotency-Key`, sometimes sent twice
  as a double tap would), and read their wallet and ledger.
- **Partners** (10, `LOAD_PARTNERS`) share the demo partners' logins: the scenic spot and the
  maker print codes, the boat operator shows its rotating code, and the hotel, water utility,
  estate, recycler, bus company and shop send files of the registered tourists' behaviour through
  the presigned form and follow each import to its end; each reads its totals.
- **The merchant** consumes the vouchers the tourists redeemed (some twice, as a till retrying).
- **The operator** opens a donation project, reads totals and exports a day.

Expected refusals (`already_claimed`, `insufficient_coins`, `voucher_used`, `daily_cap_reached`,
…) are answers, not failures; every answer is counted by route, status and error code, and what
the clients saw credited (code → tourists given a 201, Idempotency-Key → vouchers and donations)
is written to `LOAD_OBSERVATIONS` for `bench/load/check.py`, which holds it against the state.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import time
import uuid
from collections import Counter, defaultdict, deque
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from locust import HttpUser, between, events, task

with open(os.environ["LOAD_DEMO"], encoding="utf-8") as _demo:
    DEMO: dict[str, Any] = json.load(_demo)
ASSETS = DEMO["assets"]
SHANGHAI = ZoneInfo("Asia/Shanghai")
WHERE = {"lat": 24.95, "lng": 113.75}  # by the Danxia visitor centre
# an expected refusal (an answer, not a failure): the domain's 4xx codes a busy scene produces
EXPECTED = {
    "already_claimed",
    "already_credited",
    "daily_cap_reached",
    "monthly_cap_reached",
    "code_expired",
    "insufficient_coins",
    "insufficient_balance",
    "out_of_stock",
    "limit_reached",
    "voucher_used",
    "busy",
    "idempotency_in_progress",
    "project_closed",
    "already_debited",
    "quota_exceeded",
    "over_quota",
    "location_required",
    "too_far",
    "outside_geofence",
}

# What the people share (one Locust process: module state is shared by its greenlets)
TICKETS: deque[str] = deque(maxlen=400)  # single-use codes printed and not scanned yet
PRODUCTS: deque[str] = deque(maxlen=400)
VOUCHERS: deque[str] = deque(maxlen=400)  # redeemed, not yet at the till
ROTATING: dict[str, str] = {}  # the boat's code on its screen now
PROJECTS: list[str] = []
TOURISTS: list[dict[str, str]] = []  # registered, with their bound numbers
_numbers = itertools.count(random.randrange(10_000, 80_000))  # this run's tourists' numbers

# What the clients saw: the checker's evidence
SEEN: dict[str, Any] = {
    "credited_by_code": defaultdict(list),  # single-use code URL → user ids given a 201
    "vouchers_by_key": defaultdict(set),  # redemption Idempotency-Key → voucher ids answered
    "donations_by_key": defaultdict(set),
    "consumed": Counter(),  # voucher code → 200s at the till
    "imports": {},  # import id → its final status and counts
    "exports": [],  # export ids the operator asked for
    "answers": Counter(),  # "METHOD<tab>name<tab>status<tab>error code or no_answer's exception"
}


def _error_code(response: Any) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return ""


@events.request.add_listener
def _count(request_type: str, name: str, response: Any = None, exception: Any = None, **_: Any) -> None:
    if response is None or getattr(response, "status_code", 0) == 0:
        SEEN["answers"][f"{request_type}\t{name}\tno_answer\t{type(exception).__name__}"] += 1
        return
    code = _error_code(response) if response.status_code >= 400 else ""
    SEEN["answers"][f"{request_type}\t{name}\t{response.status_code}\t{code}"] += 1


@events.quitting.add_listener
def _write_observations(**_: Any) -> None:
    path = os.environ.get("LOAD_OBSERVATIONS")
    if not path:
        return
    out = {
        "credited_by_code": SEEN["credited_by_code"],
        "vouchers_by_key": {k: sorted(v) for k, v in SEEN["vouchers_by_key"].items()},
        "donations_by_key": {k: sorted(v) for k, v in SEEN["donations_by_key"].items()},
        "consumed": SEEN["consumed"],
        "imports": SEEN["imports"],
        "exports": SEEN["exports"],
        "answers": SEEN["answers"],
        "tourists": len(TOURISTS),
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False, sort_keys=True)


class Api(HttpUser):
    abstract = True
    token = ""

    def call(
        self,
        method: str,
        path: str,
        name: str | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
        **kw: Any,
    ) -> Any:
        """One request; a 2xx in `ok` or an expected refusal is a success; returns the response."""
        headers = kw.pop("headers", {}) | ({"authorization": f"Bearer {self.token}"} if self.token else {})
        with self.client.request(
            method, path, name=name or path, headers=headers, catch_response=True, **kw
        ) as response:
            if response.status_code in ok or (
                400 <= response.status_code < 500 and _error_code(response) in EXPECTED
            ):
                response.success()
            else:
                response.failure(f"{response.status_code} {_error_code(response) or response.text[:120]}")
            return response

    def login(self, phone: str, password: str) -> None:
        response = self.call("POST", "/v1/auth/login", json={"phone": phone, "password": password})
        self.token = response.json()["access_token"] if response.status_code == 200 else ""

    def totals(self, scope: str, group_by: str) -> None:
        today = datetime.now(SHANGHAI).date()
        self.call(
            "GET",
            f"/v1/{scope}/totals?from={today.replace(day=1)}&to={today}&group_by={group_by}",
            name=f"/v1/{scope}/totals?group_by={group_by}",
        )


class Tourist(Api):
    weight = 100
    wait_time = between(2, 6)

    def on_start(self) -> None:
        n = next(_numbers)
        self.phone = f"+86137{n:08d}"
        response = self.call(
            "POST",
            "/v1/auth/register",
            json={
                "phone": self.phone,
                "password": "load-test-2026",
                "display_name": f"游客 Tourist {n}",
                "consent": {"version": "2026-11", "accepted": True},
            },
        )
        if response.status_code != 201:
            self.login(self.phone, "load-test-2026")
        else:
            self.token = response.json()["tokens"]["access_token"]
        self.user_id = self.call("GET", "/v1/me").json().get("user_id", "")
        numbers = {
            "transit_card": f"3101{n:08d}",
            "water_account": f"00{n:08d}",
            "sorting_card": f"LJ{n:08d}",
            "car_plate": f"粤B·D{n % 100000:05d}",
            "daily_km": 18.5,
        }
        if self.call("PUT", "/v1/me/bindings", json=numbers).status_code == 200:
            TOURISTS.append(
                {"phone": self.phone, "user_id": self.user_id} | {k: str(v) for k, v in numbers.items()}
            )

    def claim(self, code: str, name: str, single_use: bool = False, where: bool = False) -> None:
        response = self.call("POST", "/v1/claims", name=name, json={"code": code} | (WHERE if where else {}))
        if single_use and response.status_code == 201:
            SEEN["credited_by_code"][code].append(self.user_id)

    def _single_use(self, pool: deque[str], name: str) -> None:
        if not pool:
            return
        code = pool.popleft()
        if random.random() < 0.2:  # someone else scans it too: one of them is credited
            pool.appendleft(code)
        self.claim(code, name, single_use=True)

    @task(3)
    def scan_ticket(self) -> None:
        self._single_use(TICKETS, "/v1/claims [ticket]")

    @task(3)
    def scan_product(self) -> None:
        self._single_use(PRODUCTS, "/v1/claims [packaging]")

    @task(1)
    def scan_room(self) -> None:
        self.claim(ASSETS["hotel_room"]["codes"][0]["url"], "/v1/claims [hotel room]", where=True)

    @task(2)
    def scan_boat(self) -> None:
        if "code" in ROTATING:
            self.claim(ROTATING["code"], "/v1/claims [vehicle rotating]", where=True)

    @task(2)
    def redeem(self) -> None:
        key = str(uuid.uuid4())
        for attempt in range(2 if random.random() < 0.2 else 1):  # a double tap: the same voucher
            response = self.call(
                "POST",
                "/v1/redemptions",
                json={"offer_id": DEMO["offer"]["offer_id"]},
                headers={"Idempotency-Key": key},
                name="/v1/redemptions" if not attempt else "/v1/redemptions [again]",
            )
            if response.status_code in (200, 201):
                body = response.json()
                SEEN["vouchers_by_key"][key].add(body["voucher_id"])
                if not attempt:
                    VOUCHERS.append(body["code"])

    @task(1)
    def donate(self) -> None:
        if not PROJECTS:
            return
        key = str(uuid.uuid4())
        body = {"project_id": random.choice(PROJECTS), "coins": 1}
        for attempt in range(2 if random.random() < 0.2 else 1):
            response = self.call(
                "POST",
                "/v1/donations",
                json=body,
                headers={"Idempotency-Key": key},
                name="/v1/donations" if not attempt else "/v1/donations [again]",
            )
            if response.status_code in (200, 201):
                SEEN["donations_by_key"][key].add(response.json()["donation_id"])

    @task(2)
    def wallet(self) -> None:
        self.call("GET", "/v1/me/wallet")

    @task(1)
    def ledger(self) -> None:
        self.call("GET", "/v1/me/ledger?limit=20", name="/v1/me/ledger")


def _csv(header: list[str], rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _local(phone: str) -> str:
    digits = phone.removeprefix("+86")
    return f"{digits[:3]} {digits[3:7]} {digits[7:]}"


def _last_month() -> str:
    return f"{date.today().replace(day=1) - timedelta(days=1):%Y-%m}"


def _file(kind: str, people: list[dict[str, str]]) -> tuple[bytes, str]:
    """A partner's file of `kind` about `people` (registered tourists), as that partner sends it."""
    today, month = datetime.now(SHANGHAI).date(), _last_month()
    if kind == "hotel_stays":  # GBK, as Excel saves it at a front desk
        rows = [
            [
                _local(p["phone"]),
                "1208",
                f"{today - timedelta(days=random.randint(2, 60)):%Y/%m/%d}",
                random.randint(1, 3),
            ]
            for p in people
        ]
        return _csv(["手机号", "房号", "入住日期", "晚数"], rows, "gbk"), "stays.csv"
    if kind == "utility_savings":
        rows = [[p["water_account"], "水", month, random.randint(5, 9), 10] for p in people]
        return _csv(["户号", "类型", "账期", "用量", "用量标准"], rows), "water.csv"
    if kind == "car_trips":
        rows = [[p["car_plate"], month, random.randint(5, 15), 20] for p in people]
        return _csv(["车牌号", "月份", "出行日数", "上月出行日数"], rows), "gate.csv"
    if kind == "waste_sorting":
        at = datetime.now(SHANGHAI) - timedelta(hours=2)
        rows = [
            [
                p["sorting_card"],
                f"{at - timedelta(minutes=random.randint(0, 600)):%Y-%m-%d %H:%M}",
                "塑料瓶",
                random.randint(1, 20),
                "",
            ]
            for p in people
        ]
        return _csv(["积分卡号", "投放时间", "类别", "数量", "重量"], rows), "bins.csv"
    if kind == "transit_trips":
        rows = [[p["transit_card"], month, random.randint(17, 40)] for p in people]
        return _csv(["公交卡号", "月份", "出行次数"], rows), "bus.csv"
    if kind == "product_sales":
        gtin = ASSETS["product_sku"]["codes"][0]["url"].split("/01/")[1][:14]
        rows = [
            [
                _local(p["phone"]),
                gtin,
                random.randint(1, 3),
                f"{today - timedelta(days=1)}",
                f"S-{uuid.uuid4().hex[:10]}",
            ]
            for p in people
        ]
        return _csv(["手机号", "商品条码", "数量", "销售日期", "小票号"], rows), "sales.csv"
    raise ValueError(kind)


FILES = {
    "hotel": "hotel_stays",
    "utility": "utility_savings",
    "property_manager": "car_trips",
    "recycler": "waste_sorting",
    "transit": "transit_trips",
    "shop": "product_sales",
}
# ten partners' staff: every code printer and file sender, and a second scenic-spot desk
PARTNER_ROLES = ["scenic_spot", "manufacturer", "transport_operator", *FILES, "scenic_spot"]
_partner_seats = itertools.count()


class Partner(Api):
    fixed_count = int(os.environ.get("LOAD_PARTNERS", "10"))
    wait_time = between(3, 8)

    def on_start(self) -> None:
        self.role = PARTNER_ROLES[next(_partner_seats) % len(PARTNER_ROLES)]
        login = DEMO["partners"][self.role]["login"]
        self.login(login["phone"], login["password"])

    @task(6)
    def work(self) -> None:
        if self.role == "scenic_spot":
            self.print_codes("ticket_product", TICKETS)
        elif self.role == "manufacturer":
            self.print_codes("product_sku", PRODUCTS)
        elif self.role == "transport_operator":
            self.show_rotating_code()
        elif TOURISTS:
            self.send_file(FILES[self.role])

    @task(1)
    def read_totals(self) -> None:
        self.totals("partner", random.choice(["behaviour", "asset", "day"]))

    def print_codes(self, asset: str, pool: deque[str]) -> None:
        if len(pool) > 200:
            return
        response = self.call(
            "POST",
            "/v1/partner/codes",
            json={"asset_id": ASSETS[asset]["asset_id"], "count": 10},
            name=f"/v1/partner/codes [{asset}]",
        )
        if response.status_code == 201:
            pool.extend(c["url"] for c in response.json()["codes"])

    def show_rotating_code(self) -> None:
        response = self.call(
            "GET",
            f"/v1/partner/assets/{ASSETS['vehicle']['asset_id']}/rotating-code",
            name="/v1/partner/assets/{id}/rotating-code",
        )
        if response.status_code == 200:
            ROTATING["code"] = response.json()["url"]

    def send_file(self, kind: str) -> None:
        """Starts an import, POSTs the file to its presigned form, and follows it to its end."""
        people = random.sample(TOURISTS, min(len(TOURISTS), random.randint(5, 30)))
        content, filename = _file(kind, people)
        response = self.call(
            "POST",
            "/v1/partner/imports",
            json={"type": kind, "filename": filename},
            name=f"/v1/partner/imports [{kind}]",
        )
        if response.status_code != 201:
            return
        started = response.json()
        upload = started["upload"]
        SEEN["imports"][started["import_id"]] = {"type": kind, "rows": len(people), "status": "sent"}
        self.call(
            "POST",
            upload["url"],
            name="S3 presigned POST (upload bucket)",
            ok=(200, 201, 204),
            data=upload["fields"],
            files={"file": (filename, content, "text/csv")},
        )
        import_id, deadline, status = started["import_id"], time.monotonic() + 120, {}
        while time.monotonic() < deadline:
            time.sleep(1)
            status = self.call(
                "GET", f"/v1/partner/imports/{import_id}", name="/v1/partner/imports/{id}"
            ).json()
            if status.get("status") not in ("awaiting_upload", "processing", None):
                break
        SEEN["imports"][import_id] |= {
            "status": status.get("status"),
            "counts": status.get("counts"),
            "coins": status.get("coins"),
            "reasons": status.get("reasons"),
        }


class Merchant(Api):
    """The café's till: consumes what the tourists redeemed."""

    fixed_count = 1
    wait_time = between(0.5, 2)

    def on_start(self) -> None:
        login = DEMO["partners"]["merchant"]["login"]
        self.login(login["phone"], login["password"])

    @task(8)
    def consume(self) -> None:
        if not VOUCHERS:
            return
        code = VOUCHERS.popleft()
        for attempt in range(2 if random.random() < 0.1 else 1):  # the till sends it again
            response = self.call(
                "POST",
                "/v1/partner/vouchers/consume",
                json={"code": code},
                name="/v1/partner/vouchers/consume" + (" [again]" if attempt else ""),
            )
            if response.status_code == 200:
                SEEN["consumed"][code] += 1

    @task(1)
    def read_totals(self) -> None:
        self.totals("partner", "day")


class Operator(Api):
    """The platform operator: a donation project, totals, exports."""

    fixed_count = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        self.login(DEMO["admin"]["phone"], DEMO["admin"]["password"])
        response = self.call(
            "POST",
            "/v1/admin/projects",
            json={
                "name": "丹霞山植树 Trees for Danxia",
                "description": "每10碳币种一棵树。A tree for every 10 coins.",
                "goal_coins": 1_000_000,
            },
        )
        if response.status_code == 201:
            PROJECTS.append(response.json()["project_id"])

    @task(3)
    def read_totals(self) -> None:
        self.totals("admin", random.choice(["behaviour", "partner", "asset", "day"]))

    @task(1)
    def export_today(self) -> None:
        day = datetime.now(ZoneInfo("UTC")).date()
        response = self.call("POST", "/v1/admin/exports", json={"from": f"{day}", "to": f"{day}"})
        if response.status_code not in (201, 202):
            return
        export_id, deadline = response.json()["export_id"], time.monotonic() + 120
        SEEN["exports"].append(export_id)
        while time.monotonic() < deadline:
            time.sleep(2)
            body = self.call("GET", f"/v1/admin/exports/{export_id}", name="/v1/admin/exports/{id}").json()
            if body.get("status") in ("completed", "failed"):
                break
