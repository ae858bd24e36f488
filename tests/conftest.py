import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = Path(__file__).resolve().parent / "samples"
sys.path.insert(0, str(ROOT))
# compiled rules are cached per test session in a private directory, never in the user's cache
os.environ.setdefault("POLICYLINT_CACHE", str(ROOT / ".pytest_cache" / "policylint-rules"))


@pytest.fixture(scope="session")
def engine_rules():
    """The small, stable rule set of tests/fixtures/rules (engine behaviour, not rule quality)."""
    from engine.rulebook import compile_paths
    return compile_paths([FIXTURES / "rules" / "engine_test.rule"])


@pytest.fixture(scope="session")
def pack_rules():
    """Every rule pack under rules/, as shipped."""
    from engine.rulebook import load_rules
    return load_rules()


def policylint_cmd():
    exe = Path(sys.executable).with_name("policylint")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "engine.cli"]


def pytest_collection_modifyitems(items):
    """Every test that takes the `benchmark` fixture is a `bench` test: `pytest -m "not bench"` skips them all."""
    for item in items:
        if "benchmark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.bench)
