"""The README's walkthrough runs as written: every ```sh block, in order, in one bash
(`set -euo pipefail`) against a fresh `make run` on free ports and a temporary TANHUI_LOCAL_DIR,
from a directory outside the repository. A `# → …` line says what the commands above it print:
each must match a line of their output, `…` standing for whatever varies."""

from __future__ import annotations

import os
import re
import subprocess

from infra.local.cfn import ROOT
from tests.conftest import _free_port
from tests.e2e.test_restart_keeps_state import MakeRun

README = ROOT / "README.md"
ARROW = "# → "
MARK = "@@README step {}@@"


def sh_blocks(text: str) -> list[str]:
    """The README's ```sh blocks (```bash ones, such as `make run`, are not run)."""
    return re.findall(r"^```sh\n(.*?)^```$", text, flags=re.S | re.M)


def script_and_expectations(blocks: list[str]) -> tuple[str, list[list[str]]]:
    """One bash script printing a marker after each step (the commands before a `# →` line)."""
    lines, expected = ["set -euo pipefail"], [[]]
    for block in blocks:
        for line in block.splitlines():
            if line.startswith(ARROW):
                if not lines[-1].startswith("printf '\\n" + MARK.format("")[:-2]):
                    lines.append(f"printf '\\n{MARK.format(len(expected) - 1)}\\n'")
                    expected.append([])
                expected[-2].append(line[len(ARROW):])
            else:
                lines.append(line)
    return "\n".join(lines) + "\n", expected[:-1]


def pattern(expectation: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expectation.split("…")))


def test_the_readme_has_walkthrough_blocks_with_expectations():
    script, expected = script_and_expectations(sh_blocks(README.read_text(encoding="utf-8")))
    assert len(expected) >= 15 and all(expected)
    assert "HOTEL=..." not in script and "<code_id>" not in script and "demo()" not in script


def test_given_make_run_when_the_readme_sh_blocks_run_in_order_then_each_prints_what_it_says(tmp_path):
    script, expected = script_and_expectations(sh_blocks(README.read_text(encoding="utf-8")))
    local, elsewhere = tmp_path / "local", tmp_path / "elsewhere"
    elsewhere.mkdir()
    stack = MakeRun(local, _free_port(), _free_port())
    try:
        stack.wait_ready()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_", "PYTHON"))}
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=elsewhere,
            env=env | {"TANHUI_LOCAL_DIR": str(local)},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        assert stack.interrupt() == 0
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:] + "".join(stack.lines[-30:])
    outputs = re.split(r"\n@@README step \d+@@\n", result.stdout)
    assert len(outputs) == len(expected) + 1, result.stdout[-3000:]
    for step, (output, wanted) in enumerate(zip(outputs, expected, strict=False)):
        printed = output.splitlines()
        for expectation in wanted:
            assert any(pattern(expectation).fullmatch(line) for line in printed), (
                f"step {step}: no line is {expectation!r}:\n{output[-2000:]}"
            )
    assert "\\u" not in result.stdout  # Chinese as UTF-8, never escaped
