"""Every listing reads a query page through `pages.page_items`: one stored item that does not read
is skipped and logged, and the cursor still moves past it."""

from __future__ import annotations

from types import SimpleNamespace

from pydantic import BaseModel
from tanhui.models import pages


class _Out(BaseModel):
    name: str
    coins: int


class _Page(list):
    last_evaluated_key = {"pk": {"S": "P#1"}, "sk": {"S": "S#3"}}


def test_given_an_item_that_does_not_read_then_the_others_come_and_the_cursor_moves_on(monkeypatch):
    page = _Page([{"name": "a", "coins": 1}, {"name": "b"}, {"name": "c", "coins": 3}])
    logged = []
    monkeypatch.setattr(pages.logger, "warning", lambda message, **kw: logged.append(message))

    items, cursor = pages.page_items(page, _Out.model_validate)

    assert [i.name for i in items] == ["a", "c"]
    assert pages.decode_cursor(cursor, {"pk", "sk"}) == page.last_evaluated_key
    assert logged == ["listed item skipped: it does not read"]


def test_given_the_last_page_then_no_cursor():
    page = [SimpleNamespace(name="a", coins=1)]

    items, cursor = pages.page_items(page, lambda i: _Out(name=i.name, coins=i.coins))

    assert [i.coins for i in items] == [1] and cursor is None
