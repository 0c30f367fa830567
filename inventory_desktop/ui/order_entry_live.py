"""Order entry sees live stock: a line another station just sold out is marked at once.

Without this the clerk would learn it only from the shortage message after Ctrl+Enter.
The draft's products are fetched again (one ``get_many``) whenever the listener announces a
newer version of one of them; the lines take the new stock and price, and the note next to
the product field says what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject

from inventory_desktop.domain.values import Product
from inventory_desktop.ui.live import Change, LiveUpdates, PendingFetch
from inventory_desktop.ui.order_entry_model import DraftLine, OrderLinesModel, format_money
from inventory_desktop.ui.worker import DatabaseWorker


class LiveStock(QObject):
    def __init__(
        self,
        worker: DatabaseWorker,
        live: LiveUpdates,
        model: OrderLinesModel,
        note: Callable[[str, bool], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._note = note
        self._fetch = PendingFetch(
            worker, lambda ids: lambda repo: repo.products.get_many(ids), self._fresh, self)
        live.changed.connect(self._on_change)

    def _on_change(self, change: Change) -> None:
        if change.table != "products":
            return
        versions = {line.product.id: line.product.version for line in self._model.lines()}
        if change.rows is None:
            self._fetch.add(versions)
        else:
            self._fetch.add(i for i, v in change.rows if v > versions.get(i, v))

    def _fresh(self, products: list[Product]) -> None:
        words = [w for before, after in self._model.refresh_products(products)
                 if (w := _what_changed(before, after))]
        if words:
            problem = any(line.problem for line in self._model.lines())
            self._note(" · ".join(words), problem)


def _what_changed(before: DraftLine, after: DraftLine) -> str:
    sku = after.product.sku
    if after.problem and (after.problem != before.problem or after.available != before.available):
        if after.available <= 0:
            return QCoreApplication.translate(
                "LiveStock", "{} was just sold out at another station").format(sku)
        return QCoreApplication.translate(
            "LiveStock", "{}: {} now — another station took stock").format(sku, after.problem)
    if before.problem and not after.problem:
        return QCoreApplication.translate(
            "LiveStock", "{} is available again ({:,} in stock)").format(sku, after.available)
    if after.product.price != before.product.price:
        return QCoreApplication.translate(
            "LiveStock", "{}'s price changed at another station: {} → {}").format(
            sku, format_money(before.product.price), format_money(after.product.price))
    return ""
