"""Live refresh latency: a commit at station A → the row repainted at station B.

    python benchmarks/live_latency.py [--changes 200] [--database-url URL]

Station B is this process: a real MainWindow (offscreen), its DatabaseWorker and its
LiveUpdates listener, the products list loaded. Station A is a child process with its own
Repository, as another workstation would be. For each change:

- t0: in A, just before ``repo.products.adjust_stock`` is called (CLOCK_MONOTONIC, which both
  processes share on one machine);
- t1: in B, when the products table's viewport has *finished* painting the row after the
  model emitted ``dataChanged`` for it with the new stock.

Between them: A's commit and NOTIFY, B's listener thread, the queued signal to the GUI
thread, one ``get_many`` through B's worker, ``dataChanged``, the paint. The stages are
reported too (t_heard: the ``changed`` signal on B's GUI thread; t_model: ``dataChanged``).
Changes are spaced (B idle first), so this is latency, not throughput. Without
``--database-url`` a private PostgreSQL is started with the app's own launcher (the
standalone settings) and removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("INVENTORY_CONFIG_DIR", tempfile.mkdtemp(prefix="live-bench-config-"))

PRODUCTS = 12  # all on screen at once: the row that changes is always visible
STOCK = 1_000_000


# -- station A: a child process ------------------------------------------------------------

def station_a(url: str) -> None:
    """Reads "pid delta" lines; for each, stamps t0 and commits; answers "t0 t_returned"."""
    from inventory_desktop.repository import Repository

    with Repository.connect(url, station="A", migrate=False) as repo:
        repo.products.get_many([1])  # the connection is open before the first t0
        print("ready", flush=True)
        for line in sys.stdin:
            pid, delta = (int(x) for x in line.split())
            t0 = time.monotonic_ns()
            repo.products.adjust_stock(pid, delta, reason="latency benchmark")
            print(t0, time.monotonic_ns(), flush=True)


# -- station B: this process ---------------------------------------------------------------

def run(url: str, changes: int) -> dict[str, list[float]]:
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from inventory_desktop.repository import Repository
    from inventory_desktop.ui.live import LiveUpdates
    from inventory_desktop.ui.main_window import MainWindow
    from inventory_desktop.ui.worker import DatabaseWorker

    app = QApplication.instance() or QApplication([])
    worker = DatabaseWorker(lambda: Repository.connect(url, station="B", migrate=False))
    live = LiveUpdates()
    live.follow(worker, url)
    window = MainWindow(worker, page_size=200, station="B", live=live)
    window.resize(1100, 700)
    window.show()
    QTest.qWaitForWindowExposed(window)
    worker.start()
    view, model = window.products.table, window.products.model

    def wait_for(condition, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("station B did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    wait_for(lambda: live.is_connected and model.rowCount() == PRODUCTS and worker.pending == 0)

    watch: dict[str, object] = {}

    def heard(change) -> None:
        if watch and "heard" not in watch and change.table == "products" and any(
                i == watch["pid"] for i, _v in change.rows or ()):
            watch["heard"] = time.monotonic_ns()

    def changed(first, last, _roles=()) -> None:
        row = model.row_of(watch.get("pid"))
        if watch and "model" not in watch and first.row() <= row <= last.row():
            if model.row_value(row).stock_quantity == watch["stock"]:
                watch["model"] = time.monotonic_ns()
                watch["rect"] = view.visualRect(model.index(row, 0)).united(
                    view.visualRect(model.index(row, model.columnCount() - 1)))

    class PaintWatch(QObject):
        """t1 once the viewport has painted the row: the paint runs here, then we stamp."""

        def eventFilter(self, obj, event) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and "model" in watch and "painted" not in watch:
                if event.rect().intersects(watch["rect"]):
                    obj.removeEventFilter(self)
                    try:
                        view.viewportEvent(event)  # paint now, inside this event
                    finally:
                        obj.installEventFilter(self)
                    watch["painted"] = time.monotonic_ns()
                    return True
            return False

    live.changed.connect(heard)
    model.dataChanged.connect(changed)
    painter = PaintWatch()
    view.viewport().installEventFilter(painter)

    child = subprocess.Popen(
        [sys.executable, __file__, "--station-a", url], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, bufsize=1)
    assert child.stdout is not None and child.stdin is not None
    assert child.stdout.readline().strip() == "ready"
    stock = {p.id: p.stock_quantity for p in model.rows()}
    ids = sorted(stock)
    out: dict[str, list[float]] = {"total": [], "commit": [], "heard": [], "model": [],
                                   "painted": []}
    try:
        for n in range(changes + 10):  # the first 10 warm up and are not counted
            pid = ids[n % len(ids)]
            delta = 1 if (n // len(ids)) % 2 == 0 else -1
            stock[pid] += delta
            watch.clear()
            watch.update(pid=pid, stock=stock[pid])
            child.stdin.write(f"{pid} {delta}\n")
            wait_for(lambda: "painted" in watch)
            t0, t_returned = (int(x) for x in child.stdout.readline().split())
            if n >= 10:
                ms = 1e-6
                out["total"].append((watch["painted"] - t0) * ms)
                out["commit"].append((t_returned - t0) * ms)
                out["heard"].append((watch["heard"] - t0) * ms)
                out["model"].append((watch["model"] - t0) * ms)
                out["painted"].append((watch["painted"] - t0) * ms)
            wait_for(lambda: worker.pending == 0)
            QTimer.singleShot(0, lambda: None)
    finally:
        child.stdin.close()
        child.wait(10)
        live.stop()
        worker.stop()
        window.close()
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def machine(url: str) -> str:
    import psycopg
    import PySide6

    from inventory_desktop.repository.listener import libpq_params

    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with psycopg.connect(**libpq_params(url)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} × {model}, {mem:.0f} GiB, {platform.platform()}; "
            f"CPython {platform.python_version()}, PySide6 {PySide6.__version__}, "
            f"PostgreSQL {server}; load {load}")


def seed(url: str) -> None:
    from inventory_desktop.repository import Repository

    with Repository.connect(url, station="bench-setup") as repo:
        for i in range(1, PRODUCTS + 1):
            repo.products.create(sku=f"LAT-{i:02d}", name=f"Latency probe {i}",
                                 price=Decimal("1.00"), stock_quantity=STOCK)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--database-url", help="an empty database (products are created)")
    parser.add_argument("--station-a", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.station_a:
        station_a(args.station_a)
        return 0

    base = None
    server = None
    url = args.database_url
    if url is None:
        from inventory_desktop.repository.standalone import StandaloneServer

        # Under /tmp with o+x: as root the server runs as `nobody`, which must reach it.
        base = Path(tempfile.mkdtemp(prefix="live-bench-pg-", dir="/tmp"))
        base.chmod(0o755)
        server = StandaloneServer(base / "standalone")
        url = server.start()
    try:
        seed(url)
        results = run(url, args.changes)
        where = machine(url)
    finally:
        if server is not None:
            server.stop()
        if base is not None:
            shutil.rmtree(base, ignore_errors=True)

    print(f"machine: {where}")
    print(f"{args.changes} stock changes, commit at A → row repainted at B (ms from t0):")
    print(f"{'stage':<34}{'median':>9}{'p99':>9}{'max':>9}")
    labels = (("commit", "A's adjust_stock returns"),
              ("heard", "B: `changed` on the GUI thread"),
              ("model", "B: dataChanged, new stock"),
              ("painted", "B: row painted (t1)"))
    for key, label in labels:
        values = results[key]
        print(f"{label:<34}{statistics.median(values):9.2f}{p99(values):9.2f}"
              f"{max(values):9.2f}")
    total = results["total"]
    verdict = "under" if p99(total) < 100 else "NOT under"
    print(f"total: median {statistics.median(total):.1f} ms, p99 {p99(total):.1f} ms "
          f"({verdict} the 100 ms goal at p99)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
