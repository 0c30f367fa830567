"""Where one order's time goes: one workstation, no contention, each way of placing measured.

    python benchmarks/order_costs.py [--seconds 3] [--repeat 3] [--products 2000]

Starts its own seeded PostgreSQL (default durability), then, in one process with one
connection, alternates ways of placing the same uniform orders (1-3 lines, a client token):

    shipped             repo.orders.create, as the application ships it (plan_cache_mode auto)
    custom plans        the same, plan_cache_mode = force_custom_plan: re-planned every call
    generic plans       the same, plan_cache_mode = force_generic_plan
    driver floor        psycopg alone: autocommit, prepared, no SQLAlchemy, no validation

and reports per order: wall time, this process's CPU, the server backend's CPU, and round
trips (counted in a libpq trace). Then: the plans PostgreSQL chose (pg_prepared_statements),
what a refused order does to prepared statements, the statement's planning and execution time,
the pool's checkout cost, and a cProfile of the shipped path grouped by library.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from uuid import uuid4

import _server
import _sysinfo
import psycopg
from _workload import pick_lines
from psycopg.rows import namedtuple_row

from inventory_desktop.errors import InsufficientStock
from inventory_desktop.repository import Repository
from inventory_desktop.repository.orders import PLACE_WITH_TOKEN

WAYS = ("shipped", "custom plans", "generic plans", "driver floor")
PLAN_MODE = {"custom plans": "force_custom_plan", "generic plans": "force_generic_plan"}


class Costs:
    def __init__(self, server, url: str, products: int) -> None:
        self.repo = Repository.connect(url, station="bench-costs", migrate=False, pool_size=1)
        self.engine = self.repo._engine  # the benchmark's access to the one pooled connection
        self.raw = psycopg.connect(host=str(server.socket_dir), user=server.user,
                                   dbname=server.database, autocommit=True,
                                   application_name="inventory-desktop/bench-floor")
        self.products = products
        self.rng = random.Random(1)

    def pg(self) -> psycopg.Connection:
        """The psycopg connection behind the pool (pool_size=1, one thread: always the same)."""
        with self.engine.connect() as conn:
            return conn.connection.driver_connection

    def sql(self, query: str) -> list:
        """A query on the pooled connection itself, outside any transaction of ours."""
        pg = self.pg()
        with pg.cursor() as cur:
            rows = cur.execute(query).fetchall() if "SELECT" in query else cur.execute(query)
        pg.commit()
        return rows

    def placer(self, way: str):
        if way == "driver floor":
            def floor(lines):
                lines = sorted(lines)
                params = {"ids": [i for i, _ in lines], "qtys": [q for _, q in lines],
                          "token": uuid4()}
                with self.raw.cursor(row_factory=namedtuple_row) as cur:
                    return cur.execute(PLACE_WITH_TOKEN, params, prepare=True).fetchall()
            return floor
        self.sql(f"SET plan_cache_mode = {PLAN_MODE.get(way, 'auto')}")
        return lambda lines: self.repo.orders.create(lines, client_token=uuid4())

    def plans(self, way: str) -> tuple[int, int]:
        """Generic and custom plans so far of the order statement on ``way``'s connection."""
        query = ("SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)"
                 " FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO order_items%'"
                 " AND statement NOT LIKE '%pg_prepared_statements%'")
        if way == "driver floor":
            row = self.raw.execute(query).fetchone()
        else:
            row = self.sql(query)[0]
        return int(row[0]), int(row[1])

    def backend_pid(self, way: str) -> int:
        if way == "driver floor":
            return self.raw.info.backend_pid
        return self.pg().info.backend_pid

    def measure(self, way: str, seconds: float) -> dict:
        place, pid = self.placer(way), self.backend_pid(way)
        for _ in range(20):  # prepared, planned, cached
            place(pick_lines(self.rng, "uniform", self.products))
        plans = self.plans(way)
        server, cpu = _sysinfo.process_cpu(pid), time.process_time()
        wall, n = time.perf_counter(), 0
        while time.perf_counter() - wall < seconds:
            place(pick_lines(self.rng, "uniform", self.products))
            n += 1
        wall = time.perf_counter() - wall
        cpu, server = time.process_time() - cpu, _sysinfo.process_cpu(pid) - server
        generic, custom = (b - a for a, b in zip(plans, self.plans(way), strict=True))
        return {"wall": wall / n * 1e6, "cpu": cpu / n * 1e6, "server": server / n * 1e6,
                "n": n, "generic": generic, "custom": custom}

    def round_trips(self, way: str) -> tuple[int, str]:
        """Messages that wait for the server (Query, Sync) in a libpq trace of one order."""
        place = self.placer(way)
        place(pick_lines(self.rng, "uniform", self.products))  # prepared already
        pg = self.raw if way == "driver floor" else self.pg()
        with tempfile.TemporaryFile("w+") as trace:
            pg.pgconn.trace(trace.fileno())
            pg.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
            place(pick_lines(self.rng, "uniform", self.products))
            pg.pgconn.untrace()
            trace.seek(0)
            sent = [_message(line.split("\t")) for line in trace if line.startswith("F")]
        waits = [m for m in sent if m.startswith(("Query", "Sync"))]
        return len(waits), " ".join(m for m in sent)


def _message(fields: list[str]) -> str:
    """'F <len> Query "BEGIN";' -> 'Query(BEGIN)'; 'F <len> Parse ...' -> 'Parse'."""
    if fields[2] == "Query":
        return "Query(" + fields[3].strip().strip(";").strip('"') + ")"
    return fields[2].strip()


