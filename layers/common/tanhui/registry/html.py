"""The registry's public pages a person reads: a retirement's check (what its certificate's QR opens in
a phone's browser) and the registry itself; Chinese first, English beside, nothing inline (the page
the certificates' check draws: `certificates.html`)."""

from __future__ import annotations

from html import escape

from tanhui.certificates.html import _PAGE, _row
from tanhui.registry.certificate import EMISSIONS
from tanhui.registry.public import LATEST as LATEST_SHOWN
from tanhui.registry.schemas import RegistryOut, RetirementOut


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


KINDS = {"platform": "平台 Platform", "organisation": "企业·机关·社会团体 Organisation",
         "event": "活动 Event"}


def _units(n: int) -> str:
    return f"{n:,}"


def _serials(first: str | None, last: str | None, units: int) -> str:
    if not units or not first:
        return "—"
    return f"{first} – {last}" if last and last != first else first


def _table(caption_zh: str, caption_en: str, heads: list[tuple[str, str]], rows: list[str]) -> str:
    head = "".join(f'<th scope="col">{escape(zh)} <span lang="en">{escape(en)}</span></th>'
                   for zh, en in heads)
    body = "".join(rows) or (f'<tr><td colspan="{len(heads)}">暂无 <span lang="en">None yet</span></td></tr>')
    return (f'<h2>{escape(caption_zh)} <span lang="en">{escape(caption_en)}</span></h2>'
            f'<table class="ssr-list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _cells(*values: str) -> str:
    return "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in values) + "</tr>"


def registry_page(out: RegistryOut) -> str:
    """The public registry (GET /v1/registry in a browser): the totals, the latest issuances and
    retirements by serial range, every holding account by name. No person's id: an individual's
    offset names them as its public check does (a masked display name)."""
    facts = [
        _row("已签发", "Issued", f"{_units(out.issued_units)} 单位 units"),
        _row("持有中", "Held", f"{_units(out.held_units)} 单位 units"),
        _row("已注销（消纳）", "Retired", f"{_units(out.retired_units)} 单位 units"),
        _row("待签发余量", "Carried to the next issuance", f"{out.carry_g:,} 克 g"),
    ]
    issuances = [
        _cells(i.created_at[:10], f"{i.range_from} – {i.range_to}", _units(i.units),
               _serials(i.first_serial, i.last_serial, i.units))
        for i in out.issuances
    ]
    holdings = [
        _cells(a.name, KINDS.get(a.kind, a.kind), _units(a.held_units), _units(a.retired_units))
        for a in out.holdings
    ]
    retirements = [
        "<tr>"
        f"<td>{escape(r.created_at[:10])}</td><td>{escape(r.beneficiary)}</td>"
        f"<td>{escape(r.account_name)}</td><td>{_units(r.units)}</td>"
        f"<td>{'<br>'.join(escape(_serials(g.first_serial, g.last_serial, g.units)) for g in r.ranges)}</td>"
        f'<td><a href="{escape(r.check_path)}">核验 <span lang="en">Check</span></a></td>'
        "</tr>"
        for r in out.retirements
    ]
    body = (
        '<h1>碳惠碳普惠减排量登记簿 <span lang="en">The Tanhui registry of carbon-inclusion reductions'
        "</span></h1>"
        "<p>经核证的公众低碳行为减排量在此签发、持有和注销。1 单位 = 1 千克 CO₂e；每个序列号只签发一次，"
        "注销后不会再转移或注销。"
        '<br><span lang="en">Verified reductions from the public\'s low-carbon behaviour are issued, held '
        "and retired here. 1 unit = 1 kg CO2e; each serial is issued once and, once retired, never moves "
        "or retires again.</span></p>"
        f'<table class="ssr-facts">{"".join(facts)}</table>'
        + _table("最近的签发", "Latest issuances",
                 [("签发日", "Issued"), ("行为日期", "Behaviour days"), ("单位", "Units"),
                  ("序列号", "Serials")], issuances)
        + _table("持有账户", "Holding accounts",
                 [("账户", "Account"), ("类型", "Kind"), ("持有", "Held"), ("已注销", "Retired")], holdings)
        + _table("最近的注销", "Latest retirements",
                 [("注销日", "Retired"), ("受益方", "Beneficiary"), ("注销账户", "Retired by"),
                  ("单位", "Units"), ("序列号", "Serials"), ("核验", "Check")], retirements)
        + f"<p>最近 {LATEST_SHOWN} 条签发与注销；机器可读的同一内容：以 "
        "<code>Accept: application/json</code> 请求本页。"
        '<br><span lang="en">The latest issuances and retirements; the same in JSON: ask this '
        "page with <code>Accept: application/json</code>.</span></p>"
    )
    return _PAGE.format(title="碳惠减排量登记簿 · Tanhui registry", body=body)
