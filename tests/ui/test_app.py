"""Start-up wiring: command line, database resolution, build and shutdown."""

from __future__ import annotations

import pytest

from inventory_desktop import app as app_mod
from inventory_desktop import cli
from inventory_desktop.config import load_settings, save_settings


@pytest.fixture
def captured_run(monkeypatch):
    calls = []
    monkeypatch.setattr(app_mod, "run", lambda url, settings: calls.append((url, settings)) or 0)
    return calls


def test_no_subcommand_opens_the_app_standalone_by_default(captured_run):
    assert cli.main([]) == 0
    assert captured_run[0][0] is None  # standalone


def test_resolution_order(captured_run, monkeypatch):
    save_settings(database_url="postgresql://saved@db/inventory")
    cli.main([])
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://env@db/inventory")
    cli.main([])
    cli.main(["--database-url", "postgresql://cli@db/inventory"])
    assert [url for url, _ in captured_run] == [
        "postgresql://saved@db/inventory",
        "postgresql://env@db/inventory",
        "postgresql://cli@db/inventory",
    ]


def test_station_option(captured_run):
    cli.main(["--station", "DOCK-4"])
    assert captured_run[0][1].station == "DOCK-4"


def test_migrate_only_migrates(monkeypatch, capsys, captured_run):
    import inventory_desktop.repository.migrate as migrate

    seen = []
    monkeypatch.setattr(migrate, "upgrade", lambda url: seen.append(url) or "0001")
    assert cli.main(["migrate", "--database-url", "postgresql://u:pw@db/inv"]) == 0
    assert seen == ["postgresql://u:pw@db/inv"] and not captured_run
    out = capsys.readouterr().out
    assert "0001" in out and "pw" not in out


def test_migrate_failure_is_one_line(monkeypatch, capsys):
    import inventory_desktop.repository.migrate as migrate
    from inventory_desktop.errors import SchemaTooNew

    def boom(url):
        raise SchemaTooNew("0099", "0001")

    monkeypatch.setattr(migrate, "upgrade", boom)
    assert cli.main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert "newer" in err and "Traceback" not in err


def test_build_then_shutdown(qtbot, fake_repo, monkeypatch):
    monkeypatch.setattr(app_mod, "make_connect", lambda url, station: (lambda: fake_repo, None))
    window, worker, server = app_mod.build("postgresql://x@y/z", load_settings())
    qtbot.addWidget(window)
    assert server is None
    with qtbot.waitSignal(worker.state_changed, check_params_cb=lambda s, d: s == "connected"):
        worker.start()
    qtbot.waitUntil(lambda: "Connected" in window.connection_label.text())
    assert app_mod.shutdown(worker, None)
    assert fake_repo.closed


def test_shutdown_stops_the_standalone_server_after_the_worker(qtbot, fake_repo):
    order = []

    class Server:
        def stop(self, only_if_unused=False):
            order.append(("server", only_if_unused, fake_repo.closed))

    from inventory_desktop.ui.worker import DatabaseWorker

    worker = DatabaseWorker(lambda: fake_repo)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=lambda s, d: s == "connected"):
        worker.start()
    app_mod.shutdown(worker, Server())
    assert order == [("server", True, True)]


def test_python_dash_m_help():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "inventory_desktop", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "migrate" in out and "--database-url" in out
