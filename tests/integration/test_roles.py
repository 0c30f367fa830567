"""A clerk's login works the data through the app but cannot change the schema or history."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

import psycopg
import pytest
from conftest import connect_raw

from inventory_desktop.repository import Repository

pytestmark = pytest.mark.db

CLERK = "clerk_alice"


@pytest.fixture
def clerk_url(clean_db: str, raw_conn):  # type: ignore[no-untyped-def]
    raw_conn.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CLERK}') THEN
                CREATE ROLE {CLERK} LOGIN IN ROLE inventory_clerk;
            END IF;
        END $$
        """
    )
    # The test server authenticates by OS user (peer), so the superuser session takes on
    # the clerk's role at connect time: privileges are then checked exactly as for alice.
    separator = "&" if "?" in clean_db else "?"
    return clean_db + separator + "options=" + quote(f"-c role={CLERK}")


@pytest.fixture
def clerk_sql(clerk_url: str):  # type: ignore[no-untyped-def]
    with connect_raw(clean_url(clerk_url), autocommit=True) as conn:
        conn.execute(f"SET ROLE {CLERK}")
        yield conn


def clean_url(url: str) -> str:
    return url.split("&options=")[0].split("?options=")[0]


def test_the_app_works_with_a_clerk_login(clerk_url: str, raw_conn) -> None:  # type: ignore[no-untyped-def]
    with Repository.connect(clerk_url, station="DOCK-7", migrate=False) as repo:
        p = repo.products.create(sku="C-1", name="Crate", price=Decimal("3.00"), stock_quantity=9)
        p = repo.products.update(p.id, expected_version=p.version, price=Decimal("3.50"))
        repo.products.adjust_stock(p.id, 1, reason="received")
        order = repo.orders.create([(p.id, 4)])
        repo.orders.cancel(order.id)
        second = repo.orders.create([(p.id, 1)])
        repo.orders.ship(second.id)
        users = {m.db_user for m in repo.stock_movements(product_id=p.id).items}
    assert users == {CLERK}  # the ledger names the login that made each change
    assert raw_conn.execute("SELECT stock_quantity FROM products").fetchone()[0] == 9


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TABLE stock_movements",
        "ALTER TABLE products ADD COLUMN x int",
        "ALTER TABLE products DROP CONSTRAINT products_stock_quantity_check",
        "CREATE TABLE mine (id int)",
        "TRUNCATE orders CASCADE",
        "DELETE FROM stock_movements",
        "UPDATE stock_movements SET delta = 1000",
        "DELETE FROM orders",
        "DELETE FROM order_items",
        "UPDATE order_items SET quantity = 1",
        "UPDATE orders SET total_amount = 0",
        "DELETE FROM products",
        "INSERT INTO stock_movements (product_id, delta, quantity_after, reason, db_user) "
        "VALUES (1, 1, 1, 'forged', 'someone_else')",
        "INSERT INTO orders (total_amount, item_count, status) VALUES (1, 1, 'shipped')",
        "UPDATE alembic_version SET version_num = 'x'",
        "DROP FUNCTION inventory_announce() CASCADE",
    ],
)
def test_a_clerk_cannot_change_the_schema_or_rewrite_history(clerk_sql, repo, statement) -> None:  # type: ignore[no-untyped-def]
    p = repo.products.create(sku="C-1", name="Crate", price=Decimal("3.00"), stock_quantity=9)
    repo.orders.create([(p.id, 1)])
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        clerk_sql.execute(statement)


def test_a_shipped_order_cannot_be_reopened_even_with_raw_sql(clerk_sql, repo) -> None:  # type: ignore[no-untyped-def]
    p = repo.products.create(sku="C-1", name="Crate", price=Decimal("3.00"), stock_quantity=9)
    order = repo.orders.ship(repo.orders.create([(p.id, 1)]).id)
    with pytest.raises(psycopg.errors.CheckViolation):
        clerk_sql.execute("UPDATE orders SET status = 'pending' WHERE id = %s", (order.id,))


def test_a_clerk_login_cannot_migrate_and_is_told_whom_to_ask(clerk_url: str, raw_conn) -> None:  # type: ignore[no-untyped-def]
    from inventory_desktop.errors import SchemaError

    raw_conn.execute("CREATE DATABASE clerk_fresh")
    try:
        raw_conn.execute("GRANT CONNECT ON DATABASE clerk_fresh TO inventory_clerk")
        fresh = clerk_url.replace("/inventory?", "/clerk_fresh?")
        with pytest.raises(SchemaError, match="administrator"):
            Repository.connect(fresh, station="DOCK-7")
    finally:
        raw_conn.execute("DROP DATABASE clerk_fresh WITH (FORCE)")
