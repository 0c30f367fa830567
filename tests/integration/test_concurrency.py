"""Many stations at once: sell-outs, opposite lock orders, retried tokens, a mixed load.

Each thread is its own station with its own Repository (its own connections), as the
workstations of a site are. Deadlock retries are switched off (MAX_ATTEMPTS = 1) so that a
deadlock shows up as an error instead of being retried away, and the server's own deadlock
counter is checked as well.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from conftest import connect_raw
from dbcheck import (
    assert_ledger_consistent,
    assert_typed,
    run_threads,
    stock,
    wait_for_lock_wait,
)

import inventory_desktop.repository.engine as engine_module
from inventory_desktop.errors import (
    InsufficientStock,
    InvalidTransition,
    ValidationError,
)

pytestmark = [pytest.mark.db, pytest.mark.slow]

D = Decimal


@pytest.fixture
def no_retries(monkeypatch):
    """A deadlock or serialization failure becomes an error instead of a silent retry."""
    monkeypatch.setattr(engine_module, "MAX_ATTEMPTS", 1)


def deadlocks(raw_conn) -> int:
    raw_conn.execute("SELECT pg_stat_clear_snapshot()")
    return raw_conn.execute(
        "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    ).fetchone()[0]


def close_and_count_deadlocks(raw_conn, repos, prefix: str) -> int:
    """Close the stations; a backend flushes its statistics when it exits."""
    for repo in repos:
        repo.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        left = raw_conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
            (f"inventory-desktop/{prefix}%",),
        ).fetchone()[0]
        if left == 0:
            break
        time.sleep(0.05)
    return deadlocks(raw_conn)


def test_sell_out_race_never_oversells(make_repo, repo, raw_conn, no_retries):
    """64 stations order 1 unit at a time of a product with stock 500 until told it's gone."""
    product = repo.products.create(sku="HOT", name="Hot item", price=D("9.99"), stock_quantity=500)
    threads = 64
    stations = [make_repo(station=f"RACE-{i}", pool_size=1) for i in range(threads)]
    for station in stations:
        station.ping()  # connect before the start, so the race is over the row lock
    before = deadlocks(raw_conn)
    placed: list[list[int]] = [[] for _ in range(threads)]
    refused: list[list[InsufficientStock]] = [[] for _ in range(threads)]

    total = Counter[str]()
    lock = threading.Lock()

    def station_loop(index: int, barrier: threading.Barrier) -> None:
        station = stations[index]
        barrier.wait()
        while True:
            try:
                order = station.orders.create([(product.id, 1)])
            except InsufficientStock as error:
                refused[index].append(error)
                return
            placed[index].append(order.id)
            with lock:
                total["placed"] += 1
                if total["placed"] > 600:  # oversold for sure: stop rather than run on
                    return

    run_threads(threads, station_loop, timeout=90)

    order_ids = [o for per_thread in placed for o in per_thread]
    assert len(order_ids) == 500
    assert len(set(order_ids)) == 500
    assert stock(raw_conn, product.id) == 0
    assert all(len(r) == 1 for r in refused)  # every other attempt: InsufficientStock
    for [error] in refused:
        assert error.shortages[0].product_id == product.id
        assert (error.shortages[0].requested, error.shortages[0].available) == (1, 0)
    assert raw_conn.execute("SELECT count(*), sum(quantity) FROM order_items").fetchone() == (
        500, 500,
    )
    assert raw_conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 500
    assert_ledger_consistent(raw_conn)
    assert close_and_count_deadlocks(raw_conn, stations, "RACE-") == before


def test_opposite_lock_orders_never_deadlock(make_repo, repo, raw_conn, no_retries):
    ids = [
        repo.products.create(
            sku=f"P{i}", name=f"Part {i}", price=D("1.00"), stock_quantity=10_000
        ).id
        for i in range(5)
    ]
    a, b = ids[0], ids[1]
    threads, rounds = 16, 25
    stations = [make_repo(station=f"OPP-{i}", pool_size=1) for i in range(threads)]
    for station in stations:
        station.ping()
    before = deadlocks(raw_conn)
    taken: Counter[int] = Counter()
    returned: Counter[int] = Counter()
    lock = threading.Lock()

    def station_loop(index: int, barrier: threading.Barrier) -> None:
        rng = random.Random(1000 + index)
        station = stations[index]
        barrier.wait()
        for round_ in range(rounds):
            if round_ % 3 == 2:  # a multi-product set in a random order
                chosen = rng.sample(ids, rng.randint(2, len(ids)))
                lines = [(pid, rng.randint(1, 3)) for pid in chosen]
            elif index % 2 == 0:
                lines = [(a, 1), (b, 1)]
            else:
                lines = [(b, 1), (a, 1)]
            order = station.orders.create(lines)
            cancel = round_ % 4 == 3
            if cancel:
                station.orders.cancel(order.id)  # locks the same rows again, from an order row
            with lock:
                for pid, qty in lines:
                    taken[pid] += qty
                    if cancel:
                        returned[pid] += qty

    run_threads(threads, station_loop, timeout=90)

    for pid in ids:
        assert stock(raw_conn, pid) == 10_000 - taken[pid] + returned[pid]
    assert raw_conn.execute("SELECT count(*) FROM orders").fetchone()[0] == threads * rounds
    assert_ledger_consistent(raw_conn)
    assert close_and_count_deadlocks(raw_conn, stations, "OPP-") == before


