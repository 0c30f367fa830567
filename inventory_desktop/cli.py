"""``inventory-desktop``: open the clerk's desktop; ``inventory-desktop migrate``: schema only."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from inventory_desktop import __version__
from inventory_desktop.config import load_settings, resolve_database_url
from inventory_desktop.errors import InventoryError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inventory-desktop",
        description="Warehouse stock and order entry on a shared PostgreSQL server.",
        epilog="Without --database-url, INVENTORY_DATABASE_URL or a saved connection, a "
        "standalone database on this computer is used.",
    )
    url_help = "postgresql+psycopg://user@host:5432/inventory (overrides everything else)"
    parser.add_argument("--database-url", metavar="URL", help=url_help)
    parser.add_argument("--station", help="this workstation's name (default: the host name)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument(
        "--self-test", action="store_true",
        help="open the window offscreen, place and cancel an order in a scratch database, "
        "exit 0 if all works (1 and one line saying why if not)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    migrate = commands.add_parser(
        "migrate", help="bring the database schema up to date and exit (for administrators)"
    )
    migrate.add_argument("--database-url", metavar="URL", dest="migrate_url", help=url_help)
    from inventory_desktop.admin import add_parser as add_clerk_parser

    add_clerk_parser(commands, url_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("inventory_desktop").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    overrides = {"station": args.station} if args.station else {}
    settings = load_settings(**overrides)
    command_url = getattr(args, "migrate_url", None) or getattr(args, "command_url", None)
    url = resolve_database_url(command_url or args.database_url, settings)

    if args.command == "migrate":
        from inventory_desktop.credentials import with_saved_password
        from inventory_desktop.repository.migrate import upgrade

        try:
            revision = upgrade(with_saved_password(url) if url else None)
        except InventoryError as exc:
            print(f"inventory-desktop migrate: {exc}", file=sys.stderr)
            return 1
        where = "the standalone database" if url is None else _safe(url)
        print(f"{where} is at schema revision {revision}")
        return 0

    if args.command == "add-clerk":
        from inventory_desktop.admin import add_clerk_command

        return add_clerk_command(args, url)

    if args.self_test:
        from inventory_desktop.selftest import run_self_test

        return run_self_test(url, settings, verbose=args.verbose)

    from inventory_desktop.app import run

    return run(url, settings)


def _safe(url: str) -> str:
    from inventory_desktop.config import strip_password

    return strip_password(url)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
