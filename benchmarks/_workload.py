"""Our side: workstation processes placing orders through the repository, as the GUI does.

Each process opens its own ``Repository`` (one pooled connection), then waits for commands
from the parent: ``(variant, mix, start, measure_from, end)`` to place orders until ``end``,
or None to close. Keeping the processes across runs spares 32 interpreter start-ups per run.

Variants (the same processes, the same connection, switched per run):

- ``shipped``: ``repo.orders.create`` exactly as the application ships it.
- ``generic``: the same, with ``plan_cache_mode = force_generic_plan`` on the whole session
  (a diagnostic: it would make product search ~20x slower).

(``autocommit`` and ``pipelined``, measured in docs/benchmarks.md, were comparison copies of
the order path; "pipelined" is what ``shipped`` does now, so both copies are gone.)
"""

from __future__ import annotations

import random
import signal
import time
from array import array
from collections import Counter
from multiprocessing.connection import Connection as Pipe
from uuid import uuid4

VARIANTS = ("shipped", "generic")
HOT_PRODUCT = 1


def pick_lines(rng: random.Random, mix: str, products: int) -> list[tuple[int, int]]:
    """1-3 distinct products, 1-3 units each; the hot mix always has 1 unit of product 1."""
    if mix == "uniform":
        ids = rng.sample(range(1, products + 1), rng.randint(1, 3))
        return [(i, rng.randint(1, 3)) for i in ids]
    others = rng.sample(range(2, products + 1), rng.randint(0, 2))
    return [(HOT_PRODUCT, 1)] + [(i, rng.randint(1, 3)) for i in others]


def _set_plan_cache_mode(engine, mode: str) -> None:
    """A session setting on the worker's one pooled connection (pool_size=1, one thread)."""
    with engine.connect() as conn:
        conn.exec_driver_sql(f"SET plan_cache_mode = {mode}")
        conn.commit()


def _plans(engine) -> tuple[int, int, int]:
    """Generic and custom plans so far of the order statement on this connection; how many
    prepared copies of it exist (psycopg drops them all after any ROLLBACK)."""
    with engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0), count(*)"
            " FROM pg_prepared_statements WHERE statement LIKE '%%INSERT INTO order_items%%'"
            " AND statement NOT LIKE '%%pg_prepared_statements%%'"
        ).one()
        conn.commit()
    return int(row[0]), int(row[1]), int(row[2])


def worker(
    index: int, url: str, products: int, seed: int, pipe: Pipe, listen: bool = False
) -> None:
    # Ctrl+C reaches the whole process group; the parent decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Imported here: the parent need not pay for SQLAlchemy before it forks the pool.
    from inventory_desktop.errors import InventoryError
    from inventory_desktop.repository import Repository

    repo = Repository.connect(url, station=f"bench-{index}", migrate=False, pool_size=1)
    heard = [0]  # changes announced to this station, when it listens as the GUI does
    listener = None
    if listen:
        from inventory_desktop.repository.listener import ChangeListener

        listener = ChangeListener(url, station=f"bench-{index}",
                                  on_change=lambda change: heard.__setitem__(0, heard[0] + 1))
        listener.start()
        listener.connected.wait(30)
    engine = repo._engine  # the benchmark switches a session setting; the app never does
    def place(lines):  # type: ignore[no-untyped-def]
        return repo.orders.create(lines, client_token=uuid4())

    rng = random.Random(seed)
    pipe.send("ready")
    try:
        while (command := pipe.recv()) is not None:
            variant, mix, start, measure_from, end = command
            _set_plan_cache_mode(engine, "force_generic_plan" if variant == "generic" else "auto")
            plans_before, heard_before = _plans(engine), heard[0]
            ended, latencies, errors = array("d"), array("d"), Counter()
            placed = 0
            time.sleep(max(0.0, start - time.time()))
            cpu_from = time.process_time()
            while time.time() < end:
                lines = pick_lines(rng, mix, products)
                began = time.perf_counter()
                try:
                    place(lines)
                except InventoryError as error:
                    errors[type(error).__name__] += 1
                    continue
                took = time.perf_counter() - began
                placed += 1
                done = time.time()
                if done >= measure_from:
                    ended.append(done)
                    latencies.append(took)
            cpu = time.process_time() - cpu_from
            plans = _plans(engine)
            pipe.send(
                {"placed": placed, "ended": ended, "latencies": latencies,
                 "errors": dict(errors), "cpu": cpu, "heard": heard[0] - heard_before,
                 "plans": (plans[0] - plans_before[0], plans[1] - plans_before[1], plans[2])}
            )
    except EOFError:  # the parent is gone
        pass
    finally:
        if listener is not None:
            listener.stop()
        repo.close()
