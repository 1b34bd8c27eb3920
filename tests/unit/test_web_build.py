"""The web app's build keeps two promises of issue 18: its scripts run in older Android WebViews
(nothing newer than ES2017 but the dynamic `import()` and `import.meta` chunks are loaded with),
and the API client's types come from the OpenAPI document, so a route the pages call that changes
breaks the build rather than a page in a tourist's hand. Both need Node and web/node_modules (and
the first a build, web/dist): skipped without them, unless TANHUI_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODULES = WEB / "node_modules"
REQUIRE = os.environ.get("TANHUI_REQUIRE_BROWSER", "").lower() in ("1", "true", "yes")

# Lists the syntax newer than ES2017 in the scripts named: parsed by acorn as ES2020 (Vite's chunks
# load each other with import() and use import.meta, which the WebViews the target names have).
NEWER_THAN_ES2017 = r"""
const fs = require('fs')
const acorn = require(process.argv[1])
const found = []
for (const file of process.argv.slice(2)) {
  const src = fs.readFileSync(file, 'utf8')
  let ast
  try {
    ast = acorn.parse(src, { ecmaVersion: 2020, sourceType: 'module' })
  } catch (e) {
    found.push(`${file}: not ES2020: ${e.message}`)
    continue
  }
  const say = (node, what) =>
    found.push(`${file}:${node.start}: ${what}: ${src.slice(node.start, node.start + 60)}`)
  const walk = (node) => {
    if (!node || typeof node.type !== 'string') return
    if (node.type === 'ChainExpression') say(node, 'optional chaining (ES2020)')
    if (node.type === 'LogicalExpression' && node.operator === '??') say(node, '?? (ES2020)')
    if (node.type === 'ObjectExpression' && node.properties.some((p) => p.type === 'SpreadElement'))
      say(node, 'object spread (ES2018)')
    if (node.type === 'ObjectPattern' && node.properties.some((p) => p.type === 'RestElement'))
      say(node, 'object rest (ES2018)')
    if (node.type === 'ForOfStatement' && node.await) say(node, 'for await (ES2018)')
    if (node.type === 'CatchClause' && !node.param) say(node, 'optional catch binding (ES2019)')
    if (node.type.startsWith('Function') && node.async && node.generator) say(node, 'async generator')
    if (node.type === 'Literal' && typeof node.bigint === 'string') say(node, 'BigInt (ES2020)')
    if (node.type === 'Literal' && node.regex &&
        (node.regex.flags.includes('s') || /\(\?<[=!A-Za-z_$]|\\[pP]\{/.test(node.regex.pattern)))
      say(node, 'ES2018 regular expression')
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) value.forEach(walk)
      else if (value && typeof value.type === 'string') walk(value)
    }
  }
  walk(ast)
}
console.log(JSON.stringify(found))
"""


def _needs(*paths: Path) -> None:
    gaps = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    if not shutil.which("node"):
        gaps.append("node")
    if gaps:
        message = "the web app's build checks need: " + ", ".join(gaps) + " (make web)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)


def newer_than_es2017(scripts: list[Path]) -> list[str]:
    out = subprocess.run(["node", "-e", NEWER_THAN_ES2017, str(MODULES / "acorn"), *map(str, scripts)],
                         capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout)


def test_given_syntax_newer_than_es2017_then_the_check_names_it(tmp_path):
    _needs(MODULES / "acorn")
    sample = tmp_path / "sample.js"
    sample.write_text("const a = {...b}; x?.y; c ?? d; try {} catch {} /(?<n>a)/s; import('./c.js')\n")
    found = [line.split(": ")[1] for line in newer_than_es2017([sample])]
    assert found == ["object spread (ES2018)", "optional chaining (ES2020)", "?? (ES2020)",
                     "optional catch binding (ES2019)", "ES2018 regular expression"]  # not import()


def test_given_the_built_web_app_then_no_script_is_newer_than_es2017():
    _needs(MODULES / "acorn", WEB / "dist" / "index.html")
    scripts = sorted((WEB / "dist").rglob("*.js"))
    assert scripts
    assert newer_than_es2017(scripts) == []


def test_given_a_route_the_pages_call_gone_from_the_openapi_document_then_the_typecheck_fails():
    """The build's own steps (package.json's `build`: openapi-typescript, then vue-tsc), on a copy
    of web/src inside web/ (so web/node_modules is found as the build finds it) whose OpenAPI
    document no longer has POST /v1/claims, the code page's claim (the code page and what it imports
    are checked, as `npm run build` checks every page)."""
    _needs(MODULES / ".bin" / "vue-tsc", MODULES / ".bin" / "openapi-typescript", WEB / "openapi.json")
    document = json.loads((WEB / "openapi.json").read_text(encoding="utf-8"))
    assert "post" in document["paths"]["/v1/claims"]
    del document["paths"]["/v1/claims"]["post"]
    copy = Path(tempfile.mkdtemp(prefix=".typecheck-", dir=WEB))
    try:
        shutil.copytree(WEB / "src", copy / "src")
        (copy / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
        (copy / "tsconfig.json").write_text(json.dumps({
            "extends": "../tsconfig.json", "include": ["src/**/*.d.ts", "src/h5/pages/Code.vue"]}))
        generate = [str(MODULES / ".bin" / "openapi-typescript"), "openapi.json", "-o", "src/api/schema.d.ts"]
        subprocess.run(generate, cwd=copy, capture_output=True, text=True, check=True, timeout=300)
        checked = subprocess.run([str(MODULES / ".bin" / "vue-tsc"), "--noEmit", "-p", "tsconfig.json"],
                                 cwd=copy, capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    said = checked.stdout + checked.stderr
    assert checked.returncode != 0, said
    assert '"/v1/claims"' in said and "Code.vue" in said, said[-3000:]