def grouped_profile(costs: Costs, seconds: float) -> list[tuple[str, float]]:
    place = costs.placer("shipped")
    # Timed by CPU, not wall clock: waiting for the server costs no CPU and does not count.
    profile, n, began = cProfile.Profile(time.process_time), 0, time.perf_counter()
    profile.enable()
    while time.perf_counter() - began < seconds:
        place(pick_lines(costs.rng, "uniform", costs.products))
        n += 1
    profile.disable()
    groups: dict[str, float] = defaultdict(float)
    for (filename, _line, _function), row in pstats.Stats(profile).stats.items():
        tottime = row[2]
        for marker in ("sqlalchemy", "psycopg", "inventory_desktop", "uuid", "random",
                       "_workload", "dataclasses", "enum"):
            if f"/{marker}" in filename or filename.startswith(marker):
                groups[marker] += tottime
                break
        else:
            groups["built-ins" if filename == "~" else Path(filename).name] += tottime
    total = sum(groups.values())
    top = sorted(groups.items(), key=lambda kv: -kv[1])
    pstats.Stats(profile).sort_stats("tottime").print_stats(15)
    return [(name, t / n * 1e6) for name, t in top[:10]] + [("total", total / n * 1e6)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--products", type=int, default=2000)
    args = parser.parse_args()
    print(f"load average before: {_sysinfo.load()}")
    with _server.seeded_server(args.products, {}) as (server, url):
        costs = Costs(server, url, args.products)
        try:
            report(costs, args)
        finally:
            costs.raw.close()
            costs.repo.close()
    print(f"load average after: {_sysinfo.load()}")
    return 0


def report(costs: Costs, args: argparse.Namespace) -> None:
    results: dict[str, list[dict]] = defaultdict(list)
    for _ in range(args.repeat):
        for way in WAYS:
            results[way].append(costs.measure(way, args.seconds))
    print(f"\none process, one connection, uniform orders, {args.repeat} × {args.seconds} s "
          "each, alternated; µs per order, median (min):")
    print(f"{'way':14} {'wall':>12} {'client CPU':>12} {'backend CPU':>12} {'plans g/c':>12}"
          "  round trips: messages sent")
    for way in WAYS:
        trips, messages = costs.round_trips(way)
        runs = results[way]
        cells = [f"{statistics.median(r[k] for r in runs):5.0f} ({min(r[k] for r in runs):4.0f})"
                 for k in ("wall", "cpu", "server")]
        plans = f"{sum(r['generic'] for r in runs)}/{sum(r['custom'] for r in runs)}"
        print(f"{way:14} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12} {plans:>12}  "
              f"{trips}: {messages}")

    print("\nplans of the order statement on the pooled connection (pg_prepared_statements):")
    costs.placer("shipped")  # plan_cache_mode back to auto
    for row in costs.sql("SELECT name, generic_plans, custom_plans, parameter_types::text,"
                         " left(statement, 30) FROM pg_prepared_statements"):
        print("  ", row)

    print("\nafter an order refused for shortage (raises InsufficientStock):")
    sold_out = costs.repo.products.create(sku="SOLD-OUT", name="Sold out", price=1,
                                          stock_quantity=0)
    for way in ("shipped",):
        place = costs.placer(way)
        place([(1, 1)])
        before = len(costs.sql("SELECT name FROM pg_prepared_statements"))
        try:
            place([(1, 1), (sold_out.id, 1)])
        except InsufficientStock:
            pass
        after = len(costs.sql("SELECT name FROM pg_prepared_statements"))
        print(f"   {way:10}: prepared statements on the connection {before} -> {after}")

    print("\nplanning the statement (EXPLAIN EXECUTE, median of 50, ms):")
    with costs.raw.cursor() as cur:
        cur.execute("PREPARE explain_me(bigint[], integer[], uuid) AS "
                    + PLACE_WITH_TOKEN.replace("%(ids)s", "$1").replace("%(qtys)s", "$2")
                    .replace("%(token)s", "$3"))
        for mode in ("force_custom_plan", "force_generic_plan"):
            cur.execute(f"SET plan_cache_mode = {mode}")
            times = []
            for _ in range(50):  # EXPLAIN without ANALYZE plans but does not run it
                cur.execute("EXPLAIN (SUMMARY) EXECUTE explain_me('{5,7}', '{1,2}', NULL)")
                line = next(r[0] for r in cur.fetchall() if "Planning Time" in r[0])
                times.append(float(line.split(":")[1].split()[0]))
            print(f"   {mode:20} {statistics.median(times):.3f}")
        cur.execute("DEALLOCATE explain_me")
        cur.execute("RESET plan_cache_mode")

    print("\npool checkout and return, with begin+commit (nothing is sent), µs:")
    for label, options in (("default", {}), ("autocommit", {"isolation_level": "AUTOCOMMIT"})):
        began, n = time.perf_counter(), 20000
        for _ in range(n):
            with costs.engine.connect() as conn:
                if options:
                    conn.execution_options(**options)
                else:
                    conn.begin()
                    conn.commit()
        print(f"   {label:10} {(time.perf_counter() - began) / n * 1e6:6.1f}")

    print("\ncProfile (CPU time) of the shipped path, grouped by library, µs per order "
          "(profiling inflates it; compare shares):")
    for name, us in grouped_profile(costs, args.seconds):
        print(f"   {name:20} {us:7.0f}")


if __name__ == "__main__":
    raise SystemExit(main())
