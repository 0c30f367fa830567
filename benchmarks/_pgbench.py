"""pgbench as the database's own limit: scripts for both mixes, running it, reading its logs.

Two transactions, each for both mixes, on the application's schema:

- ``raw``: the seed's order transaction in plain SQL, one round trip per statement: BEGIN;
  lock the product rows in id order; INSERT the order RETURNING id (\\gset); INSERT the
  lines; UPDATE the stock; INSERT the stock movements; COMMIT (7 round trips).
- ``cte``: the application's own statement (orders.PLACE_WITH_TOKEN), sent alone in autocommit:
  one round trip; the one-statement ceiling for this machine.

Products are drawn distinct and uniformly, like ``random.sample``: a, then b from the range
less one (skipping a), then c from the range less two (skipping a and b).
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
from pathlib import Path

from inventory_desktop.repository.orders import PLACE_WITH_TOKEN

# Uniform: 1-3 distinct products of 1..P. Hot: product 1 plus 0-2 distinct others of 2..P.
_DRAW = {
    "uniform": r"""\set n random(1, 3)
\set a random(1, :products)
\set b random(1, :products - 1)
\set b :b + case when :b >= :a then 1 else 0 end
\set c random(1, :products - 2)
\set c :c + case when :c >= least(:a, :b) then 1 else 0 end
\set c :c + case when :c >= greatest(:a, :b) then 1 else 0 end
""",
    "hot": r"""\set n random(1, 3)
\set a 1
\set b random(2, :products)
\set c random(2, :products - 1)
\set c :c + case when :c >= :b then 1 else 0 end
""",
}
_QUANTITIES = r"""\set qa random(1, 3)
\set qb random(1, 3)
\set qc random(1, 3)
"""


def _raw(ids: list[str], qtys: list[str]) -> str:
    pairs = zip(ids, qtys, strict=True)
    values = "(VALUES " + ", ".join(f"({i}::bigint, {q}::integer)" for i, q in pairs)
    join = f"FROM products p JOIN {values}) v(id, q) ON p.id = v.id"
    statements = [
        "BEGIN",
        f"SELECT id, price, stock_quantity FROM products WHERE id IN ({', '.join(ids)})"
        " ORDER BY id FOR UPDATE",
        "INSERT INTO orders (total_amount, item_count, client_token)"
        f" SELECT sum(p.price * v.q), {len(ids)}, gen_random_uuid() {join}"
        " ON CONFLICT (client_token) WHERE client_token IS NOT NULL DO NOTHING"
        " RETURNING id AS order_id \\gset",
        "INSERT INTO order_items (order_id, product_id, quantity, price_at_time)"
        f" SELECT :order_id, v.id, v.q, p.price {join}",
        "UPDATE products p SET stock_quantity = p.stock_quantity - v.q,"
        f" version = p.version + 1, updated_at = now() FROM {values}) v(id, q) WHERE p.id = v.id",
        "INSERT INTO stock_movements (product_id, delta, quantity_after, reason, order_id)"
        f" SELECT p.id, -v.q, p.stock_quantity, 'order', :order_id {join}",
        "COMMIT",
    ]
    # pgbench: one command per line; a \gset ends its command instead of a semicolon.
    return "".join(s + ("\n" if s.endswith("gset") else ";\n") for s in statements)


def _cte(ids: list[str], qtys: list[str]) -> str:
    # The application's statement text, with the parameters spelled as pgbench variables.
    statement = (
        PLACE_WITH_TOKEN.replace("%(ids)s::bigint[]", f"ARRAY[{', '.join(ids)}]::bigint[]")
        .replace("%(qtys)s::integer[]", f"ARRAY[{', '.join(qtys)}]::integer[]")
        .replace("%(token)s::uuid", "gen_random_uuid()")
    )
    assert "%(" not in statement
    return " ".join(statement.split()) + ";\n"  # pgbench: one SQL command per line


def script(mix: str, kind: str) -> str:
    """The pgbench script for ``mix`` ("uniform" or "hot") and ``kind`` ("raw" or "cte")."""
    body = {"raw": _raw, "cte": _cte}[kind]
    branches = []
    for n in (1, 2, 3):
        ids, qtys = [":a", ":b", ":c"][:n], [":qa", ":qb", ":qc"][:n]
        if mix == "hot":
            qtys[0] = "1"  # the hot product: one unit
        keyword = r"\if" if n == 1 else r"\elif"
        branches.append(f"{keyword} :n = {n}\n{body(ids, qtys)}")
    return _DRAW[mix] + _QUANTITIES + "".join(branches) + "\\endif\n"


def run(
    bin_dir: Path, socket_dir: Path, user: str, database: str, *, mix: str, kind: str,
    clients: int, threads: int, seconds: int, products: int, work_dir: Path, tag: str,
) -> dict:
    """Run pgbench once; return its summary and every transaction as (end_time, latency_s)."""
    script_file = work_dir / f"{tag}.sql"
    script_file.write_text(script(mix, kind))
    prefix = work_dir / f"{tag}-log"
    command = [
        str(bin_dir / "pgbench"), "-h", str(socket_dir), "-U", user, "-n", "-M", "prepared",
        "-c", str(clients), "-j", str(threads), "-T", str(seconds),
        "-D", f"products={products}", "-f", str(script_file), "-l", f"--log-prefix={prefix}",
        database,
    ]
    env = {**os.environ, "PGAPPNAME": "inventory-desktop/pgbench"}  # station 'pgbench'
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=work_dir)
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stderr[-3000:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    transactions, failures = [], 0
    for path in glob.glob(f"{prefix}.*"):
        with open(path) as log:
            for line in log:
                # client_id transaction_no time script_no time_epoch time_us [...]
                fields = line.split()
                if not fields[2].isdigit():  # "failed" / "skipped"
                    failures += 1
                    continue
                end = int(fields[4]) + int(fields[5]) / 1e6
                transactions.append((end, int(fields[2]) / 1e6))
        os.unlink(path)
    return {
        "summary_tps": float(tps.group(1)) if tps else None,
        "failed": int(failed.group(1)) if failed else failures,
        "transactions": transactions,
        "command": " ".join(command),
    }
