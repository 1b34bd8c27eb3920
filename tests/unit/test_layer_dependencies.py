"""Dependencies inside the layer run one way (docs/developers/architecture.md, "Layout"): `models`
knows no domain area, and an area imports only the areas below it. Every import counts, also one
inside a function or under `TYPE_CHECKING`: a lazy import is still a dependency."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "common"
PACKAGE = LAYER / "tanhui"

# bottom first: a part may import only the parts listed before it
# (docs/developers/architecture.md, "Layout", draws it)
ORDER = (
    "config", "limits", "errors", "observability", "request_models", "aws", "cache", "sqs", "openapi", "api",
    "models", "response_models", "idempotency", "identity", "bindings", "partners", "codes", "wallet",
    "donations", "spending", "claims", "imports", "peers", "reductions", "exports", "buyback", "certificates",
    "registry", "rights", "supervision",
)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(LAYER).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Every `tanhui` module `name` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m == "tanhui" or m.startswith("tanhui.")}


def _part(module: str) -> str:
    """The area (package) or top-level module of the layer that `module` belongs to."""
    return module.split(".")[1] if module.count(".") else ""


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        source = _part(name)
        targets = {_part(m) for m in _imports(name, path) if m in modules}
        graph.setdefault(source, set()).update(targets - {source, ""})
    graph.pop("", None)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles: list[list[str]] = []
    for start in sorted(graph):
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    cycle = path + [start]
                    if min(path) == start:
                        cycles.append(cycle)
                elif nxt not in path and nxt > start:
                    stack.append((nxt, path + [nxt]))
    return cycles


def test_given_every_layer_module_when_its_imports_are_walked_then_no_package_cycle():
    assert _cycles(_graph()) == []


def test_given_the_documented_order_then_each_part_imports_only_parts_below_it():
    graph = _graph()
    new = sorted(set(graph) - set(ORDER))
    assert not new, f"add {new} to ORDER and to docs/developers/architecture.md"
    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if ORDER.index(target) > ORDER.index(source)
    )
    assert upward == []


def test_given_models_then_they_import_no_domain_area():
    areas = set(ORDER[ORDER.index("models") + 1:])
    assert _graph().get("models", set()) & areas == set()


def test_given_a_fresh_interpreter_when_every_module_is_imported_then_each_imports():
    names = sorted(_modules())
    probe = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    env = {"PYTHONPATH": str(LAYER), "TABLE_NAME": "t", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run([sys.executable, "-c", probe, *names], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_given_the_layer_then_it_holds_no_local_only_code():
    """What only the local stack or tests need stays out of the layer: it imports neither, and no
    module of it verifies tokens against a JWKS (API Gateway's JWT authorizer does that in AWS;
    locally `infra/local/jwt_authorizer.py`)."""
    local_only = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            imported = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            local_only += [f"{name} imports {m}" for m in imported if m.split(".")[0] in ("infra", "tests")]
            if isinstance(node, ast.Name | ast.Attribute) and "jwk" in getattr(
                node, "id", getattr(node, "attr", "")
            ).lower():
                local_only.append(f"{name} uses {ast.unparse(node)}")
    assert local_only == []
