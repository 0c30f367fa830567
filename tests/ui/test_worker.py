"""The one database worker: order, typed results, errors, reconnecting, busy, shutdown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QWidget

from inventory_desktop.errors import DatabaseUnavailable, NotFound, StaleRecord
from inventory_desktop.ui import errors as ui_errors
from inventory_desktop.ui import worker as worker_mod
from inventory_desktop.ui.errors import UnexpectedError


def test_calls_run_on_the_worker_thread_in_submission_order(qtbot, worker, fake_repo):
    gui = QThread.currentThread()
    seen: list[tuple[int, bool]] = []
    results: list[int] = []
    last = None
    for i in range(50):
        def call(repo, i=i):
            seen.append((i, QThread.currentThread() is gui))
            return i
        last = worker.run(call).success(results.append)
    with qtbot.waitSignal(last.finished):
        pass
    assert [i for i, _ in seen] == list(range(50))
    assert not any(on_gui for _, on_gui in seen)
    assert results == list(range(50))
    assert worker.station == "TEST-1" and worker.server_label == fake_repo.server_label


def test_inventory_error_reaches_the_failure_handler(qtbot, worker):
    errors = []
    op = worker.run(lambda repo: repo.products.get(999)).failure(errors.append)
    with qtbot.waitSignal(op.failed):
        pass
    assert isinstance(errors[0], NotFound)


def test_without_failure_handler_the_clerk_message_is_shown(qtbot, worker, monkeypatch):
    shown = []
    monkeypatch.setattr("inventory_desktop.ui.messages.show_error",
                        lambda e, p=None: shown.append(e))
    op = worker.run(lambda repo: repo.products.get(999))
    with qtbot.waitSignal(op.finished):
        pass
    assert isinstance(shown[0], NotFound)


def test_a_bug_goes_to_the_error_dialog_and_the_failure_handler(qtbot, worker, monkeypatch):
    dialog = []
    monkeypatch.setattr(worker_mod, "show_exception",
                        lambda exc, details=None: dialog.append(details))
    errors = []
    op = worker.run(lambda repo: 1 / 0).failure(errors.append)
    with qtbot.waitSignal(op.finished):
        pass
    assert isinstance(errors[0], UnexpectedError)
    assert isinstance(errors[0].exc, ZeroDivisionError)
    assert "ZeroDivisionError" in dialog[0]


def test_answers_for_a_destroyed_owner_are_dropped(qtbot, worker, fake_repo):
    fake_repo.gate.clear()
    owner = QWidget()
    got = []
    op = worker.run(lambda repo: repo.products.list(), owner=owner).success(got.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _valid(owner))
    fake_repo.gate.set()
    qtbot.waitUntil(lambda: op.done)
    assert got == []


def _valid(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)


def test_lost_connection_reconnects_by_itself_and_the_op_is_not_rerun(
    qtbot, worker, fake_repo, monkeypatch
):
    monkeypatch.setattr(worker_mod, "BACKOFF_FIRST_S", 0.02)
    worker._executor._backoff = 0.02
    calls = []
    fake_repo.down = True
    errors = []

    def list_products(repo):
        calls.append(1)
        return repo.products.list()

    with qtbot.waitSignal(worker.state_changed, check_params_cb=lambda s, d: s == "reconnecting"):
        op = worker.run(list_products).failure(errors.append)
    qtbot.waitUntil(lambda: op.done)
    assert isinstance(errors[0], DatabaseUnavailable)
    # While reconnecting, new calls fail at once instead of queueing behind a dead server.
    quick = []
    op2 = worker.run(lambda repo: calls.append(2)).failure(quick.append)
    qtbot.waitUntil(lambda: op2.done)
    assert isinstance(quick[0], DatabaseUnavailable)
    qtbot.waitUntil(lambda: fake_repo.pings >= 2)
    with qtbot.waitSignal(worker.state_changed, check_params_cb=lambda s, d: s == "connected"):
        fake_repo.down = False
    assert calls == [1]
    ok = worker.run(lambda repo: "again")
    with qtbot.waitSignal(ok.succeeded) as blocker:
        pass
    assert blocker.args == ["again"]


def test_first_connect_failing_retries_with_backoff(qtbot, make_worker, monkeypatch, fake_repo):
    monkeypatch.setattr(worker_mod, "BACKOFF_FIRST_S", 0.01)
    attempts = []

    def connect():
        attempts.append(1)
        if len(attempts) < 3:
            raise DatabaseUnavailable("no route to host")
        return fake_repo

    w = make_worker(connect, wait_connected=False)
    qtbot.waitUntil(lambda: w.state == "connected", timeout=5000)
    assert len(attempts) == 3


def test_busy_only_after_300ms(qtbot, worker, fake_repo):
    states = []
    worker.busy_changed.connect(states.append)
    quick = worker.run(lambda repo: 1)
    with qtbot.waitSignal(quick.finished):
        pass
    assert states == []
    fake_repo.gate.clear()
    slow = worker.run(lambda repo: repo.products.list())
    with qtbot.waitSignal(worker.busy_changed, timeout=2000) as blocker:
        pass
    assert blocker.args == [True]
    fake_repo.gate.set()
    with qtbot.waitSignal(slow.finished):
        pass
    assert states == [True, False]


def test_gui_keeps_running_while_the_server_hangs(qtbot, worker, fake_repo):
    fake_repo.gate.clear()
    worker.run(lambda repo: repo.products.list())
    ticks = []
    timer_owner = QObject()
    from PySide6.QtCore import QTimer

    timer = QTimer(timer_owner)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(ticks) >= 5)
    timer.stop()
    fake_repo.gate.set()


def test_stop_closes_the_repository_and_joins(qtbot, make_worker, fake_repo):
    w = make_worker(lambda: fake_repo)
    thread = w._thread
    assert w.stop()
    assert fake_repo.closed and not thread.isRunning()
    assert w.state == "offline"
    late = []
    op = w.run(lambda repo: 1).failure(late.append)
    qtbot.waitUntil(lambda: op.done)
    assert isinstance(late[0], DatabaseUnavailable)


def test_stale_record_carries_the_current_version(qtbot, worker, fake_repo):
    p = fake_repo.products.create("A-1", "Apple", "1.00", 3)
    fake_repo.products.update(p.id, expected_version=1, name="Apple XL")
    errors = []
    op = worker.run(lambda repo: repo.products.update(p.id, expected_version=1, name="Mine"))
    op.failure(errors.append)
    qtbot.waitUntil(lambda: op.done)
    assert isinstance(errors[0], StaleRecord) and errors[0].current.version == 2


class _Emitter(QObject):
    ping = Signal(int)


def test_five_thousand_python_signal_emits_do_not_abort():
    """PySide6 6.12.0 on CPython 3.11 aborts (bool_dealloc) after ~1,900 emits. Keep forever."""
    emitter = _Emitter()
    got = []
    emitter.ping.connect(got.append)
    for i in range(5000):
        emitter.ping.emit(i)
    assert len(got) == 5000 and got[-1] == 4999


def test_five_thousand_operations_through_the_worker(qtbot, worker):
    done = []
    last = None
    for i in range(5000):
        last = worker.run(lambda repo, i=i: i).success(done.append)
    with qtbot.waitSignal(last.finished, timeout=30000):
        pass
    assert done == list(range(5000))


def test_excepthook_routes_to_one_dialog(qtbot, monkeypatch):
    rep = ui_errors.reporter()
    monkeypatch.setattr(rep, "shown", [])
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        ui_errors._excepthook(type(exc), exc, exc.__traceback__)
        ui_errors._excepthook(type(exc), exc, exc.__traceback__)
    assert rep.shown == ["RuntimeError: boom", "RuntimeError: boom"]
    box = rep._open
    assert box is not None and "boom" in box.detailedText()
    assert box.detailedText().count("RuntimeError: boom") >= 2  # one dialog, details appended
    box.close()


def test_thread_excepthook_reaches_the_gui_thread(qtbot, monkeypatch):
    rep = ui_errors.reporter()
    monkeypatch.setattr(rep, "shown", [])
    monkeypatch.setattr(threading, "excepthook", ui_errors._thread_excepthook)

    def crash():
        raise ValueError("from a thread")

    t = threading.Thread(target=crash)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: rep.shown == ["ValueError: from a thread"])
    if rep._open is not None:
        rep._open.close()


@pytest.mark.parametrize("n", [1])
def test_run_before_start_fails_fast(qtbot, n):
    w = worker_mod.DatabaseWorker(lambda: None)  # never started
    assert w.stop()


def test_a_crash_while_connecting_reaches_the_dialog_on_the_gui_thread(
    qtbot, make_worker, monkeypatch
):
    monkeypatch.setattr(ui_errors, "_reporter", None)  # first use is on the worker thread
    failures = []

    def connect():
        raise KeyError("no such setting")

    w = make_worker(connect, wait_connected=False)
    w.connection_failed.connect(failures.append)
    qtbot.waitUntil(lambda: w.state == "offline" and bool(failures))
    rep = ui_errors.reporter()
    assert rep.thread() is QThread.currentThread()
    qtbot.waitUntil(lambda: rep.shown == ["KeyError: 'no such setting'"])
    assert isinstance(failures[0], UnexpectedError)
    rep._open.close()
