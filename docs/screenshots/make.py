"""Take the README's screenshots of the real app, driven from the keyboard like a clerk would.

    .venv/bin/python docs/screenshots/make.py            # writes docs/screenshots/*.png
    .venv/bin/python docs/screenshots/make.py --keep     # ...and leaves the windows for a look

What it does, all of it undone at exit (Ctrl+C too):

1. starts a virtual X server (``Xvfb``, a free display number) unless ``--display`` names one;
2. starts a private PostgreSQL (the app's own ``StandaloneServer``) in a temp dir under /tmp,
   and seeds a small warehouse: ~60 products (some sold out, some low on stock), a dozen
   orders from stations DOCK-1 and DOCK-2 in mixed states, placed early this morning;
3. builds the main window exactly as ``inventory-desktop`` does (``app.build``), as station
   DOCK-1, and drives it with key presses: Ctrl+2, Ctrl+N, SKUs and Enter, Ctrl+Enter, F1 …
4. grabs each window from the screen into ``docs/screenshots/NN-name.png``; with
   ``pngquant``/``optipng`` on the PATH the files are squeezed (optional).

Needs (Debian): ``xvfb libxcb-icccm4 libxcb-keysyms1`` (the rest of Qt's xcb libraries come
with most desktops) and a font such as ``fonts-dejavu-core``; optional: ``openbox`` (title
bars on the windows), ``pngquant`` and ``optipng`` (smaller files). Settings and the window
layout live in the temp dir, so a clerk's own settings are never read or written.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCREEN = (1400, 900)
STATION = "DOCK-1"
LOW_STOCK = 5  # the app's default threshold
WINDOW_MANAGER = False  # True once openbox runs (windows then have title bars)

# sku, name, price, stock left after the seeded orders
PRODUCTS: list[tuple[str, str, str, int]] = [
    ("BAG-MAIL-A3", "Poly mailer bag A3, grey, 100 pcs", "13.50", 85),
    ("BAG-MAIL-A4", "Poly mailer bag A4, grey, 100 pcs", "9.80", 140),
    ("BAG-ZIP-100", "Zip bag 100×150 mm, clear, 1,000 pcs", "21.90", 4),
    ("BIN-L-GRY", "Stacking bin large 500×300×200 mm, grey", "11.40", 36),
    ("BIN-M-BLU", "Stacking bin medium 350×210×200 mm, blue", "6.90", 3),
    ("BIN-S-BLU", "Stacking bin small 160×100×75 mm, blue", "2.45", 220),
    ("BOX-300-SW", "Carton 305×215×150 mm, single wall, 25 pcs", "18.75", 60),
    ("BOX-400-SW", "Carton 400×300×300 mm, single wall, 25 pcs", "24.20", 48),
    ("BOX-600-DW", "Carton 600×400×400 mm, double wall, 10 pcs", "29.90", 0),
    ("BOX-MAILER-A4", "Die-cut mailer box A4, white, 50 pcs", "39.00", 27),
    ("BOX-MOVE-XL", "Moving box XL 650×350×450 mm, 10 pcs", "34.50", 12),
    ("CRN-35-1200", "Edge protector 35×35×1200 mm, 100 pcs", "42.00", 18),
    ("CRN-50-1600", "Edge protector 50×50×1600 mm, 50 pcs", "38.60", 2),
    ("CT-100-BLK", "Cable ties 2.5×100 mm, black, 100 pcs", "1.95", 530),
    ("CT-200-NAT", "Cable ties 3.6×200 mm, natural, 100 pcs", "3.40", 410),
    ("CT-300-BLK", "Cable ties 4.8×300 mm, black, UV resistant, 100 pcs", "6.80", 0),
    ("CT-REL-250", "Releasable cable ties 7.6×250 mm, 100 pcs", "12.90", 75),
    ("CT-SS-360", "Stainless steel cable ties 4.6×360 mm, 100 pcs", "24.50", 9),
    ("CUT-18-PRO", "Box cutter 18 mm, auto-retracting blade", "7.95", 64),
    ("CUT-BLD-18", "Snap-off blades 18 mm, 10 pcs", "2.60", 5),
    ("CUT-SAFE-01", "Safety cutter with concealed blade", "12.40", 31),
    ("FOAM-ROLL-500", "Foam roll 2 mm × 500 mm × 100 m", "27.80", 15),
    ("GLV-NIT-L", "Nitrile gloves, size L, 100 pcs", "8.90", 0),
    ("GLV-NIT-M", "Nitrile gloves, size M, 100 pcs", "8.90", 120),
    ("GLV-WORK-9", "Work gloves, PU-coated, size 9, 12 pairs", "19.20", 44),
    ("HV-VEST-L", "Hi-vis vest EN ISO 20471, yellow, L", "4.75", 58),
    ("HV-VEST-XL", "Hi-vis vest EN ISO 20471, yellow, XL", "4.75", 7),
    ("LAD-STEP-3", "Step ladder, 3 steps, aluminium", "59.90", 13),
    ("LBL-100X150", "Thermal labels 100×150 mm, 500 per roll", "11.30", 260),
    ("LBL-FRAGILE", "Warning labels “FRAGILE”, 500 per roll", "6.40", 33),
    ("LBL-LOC-BAR", "Rack location labels with barcode, magnetic, 50 pcs", "45.00", 3),
    ("LBL-PRN-4IN", "Thermal label printer 4 inch, USB/LAN", "389.00", 2),
    ("MRK-CHALK-W", "Liquid chalk marker, white, 6 pcs", "14.20", 22),
    ("MRK-PERM-BLK", "Permanent marker, chisel tip, black, 12 pcs", "10.80", 90),
    ("PAL-COLLAR", "Pallet collar 1200×800 mm, hinged, 200 mm high", "16.50", 40),
    ("PAL-EUR-1200", "Euro pallet 1200×800 mm, EPAL, heat-treated", "14.90", 180),
    ("PAL-HALF-800", "Half pallet 800×600 mm, wood", "9.60", 0),
    ("PAL-IND-1200", "Industrial pallet 1200×1000 mm, wood", "18.40", 64),
    ("PAL-JACK-2T", "Hand pallet truck 2,000 kg, 1150 mm forks", "329.00", 3),
    ("PAL-PL-1200", "Plastic pallet 1200×800 mm, nestable", "46.00", 12),
    ("SCAN-BT-01", "Barcode scanner, Bluetooth, 1D/2D", "149.00", 6),
    ("SCAN-CRADLE", "Charging cradle for SCAN-BT-01", "39.00", 11),
    ("STR-PET-16", "PET strapping 16 mm × 1,000 m, green", "49.90", 1),
    ("STR-PP-12", "PP strapping 12 mm × 3,000 m, black", "28.50", 26),
    ("STR-SEAL-12", "Strapping seals 12 mm, 1,000 pcs", "17.60", 14),
    ("STR-TOOL-01", "Strapping tensioner for PP/PET up to 19 mm", "89.00", 4),
    ("SW-DISP-500", "Stretch film dispenser, hand-held, 500 mm", "21.50", 19),
    ("SW-HAND-500", "Stretch film 500 mm × 300 m, 23 µm, hand roll", "12.60", 8),
    ("SW-MACH-500", "Stretch film 500 mm × 1,500 m, machine roll", "38.90", 70),
    ("SW-SHRINK-1500", "Shrink hood film 1500 mm × 100 m, 100 µm", "154.00", 6),
    ("TAPE-FLOOR-Y", "Floor marking tape 50 mm × 33 m, yellow", "9.90", 0),
    ("TAPE-GUN-50", "Tape dispenser gun 50 mm, with brake", "11.70", 23),
    ("TAPE-PP-48", "Packing tape 48 mm × 66 m, brown, 6 rolls", "8.40", 300),
    ("TAPE-PP-50C", "Packing tape 50 mm × 66 m, clear, 36 rolls", "44.90", 52),
    ("TAPE-PRINT-FR", "Printed tape “FRAGILE” 48 mm × 66 m", "3.20", 95),
    ("TRK-PLAT-300", "Platform trolley 300 kg, folding handle", "119.00", 9),
    ("TRK-SACK-250", "Sack truck 250 kg, pneumatic wheels", "74.50", 0),
    ("VOID-AIR-200", "Air pillows 200×100 mm, one roll of 800", "29.50", 16),
    ("VOID-PAPER-10", "Kraft void-fill paper, 10 kg box", "24.00", 37),
    ("VOID-PEANUT", "Loose-fill chips, 500 l bag", "31.00", 2),
]

# station, final status, minutes after 05:40 this morning, lines
ORDERS: list[tuple[str, str, int, list[tuple[str, int]]]] = [
    ("DOCK-1", "shipped", 0, [("PAL-EUR-1200", 20), ("SW-MACH-500", 4), ("CRN-35-1200", 2)]),
    ("DOCK-2", "shipped", 6, [("TAPE-PP-48", 12), ("BOX-400-SW", 6)]),
    ("DOCK-1", "cancelled", 9, [("GLV-NIT-M", 10)]),
    ("DOCK-2", "shipped", 14, [("CT-200-NAT", 5), ("CT-100-BLK", 10), ("LBL-100X150", 8)]),
    ("DOCK-1", "pending", 21, [("PAL-IND-1200", 6), ("STR-PP-12", 1), ("STR-SEAL-12", 2)]),
    ("DOCK-2", "shipped", 25, [("HV-VEST-L", 4), ("HV-VEST-XL", 2)]),
    ("DOCK-1", "pending", 33, [("BOX-300-SW", 4), ("TAPE-PP-48", 6), ("VOID-PAPER-10", 2),
                               ("LBL-FRAGILE", 3), ("BAG-MAIL-A4", 5)]),
    ("DOCK-2", "cancelled", 38, [("PAL-PL-1200", 10)]),
    ("DOCK-1", "pending", 44, [("CUT-18-PRO", 6), ("CUT-SAFE-01", 4)]),
    ("DOCK-2", "pending", 52, [("SCAN-BT-01", 2), ("SCAN-CRADLE", 2)]),
    ("DOCK-1", "pending", 58, [("PAL-EUR-1200", 40), ("PAL-COLLAR", 12), ("CRN-50-1600", 1)]),
    ("DOCK-2", "pending", 66, [("MRK-PERM-BLK", 2), ("MRK-CHALK-W", 1), ("GLV-WORK-9", 3)]),
]
DETAIL_ORDER = 7  # the order whose lines the Orders screenshot shows (5 lines, pending)

# The shortage: the clerk at DOCK-1 enters two lines; DOCK-2 takes the stretch film meanwhile.
ENTRY_LINES = [("PAL-EUR-1200", 10), ("sw-hand-500", 6)]  # typed as a scanner would, any case
TAKEN_MEANWHILE = ("SW-HAND-500", 5)


# -- the machinery: display, database, clean-up ---------------------------------------------

class Session:
    """Everything started here, stopped in reverse order at exit whatever happens."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="inventory-screenshots-", dir="/tmp"))
        self.tmp.chmod(0o755)  # as root the server runs as `nobody`, which must reach its data
        self._undo: list[tuple[str, Callable[[], object]]] = []
        self._done = False
        atexit.register(self.close)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def on_close(self, what: str, fn: Callable[[], object]) -> None:
        self._undo.append((what, fn))

    def _on_signal(self, signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    def close(self) -> None:
        if self._done:
            return
        self._done = True
        for what, fn in reversed(self._undo):
            try:
                fn()
            except Exception as exc:  # keep cleaning up
                print(f"cleanup: {what} failed: {exc}", file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_xvfb(session: Session) -> str:
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        sys.exit("Xvfb is not installed: apt-get install xvfb libxcb-icccm4 libxcb-keysyms1")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp", "-dpi", "96"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    session.on_close("Xvfb", stop)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb writes the display number once it is ready
    if not number:
        sys.exit("Xvfb did not start")
    return f":{number}"


def start_window_manager(session: Session) -> None:
    """Title bars, as a clerk sees the windows ("New order", "Receive stock — …"). Optional:
    without openbox the pictures are the same, minus the titles."""
    openbox = shutil.which("openbox")
    if openbox is None:
        print("(no openbox: windows without title bars; apt-get install openbox adds them)")
        return
    config = session.tmp / "openbox-rc.xml"
    config.write_text(OPENBOX_RC, encoding="utf-8")
    proc = subprocess.Popen([openbox, "--sm-disable", "--config-file", str(config)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop() -> None:
        proc.terminate()
        proc.wait(5)

    session.on_close("openbox", stop)
    global WINDOW_MANAGER
    WINDOW_MANAGER = True
    time.sleep(0.8)  # it takes the screen over in well under this


# No desktop menus, no window-placement surprises: dialogs centred over their window.
OPENBOX_RC = """<?xml version="1.0" encoding="UTF-8"?>
<openbox_config xmlns="http://openbox.org/3.4/rc">
  <focus><focusNew>yes</focusNew><followMouse>no</followMouse></focus>
  <placement><policy>Smart</policy><center>yes</center></placement>
  <theme><name>Clearlooks</name><titleLayout>LIMC</titleLayout></theme>
  <desktops><number>1</number></desktops>
</openbox_config>
"""


def start_database(session: Session) -> str:
    from inventory_desktop.repository.standalone import StandaloneServer

    server = StandaloneServer(session.tmp / "standalone", settings={"fsync": "off"},
                              log=lambda _m: None)
    session.on_close("PostgreSQL", server.stop)
    return server.start()


def seed(url: str) -> None:
    """The warehouse at 6 a.m.: products, and a dozen orders from two loading docks."""
    import psycopg
    from sqlalchemy.engine import make_url

    from inventory_desktop.repository import Repository

    ordered: dict[str, int] = {}
    for _station, status, _minute, lines in ORDERS:
        if status != "cancelled":
            for sku, qty in lines:
                ordered[sku] = ordered.get(sku, 0) + qty
    ids: dict[str, int] = {}
    docks: dict[str, Repository] = {}
    try:
        for station in ("DOCK-1", "DOCK-2"):
            docks[station] = Repository.connect(url, station=station, migrate=station == "DOCK-1")
        office = docks["DOCK-1"]
        for sku, name, price, left in PRODUCTS:
            p = office.products.create(sku=sku, name=name, price=Decimal(price),
                                       stock_quantity=left + ordered.get(sku, 0))
            ids[sku] = p.id
        order_ids = []
        for station, status, _minute, lines in ORDERS:
            repo = docks[station]
            order = repo.orders.create([(ids[s], q) for s, q in lines])
            if status != "pending":
                repo.orders.set_status(order.id, status)
            order_ids.append(order.id)
    finally:
        for repo in docks.values():
            repo.close()

    # Spread the times over the morning (and the products' last changes over recent weeks),
    # as a real day would have them; the repository API stamps everything "now".
    parsed = make_url(url)
    start = datetime.now().astimezone().replace(hour=5, minute=40, second=0, microsecond=0)
    rnd = random.Random(4)
    with psycopg.connect(dbname=parsed.database, user=parsed.username,
                         host=parsed.query["host"], autocommit=True) as conn:
        for order_id, (_station, status, minute, _lines) in zip(order_ids, ORDERS, strict=True):
            placed = start + timedelta(minutes=minute)
            changed = placed + timedelta(minutes=rnd.randint(8, 25)) if status != "pending" \
                else placed
            conn.execute("UPDATE orders SET created_at = %s, updated_at = %s WHERE id = %s",
                         (placed, changed, order_id))
        for product_id in ids.values():
            conn.execute(
                "UPDATE products SET updated_at = %s WHERE id = %s",
                (start - timedelta(days=rnd.randint(1, 40), minutes=rnd.randint(0, 600)),
                 product_id))


# -- driving the windows --------------------------------------------------------------------

def wait_until(cond: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    from PySide6.QtTest import QTest

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        QTest.qWait(20)


def settle(ms: int = 250) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)


def active(window) -> None:  # noqa: ANN001
    """Under Xvfb with no window manager a window is active only once X says so."""
    from PySide6.QtWidgets import QApplication

    window.activateWindow()
    what = window.windowTitle() or window.objectName()
    wait_until(lambda: QApplication.activeWindow() is window, f"{what} to become active")
    if WINDOW_MANAGER:  # its frame (the title bar) comes a moment after the window
        try:
            wait_until(lambda: window.frameGeometry().height() > window.geometry().height(),
                       f"the title bar of {what}", timeout=3)
        except TimeoutError:  # Qt missed the frame's size: the picture has no title bar
            print(f"  ({what}: no title bar known, taking the window alone)")


def gone(widget) -> bool:  # noqa: ANN001
    """Closed (dialogs here delete themselves on close)."""
    import shiboken6

    return not shiboken6.isValid(widget) or not widget.isVisible()


def key(k, modifier=None, times: int = 1) -> None:  # noqa: ANN001
    """One key press to whatever has the keyboard focus, as the clerk's keyboard would."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    for _ in range(times):  # an open popup (the suggestions) has the keyboard, as on a screen
        target = (QApplication.activePopupWidget() or QApplication.focusWidget()
                  or QApplication.activeWindow())
        QTest.keyClick(target, k, modifier or Qt.KeyboardModifier.NoModifier)
        QTest.qWait(40)


def type_text(text: str) -> None:
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QTest.keyClicks(QApplication.focusWidget(), text, delay=15)
    QTest.qWait(40)


def snap(window, name: str, out: Path) -> Path:  # noqa: ANN001
    """The window as it is on the screen (popups over it included)."""
    settle(300)
    geometry = window.frameGeometry()
    screen = window.screen()
    pixmap = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height())
    path = out / f"{name}.png"
    if not pixmap.save(str(path), "PNG"):
        raise RuntimeError(f"could not write {path}")
    print(f"  {path.name}: {pixmap.width()}×{pixmap.height()}")
    return path


def squeeze(paths: list[Path]) -> None:
    """Make the PNGs small when the tools are there (both optional, both from apt)."""
    if shutil.which("pngquant"):
        for p in paths:
            subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality=80-100",
                            "--speed=1", "--ext", ".png", str(p)], check=False)
    if shutil.which("optipng"):
        subprocess.run(["optipng", "-quiet", "-o2", *map(str, paths)], check=False)


def take(url: str, out: Path, keep: bool) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    from inventory_desktop import app as app_module
    from inventory_desktop.config import Settings
    from inventory_desktop.repository import Repository
    from inventory_desktop.ui.worker import CONNECTED

    K, Mod = Qt.Key, Qt.KeyboardModifier
    qapp = app_module.create_application([sys.argv[0]])
    settings = Settings(station=STATION, low_stock_threshold=LOW_STOCK)
    window, worker, _server = app_module.build(url, settings)  # the app's own wiring
    shots: list[Path] = []
    try:
        worker.start()
        window.show()
        active(window)
        wait_until(lambda: worker.state == CONNECTED, "the database connection")
        wait_until(lambda: window.products.model.rowCount() > 0, "the products list")
        wait_until(lambda: window.orders.model.rowCount() > 0, "the orders list")

        # 1. Products: the list as it opens; the clerk arrows down to a sold-out carton.
        key(K.Key_1, Mod.ControlModifier)
        key(K.Key_Down, times=8)
        shots.append(snap(window, "01-products", out))

        # 2. Orders: Ctrl+2, down to an order with several lines; its lines show below.
        key(K.Key_2, Mod.ControlModifier)
        key(K.Key_Down, times=len(ORDERS) - DETAIL_ORDER)
        wanted = window.orders.current_order().id
        wait_until(lambda: window.orders.lines.order is not None
                   and window.orders.lines.order.id == wanted, "the order's lines")
        wait_until(lambda: not window.busy_label.isVisible(), "the worker to be idle")
        shots.append(snap(window, "02-orders", out))

        # 3. Order entry: two lines scanned; another dock takes the stretch film meanwhile.
        key(K.Key_N, Mod.ControlModifier)
        wait_until(lambda: window.order_entry is not None, "order entry")
        entry = window.order_entry
        active(entry)
        type_text("cable ti")  # part of a name: the server's suggestions drop down
        wait_until(lambda: entry.search.popup_visible(), "the suggestions")
        key(K.Key_Down, times=2)
        shots.append(snap(entry, "03-order-entry-suggestions", out))
        key(K.Key_A, Mod.ControlModifier)  # the clerk changes their mind: clear the field
        key(K.Key_Backspace)
        wait_until(lambda: not entry.search.popup_visible(), "the suggestions to close")
        for sku, qty in ENTRY_LINES:
            type_text(sku)
            key(K.Key_Return)
            wait_until(lambda: entry.form.quantity_field.hasFocus(), "the quantity field")
            type_text(str(qty))
            before = entry.model.rowCount()
            key(K.Key_Return)
            wait_until(lambda b=before: entry.model.rowCount() > b, f"the line for {sku}")
        with Repository.connect(url, station="DOCK-2", migrate=False) as dock2:
            sku, qty = TAKEN_MEANWHILE
            dock2.orders.create([(dock2.products.get_by_sku(sku).id, qty)])
        key(K.Key_Return, Mod.ControlModifier)
        wait_until(lambda: entry.model.problem_lines(), "the shortage")
        shots.append(snap(entry, "04-order-entry-shortage", out))

        # Esc, then Discard: the clerk gives this one up (the box asks first).
        key(K.Key_Escape)
        wait_until(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox)
                   or entry._confirm is not None, "the close question")
        box = entry._confirm
        active(box)
        key(K.Key_D, Mod.AltModifier)
        wait_until(lambda: window.order_entry is None, "order entry to close")
        active(window)

        # 5. New product: a SKU that exists already (the server says so, next to the SKU),
        #    then a price typed with the letter O for a zero (caught as it is typed).
        key(K.Key_1, Mod.ControlModifier)
        key(K.Key_N, Mod.ControlModifier | Mod.ShiftModifier)
        dialog = window.products.dialog
        active(dialog)
        type_text("pal-eur-1200")
        key(K.Key_Tab)
        type_text("Euro pallet 1200×800 mm, grade B (used)")
        key(K.Key_Tab)
        type_text("7.50")
        key(K.Key_Tab)
        type_text("40")
        key(K.Key_Return)  # Save
        wait_until(lambda: dialog.fields["sku"].error.isVisible(), "the duplicate-SKU error")
        key(K.Key_P, Mod.AltModifier)
        key(K.Key_A, Mod.ControlModifier)
        type_text("7.5O")
        shots.append(snap(dialog, "05-new-product-error", out))
        key(K.Key_Escape)
        wait_until(lambda: gone(dialog), "the new-product dialog to close")
        active(window)

        # 6. F1: every shortcut.
        key(K.Key_F1)
        sheet = window.sheet
        active(sheet)
        shots.append(snap(sheet, "06-shortcuts", out))
        key(K.Key_Escape)
        active(window)

        # 7. Receive stock on the stretch film that just ran short: Ctrl+F, scan, Ctrl+R.
        key(K.Key_F, Mod.ControlModifier)
        type_text("SW-HAND-500")
        key(K.Key_Return)
        wait_until(lambda: window.products.model.rowCount() == 1
                   and window.products.current_product() is not None, "the search")
        key(K.Key_R, Mod.ControlModifier)
        dialog = window.products.dialog
        active(dialog)
        type_text("24")
        shots.append(snap(dialog, "07-receive-stock", out))
        if not keep:
            key(K.Key_Escape)

        if keep:
            print("Windows left open (--keep); close the main window to finish.")
            qapp.exec()
    finally:
        window.close()
        live = getattr(window, "live", None)  # the change listener, where the app has one
        if live is not None:
            live.stop()
        app_module.shutdown(worker, None)
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="where the PNGs go")
    parser.add_argument("--display", help="use this X display instead of starting Xvfb")
    parser.add_argument("--no-wm", action="store_true", help="no window manager (no titles)")
    parser.add_argument("--keep", action="store_true", help="leave the windows open at the end")
    args = parser.parse_args()

    session = Session()
    os.environ["INVENTORY_CONFIG_DIR"] = str(session.tmp / "config")  # no clerk's settings
    os.environ["INVENTORY_DATA_DIR"] = str(session.tmp / "data")
    os.environ.pop("INVENTORY_DATABASE_URL", None)
    os.environ["DISPLAY"] = args.display or start_xvfb(session)
    if not args.display and not args.no_wm:
        start_window_manager(session)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ.setdefault("INVENTORY_COLOR_SCHEME", "light")  # the same pictures on any desktop
    print(f"display {os.environ['DISPLAY']}, temp dir {session.tmp}")

    url = start_database(session)
    seed(url)
    args.out.mkdir(parents=True, exist_ok=True)
    shots = take(url, args.out, args.keep)
    squeeze(shots)
    for p in shots:
        print(f"{p.name}: {p.stat().st_size // 1024} KB")
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
