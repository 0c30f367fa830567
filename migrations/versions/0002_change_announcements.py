"""Announce every committed change to products and orders with NOTIFY.

Statement-level triggers with transition tables: one notification per statement (an order
is two: its products and itself), whatever tool wrote the rows, sent only if the transaction
commits. Channel ``inventory_changes``; payload (JSON, see docs/live-refresh.md):
``{"table": "products", "op": "UPDATE", "rows": [[id, version], ...]}``; ``rows`` is null
when too many rows changed to fit a notification: the listener reloads instead.

Orders get a ``version`` too, so a window can tell whether the order it shows is current.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TRIGGERS = [
    (table, event)
    for table in ("products", "orders")
    for event in ("INSERT", "UPDATE")
]


def upgrade() -> None:
    op.execute("ALTER TABLE orders ADD COLUMN version integer NOT NULL DEFAULT 1")
    # Status changes are rare and read by "what changed since", so updated_at is indexed here
    # (not on products, where every order would pay for it).
    op.execute("CREATE INDEX orders_updated_at_idx ON orders (updated_at)")
    op.execute(
        """
        CREATE FUNCTION inventory_announce() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            payload text;
        BEGIN
            IF NOT EXISTS (SELECT FROM changed_rows) THEN
                RETURN NULL;  -- the statement changed no row
            END IF;
            SELECT json_build_object(
                       'table', TG_TABLE_NAME, 'op', TG_OP,
                       'rows', json_agg(json_build_array(id, version) ORDER BY id))::text
              INTO payload
              FROM changed_rows;
            IF octet_length(payload) > 7000 THEN  -- NOTIFY payloads stop at 8000 bytes
                payload := json_build_object(
                    'table', TG_TABLE_NAME, 'op', TG_OP, 'rows', NULL)::text;
            END IF;
            PERFORM pg_notify('inventory_changes', payload);
            RETURN NULL;
        END
        $$
        """
    )
    for table, event in TRIGGERS:
        op.execute(
            f"""
            CREATE TRIGGER {table}_announce_{event.lower()}
            AFTER {event} ON {table}
            REFERENCING NEW TABLE AS changed_rows
            FOR EACH STATEMENT EXECUTE FUNCTION inventory_announce()
            """
        )


def downgrade() -> None:
    for table, event in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_announce_{event.lower()} ON {table}")
    op.execute("DROP FUNCTION inventory_announce()")
    op.execute("DROP INDEX orders_updated_at_idx")
    op.execute("ALTER TABLE orders DROP COLUMN version")
