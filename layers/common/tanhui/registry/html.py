"""The public check of a retirement as a page a person reads (what its certificate's QR opens in a
phone's browser): Chinese first, English beside, nothing inline (the page the certificates' check
draws: `certificates.html`)."""

from __future__ import annotations

from html import escape

from tanhui.certificates.html import _PAGE, _row
from tanhui.registry.certificate import EMISSIONS
from tanhui.registry.schemas import RetirementOut


def page(out: RetirementOut) -> str:
    emission = out.emission
    rows = [
        _row("受益方", "Beneficiary", out.beneficiary),
        _row("注销量", "Retired", f"{out.units:,} 千克 kg CO2e"),
        _row("用途", "Purpose", out.purpose),
        _row("抵销的排放", "Emission", EMISSIONS.get(str(emission.get("kind")), str(emission.get("kind")))),
        _row("说明", "Description", str(emission.get("description", ""))),
        *([_row("期间", "Period", str(emission["period"]))] if emission.get("period") else []),
        _row("注销账户", "Retired by", out.account_name),
        _row("注销时间", "Retired at", out.created_at),
        _row("注销编号", "Retirement id", out.retirement_id),
    ]
    serials = "".join(f"<li>{escape(r.first_serial)} – {escape(r.last_serial)}（{r.units:,}）</li>"
                      for r in out.ranges)
    body = (
        '<h1>碳普惠减排量注销证明 <span lang="en">Retired carbon-inclusion reductions</span></h1>'
        '<p class="ssr-valid">✔ 这些减排量已在碳惠登记簿注销，不会再转移或注销。'
        '<br><span lang="en">These reductions were retired in the Tanhui registry and can never move '
        "or retire again.</span></p>"
        f'<table class="ssr-facts">{"".join(rows)}</table>'
        '<h2>序列号 <span lang="en">Serial numbers</span></h2>'
        f'<ul class="ssr-serials">{serials}</ul>'
        f'<p><a href="{escape(out.certificate_path)}">证书 PDF '
        '<span lang="en">Certificate (PDF)</span></a></p>'
    )
    return _PAGE.format(title="碳普惠减排量注销证明 · Tanhui retirement", body=body)


def not_found() -> str:
    body = (
        '<h1>未找到注销记录 <span lang="en">No such retirement</span></h1>'
        "<p>碳惠登记簿中没有这个编号的注销。请核对二维码或编号。"
        '<br><span lang="en">The Tanhui registry holds no retirement with this id: check the QR code '
        "or the id.</span></p>"
    )
    return _PAGE.format(title="未找到注销记录 · No such retirement", body=body)
