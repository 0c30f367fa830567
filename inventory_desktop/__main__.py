"""``python -m inventory_desktop``: the same as ``inventory-desktop``."""

from inventory_desktop.cli import main

raise SystemExit(main())
