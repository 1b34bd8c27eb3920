"""The walkthrough runs as written: every ```sh block of README.md and then of the docs pages, in
the order of PAGES, in one bash (`set -euo pipefail`) against a fresh `make run` on free ports and a
temporary TANHUI_LOCAL_DIR, from a directory outside the repository. A block may use what an earlier
one defined (README's `get` and `login`, 小林's `$TOKEN`, the tourists' page's `$VOUCHER`, the
partners' page's `send`). A `# → …` line says what the commands above it print: each must match a
line of their output, `…` standing for whatever varies."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

import pytest

from infra.local.cfn import ROOT
from tests.conftest import _free_port
from tests.e2e.test_restart_keeps_state import MakeRun

pytestmark = pytest.mark.local_only(
    "runs the pages' blocks on a `make run` of its own")

# the order in which the state the blocks build up makes sense: README makes 小林 and the helpers,
# tourists claim, redeem and certify before any partner file credits more, partners' staff take the
# voucher and send their files, the operator exports and sums what all of them did
PAGES = (
    "README.md",
    "docs/tourists.md",
    "docs/partners.md",
    "docs/operators.md",
    "docs/developers/api.md",
)
ARROW = "# → "
MARK = "@@walkthrough step {}@@"
FAILED = "@@walkthrough failed@@"


@dataclass
class Step:
    """The commands before a run of `# →` lines, and those lines."""

    page: str
    number: int  # within its page, from 1
    command: str  # the last command before the expectations, to find the step in the page
    expected: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.page} step {self.number} (up to `{self.command}`)"


def sh_blocks(text: str) -> list[str]:
    """A page's ```sh blocks (```bash ones, such as `make run`, are not run)."""
    return re.findall(r"^```sh\n(.*?)^```$", text, flags=re.S | re.M)


def script_and_steps(pages: dict[str, str]) -> tuple[str, list[Step]]:
    """One bash script printing a marker after each step, and the steps in order."""
    lines = ["set -euo pipefail", f"trap 'echo \"{FAILED} $BASH_COMMAND\" >&2' ERR"]
    steps: list[Step] = []
    for page, text in pages.items():
        lines.append(f"# ---- {page}")
        step, command, number = None, "", 0
        for block in sh_blocks(text):
            for line in block.splitlines():
                if line.startswith(ARROW):
                    if step is None:
                        number += 1
                        step = Step(page, number, command)
                        steps.append(step)
                        lines.append(f"printf '\\n{MARK.format(len(steps) - 1)}\\n'")
                    step.expected.append(line[len(ARROW):])
                else:
                    step = None
                    lines.append(line)
                    if line.strip() and not line.lstrip().startswith("#"):
                        command = line.strip()
    return "\n".join(lines) + "\n", steps


def read_pages() -> dict[str, str]:
    return {page: (ROOT / page).read_text(encoding="utf-8") for page in PAGES}


def pattern(expectation: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expectation.split("…")))


def test_the_pages_have_walkthrough_blocks_with_expectations():
    pages = read_pages()
    script, steps = script_and_steps(pages)
    assert len(steps) >= 15 and all(step.expected for step in steps)
    assert {step.page for step in steps} == set(PAGES), "a page in PAGES without a `# →` step"
    assert "HOTEL=..." not in script and "<code_id>" not in script and "demo()" not in script


def test_every_page_with_sh_blocks_is_in_the_walkthrough():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    with_blocks = {str(p.relative_to(ROOT)) for p in pages if sh_blocks(p.read_text(encoding="utf-8"))}
    missing = with_blocks - set(PAGES)
    assert not missing, f"add to PAGES, after the pages that define what they use: {missing}"


def test_given_make_run_when_the_pages_sh_blocks_run_in_order_then_each_prints_what_it_says(tmp_path):
    script, steps = script_and_steps(read_pages())
    local, elsewhere = tmp_path / "local", tmp_path / "elsewhere"
    elsewhere.mkdir()
    stack = MakeRun(local, _free_port(), _free_port())
    try:
        stack.wait_ready()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TABLE_", "PYTHON"))}
        result = subprocess.run(
            ["bash", "-c", script],
            cwd=elsewhere,
            # TMPDIR of its own: the pages keep files there (upload.json), which another run shares otherwise
            env=env | {"TANHUI_LOCAL_DIR": str(local), "TMPDIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        assert stack.interrupt() == 0
    outputs = re.split(r"\n@@walkthrough step \d+@@\n", result.stdout)
    done = len(outputs) - 1
    if result.returncode != 0:
        where = f"in {steps[done]}" if done < len(steps) else f"after {steps[-1]}"
        failed = [line for line in result.stderr.splitlines() if line.startswith(FAILED)]
        raise AssertionError(
            f"the walkthrough stopped {where}, after {done} of {len(steps)} steps: "
            f"{failed[-1][len(FAILED):].strip() if failed else 'exit ' + str(result.returncode)}\n"
            + result.stderr[-3000:] + outputs[-1][-3000:] + stack.output(30)
        )
    assert done == len(steps), result.stdout[-3000:]
    for step, output in zip(steps, outputs, strict=False):
        printed = output.splitlines()
        for expectation in step.expected:
            assert any(pattern(expectation).fullmatch(line) for line in printed), (
                f"{step}: no line is {expectation!r}:\n{output[-2000:]}"
            )
    assert "\\u" not in result.stdout  # Chinese as UTF-8, never escaped
