"""Inventory Desktop: warehouse stock and order entry for many workstations on one PostgreSQL."""

__version__ = "0.1.0"
APP_NAME = "inventory-desktop"
