"""The public check of a certificate as a page a person reads (what its QR opens in a phone's
browser): Chinese first, English beside; nothing inline for the Content-Security-Policy to refuse
(no style attribute, no <style>, no script)."""

from __future__ import annotations

from html import escape

from tanhui.certificates.schemas import CertificateCheckOut
from tanhui.claims.schemas import BEHAVIOUR_NAMES_EN

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main class="ssr-certificate">
{body}
</main></body></html>
"""


def _row(zh: str, en: str, value: str) -> str:
    return (f'<tr><th scope="row">{escape(zh)} <span lang="en">{escape(en)}</span></th>'
            f"<td>{escape(value)}</td></tr>")


def page(cert: CertificateCheckOut) -> str:
    rows = [
        _row("持有人", "Holder", cert.holder),
        _row("期间", "Period", cert.period),
        _row("减碳量", "CO2e saved", f"{cert.gco2e:,} 克 g"),
        _row("碳币", "Carbon coins", f"{cert.coins:,}"),
        _row("签发时间", "Issued", cert.issued_at),
        _row("证书编号", "Certificate id", cert.certificate_id),
    ]
    behaviours = "".join(
        f'<li>{escape(b.name)} <span lang="en">{escape(BEHAVIOUR_NAMES_EN.get(b.behaviour, b.behaviour))}'
        f"</span>: {b.count}</li>"
        for b in cert.behaviours
    )
    body = (
        '<h1>碳惠减碳证书 <span lang="en">Tanhui carbon reduction certificate</span></h1>'
        '<p class="ssr-valid">✔ 这是碳惠签发的真实证书，内容如下。'
        '<br><span lang="en">This certificate was issued by Tanhui and states the following.</span></p>'
        f'<table class="ssr-facts">{"".join(rows)}</table>'
        '<h2>低碳行为 <span lang="en">Low-carbon behaviours</span></h2>'
        f'<ul class="ssr-behaviours">{behaviours}</ul>'
    )
    return _PAGE.format(title="碳惠减碳证书 · Tanhui certificate", body=body)


def not_found() -> str:
    body = (
        '<h1>未找到证书 <span lang="en">No such certificate</span></h1>'
        "<p>碳惠没有签发过这个编号的证书。请核对二维码或编号。"
        '<br><span lang="en">Tanhui has issued no certificate with this id: check the QR code or '
        "the id.</span></p>"
    )
    return _PAGE.format(title="未找到证书 · No such certificate", body=body)
