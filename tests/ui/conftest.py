"""UI tests: offscreen Qt, private settings, and no leaked worker threads.

QT_QPA_PLATFORM is set before anything imports Qt (picard's test/conftest.py).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QThread  # noqa: E402
from ui_fakes import FakeRepository  # noqa: E402

from inventory_desktop.ui.worker import DatabaseWorker  # noqa: E402


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Never touch the clerk's real settings (napari's _fresh_settings), nor the real
    ~/.pgpass or OS keyring (the connection dialog saves passwords there)."""
    config_dir = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("INVENTORY_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("PGPASSFILE", str(config_dir / "pgpass"))
    for name in ("INVENTORY_DATABASE_URL", "INVENTORY_STATION"):
        monkeypatch.delenv(name, raising=False)
    import keyring
    from keyring.backends import fail

    real_keyring = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # a test that wants one sets its own
    yield config_dir
    keyring.set_keyring(real_keyring)


@pytest.fixture
def fake_repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def make_worker(qtbot) -> Iterator[Callable[..., DatabaseWorker]]:
    """Start workers over a repository factory; every one is stopped and joined afterwards."""
    workers: list[DatabaseWorker] = []

    def make(connect: Callable[[], object], *, wait_connected: bool = True) -> DatabaseWorker:
        worker = DatabaseWorker(connect)  # type: ignore[arg-type]
        workers.append(worker)
        if wait_connected:
            with qtbot.waitSignal(worker.state_changed, check_params_cb=_is_connected):
                worker.start()
        else:
            worker.start()
        return worker

    yield make
    for worker in workers:
        thread = worker._thread
        assert worker.stop(timeout_ms=5000), "worker thread did not stop"
        assert not thread.isRunning()


def _is_connected(state: str, _detail: str) -> bool:
    return state == "connected"


@pytest.fixture
def worker(make_worker, fake_repo: FakeRepository) -> DatabaseWorker:
    return make_worker(lambda: fake_repo)


@pytest.fixture(autouse=True)
def _no_leaked_threads():
    """Fail a test that leaves a QThread running (napari's conftest does this for threads)."""
    before = {id(t) for t in _running_qthreads()}
    yield
    leaked = [t for t in _running_qthreads() if id(t) not in before]
    assert not leaked, f"leaked running QThreads: {[t.objectName() for t in leaked]}"


def _running_qthreads() -> list[QThread]:
    import gc

    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    main = app.thread() if app is not None else None
    return [
        o for o in gc.get_objects()
        if isinstance(o, QThread) and o is not main and o.isRunning()
    ]
