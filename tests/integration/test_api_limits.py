"""The limits the OpenAPI document states are the ones the API keeps (issue 24, item 7), over the moto
server: past a string's maxLength, a page size's range or a path id's length the answer is 422
`validation_error` naming the field, never a 5xx; at the limit it goes through; an Idempotency-Key
past 255 characters is 400 `invalid_idempotency_key`; a copy of my data asked again within the
minute is 429 with `Retry-After`."""

from __future__ import annotations

import uuid

from tanhui import limits

from tests.support import unique_phone


def _problem_fields(reply) -> set[str]:
    return {d["field"] for d in reply.body["error"].get("details", [])}


def test_given_a_display_name_past_its_max_length_then_422_naming_it_and_at_the_limit_201(api):
    body = {"phone": unique_phone(), "password": "green-trip-2026",
            "consent": {"version": "2026-11", "accepted": True}}

    too_long = api.post("/v1/auth/register", {**body, "display_name": "游" * 65})
    at_limit = api.post("/v1/auth/register", {**body, "display_name": "游" * 64})

    assert (too_long.status, too_long.error_code) == (422, "validation_error")
    assert _problem_fields(too_long) == {"display_name"}
    assert at_limit.status == 201, at_limit.body


def test_given_a_page_size_out_of_1_to_100_then_422_and_100_answers(api, register):
    tourist = register()
    for limit in ("0", "101", "99999999999999999999"):
        reply = api.get("/v1/me/ledger", as_=tourist, query={"limit": limit})
        assert (reply.status, reply.error_code) == (422, "validation_error"), limit
        assert _problem_fields(reply) == {"query.limit"}
    assert api.get("/v1/me/ledger", as_=tourist, query={"limit": "100"}).status == 200


def test_given_a_path_id_past_its_max_length_then_422_and_at_the_limit_the_things_own_404(api, register):
    tourist = register()
    too_long = api.get("/v1/offers/" + "A" * (limits.MAX_PATH_ID + 1), as_=tourist)
    at_limit = api.get("/v1/offers/" + "A" * limits.MAX_PATH_ID, as_=tourist)

    assert (too_long.status, too_long.error_code) == (422, "validation_error")
    assert _problem_fields(too_long) == {"path.offer_id"}
    assert at_limit.status == 404, at_limit.body


def test_given_an_idempotency_key_past_255_characters_then_400_invalid_idempotency_key(api, register):
    tourist = register()
    body = {"project_id": "0" * 26, "coins": 1}
    for key in ("k" * 256, "with space"):
        reply = api.post("/v1/donations", body, as_=tourist, headers={"Idempotency-Key": key})
        assert (reply.status, reply.error_code) == (400, "invalid_idempotency_key"), key
    fine = api.post("/v1/donations", body, as_=tourist, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert fine.status == 404, fine.body  # past the key: no such project


def test_given_a_copy_of_my_data_asked_again_within_the_minute_then_429_with_retry_after(api, register):
    tourist = register()
    assert api.post("/v1/me/data-export", as_=tourist).status == 201

    again = api.post("/v1/me/data-export", as_=tourist)

    assert (again.status, again.error_code) == (429, "data_export_too_soon")
    assert {k.lower(): v for k, v in again.headers.items()}["retry-after"] == "60"
