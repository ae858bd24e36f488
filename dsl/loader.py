"""Find the rule files under rules/ and compile them to a plain RuleSet (no engine indexes, no cache).

The engine (engine/rulebook.py) adds its indexes and keeps the cache; this layer knows nothing of it.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import RuleLoadError

PKG_ROOT = Path(__file__).resolve().parent.parent
# POLICYLINT_RULES points at another rules directory (its own law/ beside its packs), e.g. a local pack
RULES_DIR = Path(os.environ.get("POLICYLINT_RULES") or PKG_ROOT / "rules")
LAW_DIR = RULES_DIR / "law"
DSL_DIR = Path(__file__).resolve().parent


def rule_files(rules_dir: Path | None = None) -> list[Path]:
    return sorted(Path(rules_dir or RULES_DIR).rglob("*.rule"))


def source_files(paths: list[Path]) -> list[Path]:
    """Everything that shapes the compiled form: the rule files, the law they cite, and this compiler."""
    return (list(paths) + sorted(LAW_DIR.glob("*.yaml")) + sorted(DSL_DIR.glob("*.py"))
            + [DSL_DIR / "grammar.lark"])


def compile_rules(paths: list[Path]):
    """Parse and compile `paths` into a RuleSet; every mistake is a RuleLoadError naming file:line:col."""
    from .compiler import CompileError, compile_files
    from .lawtext import load_lawbook
    from .parser import RuleSyntaxError, parse_file

    try:
        files = [parse_file(p) for p in paths]
    except RuleSyntaxError as e:
        raise RuleLoadError(str(e)) from None
    except UnicodeDecodeError as e:
        raise RuleLoadError(f"规则文件不是 UTF-8 编码：{e}") from None
    try:
        return compile_files(files, load_lawbook(str(LAW_DIR)))
    except CompileError as e:
        raise RuleLoadError(f"{e}") from None