def test_the_same_client_token_at_once_places_one_order(make_repo, repo, raw_conn, no_retries):
    product = repo.products.create(sku="TOK", name="Token", price=D("3.00"), stock_quantity=50)
    token = uuid.uuid4()
    threads = 16
    stations = [make_repo(station=f"TOK-{i}", pool_size=1) for i in range(threads)]
    for station in stations:
        station.ping()
    results: list[int] = [0] * threads

    def station_call(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        results[index] = stations[index].orders.create([(product.id, 3)], client_token=token).id

    run_threads(threads, station_call, timeout=60)

    assert len(set(results)) == 1 and results[0] > 0
    assert stock(raw_conn, product.id) == 47
    assert raw_conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    # And a later retry, sequentially, from any station: still that order.
    assert stations[0].orders.create([(product.id, 3)], client_token=token).id == results[0]
    assert repo.orders.create([(product.id, 3)], client_token=token).id == results[0]
    assert stock(raw_conn, product.id) == 47
    assert_ledger_consistent(raw_conn)


def test_the_same_token_at_once_when_the_stock_runs_out_returns_the_first_order(
    make_repo, repo, raw_conn, no_retries
):
    """Stock for exactly one placement: the waiting retries find the stock gone, and still
    get the first order rather than InsufficientStock."""
    product = repo.products.create(sku="ONE", name="Last one", price=D("3.00"), stock_quantity=2)
    token = uuid.uuid4()
    threads = 16
    stations = [make_repo(station=f"LAST-{i}", pool_size=1) for i in range(threads)]
    for station in stations:
        station.ping()
    results: list[int] = [0] * threads

    def station_call(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        results[index] = stations[index].orders.create([(product.id, 2)], client_token=token).id

    run_threads(threads, station_call, timeout=60)

    assert len(set(results)) == 1
    assert stock(raw_conn, product.id) == 0
    assert raw_conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert_ledger_consistent(raw_conn)


def test_a_random_mixed_load_keeps_every_product_ledger_exact(
    make_repo, repo, raw_conn, no_retries
):
    """Threads place, cancel, ship and adjust on 20 products at once (seeded); afterwards
    initial + adjustments - ordered (not cancelled) == stock == sum of movements."""
    seed = 20261125
    rng = random.Random(seed)
    initial = {}
    for i in range(20):
        p = repo.products.create(
            sku=f"MIX-{i}", name=f"Mixed {i}", price=D(rng.randint(1, 5000)) / 100,
            stock_quantity=rng.randint(0, 40),
        )
        initial[p.id] = p.stock_quantity
    ids = sorted(initial)
    threads, operations = 8, 70
    stations = [make_repo(station=f"MIX-{i}", pool_size=1) for i in range(threads)]
    for station in stations:
        station.ping()
    before = deadlocks(raw_conn)

    lock = threading.Lock()
    placed: dict[int, list[tuple[int, int]]] = {}
    cancelled: set[int] = set()
    shipped: set[int] = set()
    adjusted: defaultdict[int, int] = defaultdict(int)
    outcomes: Counter[str] = Counter()

    def station_loop(index: int, barrier: threading.Barrier) -> None:
        r = random.Random(seed + index)
        station = stations[index]
        barrier.wait()
        for _ in range(operations):
            kind = r.choices(["place", "cancel", "ship", "adjust"], [50, 15, 10, 25])[0]
            try:
                if kind == "place":
                    chosen = r.sample(ids, r.randint(1, 4))
                    lines = [(pid, r.randint(1, 6)) for pid in chosen]
                    order = station.orders.create(lines, client_token=uuid.uuid4())
                    assert sorted(lines) == [(i.product_id, i.quantity) for i in order.items]
                    with lock:
                        placed[order.id] = lines
                elif kind in ("cancel", "ship"):
                    with lock:
                        candidates = sorted(placed)
                    if not candidates:
                        continue
                    order_id = r.choice(candidates)
                    result = station.orders.set_status(
                        order_id, "cancelled" if kind == "cancel" else "shipped"
                    )
                    with lock:
                        (cancelled if kind == "cancel" else shipped).add(result.id)
                else:
                    pid = r.choice(ids)
                    delta = r.choice([-1, 1]) * r.randint(1, 8)
                    station.products.adjust_stock(pid, delta, reason=f"count by {index}")
                    with lock:
                        adjusted[pid] += delta
                outcome = kind + " ok"
            except InsufficientStock:
                outcome = "short"
            except InvalidTransition as error:
                assert error.current in ("shipped", "cancelled")
                outcome = "invalid transition"
            except ValidationError as error:
                # An order must never meet CHECK (stock_quantity >= 0): that was the bug of a
                # stale stock value after waiting for a lock (see the test below).
                assert kind == "adjust" and error.field == "delta", (kind, error)
                outcome = "adjust below zero"
            except Exception as error:
                assert_typed(error)
                raise
            with lock:
                outcomes[outcome] += 1

    run_threads(threads, station_loop, timeout=90)

    assert outcomes["place ok"] > 0 and outcomes["cancel ok"] > 0 and outcomes["adjust ok"] > 0
    assert not cancelled & shipped
    ordered: Counter[int] = Counter()
    for order_id, lines in placed.items():
        if order_id not in cancelled:
            for pid, qty in lines:
                ordered[pid] += qty
    for pid in ids:
        expected = initial[pid] + adjusted[pid] - ordered[pid]
        assert stock(raw_conn, pid) == expected, (pid, outcomes)
    statuses = dict(raw_conn.execute("SELECT id, status FROM orders").fetchall())
    assert set(statuses) == set(placed)
    assert {o for o, s in statuses.items() if s == "cancelled"} == cancelled
    assert {o for o, s in statuses.items() if s == "shipped"} == shipped
    assert_ledger_consistent(raw_conn)
    # The database's own view agrees: items of orders not cancelled.
    db_ordered = dict(
        raw_conn.execute(
            "SELECT i.product_id, sum(i.quantity) FROM order_items i JOIN orders o "
            "ON o.id = i.order_id WHERE o.status <> 'cancelled' GROUP BY i.product_id"
        ).fetchall()
    )
    assert {pid: q for pid, q in db_ordered.items()} == {p: q for p, q in ordered.items() if q}
    assert close_and_count_deadlocks(raw_conn, stations, "MIX-") == before


@pytest.mark.parametrize(
    ("initial", "delta", "quantity", "stock_after"),
    [
        (3, +4, 5, 2),  # the increase makes the order possible
        (10, -4, 5, 1),  # the decrease leaves enough
        (10, -4, 8, None),  # the decrease makes it short: InsufficientStock, not a CHECK error
    ],
)
def test_an_order_waiting_for_a_stock_increase_sees_it(
    repo, clean_db, raw_conn, no_retries, initial, delta, quantity, stock_after
):
    """Another station changes the stock and holds the row; our order waits for the lock and
    must decide on the stock as committed when it gets it.

    Regression: the order computed its new stock from the statement's snapshot, so after a
    concurrent increase (a cancellation, goods received) PostgreSQL's CHECK saw the stale
    value go below zero and the order failed with ValidationError('stock_quantity').
    """
    product = repo.products.create(
        sku="WAIT", name="Waiting", price=D("1.00"), stock_quantity=initial
    )
    other = connect_raw(clean_db, application_name="inventory-desktop/OTHER")
    try:
        other.execute(
            "UPDATE products SET stock_quantity = stock_quantity + %s, version = version + 1 "
            "WHERE id = %s",
            (delta, product.id),
        )
        other.execute(
            "INSERT INTO stock_movements (product_id, delta, quantity_after, reason) "
            "VALUES (%s, %s, %s, 'received')",
            (product.id, delta, initial + delta),
        )
        outcome: list[object] = []

        def place() -> None:
            try:
                outcome.append(repo.orders.create([(product.id, quantity)]))
            except Exception as error:  # noqa: BLE001 - checked below
                outcome.append(error)

        thread = threading.Thread(target=place, daemon=True)
        thread.start()
        wait_for_lock_wait(raw_conn, "TEST-1")
        other.commit()
        thread.join(30)
        assert not thread.is_alive()
    finally:
        other.close()
    [result] = outcome
    if stock_after is None:
        assert isinstance(result, InsufficientStock), repr(result)
        assert result.shortages[0].available == initial + delta
        assert stock(raw_conn, product.id) == initial + delta
    else:
        assert not isinstance(result, BaseException), repr(result)
        assert stock(raw_conn, product.id) == stock_after
    assert_ledger_consistent(raw_conn)
