"""README itself takes a person from `make run` to coins on their own phone on the same network,
and says where the web app keeps the session and why (issue 18's "Done when" and its security
item): not only a page it links to."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_given_readme_then_it_says_how_to_claim_on_a_phone_on_the_same_network():
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    assert any(re.search(r"^PUBLIC_URL=http://\d+\.\d+\.\d+\.\d+:3000 make run", b, re.M) for b in blocks)
    section = README[README.index("### Coins on your own phone"):]
    assert "QR" in section and "banner" in section and "consent" in section and "credited" in section


def test_given_readme_then_it_justifies_where_the_session_tokens_live():
    for words in ("localStorage", "HttpOnly", "XSS", "Content-Security-Policy", "Logout revokes"):
        assert words in README, words
