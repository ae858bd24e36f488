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


# ---- a private PostgreSQL cluster for the register tests (initdb + pg_ctl, a unix socket, a free port) ------------

def _pg_bin(name: str) -> str | None:
    import glob
    import shutil

    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return hits[0] if hits else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """Start PostgreSQL in a temporary directory for this test session and yield an admin URL; stopped and removed
    at the end. As root, the server runs as the `postgres` OS user (created when missing: Debian's package makes it),
    since PostgreSQL refuses to run as root."""
    import pwd
    import shutil
    import subprocess
    import tempfile

    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail("没有找到 PostgreSQL（initdb、pg_ctl）：请安装 Debian 软件包 postgresql（.ci/run 会安装）")
    base = Path(tempfile.mkdtemp(prefix="plpg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "postgres"], check=True)
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()
    subprocess.run(prefix + [initdb, "-D", str(data), "-U", "policylint", "--auth=trust", "-E", "UTF8",
                             "--locale=C.UTF-8", "--no-sync"], check=True, capture_output=True)
    opts = f"-k {base} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
    subprocess.run(prefix + [pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)
    url = f"postgresql://policylint@/postgres?host={base}&port={port}"
    try:
        yield url
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


_PG_DBS = iter(range(1, 1_000_000))


@pytest.fixture
def pg_db(pg_server):
    """new(name) -> the URL of a fresh, empty database on the session's server (the same name, the same one)."""
    made: dict[str, str] = {}

    def new(name: str = "cases") -> str:
        if name not in made:
            made[name] = _new_pg_database(pg_server)
        return made[name]
    return new


def _new_pg_database(server_url: str) -> str:
    import psycopg

    db = f"t{next(_PG_DBS)}"
    with psycopg.connect(server_url, autocommit=True) as c:
        c.execute(f"CREATE DATABASE {db}")
    return server_url.replace("/postgres?", f"/{db}?")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_db_target(request):
    """For module-scoped registers: new(folder) -> a SQLite file in folder, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return lambda folder: str(Path(folder) / "cases.db")
    server = request.getfixturevalue("pg_server")
    return lambda folder: _new_pg_database(server)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path, monkeypatch):
    """new(name) -> a register to open with store.connect / --db: a SQLite file in tmp_path, or a fresh PostgreSQL
    database on the session's server. Every register test takes this fixture and so runs on both back ends."""
    if request.param == "sqlite":
        return lambda name="cases": str(tmp_path / f"{name}.db")
    monkeypatch.chdir(tmp_path)   # a server register writes reject lists to the current directory
    return request.getfixturevalue("pg_db")
