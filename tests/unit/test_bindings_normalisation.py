"""`tanhui.bindings.normalise`: one spelling per number, for the app and for partner files alike;
`lookup_many` reads in chunks of 100 and asks again for unprocessed keys."""

from __future__ import annotations

import pytest
from tanhui.bindings import InvalidBinding, lookup_many, normalise, normalise_daily_km
from tanhui.models import writes


@pytest.mark.parametrize(
    ("kind", "text", "stored"),
    [
        ("transit_card", "3101 2345 6789", "310123456789"),
        ("transit_card", "3101-2345-6789", "310123456789"),
        ("transit_card", "３１０１２３４５", "31012345"),  # full-width digits
        ("electricity_account", "0300.1234.5678", "030012345678"),
        ("water_account", "sz-00012a", "SZ00012A"),
        ("gas_account", "1234", "1234"),
        ("sorting_card", "GZ•0001•2345", "GZ00012345"),
        ("car_plate", "粤B·D12345", "粤BD12345"),
        ("car_plate", "京a 12345", "京A12345"),
        ("car_plate", "沪Ａ-1234Ｂ", "沪A1234B"),
        ("phone", "+8613800138000", "+8613800138000"),
        ("phone", "138-0013-8000", "+8613800138000"),
        ("phone", "86 138 0013 8000", "+8613800138000"),
        ("phone", "0086 13800138000", "+8613800138000"),
        ("phone", "+852 6123 4567", "+85261234567"),
        ("transit_card", 310123456789, "310123456789"),  # a file cell read as a number
    ],
)
def test_given_a_number_as_people_and_files_write_it_then_one_stored_form(kind, text, stored):
    assert normalise(kind, text) == stored
    assert normalise(kind, stored) == stored  # idempotent


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("transit_card", "123"),  # too short
        ("transit_card", "1" * 33),  # too long
        ("transit_card", "1234/5678"),
        ("transit_card", "卡12345"),
        ("transit_card", ""),
        ("transit_card", "   "),
        ("transit_card", "1" * 65),
        ("car_plate", "BD12345"),  # no province
        ("car_plate", "粤1D12345"),  # no letter after the province
        ("car_plate", "粤B1234"),  # 4 after the letter
        ("car_plate", "粤B1234567"),  # 7 after the letter
        ("car_plate", "港B12345"),  # not a mainland province
        ("phone", "12345"),
        ("phone", "23800138000"),
        ("phone", "+0123456789"),
        ("no_such_kind", "12345678"),
        ("transit_card", None),
        ("transit_card", True),
        ("transit_card", 12.5),
        ("transit_card", ["12345678"]),
    ],
)
def test_given_no_number_of_the_kind_then_422_invalid_binding_naming_the_field(kind, text):
    with pytest.raises(InvalidBinding) as refused:
        normalise(kind, text)
    assert refused.value.status == 422 and refused.value.code == "invalid_binding"
    assert refused.value.details[0]["field"] == kind and refused.value.details[0]["problem"]


@pytest.mark.parametrize(("value", "km"), [(18.5, 18.5), (1, 1.0), (500, 500.0), (0.1, 0.1)])
def test_given_a_daily_distance_in_range_then_it_is_kept(value, km):
    assert normalise_daily_km(value) == km


@pytest.mark.parametrize("value", [0, -3, 500.01, 1e9, float("nan"), float("inf"), "18", True, None])
def test_given_a_daily_distance_out_of_range_or_not_a_number_then_refused(value):
    with pytest.raises(InvalidBinding):
        normalise_daily_km(value)


def test_given_250_values_with_unprocessed_keys_then_chunks_of_100_and_every_key_asked_again(monkeypatch):
    requests: list[int] = []
    held_back: set[str] = set()

    def batch_get(keys):
        requests.append(len(keys))
        pks = [k["pk"]["S"] for k in keys]
        assert len(pks) <= 100 and {k["sk"]["S"] for k in keys} == {"BINDING"}
        # the first time a key is asked, every third one is left unprocessed
        later = [pk for pk in pks[::3] if pk not in held_back]
        held_back.update(later)
        items = [{"pk": {"S": pk}, "user_id": {"S": "u-" + pk.rsplit("#", 1)[1]}}
                 for pk in pks if pk not in later and pk.endswith(("0", "2", "4", "6", "8"))]
        return items, [{"pk": {"S": pk}, "sk": {"S": "BINDING"}} for pk in later]

    waits: list[float] = []
    monkeypatch.setattr(writes.time, "sleep", waits.append)
    values = [f"card-{n:04d}" for n in range(250)] + ["card-0000", "bad", None]  # a duplicate, 2 invalid
    found = lookup_many("transit_card", values, batch_get=batch_get)

    assert found == {f"CARD{n:04d}": f"u-CARD{n:04d}" for n in range(0, 250, 2)}
    assert requests[:1] == [100] and sum(1 for r in requests if r == 100) == 2
    assert len(waits) == len(requests) - 3 and all(w >= 0 for w in waits)  # full jitter: may be 0


def test_given_keys_left_unprocessed_every_time_then_it_gives_up_loudly(monkeypatch):
    from tanhui.bindings import LookupIncomplete

    def stuck(keys):
        return [], keys

    monkeypatch.setattr(writes.time, "sleep", lambda _s: None)
    with pytest.raises(LookupIncomplete):
        lookup_many("car_plate", ["粤B12345"], batch_get=stuck)
