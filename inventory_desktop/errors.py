"""The public home of the application's errors (``from inventory_desktop.errors import ...``)."""

from inventory_desktop.domain.errors import (
    AccessDenied,
    DatabaseUnavailable,
    DuplicateSku,
    InsufficientStock,
    InvalidTransition,
    InventoryError,
    LockTimeout,
    NotFound,
    ProductNotFound,
    SchemaError,
    SchemaTooNew,
    Shortage,
    StaleRecord,
    StandaloneServerError,
    ValidationError,
)

__all__ = [
    "AccessDenied",
    "DatabaseUnavailable",
    "DuplicateSku",
    "InsufficientStock",
    "InvalidTransition",
    "InventoryError",
    "LockTimeout",
    "NotFound",
    "ProductNotFound",
    "SchemaError",
    "SchemaTooNew",
    "Shortage",
    "StaleRecord",
    "StandaloneServerError",
    "ValidationError",
]
