"""``inventory-desktop --self-test``: prove this installation works, then exit 0 (or 1).

What it does, with the database the app would use (``--database-url``, the environment, the
saved connection, else the standalone server):

1. opens the database and checks its schema against this app's migrations (a schema newer
   than the app fails; an older one is reported: the app upgrades it when it opens it);
2. when the login may CREATE DATABASE, creates a scratch database ``inventory_selftest_<hex>``
   on the same server, so the warehouse's data is never touched; otherwise says so and checks
   the real database read-only;
3. builds the real main window (``app.build``: the worker, the models, live updates) on that
   database and shows it, offscreen unless a Qt platform was chosen; the worker migrates the
   scratch database exactly as the app migrates a real one;
4. through the window's database worker: creates a product, sees it in the products window,
   places an order for two, cancels it, checks stock went 5 → 3 → 5 and the ledger adds up,
   sees the order in the orders window (read-only: lists products and orders);
5. drops the scratch database and stops the standalone server it started.

Progress goes to stdout; a failure is one line on stderr and exit status 1, never a traceback
(``-v`` logs one). Times are measured from the process's start, so a bundle's own start-up
counts too.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from inventory_desktop import __version__
from inventory_desktop.config import Settings
from inventory_desktop.errors import InventoryError

if TYPE_CHECKING:  # pragma: no cover
    from inventory_desktop.repository.standalone import StandaloneServer
    from inventory_desktop.ui.main_window import MainWindow
    from inventory_desktop.ui.worker import DatabaseWorker

log = logging.getLogger(__name__)

TIMEOUT_S = 120.0  # a first standalone start as root copies PostgreSQL and runs initdb: ~2 s
STOCK, ORDERED = 5, 2
_STARTED = time.monotonic()  # fallback origin where /proc cannot tell the process's age


class SelfTestFailed(Exception):
    """Why the self-test failed, in one line."""


def process_age() -> float:
    """Seconds since this process started (Linux /proc), else since this module was loaded."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime, in ticks
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - started)
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _STARTED


def say(line: str) -> None:
    print(f"  {line}", flush=True)


