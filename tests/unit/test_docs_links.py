"""Every relative link of README.md and docs/** leads to a file of the repository, and a `#anchor`
to a heading of the markdown page it names (GitHub's slugs: lower case, punctuation dropped, spaces
to hyphens, a repeated heading numbered)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", flags=re.S | re.M)


def links(text: str) -> list[str]:
    """The markdown links' targets, outside code blocks and code spans."""
    prose = re.sub(r"`[^`\n]*`", "", FENCE.sub("", text))
    return LINK.findall(prose)


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", FENCE.sub("", text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        n, unique = 0, slug
        while unique in found:
            n += 1
            unique = f"{slug}-{n}"
        found.add(unique)
    return found


def test_given_the_docs_then_every_relative_link_resolves():
    broken = []
    for page in PAGES:
        for target in links(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target):  # https:, mailto:
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text(encoding="utf-8")):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_given_headings_then_slugs_are_githubs():
    text = "# Tanhui\n## Local state: `make run`, `make reset`\n## Donations (公益捐赠)\n## Tanhui\n"
    assert anchors(text) == {"tanhui", "local-state-make-run-make-reset", "donations-公益捐赠", "tanhui-1"}


def test_given_a_code_block_then_its_brackets_are_no_links():
    assert links("[a](b.md)\n```\n[x](nowhere.md)\n```\n`[y](z.md)`\n") == ["b.md"]
