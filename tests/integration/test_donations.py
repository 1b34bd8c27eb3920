"""Donations (公益捐赠): projects opened and closed by the operator, coins given by tourists in
one transaction with the project's sharded totals, idempotent retries, exact donor counts."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from tanhui.donations import giving
from tanhui.donations.schemas import DonationIn
from tanhui.models.projects import SHARDS, Project, ProjectShard
from tanhui.models.wallet import Wallet

from tests.support import Session

PROJECT = {"name": "红树林修复 Mangroves", "description": "Replant the estuary.", "goal_coins": 500}


def fund(who: Session, coins: int) -> None:
    Wallet(*Wallet.key(who.user_id)).update(actions=[Wallet.coins.add(coins)])


def coins_of(who: Session) -> int:
    return int(Wallet.get(*Wallet.key(who.user_id), consistent_read=True).coins)


@pytest.fixture
def project(api, admin) -> str:
    created = api.post("/v1/admin/projects", PROJECT, as_=admin)
    assert created.status == 201, created.body
    return created.body["project_id"]


def listed(api, who: Session, project_id: str) -> dict:
    page = api.get("/v1/projects", as_=who, query={"limit": "100"})
    assert page.status == 200, page.body
    return next((p for p in page.body["items"] if p["project_id"] == project_id), {})


def donate(api, who: Session, project_id: str, coins: int, key: str | None = None):
    """A donation as the H5 sends it: an `Idempotency-Key` per intent (a fresh one unless given)."""
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return api.post("/v1/donations", {"project_id": project_id, "coins": coins}, as_=who, headers=headers)


def test_given_new_project_then_it_is_listed_open_with_zero_totals(api, admin, register, project):
    shown = listed(api, register(), project)
    assert shown["status"] == "open" and shown["goal_coins"] == 500
    assert (shown["raised_coins"], shown["donations"], shown["donors"]) == (0, 0, 0)


def test_given_project_for_unknown_partner_then_404(api, admin):
    reply = api.post("/v1/admin/projects", PROJECT | {"partner_id": "ABCDEF"}, as_=admin)
    assert (reply.status, reply.error_code) == (404, "partner_not_found")


def test_given_donation_then_wallet_debited_project_credited_and_spend_entry_names_project(
    api, register, project
):
    tourist = register()
    fund(tourist, 30)
    reply = donate(api, tourist, project, 12)
    assert reply.status == 201, reply.body
    assert (reply.body["project_id"], reply.body["coins"]) == (project, 12)
    assert coins_of(tourist) == 18
    entry = api.get("/v1/me/ledger", as_=tourist).body["items"][0]
    assert (entry["kind"], entry["coins"], entry["entry_id"]) == ("spend", -12, reply.body["donation_id"])
    assert entry["evidence"]["project_id"] == project
    mine = api.get("/v1/me/donations", as_=tourist).body["items"]
    assert [d["donation_id"] for d in mine] == [reply.body["donation_id"]]
    shown = listed(api, tourist, project)
    assert (shown["raised_coins"], shown["donations"], shown["donors"]) == (12, 1, 1)


def test_given_not_enough_coins_then_409_and_nothing_moves(api, register, project):
    tourist = register()
    fund(tourist, 5)
    reply = donate(api, tourist, project, 6)
    assert (reply.status, reply.error_code) == (409, "insufficient_coins")
    assert coins_of(tourist) == 5
    assert listed(api, tourist, project)["raised_coins"] == 0
    assert api.get("/v1/me/donations", as_=tourist).body["items"] == []


def test_given_closed_project_then_donation_409_and_project_leaves_the_list(api, admin, register, project):
    tourist = register()
    fund(tourist, 10)
    closed = api.post(f"/v1/admin/projects/{project}/close", as_=admin)
    assert (closed.status, closed.body["status"]) == (200, "closed") and closed.body["closed_at"]
    again = api.post(f"/v1/admin/projects/{project}/close", as_=admin)
    assert (again.status, again.body["closed_at"]) == (200, closed.body["closed_at"])
    reply = donate(api, tourist, project, 1)
    assert (reply.status, reply.error_code) == (409, "project_closed")
    assert coins_of(tourist) == 10
    assert listed(api, tourist, project) == {}


def test_given_project_closed_after_the_read_then_the_transaction_refuses(register, project):
    tourist = register()
    fund(tourist, 10)
    original = giving.get_project

    def read_then_close(project_id: str) -> Project:
        seen = original(project_id)
        Project(*Project.key(project_id)).update(actions=[Project.status.set("closed")])
        return seen

    giving.get_project = read_then_close
    try:
        with pytest.raises(giving.ProjectClosed):
            giving.donate(tourist.user_id, DonationIn(project_id=project, coins=3))
    finally:
        giving.get_project = original
    assert coins_of(tourist) == 10


def test_given_unknown_project_or_closing_unknown_then_404(api, admin, register):
    tourist = register()
    fund(tourist, 1)
    reply = donate(api, tourist, "01JD0000000000000000000000", 1)
    assert (reply.status, reply.error_code) == (404, "project_not_found")
    closed = api.post("/v1/admin/projects/01JD0000000000000000000000/close", as_=admin)
    assert (closed.status, closed.error_code) == (404, "project_not_found")


def test_given_same_idempotency_key_then_same_donation_and_another_body_422(api, register, project):
    tourist = register()
    fund(tourist, 20)
    key = f"donate-{uuid.uuid4()}"
    first = donate(api, tourist, project, 4, key)
    again = donate(api, tourist, project, 4, key)
    assert (first.status, again.status) == (201, 200)
    assert again.body == first.body
    other = donate(api, tourist, project, 5, key)
    assert (other.status, other.error_code) == (422, "idempotency_key_reused")
    assert coins_of(tourist) == 16
    assert listed(api, tourist, project)["donations"] == 1


def test_given_no_idempotency_key_then_400_and_nothing_moves(api, register, project):
    """A double tap without a key would donate twice: every request that moves coins needs one."""
    tourist = register()
    fund(tourist, 20)
    for headers in (None, {"Idempotency-Key": ""}):
        reply = api.post("/v1/donations", {"project_id": project, "coins": 4}, as_=tourist, headers=headers)
        assert (reply.status, reply.error_code) == (400, "invalid_idempotency_key"), reply.body
    assert coins_of(tourist) == 20
    assert listed(api, tourist, project)["donations"] == 0
    assert api.get("/v1/me/donations", as_=tourist).body["items"] == []


def test_given_no_key_and_a_bad_body_then_422_names_both(api, register, project):
    reply = api.post("/v1/donations", {"project_id": project, "coins": "4"}, as_=register())
    assert (reply.status, reply.error_code) == (422, "validation_error")
    assert {d["field"] for d in reply.body["error"]["details"]} >= {"coins", "header.idempotency-key"}


def test_given_a_double_tap_with_one_key_then_one_donation(api, register, project):
    tourist = register()
    fund(tourist, 20)
    key = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda _: donate(api, tourist, project, 5, key), range(2)))
    assert sorted(r.status for r in replies) in ([200, 201], [201, 409]), [r.body for r in replies]
    assert coins_of(tourist) == 15
    assert len(api.get("/v1/me/donations", as_=tourist).body["items"]) == 1
    assert listed(api, tourist, project)["donations"] == 1


def test_given_repeat_donations_then_one_donor_counted(api, register, project):
    first, second = register(), register()
    for who in (first, second):
        fund(who, 10)
    for who in (first, first, second, first):
        assert donate(api, who, project, 2).status == 201
    shown = listed(api, first, project)
    assert (shown["raised_coins"], shown["donations"], shown["donors"]) == (8, 4, 2)
    assert len(api.get("/v1/me/donations", as_=first, query={"limit": "2"}).body["items"]) == 2


def test_given_50_concurrent_donations_from_10_tourists_then_totals_and_balances_exact(register, project):
    tourists = [register() for _ in range(10)]
    for who in tourists:
        fund(who, 12)  # room for 4 of each tourist's 5 donations of 3 coins

    def give(who: Session) -> str:
        try:
            giving.donate(who.user_id, DonationIn(project_id=project, coins=3))
        except giving.InsufficientCoins:
            return "insufficient"
        return "donated"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(give, [who for who in tourists for _ in range(5)]))
    assert Counter(outcomes) == {"donated": 40, "insufficient": 10}
    assert [coins_of(who) for who in tourists] == [0] * 10
    shards = list(ProjectShard.query(Project.key(project)[0], ProjectShard.sk.startswith("SHARD#")))
    assert 1 < len(shards) <= SHARDS
    assert sum(int(s.coins) for s in shards) == 120
    assert sum(int(s.donations) for s in shards) == 40
    assert sum(int(s.donors) for s in shards) == 10


def test_given_open_and_closed_projects_then_the_operator_lists_both_newest_first_with_what_was_raised(
    api, admin, register
):
    made = [api.post("/v1/admin/projects", PROJECT | {"name": f"项目{n}"}, as_=admin).body["project_id"]
            for n in range(3)]
    tourist = register()
    fund(tourist, 10)
    assert donate(api, tourist, made[0], 7).status == 201
    assert api.post(f"/v1/admin/projects/{made[0]}/close", as_=admin).status == 200

    pages, cursor = [], None
    while len(pages) < 3:
        query = {"limit": "1"} | ({"cursor": cursor} if cursor else {})
        reply = api.get("/v1/admin/projects", as_=admin, query=query)
        assert reply.status == 200, reply.body
        pages += reply.body["items"]
        cursor = reply.body["next_cursor"]
    assert [p["project_id"] for p in pages] == made[::-1]  # newest first, the closed one among them
    closed = pages[-1]
    assert (closed["status"], closed["raised_coins"], closed["donations"], closed["donors"]) == (
        "closed", 7, 1, 1)

    def of(status):
        reply = api.get("/v1/admin/projects", as_=admin, query={"status": status, "limit": "100"})
        return reply.body["items"]

    only_closed, only_open = of("closed"), of("open")
    assert made[0] in [p["project_id"] for p in only_closed]
    assert {p["status"] for p in only_closed} == {"closed"}
    assert made[0] not in [p["project_id"] for p in only_open]
    assert made[1] in [p["project_id"] for p in only_open]

    bad = [api.get("/v1/admin/projects", as_=admin, query=q).error_code
           for q in ({"status": "gone"}, {"cursor": "garbage!"})]
    assert bad == ["validation_error", "invalid_cursor"]
    assert api.get("/v1/admin/projects", as_=tourist).status == 403