def run_self_test(
    url: str | None, settings: Settings, *, verbose: bool = False, timeout_s: float = TIMEOUT_S
) -> int:
    if "QT_QPA_PLATFORM" not in os.environ and "-platform" not in sys.argv:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # no screen needed (CI, a build machine)
    if not verbose:
        # The launcher's progress is reported below; keep stderr for the verdict.
        logging.getLogger("inventory_desktop").setLevel(logging.WARNING)
    check = SelfTest(url, settings, timeout_s=timeout_s)
    try:
        check.run()
    except SelfTestFailed as failure:
        print(f"inventory-desktop self-test FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    except Exception as exc:  # a bug: still one line, the traceback only with -v
        log.debug("self-test crashed", exc_info=True)
        print(f"inventory-desktop self-test FAILED: unexpected {type(exc).__name__}: {exc}",
              file=sys.stderr, flush=True)
        return 1
    finally:
        check.clean_up()
    print(f"self-test passed in {process_age():.2f} s", flush=True)
    return 0


class SelfTest:
    def __init__(self, url: str | None, settings: Settings, *, timeout_s: float) -> None:
        self.url = url
        self.settings = settings
        self.timeout_s = timeout_s
        self.server: StandaloneServer | None = None
        self.real_url = ""
        self.scratch_url: str | None = None
        self.read_only = False  # the login may not create a scratch database
        self.window: MainWindow | None = None
        self.worker: DatabaseWorker | None = None
        self._failure: str | None = None
        self._doing = "starting"
        self._sku = f"SELFTEST-{secrets.token_hex(3).upper()}"

    # -- the whole run -----------------------------------------------------------------

    def run(self) -> None:
        from PySide6.QtCore import QTimer, qInstallMessageHandler, qVersion
        from PySide6.QtGui import QGuiApplication

        from inventory_desktop.app import build, create_application
        from inventory_desktop.ui.errors import install_excepthooks, reporter

        qInstallMessageHandler(_qt_message)
        app = create_application()
        install_excepthooks()  # a bug in a slot reaches the reporter, checked below
        print(f"inventory-desktop {__version__} self-test (Qt {qVersion()}, "
              f"platform {QGuiApplication.platformName()})", flush=True)
        self._check_resources(app)

        prepared_at = process_age()
        target = self._prepare_database()
        preparing = process_age() - prepared_at

        self._doing = "building the main window"
        window, worker, server = build(target, self.settings)
        self.window, self.worker = window, worker
        assert server is None  # a URL always: the self-test runs the standalone server itself
        worker.state_changed.connect(self._guard(self._worker_state))
        worker.connection_failed.connect(
            self._guard(lambda e: self._fail(f"the database could not be opened: {e}")))
        deadline = QTimer()
        deadline.setSingleShot(True)
        deadline.timeout.connect(
            lambda: self._fail(f"no answer within {self.timeout_s:g} s while {self._doing}"))
        deadline.start(int(self.timeout_s * 1000))
        self._doing = "connecting"
        self._connect_started = time.monotonic()
        worker.start()  # as app.run(): the worker connects while the window shows
        window.show()
        shown = process_age()
        say(f"main window shown {shown:.2f} s after start "
            f"({shown - preparing:.2f} s without the self-test's database preparation)")
        app.exec()
        deadline.stop()
        unexpected = reporter().shown
        if self._failure is None and unexpected:
            self._failure = f"unexpected error: {unexpected[0]}"
        if self._failure is not None:
            raise SelfTestFailed(self._failure)

    def _check_resources(self, app: Any) -> None:
        from inventory_desktop import resources

        where = resources.resources_dir()
        if app.windowIcon().isNull():
            raise SelfTestFailed(f"the application icon was not found in {where}")
        if not app.styleSheet():
            raise SelfTestFailed(f"the style sheet was not found in {where}")
        say(f"resources: icon and style sheet from {where}")

    # -- step 1 and 2: the database ----------------------------------------------------

    def _prepare_database(self) -> str:
        from inventory_desktop.repository import Repository
        from inventory_desktop.repository.migrate import head_revision
        from inventory_desktop.repository.scratch import (
            create_scratch_database,
            may_create_databases,
        )

        started = time.monotonic()
        try:
            if self.url is None:
                from inventory_desktop.repository.standalone import StandaloneServer

                self._doing = "starting the standalone database"
                self.server = StandaloneServer(log=say)
                self.real_url = self.server.start()
                where = "standalone (this computer)"
            else:
                from inventory_desktop.credentials import with_saved_password
                from inventory_desktop.repository.engine import normalize_url, server_label

                self._doing = "reading the database URL"
                where = server_label(normalize_url(self.url))
                # As the app does: the keyring's password, in memory only (scratch URLs too).
                self.real_url = with_saved_password(normalize_url(self.url))
            self._doing = f"opening {where}"
            with Repository.connect(self.real_url, station=self.settings.station,
                                    migrate=False) as real:  # SchemaTooNew: the app refuses it
                revision = real.schema_revision
            say(f"database: {where}, opened in {time.monotonic() - started:.2f} s")
            head = head_revision()
            if revision == head:
                say(f"schema: at {head}, the newest this app knows")
            elif revision is None:
                say(f"schema: none yet (a new database); the app creates it ({head}) when it "
                    "first opens it")
            else:
                say(f"schema: at {revision}; the app upgrades it to {head} when it opens it "
                    "(the self-test does not)")
            if may_create_databases(self.real_url):
                self.scratch_url = create_scratch_database(self.real_url)
                say(f"scratch database {_database(self.scratch_url)} created; the real data "
                    "is not touched")
                return self.scratch_url
        except InventoryError as exc:
            raise SelfTestFailed(f"{self._doing}: {exc}") from None
        if revision != head:
            raise SelfTestFailed(
                f"this login may not create a scratch database, and {where} needs a schema "
                f"upgrade ({revision or 'none'} → {head}) that the self-test will not make to "
                "real data: run `inventory-desktop migrate` first"
            )
        self.read_only = True
        say("this login may not create databases: checking the real database read-only")
        return self.real_url

    # -- step 3 and 4: through the window's worker ---------------------------------------

    def _worker_state(self, state: str, detail: str) -> None:
        from inventory_desktop.ui.worker import CONNECTED, RECONNECTING

        if state == RECONNECTING:
            self._fail(f"lost the database while {self._doing}: {detail}")
        elif state == CONNECTED and self._doing == "connecting":
            what = "connected" if self.read_only else "connected and migrated the scratch database"
            say(f"{what} in {time.monotonic() - self._connect_started:.2f} s")
            self._check_title()
            if self.read_only:
                self._read_only_check()
            else:
                self._create_product()

    def _check_title(self) -> None:
        assert self.window is not None
        title = self.window.windowTitle()
        if "Inventory Desktop" not in title:
            raise SelfTestFailed(f"unexpected window title {title!r}")
        say(f"window title: {title}")

    def _create_product(self) -> None:
        sku = self._sku

        def create(repo: Any) -> Any:
            return repo.products.create(sku=sku, name="Self-test crate", price=Decimal("1.25"),
                                        stock_quantity=STOCK)

        self._call("creating a product", create, self._product_created)

    def _product_created(self, product: Any) -> None:
        assert self.window is not None
        self._wait_listed("products", self.window.products, product.id,
                          lambda: self._place_order(product))

    def _place_order(self, product: Any) -> None:
        def place(repo: Any) -> Any:
            order = repo.orders.create([(product.id, ORDERED)], client_token=uuid4())
            return order, repo.products.get(product.id)

        def placed(result: Any) -> None:
            order, after = result
            _expect(order.status == "pending", f"order {order.id} is {order.status}")
            _expect(order.total_amount == product.price * ORDERED,
                    f"order total {order.total_amount}, expected {product.price * ORDERED}")
            _expect(after.stock_quantity == STOCK - ORDERED,
                    f"stock {after.stock_quantity} after ordering {ORDERED} of {STOCK}")
            say(f"order {order.id} placed: stock {STOCK} → {after.stock_quantity}")
            self._cancel_order(order, product)

        self._call("placing an order", place, placed)

    def _cancel_order(self, order: Any, product: Any) -> None:
        def cancel(repo: Any) -> Any:
            cancelled = repo.orders.set_status(order.id, "cancelled")
            ledger = repo.stock_movements(product_id=product.id, limit=50)
            return cancelled, repo.products.get(product.id), ledger

        def cancelled(result: Any) -> None:
            done, after, ledger = result
            _expect(done.status == "cancelled", f"order {order.id} is {done.status}")
            _expect(after.stock_quantity == STOCK, f"stock {after.stock_quantity} after cancel")
            total = sum(m.delta for m in ledger.items)
            _expect(total == after.stock_quantity,
                    f"stock movements add up to {total}, stock is {after.stock_quantity}")
            say(f"order {order.id} cancelled: stock back to {after.stock_quantity} "
                f"({len(ledger.items)} movements in the ledger add up)")
            assert self.window is not None
            self._wait_listed("orders", self.window.orders, order.id, self._passed)

        self._call("cancelling the order", cancel, cancelled)

    def _read_only_check(self) -> None:
        def look(repo: Any) -> Any:
            return (repo.products.list(limit=1, offset=0).total,
                    repo.orders.list(limit=1, offset=0).total)

        def seen(totals: Any) -> None:
            say(f"read {totals[0]:,} products and {totals[1]:,} orders")
            self._wait_loaded("products", self.window.products)

        self._call("reading products and orders", look, seen)

    def _wait_loaded(self, what: str, view: Any) -> None:
        """Reload ``view`` (F5) and finish once its first page has arrived."""
        self._doing = f"waiting for the {what} window to load"

        def check() -> None:
            if view.model.total is not None:
                view.model.loaded.disconnect(guarded)
                say(f"the {what} window shows {view.model.rowCount():,} of "
                    f"{view.model.total:,} {what}")
                self._passed()

        guarded = self._guard(check)
        view.model.loaded.connect(guarded)
        view.reload()

    def _wait_listed(self, what: str, view: Any, key: int, then: Callable[[], None]) -> None:
        """Reload ``view`` (F5) and go on once its model shows the row ``key``."""
        model = view.model
        self._doing = f"waiting for the {what} window to list the new row"

        def check() -> None:
            if model.row_of(key) >= 0:
                model.loaded.disconnect(guarded)
                say(f"the {what} window lists it")
                then()

        guarded = self._guard(check)
        model.loaded.connect(guarded)
        view.reload()

    def _passed(self) -> None:
        from PySide6.QtWidgets import QApplication

        self._doing = "finishing"
        QApplication.exit(0)

    # -- plumbing ------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[Any], Any], then: Callable[[Any], None]) -> None:
        assert self.worker is not None
        self._doing = what
        self.worker.run(call, owner=self.window) \
            .success(self._guard(then)) \
            .failure(self._guard(lambda e: self._fail(f"{what}: {e}")))

    def _guard(self, fn: Callable[..., None]) -> Callable[..., None]:
        """A slot whose failure ends the self-test instead of opening the error dialog."""

        def slot(*args: Any) -> None:
            if self._failure is not None:
                return
            try:
                fn(*args)
            except SelfTestFailed as failure:
                self._fail(str(failure))
            except Exception as exc:
                log.debug("self-test step failed", exc_info=True)
                self._fail(f"while {self._doing}: unexpected {type(exc).__name__}: {exc}")

        return slot

    def _fail(self, why: str) -> None:
        from PySide6.QtWidgets import QApplication

        if self._failure is None:
            self._failure = why.splitlines()[0] if why else "failed"
        QApplication.exit(1)

    # -- step 5 --------------------------------------------------------------------------

    def clean_up(self) -> None:
        """Stop the worker, drop the scratch database, stop the server we started."""
        try:
            if self.window is not None:
                self.window.hide()  # not close(): that would save this layout as the clerk's
                live = getattr(self.window, "live", None)
                if live is not None:
                    live.stop()
            if self.worker is not None and not self.worker.stop(timeout_ms=10_000):
                log.warning("the database worker did not stop")
            if self.scratch_url is not None:
                from inventory_desktop.repository.scratch import drop_scratch_database

                drop_scratch_database(self.real_url, self.scratch_url)
                say(f"scratch database {_database(self.scratch_url)} dropped")
        except Exception as exc:
            print(f"inventory-desktop self-test: cleaning up failed: {exc}",
                  file=sys.stderr, flush=True)
        if self.server is not None:
            try:
                self.server.stop(only_if_unused=True)
            except Exception as exc:
                log.warning("stopping the standalone database failed: %s", exc)


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise SelfTestFailed(problem)


def _database(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).database or "?"


def _qt_message(kind: Any, _context: Any, message: str) -> None:
    """Qt's own chatter (offscreen warnings and the like) goes to the log, not the verdict."""
    from PySide6.QtCore import QtMsgType

    level = logging.WARNING if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) \
        else logging.DEBUG
    logging.getLogger("inventory_desktop.qt").log(level, "%s", message)
