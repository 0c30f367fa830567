"""Products, orders, order lines and the stock ledger, with every data rule the database can hold.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The station is the part of application_name after "inventory-desktop/": the server fills it
# in, so a client cannot record another station's name by passing a parameter.
STATION = "coalesce(nullif(substr(current_setting('application_name'), 19), ''), 'unknown')"


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        """
        CREATE TABLE products (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            sku             varchar(64) NOT NULL
                CONSTRAINT products_sku_format CHECK (sku ~ '^[A-Za-z0-9_.-]{1,64}$'),
            name            varchar(200) NOT NULL
                CONSTRAINT products_name_format
                CHECK (length(name) BETWEEN 1 AND 200 AND name = btrim(name)),
            description     varchar(2000) NOT NULL DEFAULT '',
            price           numeric(12, 2) NOT NULL
                CONSTRAINT products_price_range CHECK (price >= 0 AND price <= 1000000000),
            stock_quantity  integer NOT NULL DEFAULT 0
                CONSTRAINT products_stock_quantity_check CHECK (stock_quantity >= 0),
            version         integer NOT NULL DEFAULT 1,
            created_at      timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # Unique case-insensitively; text_pattern_ops lets the same index serve SKU-prefix search.
    op.execute(
        "CREATE UNIQUE INDEX products_sku_lower_key ON products (lower(sku) text_pattern_ops)"
    )
    op.execute("CREATE INDEX products_name_trgm_idx ON products USING gin (name gin_trgm_ops)")
    op.execute("CREATE INDEX products_sku_trgm_idx ON products USING gin (sku gin_trgm_ops)")
    # Sorting a million products by name or price pages through an index. Stock and
    # updated_at are deliberately not indexed: every order changes them, and an index on
    # either would turn each stock update from a HOT update into a full index write.
    op.execute("CREATE INDEX products_name_idx ON products (name, id)")
    op.execute("CREATE INDEX products_price_idx ON products (price, id)")
    op.execute("ALTER TABLE products SET (fillfactor = 90)")

    op.execute(
        f"""
        CREATE TABLE orders (
            id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            status             text NOT NULL DEFAULT 'pending'
                CONSTRAINT orders_status_check
                CHECK (status IN ('pending', 'shipped', 'cancelled')),
            total_amount       numeric(20, 2) NOT NULL
                CONSTRAINT orders_total_amount_check CHECK (total_amount >= 0),
            item_count         smallint NOT NULL
                CONSTRAINT orders_item_count_check CHECK (item_count BETWEEN 1 AND 100),
            client_token       uuid,
            station            text NOT NULL DEFAULT {STATION},
            status_changed_by  text NOT NULL DEFAULT '',
            created_at         timestamptz NOT NULL DEFAULT now(),
            updated_at         timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    # Partial: only orders placed with a token need the retry guarantee.
    op.execute(
        "CREATE UNIQUE INDEX orders_client_token_key ON orders (client_token) "
        "WHERE client_token IS NOT NULL"
    )
    op.execute("CREATE INDEX orders_status_id_idx ON orders (status, id DESC)")

    op.execute(
        """
        CREATE TABLE order_items (
            order_id       bigint NOT NULL REFERENCES orders (id),
            product_id     bigint NOT NULL REFERENCES products (id),
            quantity       integer NOT NULL
                CONSTRAINT order_items_quantity_check CHECK (quantity BETWEEN 1 AND 1000000),
            price_at_time  numeric(12, 2) NOT NULL
                CONSTRAINT order_items_price_check CHECK (price_at_time >= 0),
            PRIMARY KEY (order_id, product_id)
        )
        """
    )
    op.execute("CREATE INDEX order_items_product_idx ON order_items (product_id)")

    op.execute(
        f"""
        CREATE TABLE stock_movements (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            product_id      bigint NOT NULL REFERENCES products (id),
            delta           integer NOT NULL
                CONSTRAINT stock_movements_delta_check CHECK (delta <> 0),
            quantity_after  integer NOT NULL
                CONSTRAINT stock_movements_quantity_after_check CHECK (quantity_after >= 0),
            reason          text NOT NULL
                CONSTRAINT stock_movements_reason_check CHECK (length(reason) BETWEEN 1 AND 200),
            order_id        bigint REFERENCES orders (id),
            station         text NOT NULL DEFAULT {STATION},
            db_user         text NOT NULL DEFAULT current_user,
            created_at      timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "CREATE INDEX stock_movements_product_idx ON stock_movements (product_id, id DESC)"
    )
    op.execute(
        "CREATE INDEX stock_movements_order_idx ON stock_movements (order_id) "
        "WHERE order_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP TABLE stock_movements, order_items, orders, products")
