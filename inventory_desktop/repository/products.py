"""Products and their stock ledger."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, text

from inventory_desktop.domain import validation as v
from inventory_desktop.domain.errors import (
    DuplicateSku,
    NotFound,
    ProductNotFound,
    StaleRecord,
    ValidationError,
)
from inventory_desktop.domain.values import Page, Product, StockMovement
from inventory_desktop.repository.engine import run_transaction

PRODUCT_COLUMNS = (
    "id, sku, name, description, price, stock_quantity, version, created_at, updated_at"
)
SORT_COLUMNS = {
    "sku": "lower(sku)",
    "name": "name",
    "price": "price",
    "stock_quantity": "stock_quantity",
    "updated_at": "updated_at",
    "id": "id",
}


def product_from_row(row: Any) -> Product:
    return Product(
        id=row.id,
        sku=row.sku,
        name=row.name,
        description=row.description,
        price=row.price,
        stock_quantity=row.stock_quantity,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def movement_from_row(row: Any) -> StockMovement:
    return StockMovement(
        id=row.id,
        product_id=row.product_id,
        delta=row.delta,
        quantity_after=row.quantity_after,
        reason=row.reason,
        order_id=row.order_id,
        station=row.station,
        db_user=row.db_user,
        created_at=row.created_at,
    )


def _like_escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_CREATE = text(
    f"""
    WITH created AS (
        INSERT INTO products (sku, name, description, price, stock_quantity)
        VALUES (:sku, :name, :description, :price, :stock)
        RETURNING {PRODUCT_COLUMNS}
    ), opening AS (
        INSERT INTO stock_movements (product_id, delta, quantity_after, reason)
        SELECT id, stock_quantity, stock_quantity, 'initial stock' FROM created
        WHERE stock_quantity > 0
    )
    SELECT {PRODUCT_COLUMNS} FROM created
    """
)

_ADJUST = text(
    f"""
    WITH changed AS (
        UPDATE products
        SET stock_quantity = stock_quantity + :delta, version = version + 1, updated_at = now()
        WHERE id = :id AND stock_quantity::bigint + :delta BETWEEN 0 AND 2147483647
        RETURNING {PRODUCT_COLUMNS}
    ), logged AS (
        INSERT INTO stock_movements (product_id, delta, quantity_after, reason)
        SELECT id, :delta, stock_quantity, :reason FROM changed
    )
    SELECT {PRODUCT_COLUMNS} FROM changed
    """
)


class Products:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create(
        self,
        sku: Any,
        name: Any,
        price: Any,
        stock_quantity: Any = 0,
        description: Any = "",
    ) -> Product:
        params = {
            "sku": v.sku(sku),
            "name": v.name(name),
            "description": v.description(description),
            "price": v.price(price),
            "stock": v.stock_quantity(stock_quantity),
        }
        try:
            return run_transaction(
                self._engine, lambda c: product_from_row(c.execute(_CREATE, params).one())
            )
        except DuplicateSku:
            raise DuplicateSku(params["sku"]) from None

    def get(self, product_id: Any) -> Product:
        product_id = v.record_id(product_id, "product_id")
        return run_transaction(self._engine, lambda c: _get(c, product_id))

    def get_by_sku(self, sku: Any) -> Product:
        sku = v.sku(sku)

        def work(c: Connection) -> Product:
            row = c.execute(
                text(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE lower(sku) = lower(:sku)"),
                {"sku": sku},
            ).one_or_none()
            if row is None:
                raise NotFound("product", sku)
            return product_from_row(row)

        return run_transaction(self._engine, work)

    def get_many(self, product_ids: Iterable[int]) -> list[Product]:
        ids = sorted({v.record_id(i, "product_id") for i in product_ids})
        if not ids:
            return []
        query = text(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ANY(:ids) ORDER BY id")
        return run_transaction(
            self._engine,
            lambda c: [product_from_row(r) for r in c.execute(query, {"ids": ids})],
        )

    def list(
        self,
        search: Any = "",
        limit: Any = 50,
        offset: Any = 0,
        sort: str = "sku",
        descending: bool = False,
    ) -> Page[Product]:
        """A page of products, searched and sorted by the server.

        ``search`` matches an SKU prefix (any case) or any part of the name (trigram index).
        """
        search = v.search_text(search)
        limit, offset = v.page(limit, offset)
        if sort not in SORT_COLUMNS:
            raise ValidationError("sort", f"must be one of {', '.join(SORT_COLUMNS)}", sort)
        direction = "DESC" if descending else "ASC"
        where, params = "", {"limit": limit, "offset": offset}
        if search:
            where = (
                "WHERE lower(sku) LIKE :prefix ESCAPE '\\' OR name ILIKE :contains ESCAPE '\\'"
            )
            escaped = _like_escape(search)
            params["prefix"] = escaped.lower() + "%"
            params["contains"] = "%" + escaped + "%"
        if sort == "sku":
            # The unique index is on lower(sku) text_pattern_ops: ordering by its own
            # operators lets a million products page through the index instead of a sort.
            # lower(sku) is unique, so it needs no id to break ties.
            order = f"lower(sku) USING {'~>~' if descending else '~<~'}"
        else:
            order = f"{SORT_COLUMNS[sort]} {direction}, id {direction}"
        page_query = text(
            f"SELECT {PRODUCT_COLUMNS} FROM products {where} ORDER BY {order} "
            "LIMIT :limit OFFSET :offset"
        )
        count_query = text(f"SELECT count(*) FROM products {where}")

        def work(c: Connection) -> Page[Product]:
            rows = tuple(product_from_row(r) for r in c.execute(page_query, params))
            if offset == 0 and len(rows) < limit:
                total = len(rows)  # the whole result is on this page: no need to count
            else:
                total = c.execute(count_query, params).scalar_one()
            return Page(items=rows, total=total, limit=limit, offset=offset)

        return run_transaction(self._engine, work)

    def update(self, product_id: Any, *, expected_version: Any, **changes: Any) -> Product:
        """Change sku, name, description or price; never stock (see ``adjust_stock``)."""
        product_id = v.record_id(product_id, "product_id")
        if not isinstance(expected_version, int) or isinstance(expected_version, bool):
            raise ValidationError(
                "expected_version", "must be the version you read", expected_version
            )
        validators = {
            "sku": v.sku,
            "name": v.name,
            "description": v.description,
            "price": v.price,
        }
        if "stock_quantity" in changes:
            raise ValidationError(
                "stock_quantity", "is changed only by orders and adjust_stock, with a reason"
            )
        unknown = set(changes) - set(validators)
        if unknown:
            raise ValidationError(sorted(unknown)[0], "is not a product field that can be edited")
        values = {field: validators[field](value) for field, value in changes.items()}

        def work(c: Connection) -> Product:
            if values:
                assignments = ", ".join(f"{field} = :{field}" for field in values)
                row = c.execute(
                    text(
                        f"UPDATE products SET {assignments}, version = version + 1, "
                        "updated_at = now() WHERE id = :id AND version = :expected "
                        f"RETURNING {PRODUCT_COLUMNS}"
                    ),
                    {**values, "id": product_id, "expected": expected_version},
                ).one_or_none()
                if row is not None:
                    return product_from_row(row)
            current = _get(c, product_id)
            if current.version != expected_version:
                raise StaleRecord(current)
            return current

        try:
            return run_transaction(self._engine, work)
        except DuplicateSku:
            raise DuplicateSku(values.get("sku", "")) from None

    def adjust_stock(self, product_id: Any, delta: Any, *, reason: Any) -> Product:
        product_id = v.record_id(product_id, "product_id")
        delta = v.stock_delta(delta)
        reason = v.reason(reason)

        def work(c: Connection) -> Product:
            row = c.execute(
                _ADJUST, {"id": product_id, "delta": delta, "reason": reason}
            ).one_or_none()
            if row is not None:
                return product_from_row(row)
            current = _get(c, product_id)
            if current.stock_quantity + delta > 0:
                raise ValidationError(
                    "delta", f"would take stock above {v.STOCK_MAX:,}", delta
                )
            raise ValidationError(
                "delta",
                f"would leave stock below zero (in stock: {current.stock_quantity})",
                delta,
            )

        return run_transaction(self._engine, work)

    def movements(
        self, product_id: Any = None, limit: Any = 50, offset: Any = 0
    ) -> Page[StockMovement]:
        limit, offset = v.page(limit, offset)
        params: dict[str, Any] = {"limit": limit, "offset": offset}
        where = ""
        if product_id is not None:
            params["product_id"] = v.record_id(product_id, "product_id")
            where = "WHERE product_id = :product_id"
        page_query = text(
            "SELECT id, product_id, delta, quantity_after, reason, order_id, station, db_user, "
            f"created_at FROM stock_movements {where} ORDER BY id DESC "
            "LIMIT :limit OFFSET :offset"
        )
        count_query = text(f"SELECT count(*) FROM stock_movements {where}")

        def work(c: Connection) -> Page[StockMovement]:
            rows = tuple(movement_from_row(r) for r in c.execute(page_query, params))
            total = c.execute(count_query, params).scalar_one()
            return Page(items=rows, total=total, limit=limit, offset=offset)

        return run_transaction(self._engine, work)


def _get(c: Connection, product_id: int) -> Product:
    row = c.execute(
        text(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = :id"), {"id": product_id}
    ).one_or_none()
    if row is None:
        raise ProductNotFound([product_id])
    return product_from_row(row)
