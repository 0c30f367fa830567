"""Least privilege: a clerk role that works the data but cannot change the schema or history.

``inventory_clerk`` (NOLOGIN) is the group every clerk's own login joins:
    CREATE ROLE alice LOGIN PASSWORD '...' IN ROLE inventory_clerk;
(or ``inventory-desktop add-clerk alice``). The tables belong to whoever runs the migrations
(the site's owner login). A clerk may read everything and write only what the application
writes, column by column:

- products: insert; update sku, name, description, price, stock, version, updated_at.
- orders: insert a new order; update only status (pending -> shipped/cancelled, enforced
  by a trigger), version, updated_at and status_changed_by.
- order_items: insert only. stock_movements: insert only, and never the ``db_user`` or
  ``station`` columns, which the server fills in: the ledger names the database login that
  made each change and cannot be forged, edited or deleted from a clerk's login.
- no DELETE, TRUNCATE, DDL, or ownership of anything.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CLERK = "inventory_clerk"


def upgrade() -> None:
    # Roles are cluster-wide: create it once, whoever migrates first.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CLERK}') THEN
                CREATE ROLE {CLERK} NOLOGIN;
            END IF;
        END
        $$
        """
    )
    op.execute("REVOKE ALL ON products, orders, order_items, stock_movements FROM PUBLIC")
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {CLERK}")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {CLERK}")
    op.execute(
        f"GRANT SELECT ON products, orders, order_items, stock_movements, alembic_version "
        f"TO {CLERK}"
    )
    op.execute(
        f"GRANT INSERT (sku, name, description, price, stock_quantity), "
        f"UPDATE (sku, name, description, price, stock_quantity, version, updated_at) "
        f"ON products TO {CLERK}"
    )
    op.execute(
        f"GRANT INSERT (total_amount, item_count, client_token), "
        f"UPDATE (status, version, updated_at, status_changed_by) ON orders TO {CLERK}"
    )
    op.execute(
        f"GRANT INSERT (order_id, product_id, quantity, price_at_time) ON order_items TO {CLERK}"
    )
    op.execute(
        f"GRANT INSERT (product_id, delta, quantity_after, reason, order_id) "
        f"ON stock_movements TO {CLERK}"
    )
    # Identity columns draw from sequences the inserting role must be allowed to use.
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {CLERK}")
    # Advisory locks and the migration check need no more than this: a clerk's app checks
    # the schema version but cannot migrate (the administrator does).

    # An order's status moves only forward, whoever writes the UPDATE.
    op.execute(
        """
        CREATE FUNCTION orders_guard_transition() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status <> 'pending' THEN
                RAISE EXCEPTION 'order % is %; it cannot become %', OLD.id, OLD.status,
                    NEW.status
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'orders_status_transition';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER orders_guard_transition BEFORE UPDATE OF status ON orders "
        "FOR EACH ROW EXECUTE FUNCTION orders_guard_transition()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER orders_guard_transition ON orders")
    op.execute("DROP FUNCTION orders_guard_transition()")
    op.execute(f"REVOKE ALL ON products, orders, order_items, stock_movements FROM {CLERK}")
    op.execute(f"REVOKE ALL ON alembic_version FROM {CLERK}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {CLERK}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {CLERK}")
