"""The live-update adapter (ui/live.py) and the fetch behind it, with no PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from live_fakes import FakeListener, add_get_many
from PySide6.QtCore import QCoreApplication, QThread

from inventory_desktop.repository.listener import Change
from inventory_desktop.ui.live import LiveUpdates, PendingFetch
from inventory_desktop.ui.main_window import MainWindow, connection_text


@pytest.fixture
def fake_repo(fake_repo):
    return add_get_many(fake_repo)


@pytest.fixture
def live():
    made = LiveUpdates(listener_factory=FakeListener)
    yield made
    made.stop()


def test_news_from_the_listener_thread_arrives_on_the_gui_thread(qtbot, live):
    live.start("postgresql://db/inventory", "DOCK-4")
    fake = FakeListener.made[-1]
    assert (fake.url, fake.station, fake.started) == ("postgresql://db/inventory", "DOCK-4", True)
    assert live.state == "connecting"
    threads = []
    live.changed.connect(lambda _c: threads.append(QThread.currentThread()))
    with qtbot.waitSignal(live.state_changed, check_params_cb=lambda s, _d: s == "connected"):
        threading.Thread(target=fake.on_state, args=("connected", "")).start()
    with qtbot.waitSignal(live.changed) as heard:
        threading.Thread(target=fake.announce, args=("products", (7, 3))).start()
    assert heard.args == [Change("products", ((7, 3),))]
    assert threads == [QCoreApplication.instance().thread()]


def test_news_queued_before_stop_is_dropped(qtbot, live):
    live.start("postgresql://db/inventory", "A")
    fake = FakeListener.made[-1]
    heard = []
    live.changed.connect(heard.append)
    fake.announce("products", (1, 2))  # queued, not yet delivered
    live.stop()
    qtbot.wait(20)  # let the queued event run (it must do nothing)
    assert heard == [] and fake.stopped and live.state == "stopped"
    live.start("postgresql://db/inventory", "A")  # stop() is final
    assert not live.running


def test_follows_the_worker_it_starts_with_and_stops_with_it(qtbot, make_worker, fake_repo):
    live = LiveUpdates(listener_factory=FakeListener)
    worker = make_worker(lambda: fake_repo, wait_connected=False)
    live.follow(worker, lambda: "postgresql://after/connect")
    qtbot.waitUntil(lambda: live.running)
    fake = FakeListener.made[-1]
    assert (fake.url, fake.station) == ("postgresql://after/connect", "TEST-1")
    worker.stop()
    assert fake.stopped and not live.running


def test_a_burst_of_changes_is_one_fetch(qtbot, worker):
    calls, applied = [], []

    def fetch(ids):
        calls.append(ids)
        return lambda repo: sorted(ids)

    pending = PendingFetch(worker, fetch, applied.append)
    for i in range(50):
        pending.add([i, i + 1])
    qtbot.waitUntil(lambda: bool(applied))
    assert calls == [frozenset(range(51))] and applied == [list(range(51))]
    assert pending.idle


def test_a_failed_fetch_is_tried_again_when_the_worker_reconnects(qtbot, worker, fake_repo,
                                                                  monkeypatch):
    from inventory_desktop.ui import worker as worker_mod

    monkeypatch.setattr(worker_mod, "BACKOFF_FIRST_S", 0.05)
    worker._executor._backoff = 0.05
    fake_repo.seed(3)
    applied = []
    pending = PendingFetch(
        worker, lambda ids: lambda repo: repo.products.get_many(ids), applied.append)
    fake_repo.down = True
    pending.add([1, 2])
    qtbot.waitUntil(lambda: worker.state == "reconnecting")
    assert not applied and not pending.idle  # kept
    fake_repo.down = False
    qtbot.waitUntil(lambda: bool(applied), timeout=5000)
    assert [p.id for p in applied[0]] == [1, 2]


def test_status_bar_says_when_live_updates_are_paused(qtbot, worker, live):
    window = MainWindow(worker, live=live)
    qtbot.addWidget(window)
    live.start("postgresql://db/inventory", "TEST-1")
    fake = FakeListener.made[-1]
    fake.on_state("connected", "")
    qtbot.waitUntil(lambda: live.is_connected)
    assert "paused" not in window.connection_label.text()
    fake.on_state("reconnecting", "server closed the connection")
    qtbot.waitUntil(lambda: "live updates paused — reconnecting"
                    in window.connection_label.text())
    assert window.connection_label.text().startswith("● Connected to fake.server")
    fake.on_state("connected", "")
    qtbot.waitUntil(lambda: "paused" not in window.connection_label.text())


def test_connection_words_with_the_listener():
    assert connection_text("connected", "db:5432", "reconnecting").endswith(
        "live updates paused — reconnecting")
    assert connection_text("connected", "db:5432", "connected") == "● Connected to db:5432"
    # When the worker itself is reconnecting, that is the news; the listener's is no extra.
    assert "paused" not in connection_text("reconnecting", "db:5432", "reconnecting")
