"""Admins create partners and staff logins; partners see only themselves."""

import pytest

from tests.support import unique_phone


def test_given_admin_when_creating_partner_then_it_is_listed_and_readable(api, admin):
    created = api.post(
        "/v1/admin/partners",
        {
            "name": "丹霞山景区",
            "role": "scenic_spot",
            "contact": {"name": "Li", "email": "li@danxia.cn"},
        },
        as_=admin,
    )
    assert created.status == 201
    partner_id = created.body["partner_id"]
    assert len(partner_id) == 6 and created.body["status"] == "active"
    got = api.get(f"/v1/admin/partners/{partner_id}", as_=admin)
    assert got.body["name"] == "丹霞山景区" and got.body["contact"]["email"] == "li@danxia.cn"
    listed = api.get("/v1/admin/partners", as_=admin, query={"limit": "100"})
    assert partner_id in [p["partner_id"] for p in listed.body["items"]]


def test_given_many_partners_when_paging_then_cursor_walks_all(api, admin, make_partner):
    make_partner("hotel"), make_partner("merchant")
    first = api.get("/v1/admin/partners", as_=admin, query={"limit": "1"})
    assert len(first.body["items"]) == 1 and first.body["next_cursor"]
    second = api.get(
        "/v1/admin/partners", as_=admin, query={"limit": "1", "cursor": first.body["next_cursor"]}
    )
    assert second.body["items"][0]["partner_id"] != first.body["items"][0]["partner_id"]
    bad = api.get("/v1/admin/partners", as_=admin, query={"cursor": "garbage!"})
    assert (bad.status, bad.error_code) == (400, "invalid_cursor")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "role": "bank", "contact": {}},
        {"name": "", "role": "hotel", "contact": {}},
        {"name": "x", "role": "hotel"},
    ],
)
def test_given_bad_partner_body_then_422(api, admin, body):
    reply = api.post("/v1/admin/partners", body, as_=admin)
    assert (reply.status, reply.error_code) == (422, "validation_error")


def test_given_non_admin_when_calling_admin_routes_then_403(api, register, make_partner):
    tourist, partner = register(), make_partner("hotel")
    for who in (tourist, partner):
        reply = api.post(
            "/v1/admin/partners", {"name": "x", "role": "hotel", "contact": {}}, as_=who
        )
        assert (reply.status, reply.error_code) == (403, "forbidden")
        assert api.get("/v1/admin/partners", as_=who).status == 403


def test_given_partner_staff_when_logged_in_then_sees_own_partner_only(api, make_partner):
    hotel = make_partner("hotel", name="丹霞绿色酒店")
    assert hotel.claims["cognito:groups"] == ["partner"]
    me = api.get("/v1/partner/profile", as_=hotel)
    assert me.status == 200
    assert (me.body["partner_id"], me.body["role"]) == (hotel.partner_id, "hotel")
    assert api.get("/v1/me", as_=hotel).body["partner_id"] == hotel.partner_id


def test_given_tourist_when_calling_partner_routes_then_403(api, register):
    assert api.get("/v1/partner/profile", as_=register()).status == 403


def test_given_unknown_partner_when_adding_staff_then_404(api, admin):
    reply = api.post(
        "/v1/admin/partners/FFFFFF/users",
        {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "x"},
        as_=admin,
    )
    assert (reply.status, reply.error_code) == (404, "partner_not_found")


def test_given_taken_phone_when_adding_staff_then_409(api, admin, make_partner, register):
    tourist = register()
    partner = make_partner("merchant")
    reply = api.post(
        f"/v1/admin/partners/{partner.partner_id}/users",
        {"phone": tourist.phone, "password": "partner-pass-1", "display_name": "x"},
        as_=admin,
    )
    assert (reply.status, reply.error_code) == (409, "phone_taken")


