"""The data rules of the contract as pure functions.

Each returns the normalised value or raises ``ValidationError(field, rule)``. The repository
calls them before touching the database and the GUI calls them as the clerk types, so a rule
is written once. The database holds the same rules as CHECK constraints, as a backstop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from inventory_desktop.domain.errors import ValidationError
from inventory_desktop.domain.values import OrderStatus

SKU_MAX = 64
NAME_MAX = 200
DESCRIPTION_MAX = 2000
REASON_MAX = 200
PRICE_MAX = Decimal("1000000000")
QUANTITY_MAX = 1_000_000
STOCK_MAX = 2_147_483_647  # the stock column is a PostgreSQL integer
ORDER_LINES_MAX = 100
PAGE_LIMIT_MAX = 1000

_SKU_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_CENT = Decimal("0.01")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _storable(value: str, field: str, *, multiline: bool = False) -> None:
    """Text the database can hold and a screen can show: no control characters (a
    description may have line breaks and tabs), valid Unicode (a lone surrogate is not)."""
    if (_CONTROL_EXCEPT_LINES if multiline else _CONTROL).search(value):
        raise ValidationError(field, "must not contain control characters", value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "contains characters that cannot be stored", value) from None


def sku(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("sku", "must be text", value)
    value = value.strip()
    if not value:
        raise ValidationError("sku", "is required", value)
    if len(value) > SKU_MAX:
        raise ValidationError("sku", f"must be at most {SKU_MAX} characters", value)
    if not _SKU_RE.fullmatch(value):
        raise ValidationError(
            "sku", "may contain only letters A–Z, digits, '-', '_' and '.'", value
        )
    return value


def name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError("name", "must be text", value)
    value = value.strip()
    if not value:
        raise ValidationError("name", "is required", value)
    if len(value) > NAME_MAX:
        raise ValidationError("name", f"must be at most {NAME_MAX} characters", value)
    _storable(value, "name")
    return value


def description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("description", "must be text", value)
    if len(value) > DESCRIPTION_MAX:
        raise ValidationError(
            "description", f"must be at most {DESCRIPTION_MAX} characters", value
        )
    _storable(value, "description", multiline=True)
    return value


def price(value: Any, field: str = "price") -> Decimal:
    """A money amount: a Decimal (or int, or decimal text), 2 decimals at most, in range.

    A float is refused: binary fractions are how money goes wrong by a cent.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError(field, "must be a decimal amount (not a float)", value)
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", ".") if value.count(",") == 1 and "." not in value \
            else value.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(field, "must be a number such as 19.99", value) from None
    if not isinstance(value, Decimal):
        raise ValidationError(field, "must be a decimal amount", value)
    if not value.is_finite():
        raise ValidationError(field, "must be a finite number", value)
    if value < 0:
        raise ValidationError(field, "must not be negative", value)
    if value > PRICE_MAX:
        raise ValidationError(field, "must be at most 1,000,000,000.00", value)
    if value != value.quantize(_CENT):
        raise ValidationError(field, "must have at most 2 decimal places", value)
    return value.quantize(_CENT)


def _int(value: Any, field: str) -> int:
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?[0-9]{1,12}", text):
            raise ValidationError(field, "must be a whole number", value)
        return int(text)
    if not _is_int(value):
        raise ValidationError(field, "must be a whole number", value)
    return int(value)


def stock_quantity(value: Any, field: str = "stock_quantity") -> int:
    value = _int(value, field)
    if value < 0:
        raise ValidationError(field, "must not be negative", value)
    if value > STOCK_MAX:
        raise ValidationError(field, f"must be at most {STOCK_MAX:,}", value)
    return value


def quantity(value: Any, field: str = "quantity") -> int:
    value = _int(value, field)
    if not 1 <= value <= QUANTITY_MAX:
        raise ValidationError(field, f"must be between 1 and {QUANTITY_MAX:,}", value)
    return value


def record_id(value: Any, field: str = "id") -> int:
    if not _is_int(value) or not 1 <= value <= 2**63 - 1:
        raise ValidationError(field, "must be a positive whole number", value)
    return int(value)


def stock_delta(value: Any, field: str = "delta") -> int:
    value = _int(value, field)
    if value == 0:
        raise ValidationError(field, "must not be zero", value)
    if abs(value) > STOCK_MAX:
        raise ValidationError(field, f"must be at most {STOCK_MAX:,} either way", value)
    return value


def reason(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("reason", "is required (say why the stock changes)", value)
    value = value.strip()
    if len(value) > REASON_MAX:
        raise ValidationError("reason", f"must be at most {REASON_MAX} characters", value)
    _storable(value, "reason")
    return value


def status(value: Any) -> OrderStatus:
    try:
        return OrderStatus(value)
    except ValueError:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise ValidationError("status", f"must be one of {allowed}", value) from None


def client_token(value: Any) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationError("client_token", "must be a UUID", value) from None


def order_lines(lines: Any) -> list[tuple[int, int]]:
    """1–100 (product_id, quantity) pairs, each product once; returned sorted by product id."""
    if isinstance(lines, (str, bytes)) or not isinstance(lines, Iterable):
        raise ValidationError("lines", "must be a list of (product id, quantity) pairs", lines)
    result: dict[int, int] = {}
    for index, line in enumerate(lines):
        try:
            product_id, qty = line
        except (TypeError, ValueError):
            raise ValidationError(
                f"lines[{index}]", "must be a (product id, quantity) pair", line
            ) from None
        product_id = record_id(product_id, f"lines[{index}].product_id")
        qty = quantity(qty, f"lines[{index}].quantity")
        if product_id in result:
            raise ValidationError(
                f"lines[{index}].product_id",
                f"product {product_id} appears twice; a product may appear only once",
                product_id,
            )
        result[product_id] = qty
        if len(result) > ORDER_LINES_MAX:
            raise ValidationError("lines", f"an order has at most {ORDER_LINES_MAX} lines")
    if not result:
        raise ValidationError("lines", "an order needs at least one line", lines)
    return sorted(result.items())


def page(limit: Any, offset: Any) -> tuple[int, int]:
    if not _is_int(limit) or not 1 <= limit <= PAGE_LIMIT_MAX:
        raise ValidationError("limit", f"must be between 1 and {PAGE_LIMIT_MAX}", limit)
    if not _is_int(offset) or offset < 0:
        raise ValidationError("offset", "must be zero or more", offset)
    return int(limit), int(offset)


def search_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("search", "must be text", value)
    value = value.strip()
    if len(value) > NAME_MAX:
        raise ValidationError("search", f"must be at most {NAME_MAX} characters", value)
    value = _CONTROL.sub("", value)
    _storable(value, "search")
    return value


_STATION_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")


def station(value: Any) -> str:
    """A workstation's name. ASCII only: it travels in PostgreSQL's application_name, which
    the server keeps to printable ASCII (a 'ü' would be stored as '\\xc3\\xbc')."""
    if not isinstance(value, str) or not _STATION_RE.fullmatch(value.strip()):
        raise ValidationError(
            "station",
            "must be 1–40 characters: letters A–Z, digits, space, '.', '_' or '-'",
            value,
        )
    return value.strip()
