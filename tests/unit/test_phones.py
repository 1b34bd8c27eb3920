"""One phone normaliser for people and files (`tanhui.identity.phones`): what register, login,
confirm, bindings and partner files read as the same E.164 number."""

import pytest
from pydantic import ValidationError
from tanhui.bindings.normalisation import normalise
from tanhui.identity.phones import normalise_phone
from tanhui.identity.schemas import LoginIn
from tanhui.imports import formats


@pytest.mark.parametrize(
    "text",
    [
        "137 1000 0099", "+86 137 1000 0099", "86-137-1000-0099", "8613710000099", "13710000099",
        "１３７１０００００９９", "＋８６ １３７ １０００ ００９９", "0086 137 1000 0099",
        "(+86) 137-1000-0099",
        "137.1000.0099", "137–1000–0099", " 13710000099 ", "13710000099.0",
    ],
)
def test_given_a_mainland_mobile_as_typed_then_every_reader_takes_it_as_e164(text):
    assert normalise_phone(text) == "+8613710000099"
    assert LoginIn.model_validate({"phone": text, "password": "x"}).phone == "+8613710000099"
    assert normalise("phone", text) == "+8613710000099"


def test_given_the_import_and_the_bindings_then_they_use_the_one_normaliser():
    assert formats.normalise_phone is normalise_phone


@pytest.mark.parametrize("text", ["12345", "23800138000", "+86 20 8888 8888", "+0123456789", "一三七", ""])
def test_given_no_phone_then_the_model_refuses_it_with_invalid_phone_in_words(text):
    with pytest.raises(ValidationError) as caught:
        LoginIn.model_validate({"phone": text, "password": "x"})
    (problem,) = caught.value.errors()
    assert problem["type"] == "tanhui.invalid_phone"
    assert "手机号码" in problem["msg"] and "pattern" not in problem["msg"]


def test_given_a_number_not_text_then_the_strict_string_check_refuses_it():
    with pytest.raises(ValidationError) as caught:
        LoginIn.model_validate({"phone": 13710000099, "password": "x"})
    assert caught.value.errors()[0]["type"] == "string_type"
