"""A partner's saved mapping in header matching: it decides the columns it names before the aliases,
only for a header row that holds every text it maps; and what a mapping must be to be saved."""

from __future__ import annotations

import pytest
from tanhui.imports import formats, mappings
from tanhui.imports.specs import header_key

OWN = {"住客电话": "guest", "客房": "room", "来店日": "check_in", "住几晚": "nights", "电话": None}
SAVED = {header_key(k): v for k, v in OWN.items()}


def test_given_a_saved_mapping_then_it_wins_over_the_aliases_for_the_columns_it_names():
    texts = ["序号", "住客电话", "电话", "客 房", "来店日", "住几晚", "离店日期"]

    m = formats.match_header("hotel_stays", texts, SAVED)

    # 电话 (an alias of guest) is the hotel's own line: null in the mapping; 离店日期 still by its name
    assert m.header == ("", "guest", "", "room", "check_in", "nights", "check_out")
    assert m.complete and m.mapped == (1, 2, 3, 4, 5)


def test_given_a_header_row_without_one_of_the_mapped_texts_then_the_names_alone():
    m = formats.match_header("hotel_stays", ["住客电话", "客房", "来店日"], SAVED)  # no 住几晚

    assert m.header == ("", "", "") and m.mapped == () and not m.complete


def test_given_a_mapped_text_that_is_also_an_alias_of_another_field_then_the_mapping_decides():
    saved = {header_key("手机号"): "guest", header_key("入住"): "check_in", header_key("房间"): "room",
             header_key("天数"): None, header_key("晚"): "nights"}

    m = formats.match_header("hotel_stays", ["手机号", "房间", "入住", "天数", "晚"], saved)

    assert m.header == ("guest", "room", "check_in", "", "nights")


@pytest.mark.parametrize(
    "columns, error",
    [
        ({**OWN, "住几晚": "stays"}, mappings.UnknownField),
        ({**OWN, "电话": "guest"}, mappings.FieldMappedTwice),
        ({k: v for k, v in OWN.items() if v != "check_in"}, mappings.FieldUnmapped),
        ({k: v for k, v in OWN.items() if v != "nights"}, mappings.FieldUnmapped),
        ({**OWN, "ＫＥ房": None, "ke房": None}, mappings.HeaderTwice),
    ],
)
def test_given_an_invalid_mapping_then_check_names_its_problem(columns, error):
    with pytest.raises(error) as raised:
        mappings.check("hotel_stays", columns)
    assert raised.value.status == 422 and raised.value.details


def test_given_a_complete_mapping_then_check_passes_with_check_out_instead_of_nights():
    own = {"住客电话": "guest", "客房": "room", "来店日": "check_in", "走的日子": "check_out"}
    mappings.check("hotel_stays", own)
