"""The error table (docs/developers/api.md, "Errors") lists every `code` the API can emit: each error
class's code, each `code="…"` given when raising, the codes tanhui.api answers itself and the local
gateway's."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "layers/common/tanhui").rglob("*.py")),
    *sorted((ROOT / "functions").rglob("*.py")),
]
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def emitted_codes(tree: ast.AST) -> set[str]:
    """Codes a module defines: `code = "x"` / `status, code, message = …, "x", …` in a class,
    `code="x"` passed to a call, and the code argument of `error_response` / `error_body`."""
    codes: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            names = [target] if isinstance(target, ast.Name) else getattr(target, "elts", [])
            values = [node.value] if isinstance(target, ast.Name) else getattr(node.value, "elts", [])
            for name, value in zip(names, values, strict=False):
                if isinstance(name, ast.Name) and name.id == "code" and isinstance(value, ast.Constant):
                    codes.add(value.value)
        elif isinstance(node, ast.Call):
            codes.update(
                kw.value.value
                for kw in node.keywords
                if kw.arg == "code" and isinstance(kw.value, ast.Constant)
            )
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"error_response": 1, "error_body": 0}.get(name or "")
            if position is not None and len(node.args) > position:
                arg = node.args[position]
                if isinstance(arg, ast.Constant):
                    codes.add(arg.value)
    return {c for c in codes if isinstance(c, str) and CODE.match(c)}


def all_emitted() -> set[str]:
    from infra.local.gateway import GATEWAY_CODES

    codes = set(GATEWAY_CODES.values())
    for path in SOURCES:
        codes |= emitted_codes(ast.parse(path.read_text(), str(path)))
    return codes


ERRORS_PAGE = ROOT / "docs" / "developers" / "api.md"


def readme_codes() -> set[str]:
    text = ERRORS_PAGE.read_text(encoding="utf-8")
    section = text.split("\n## Errors", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    rows = [re.sub(r"\(with [^)]*\)", "", row) for row in rows]  # "(with `details`)" is no code
    return {code for row in rows for code in re.findall(r"`([a-z][a-z0-9_]*)`", row)}


def test_given_emitted_codes_then_each_is_in_readme_error_table():
    missing = sorted(all_emitted() - readme_codes())
    assert not missing, f"add these codes to the error table of docs/developers/api.md: {missing}"


def test_given_the_collector_then_it_finds_codes_of_every_kind():
    emitted = all_emitted()
    # a class attribute, a keyword at a raise, tanhui.api's own answers, the local gateway's
    assert {"already_claimed", "invalid_cursor", "validation_error", "internal_error"} <= emitted
    assert {"route_not_found", "headers_too_large"} <= emitted


def test_given_readme_table_then_it_lists_no_code_nothing_emits():
    stale = sorted(readme_codes() - all_emitted())
    assert not stale, f"docs/developers/api.md's error table lists codes nothing emits: {stale}"