def test_given_two_partners_with_staff_then_each_lists_only_its_own_logins_a_page_at_a_time(
    api, admin, make_partner
):
    from tanhui.models.pages import encode_cursor
    from tanhui.models.partner import PartnerStaff

    hotel, other = make_partner("hotel"), make_partner("merchant")
    staff = {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "前台小林"}
    added = api.post(f"/v1/admin/partners/{hotel.partner_id}/users", staff, as_=admin)
    assert added.status == 201
    # a stored login that no longer reads (a field lost by a hand edit) is skipped, not a 500
    PartnerStaff(*PartnerStaff.key(hotel.partner_id, "zz-broken"), partner_id=hotel.partner_id,
                 user_id="zz-broken", phone="+8613800000000", display_name="x", created_at="x").save()
    PartnerStaff(*PartnerStaff.key(hotel.partner_id, "zz-broken")).update(
        actions=[PartnerStaff.display_name.remove()])

    path = f"/v1/admin/partners/{hotel.partner_id.lower()}/users"
    first = api.get(path, as_=admin, query={"limit": "1"})
    assert first.status == 200 and len(first.body["items"]) == 1 and first.body["next_cursor"]
    rest = api.get(path, as_=admin, query={"limit": "100", "cursor": first.body["next_cursor"]})
    logins = first.body["items"] + rest.body["items"]
    assert sorted(s["user_id"] for s in logins) == sorted([hotel.user_id, added.body["user_id"]])
    assert "前台小林" in {s["display_name"] for s in logins}
    assert {s["partner_id"] for s in logins} == {hotel.partner_id}
    others = api.get(f"/v1/admin/partners/{other.partner_id}/users", as_=admin).body["items"]
    assert [s["user_id"] for s in others] == [other.user_id]

    unknown = api.get("/v1/admin/partners/FFFFFF/users", as_=admin)
    assert (unknown.status, unknown.error_code) == (404, "partner_not_found")
    other_key = PartnerStaff.key(other.partner_id, other.user_id)
    foreign = api.get(path, as_=admin, query={"cursor": encode_cursor({"pk": {"S": other_key[0]},
                                                                        "sk": {"S": other_key[1]}})})
    assert (foreign.status, foreign.error_code) == (400, "invalid_cursor")  # no paging into another's
    for who in (hotel, other):
        assert api.get(path, as_=who).status == 403


def test_given_a_quota_then_the_operator_reads_it_with_the_month_issued_and_the_partner_list_shows_it(
    api, admin, make_partner
):
    merchant = make_partner("merchant")
    path = f"/v1/admin/partners/{merchant.partner_id}/quota"
    none = api.get(path, as_=admin)
    assert none.status == 200 and (none.body["monthly_coins"], none.body["issued_coins"]) == (None, 0)
    assert api.put(path, {"monthly_coins": 5000}, as_=admin).status == 200

    got = api.get(path, as_=admin)
    assert (got.body["partner_id"], got.body["monthly_coins"], got.body["issued_coins"]) == (
        merchant.partner_id, 5000, 0)
    assert len(got.body["month"]) == 6
    assert api.get(f"/v1/admin/partners/{merchant.partner_id}", as_=admin).body["monthly_coin_quota"] == 5000
    unknown = api.get("/v1/admin/partners/FFFFFF/quota", as_=admin)
    assert (unknown.status, unknown.error_code) == (404, "partner_not_found")
    assert api.get(path, as_=merchant).status == 403


def test_given_a_staff_login_ended_then_it_cannot_log_in_or_act_and_the_phone_is_free(
    api, admin, make_partner
):
    desk = make_partner("hotel")
    night = {"phone": unique_phone(), "password": "partner-pass-1", "display_name": "Night desk"}
    colleague = api.post(f"/v1/admin/partners/{desk.partner_id}/users", night, as_=admin)
    assert colleague.status == 201
    assert api.get("/v1/partner/profile", as_=desk).status == 200
    other = make_partner("hotel")
    path = f"/v1/admin/partners/{desk.partner_id}/users/{desk.user_id}"
    # another partner's login, a login of no partner: 404, nothing ended
    assert api.delete(f"/v1/admin/partners/{other.partner_id}/users/{desk.user_id}",
                      as_=admin).error_code == "staff_not_found"
    unknown = api.delete(f"/v1/admin/partners/FFFFFF/users/{desk.user_id}", as_=admin)
    assert unknown.error_code == "partner_not_found"
    assert api.delete(path, as_=desk).status == 403  # a partner cannot end logins
    assert api.get("/v1/partner/profile", as_=desk).status == 200

    assert api.delete(path, as_=admin).status == 204
    # the token they hold still passes the authorizer, but no partner route serves it
    refused = api.get("/v1/partner/profile", as_=desk)
    assert (refused.status, refused.error_code) == (403, "not_partner_staff"), refused.body
    assert api.post("/v1/auth/login", {"phone": desk.phone, "password": desk.password}).status == 401
    staff = api.get(f"/v1/admin/partners/{desk.partner_id}/users", as_=admin).body["items"]
    assert [s["display_name"] for s in staff] == ["Night desk"]
    assert api.delete(path, as_=admin).error_code == "staff_not_found"  # ended once
    # the phone can be given a login again (of this partner or another)
    new_desk = {"phone": desk.phone, "password": "partner-pass-2", "display_name": "New desk"}
    again = api.post(f"/v1/admin/partners/{other.partner_id}/users", new_desk, as_=admin)
    assert again.status == 201, again.body
