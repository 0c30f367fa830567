"""A private, seeded PostgreSQL for one benchmark run, started with the application's launcher."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from inventory_desktop.repository import Repository
from inventory_desktop.repository.standalone import StandaloneServer

STOCK = 10_000_000  # nothing sells out during a run


def admin(server: StandaloneServer, station: str = "bench-admin") -> psycopg.Connection:
    return psycopg.connect(host=str(server.socket_dir), user=server.user,
                           dbname=server.database, autocommit=True,
                           application_name=f"inventory-desktop/{station}")


def seed(server: StandaloneServer, url: str, products: int, history: int) -> None:
    """Migrate through the repository; products 1..N with large stock and its movement; then
    ``history`` past orders (station 'history', one line each), so that the planner sees
    tables of a database in use. (An empty ``orders`` table makes PostgreSQL plan the foreign
    key checks on it as sequential scans, and they stay so until autovacuum analyzes it: the
    server's CPU per order then grows with every order placed, ~1.4 to ~3.8 ms in 7,500.)"""
    Repository.connect(url, station="bench-setup").close()
    with admin(server, "history") as conn:
        conn.execute(
            "INSERT INTO products (sku, name, price, stock_quantity) SELECT 'BENCH-' || g,"
            " 'Bench product ' || g, (g %% 997) + 0.99, %s FROM generate_series(1, %s) g",
            (STOCK, products),
        )
        conn.execute(
            "INSERT INTO stock_movements (product_id, delta, quantity_after, reason)"
            " SELECT id, stock_quantity, stock_quantity, 'initial stock' FROM products"
        )
        ids = conn.execute("SELECT min(id), max(id) FROM products").fetchone()
        assert ids == (1, products), ids  # the mixes draw ids 1..products
        # Past order n took 1 unit of product n mod N + 1, at its price.
        conn.execute(
            "INSERT INTO orders (status, total_amount, item_count) SELECT 'shipped', p.price, 1"
            " FROM generate_series(1, %s) g JOIN products p ON p.id = g %% %s + 1 ORDER BY g",
            (history, products),
        )
        conn.execute(
            "INSERT INTO order_items (order_id, product_id, quantity, price_at_time)"
            " SELECT o.id, p.id, 1, p.price FROM orders o JOIN products p"
            " ON p.id = o.id %% %s + 1",
            (products,),
        )
        conn.execute(
            "UPDATE products p SET stock_quantity = p.stock_quantity - i.n FROM (SELECT"
            " product_id, count(*)::int n FROM order_items GROUP BY 1) i WHERE p.id = i.product_id"
        )
        conn.execute(
            "INSERT INTO stock_movements (product_id, delta, quantity_after, reason, order_id)"
            " SELECT i.product_id, -1, p.stock_quantity, 'order', i.order_id FROM order_items i"
            " JOIN products p ON p.id = i.product_id"
        )
        conn.execute("VACUUM ANALYZE")


@contextmanager
def seeded_server(
    products: int, settings: dict[str, str], history: int = 20_000
) -> Iterator[tuple[StandaloneServer, str]]:
    """Start, migrate and seed a server in a new /tmp dir; stop it and remove the dir after."""
    tmp = Path(tempfile.mkdtemp(prefix="order-bench-", dir="/tmp"))
    tmp.chmod(0o755)  # as root the server runs as `nobody`, which must get in
    server = StandaloneServer(tmp / "pg", settings=settings, log=lambda message: None)
    try:
        url = server.start()
        seed(server, url, products, history)
        yield server, url
    finally:
        try:
            server.stop()
        finally:
            if server.is_running():  # interrupted after the server started, before start() ended
                os.kill(postmaster_pid(server), signal.SIGQUIT)  # immediate shutdown
                deadline = time.monotonic() + 10
                while server.is_running() and time.monotonic() < deadline:
                    time.sleep(0.05)
            shutil.rmtree(tmp, ignore_errors=True)


def postmaster_pid(server: StandaloneServer) -> int:
    return int((server.data_dir / "postmaster.pid").read_text().split()[0])


class WaitSampler(threading.Thread):
    """What the placers' backends are doing, sampled from pg_stat_activity ~5 times a second.

    Per backend and sample: its wait event while active (``Lock:object`` is the lock every
    notifying commit takes, ``Lock:tuple``/``Lock:transactionid`` a row lock, ``IO:WalSync``
    the commit's flush), "running" when active without one; "client" when idle, waiting for
    its client (our Python process, or pgbench) to send the next request, and "client in
    transaction" when it waits so inside a transaction, holding whatever it has locked.
    """

    def __init__(self, server: StandaloneServer, stations: str) -> None:
        super().__init__(daemon=True)
        self.server, self.stations = server, stations  # a LIKE pattern on application_name
        self.counts: Counter[str] = Counter()
        self._stop_event = threading.Event()

    def run(self) -> None:
        with admin(self.server, "wait-sampler") as conn:
            while not self._stop_event.wait(0.2):
                for state, wait in conn.execute(
                    "SELECT state, wait_event_type || ':' || wait_event FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND application_name LIKE %s"
                    " AND application_name NOT LIKE '%%(listener)'",
                    (self.stations,),
                ).fetchall():
                    if state == "idle":
                        self.counts["client"] += 1
                    elif state == "idle in transaction":
                        self.counts["client in transaction"] += 1
                    else:
                        self.counts[wait or "running"] += 1

    def stop(self) -> Counter[str]:
        self._stop_event.set()
        self.join()
        return self.counts


def shares(counts: Counter[str], top: int = 5) -> str:
    """"Lock:object 52%, client 30%, …": the largest shares of sampled backend states."""
    total = sum(counts.values()) or 1
    return ", ".join(f"{name} {n / total:.0%}" for name, n in counts.most_common(top))
