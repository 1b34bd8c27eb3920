"""What the console's browser tests share: a form field by its data-test, a file the page saves
(a click that downloads), and a CSV's rows as a clerk's Excel reads them."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.browser.support import Tab

BOM = b"\xef\xbb\xbf"


def field(scope: Any, name: str) -> Any:
    """The input (or textarea) of a form field by its data-test, in a page or a dialog: Element Plus
    puts the attribute on the input itself or on its wrapper."""
    return scope.locator(f'input[data-test="{name}"], textarea[data-test="{name}"], '
                         f'[data-test="{name}"] input, [data-test="{name}"] textarea').first


def download(tab: Tab, selector: str) -> bytes:
    """Clicks what `selector` finds and returns the bytes of the file the page saves."""
    with tab.page.expect_download() as info:
        tab.page.locator(selector).click()
    path = info.value.path()
    assert path is not None
    return path.read_bytes()


def csv_rows(data: bytes) -> list[list[str]]:
    """A CSV's rows (UTF-8, with or without its BOM)."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
