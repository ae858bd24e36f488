"""Layers, one way: dsl → engine → cases → reports → engine/cli. A module imports only its own layer or below."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RANK = {"dsl": 0, "engine": 1, "cases": 2, "reports": 3, "engine.cli": 4}


def layer(module: str) -> str | None:
    if module == "engine.cli" or module.startswith("engine.cli."):
        return "engine.cli"
    top = module.split(".")[0]
    return top if top in RANK else None


def imports(path: Path, module: str):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield node.lineno, target
            for a in node.names:          # `from engine import cli` imports engine.cli
                yield node.lineno, f"{target}.{a.name}"


def upward() -> list[str]:
    bad = []
    for top in ("dsl", "engine", "cases", "reports"):
        for path in sorted((ROOT / top).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            own = layer(module)
            for line, target in imports(path, module):
                other = layer(target)
                if other and RANK[other] > RANK[own]:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {own} 引用了上层 {target}")
    return bad


def test_no_import_runs_upward():
    assert upward() == []


def test_the_walk_sees_an_upward_import(tmp_path, monkeypatch):
    # the check itself can fail: a dsl module importing the engine is caught
    fake = tmp_path / "dsl"
    fake.mkdir()
    (fake / "bad.py").write_text("from engine.check import check_text\n", encoding="utf-8")
    for top in ("engine", "cases", "reports"):
        (tmp_path / top).mkdir()
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert upward() == ["dsl/bad.py:1: dsl 引用了上层 engine.check", "dsl/bad.py:1: dsl 引用了上层 engine.check.check_text"]
