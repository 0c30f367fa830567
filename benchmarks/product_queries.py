"""What the Products window asks of a million products, timed through the Repository.

    python benchmarks/product_queries.py [--products 1000000] [--repeat 7]

Starts its own PostgreSQL (the app's launcher, default durability), seeds N products with
realistic SKUs and names, then times each query the window makes: the first page in every
sort order, a deep page, SKU-prefix and name-substring searches, and get_many of a screenful
(what live refresh does). Prints the median and worst of --repeat runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

from inventory_desktop.repository import Repository
from inventory_desktop.repository.standalone import StandaloneServer

WORDS = (
    "pallet wrap cable tie box cutter tape label strap crate bin shelf hook glove scanner "
    "battery marker bubble foam carton divider tray rack hinge bolt nut washer"
).split()


def seed(server: StandaloneServer, products: int) -> None:
    with psycopg.connect(
        host=str(server.socket_dir), user=server.user, dbname=server.database, autocommit=True
    ) as conn:
        words = "ARRAY[" + ",".join(f"'{w}'" for w in WORDS) + "]"
        conn.execute(
            f"""
            INSERT INTO products (sku, name, price, stock_quantity)
            SELECT upper(substr(w1, 1, 3)) || '-' || lpad(g::text, 7, '0'),
                   initcap(w1) || ' ' || w2 || ' ' || (g %% 500) || ' mm',
                   (g %% 9973) / 100.0 + 0.99, g %% 200
            FROM generate_series(1, %s) g,
                 LATERAL (SELECT ({words})[1 + g %% {len(WORDS)}] AS w1,
                                 ({words})[1 + (g / 7) %% {len(WORDS)}] AS w2) w
            """,
            (products,),
        )
        conn.execute("VACUUM ANALYZE products")


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    call()  # warm the cache and the prepared statement
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="inventory-bench-queries-", dir="/tmp"))
    base.chmod(0o755)
    server = StandaloneServer(base / "standalone")
    try:
        url = server.start()
        Repository.connect(url, station="bench").close()
        start = time.perf_counter()
        seed(server, args.products)
        print(f"seeded {args.products:,} products in {time.perf_counter() - start:.1f} s")
        with Repository.connect(url, station="bench", migrate=False) as repo:
            screen = [p.id for p in repo.products.list(limit=40, offset=5000).items]
            scanned = repo.products.get(args.products // 2).sku.lower()
            cases: list[tuple[str, Callable[[], object]]] = [
                *[
                    (f"first page by {sort}", lambda s=sort: repo.products.list(limit=200, sort=s))
                    for sort in ("sku", "name", "price", "stock_quantity", "updated_at")
                ],
                ("page at offset 100,000 by sku",
                 lambda: repo.products.list(limit=200, offset=100_000)),
                ("search SKU prefix 'CAB-00012'",
                 lambda: repo.products.list(search="CAB-00012", limit=200)),
                ("search name 'cutter 42'",
                 lambda: repo.products.list(search="cutter 42", limit=200)),
                ("search name 'wrap' (many hits)",
                 lambda: repo.products.list(search="wrap", limit=200)),
                ("get_many of 40 visible rows", lambda: repo.products.get_many(screen)),
                ("get_by_sku (scanner)", lambda: repo.products.get_by_sku(scanned)),
            ]
            print(f"\n{'query':<36} {'median ms':>10} {'worst ms':>10}")
            for name, call in cases:
                median, worst = timed(call, args.repeat)
                print(f"{name:<36} {median:>10.1f} {worst:>10.1f}")
        print(f"\nmachine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
