"""web/src/i18n/errors.json gives every error `code` the API can answer a message in Chinese and
English that a tourist or a clerk understands: each code of the OpenAPI document's error examples,
the local gateway's own codes, `internal_error` and every code the sources emit."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.local.gateway import GATEWAY_CODES
from infra.local.openapi_json import document
from tests.unit.test_error_codes_documented import all_emitted

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "web/src/i18n/errors.json"
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def messages() -> dict[str, Any]:
    return json.loads(MESSAGES.read_text(encoding="utf-8"))


def documented_codes(doc: dict[str, Any]) -> set[str]:
    return {
        code
        for item in doc["paths"].values()
        for operation in item.values()
        for response in (operation.get("responses") or {}).values()
        for content in (response.get("content") or {}).values()
        for code, example in (content.get("examples") or {}).items()
        if "error" in (example.get("value") or {})  # ours: not API Gateway's own 429 body
    }


def test_given_the_openapi_document_then_every_error_code_has_a_message(messages):
    codes = documented_codes(document())
    assert {"invalid_phone", "consent_required", "already_claimed", "location_required"} <= codes
    missing = sorted(codes - set(messages))
    assert not missing, f"add these codes to web/src/i18n/errors.json: {missing}"


def test_given_the_gateway_and_the_sources_then_their_codes_have_messages_too(messages):
    codes = set(GATEWAY_CODES.values()) | {"internal_error"} | all_emitted()
    assert sorted(codes - set(messages)) == []


def test_given_each_message_then_chinese_then_english_in_words(messages):
    for code, text in messages.items():
        assert set(text) == {"zh", "en"}, code
        assert HAN.search(text["zh"]) and text["en"].strip() and not HAN.search(text["en"]), code
        for words in text.values():  # no API jargon a tourist cannot act on
            assert not re.search(r"[\^$\\{}]|GET |POST |/v1/|Idempotency-Key|\bnull\b", words), (code, words)


def test_given_the_file_then_it_lists_no_code_nothing_answers(messages):
    known = documented_codes(document()) | set(GATEWAY_CODES.values()) | all_emitted()
    assert sorted(set(messages) - known) == []
