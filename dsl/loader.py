"""Find the rule files under rules/ and compile them to a plain RuleSet (no engine indexes, no cache).

The engine (engine/rulebook.py) adds its indexes and keeps the cache; this layer knows nothing of it.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path

from .errors import RuleLoadError


class UnusedGroupWarning(UserWarning):
    """A term group no rule and no other group uses (file:line and its name)."""

PKG_ROOT = Path(__file__).resolve().parent.parent
# POLICYLINT_RULES points at another rules directory (its own law/ beside its packs), e.g. a local pack
RULES_DIR = Path(os.environ.get("POLICYLINT_RULES") or PKG_ROOT / "rules")
LAW_DIR = RULES_DIR / "law"
DSL_DIR = Path(__file__).resolve().parent


def rule_files(rules_dir: Path | None = None) -> list[Path]:
    """The rule files under rules_dir; a single pack (rules/cases) comes with the shared concept lexicon."""
    root = Path(rules_dir or RULES_DIR)
    files = set(root.rglob("*.rule"))
    lexicon = RULES_DIR / "lexicon"
    if lexicon.is_dir() and root.resolve() != RULES_DIR.resolve():
        files |= set(lexicon.glob("*.rule"))
    return sorted(files)


def _tree(path, root: Path | None = None) -> Path:
    """The folder whose term tables a rule file may use: rules/ for the packs (never what lies above it: a rule
    file at the top of rules/ would otherwise put the whole checkout, or site-packages, in the walk), else the
    folder above the file's own. `root`: RULES_DIR resolved (once for many files)."""
    p = Path(path).resolve()
    root = root or RULES_DIR.resolve()
    return root if p.is_relative_to(root) else p.parent.parent


def source_files(paths: list[Path]) -> list[Path]:
    """Everything that shapes the compiled form: the rule files, the law they cite, and this compiler."""
    root = RULES_DIR.resolve()
    tables = sorted({t for r in {_tree(p, root) for p in paths} for t in r.rglob("*.csv")})   # term tables (the gazetteer)
    return (list(paths) + tables + sorted(LAW_DIR.glob("*.yaml")) + sorted(DSL_DIR.glob("*.py"))
            + [DSL_DIR / "grammar.lark"])


def compile_rules(paths: list[Path]):
    """Parse and compile `paths` into a RuleSet; every mistake is a RuleLoadError naming file:line:col, with the
    line and a caret under the place."""
    from .compiler import CompileError, compile_files
    from .lawtext import load_lawbook
    from .parser import caret_at, parse_file

    files = [parse_file(p) for p in paths]   # RuleSyntaxError is a RuleLoadError with its caret
    try:
        rs = compile_files(files, load_lawbook(str(LAW_DIR)))
        lexicon = str(RULES_DIR / "lexicon")
        for line in rs.unused_groups:       # a concept nobody uses is a rule someone forgot, or dead words
            if not line.startswith(lexicon):   # one pack alone (rules/cases) uses only part of the lexicon
                warnings.warn(UnusedGroupWarning(line), stacklevel=2)
        return rs
    except CompileError as e:
        caret = caret_at(e.pos.file, e.pos.line, e.pos.column) if e.pos else ""
        raise RuleLoadError(f"{e}{caret}") from None
    except RecursionError:
        raise RuleLoadError("规则嵌套过深（词组层层引用或条件层层嵌套），无法加载：请拆成几个命名词组或几条规则") from None
