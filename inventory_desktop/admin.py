"""``inventory-desktop add-clerk NAME``: a site administrator creates a clerk's login.

The password is read from a prompt (twice) or, with ``--password-stdin``, from the first line
of standard input (for scripts); it never appears on the command line, where ``ps`` and the
shell history would show it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

ADD_CLERK = "add-clerk"


def add_parser(commands: Any, url_help: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        ADD_CLERK,
        help="create a clerk's login on the site server (for administrators)",
        description="Create a login NAME in the inventory_clerk group: it may work the data "
        "(products, orders, stock) but not change the schema, delete anything or rewrite the "
        "stock ledger. The password is asked twice, or read from standard input.",
    )
    parser.add_argument("name", metavar="NAME", help="the clerk's login, e.g. dock1")
    parser.add_argument("--database-url", metavar="URL", dest="command_url",
                        help="an administrator's login: " + url_help)
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the clerk's password from the first line of standard input")
    parser.add_argument("--reset", action="store_true",
                        help="give an existing clerk login a new password")
    return parser


def _read_password(name: str, from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for clerk {name}: ")
    second = getpass.getpass("The same password again: ")
    if first != second:
        print(f"inventory-desktop {ADD_CLERK}: the two passwords differ; nothing was changed",
              file=sys.stderr)
        return None
    return first


def add_clerk_command(args: argparse.Namespace, url: str | None) -> int:
    from inventory_desktop.config import strip_password
    from inventory_desktop.credentials import with_saved_password
    from inventory_desktop.errors import DatabaseUnavailable, InventoryError, ValidationError
    from inventory_desktop.repository import clerks

    def fail(text: str) -> int:
        print(f"inventory-desktop {ADD_CLERK}: {text}", file=sys.stderr)
        return 1

    if url is None:
        return fail("clerk logins live on the site server; give it with --database-url "
                    "postgresql://OWNER@SERVER:5432/inventory (an administrator's login)")
    try:
        name = clerks.clerk_name(args.name)
    except ValidationError as exc:
        return fail(f"the login name {args.name!r} {exc.rule}")
    password = _read_password(name, args.password_stdin)
    if password is None:
        return 1
    where = strip_password(url)
    try:
        outcome = clerks.add_clerk(with_saved_password(url), name, password, reset=args.reset)
    except ValidationError as exc:
        return fail(f"the {exc.field} {exc.rule}; nothing was changed")
    except clerks.ClerkExists:
        return fail(f"a login named {name} already exists. To give it a new password: "
                    f"inventory-desktop {ADD_CLERK} {name} --reset")
    except clerks.NoSuchClerk:
        return fail(f"there is no login named {name}; leave out --reset to create it")
    except clerks.NotAClerk:
        return fail(f"{name} exists but is not a clerk login (not in {clerks.CLERK_ROLE}); "
                    f"{ADD_CLERK} leaves it alone")
    except clerks.MissingPrivilege as exc:
        hint = ""
        if exc.privilege.startswith("ADMIN OPTION"):
            role = exc.privilege.rsplit(" ", 1)[-1]
            hint = (f" (a superuser can give it: GRANT {role} TO {exc.login} "
                    "WITH ADMIN OPTION)")
        return fail(f"the login {exc.login} may not {exc.action}: it needs {exc.privilege}"
                    f"{hint}. Use the site owner's login in --database-url.")
    except clerks.NotSetUp:
        return fail(f"{where} has no {clerks.CLERK_ROLE} role yet: run "
                    "`inventory-desktop migrate` on it first")
    except DatabaseUnavailable as exc:
        return fail(f"cannot connect to {where}: {exc.detail}")
    except InventoryError as exc:
        return fail(str(exc))
    if outcome == clerks.RESET:
        print(f"New password set for clerk login {name} on {where}.")
    else:
        print(f"Created clerk login {name} (in {clerks.CLERK_ROLE}) on {where}.")
    return 0
