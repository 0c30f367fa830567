"""Property-based tests against the real database (hypothesis).

Bad input of every kind is a ValidationError naming the field, and nothing is stored; good
input is stored exactly as normalised; a random sequence of operations keeps every product's
ledger exact. Examples are bounded (the database is real); the pure rules are tested far more
widely, without a database, in tests/unit/test_validation.py.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from dbcheck import assert_ledger_consistent, assert_typed, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from inventory_desktop.errors import (
    DuplicateSku,
    InsufficientStock,
    InvalidTransition,
    ValidationError,
)

pytestmark = pytest.mark.db

DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the checkout
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SKU_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
INJECTIONS = [
    "'; DROP TABLE products; --",
    "' OR '1'='1",
    "\"; DELETE FROM orders; --",
    "%' OR 1=1 --",
    "1); TRUNCATE stock_movements; --",
    "$$; DROP TABLE products; $$",
    "\\'",
    "E'\\x00'",
]
NOT_TEXT = st.one_of(
    st.none(), st.integers(), st.floats(allow_nan=True), st.binary(max_size=5),
    st.booleans(), st.lists(st.text(max_size=2), max_size=2), st.decimals(allow_nan=False),
)
SURROGATE = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)


def delete_everything(raw_conn) -> None:
    raw_conn.execute("DELETE FROM stock_movements")
    raw_conn.execute("DELETE FROM order_items")
    raw_conn.execute("DELETE FROM orders")
    raw_conn.execute("DELETE FROM products")


def refused(raw_conn, call, field: str) -> None:
    before = snapshot(raw_conn)
    with pytest.raises(ValidationError) as info:
        call()
    assert_typed(info.value)
    assert info.value.field == field, (info.value.field, info.value)
    assert snapshot(raw_conn) == before


# --- names -------------------------------------------------------------------------------------

bad_names = st.one_of(
    st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u2003\u3000", max_size=20),  # blank
    st.text(min_size=201, max_size=240).filter(lambda s: len(s.strip()) > 200),
    st.tuples(st.text(max_size=20), st.text(max_size=20)).map(lambda t: f"x{t[0]}\x00{t[1]}"),
    st.tuples(st.text(max_size=20), SURROGATE).map(lambda t: f"x{t[0]}{t[1]}"),
    NOT_TEXT,
)


@DB_SETTINGS
@given(name=bad_names)
def test_bad_names_are_refused_and_nothing_stored(repo, raw_conn, name):
    refused(
        raw_conn, lambda: repo.products.create(sku="N-1", name=name, price=Decimal("1")), "name"
    )


good_names = st.one_of(
    st.text(
        min_size=1, max_size=200, alphabet=st.characters(exclude_categories=("Cc", "Cs"))
    ).filter(lambda s: s.strip()),
    st.sampled_from(INJECTIONS),
    st.text(alphabet="äöüßéèçñ漢字🙂ÅΩЖ", min_size=1, max_size=200),
    st.integers(1, 200).map(lambda n: "  " + "n" * n + "  "),
)


@DB_SETTINGS
@given(name=good_names)
def test_good_names_are_stored_trimmed(repo, raw_conn, name):
    delete_everything(raw_conn)
    p = repo.products.create(sku="N-1", name=name, price=Decimal("1"))
    assert p.name == name.strip()
    assert raw_conn.execute("SELECT name FROM products WHERE id = %s", (p.id,)).fetchone()[0] == (
        name.strip()
    )
    assert repo.products.get(p.id).name == name.strip()
    assert raw_conn.execute("SELECT count(*) FROM products").fetchone()[0] == 1


# --- SKUs --------------------------------------------------------------------------------------

bad_skus = st.one_of(
    st.text(max_size=80).filter(lambda s: not SKU_RE.fullmatch(s.strip())),
    st.sampled_from(INJECTIONS),
    st.text(alphabet="ÄÖÜäöüé漢字🙂 /\\'\"%;,:*", min_size=1, max_size=10).map(lambda s: "A" + s),
    st.integers(65, 5000).map(lambda n: "S" * n),  # huge
    st.tuples(st.text(max_size=5), SURROGATE).map(lambda t: "A" + t[0] + t[1]),
    NOT_TEXT,
)


@DB_SETTINGS
@given(sku=bad_skus)
def test_bad_skus_are_refused_and_nothing_stored(repo, raw_conn, sku):
    refused(raw_conn, lambda: repo.products.create(sku=sku, name="n", price=Decimal("1")), "sku")


@DB_SETTINGS
@given(sku=st.from_regex(SKU_RE, fullmatch=True))
def test_good_skus_are_stored_and_unique_in_any_case(repo, raw_conn, sku):
    delete_everything(raw_conn)
    p = repo.products.create(sku=sku, name="n", price=Decimal("1"))
    assert p.sku == sku
    assert repo.products.get_by_sku(sku.swapcase()).id == p.id
    before = snapshot(raw_conn)
    with pytest.raises(DuplicateSku) as info:
        repo.products.create(sku=sku.swapcase(), name="other", price=Decimal("1"))
    assert info.value.sku.lower() == sku.lower()
    assert snapshot(raw_conn) == before


# --- prices ------------------------------------------------------------------------------------

bad_prices = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),  # every float, even 1.0
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity")]),
    st.decimals(max_value=Decimal("-0.01"), allow_nan=False, allow_infinity=False),
    st.decimals(min_value=Decimal("1000000000.01"), allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False).filter(
        lambda d: d != d.quantize(Decimal("0.01"))
    ),
    st.text(alphabet="abcxyz!?$€ ", min_size=0, max_size=8),
    st.sampled_from(["NaN", "inf", "-1", "1e10", "0.001", "12.345", "1,2,3", "--1"]),
    st.none(), st.booleans(), st.lists(st.integers(), max_size=2),
)


@DB_SETTINGS
@given(price=bad_prices)
def test_bad_prices_are_refused_and_nothing_stored(repo, raw_conn, price):
    refused(raw_conn, lambda: repo.products.create(sku="P-1", name="p", price=price), "price")


@DB_SETTINGS
@given(price=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_good_prices_are_stored_exactly(repo, raw_conn, price):
    delete_everything(raw_conn)
    p = repo.products.create(sku="P-1", name="p", price=price)
    assert p.price == price and isinstance(p.price, Decimal)
    stored = raw_conn.execute("SELECT price FROM products").fetchone()[0]
    assert stored == price
    # And an order keeps it to the cent.
    repo.products.adjust_stock(p.id, 3, reason="r")
    order = repo.orders.create([(p.id, 3)])
    assert order.items[0].price_at_time == price
    assert order.total_amount == price * 3


# --- quantities --------------------------------------------------------------------------------

bad_quantities = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=1_000_001),
    st.booleans(),
    st.floats(allow_nan=True),
    st.text(alphabet="abc xyz.,-+e", max_size=6),  # no digits: never a number
    st.sampled_from(["0", "-1", "1000001", "1e3", "1.5", "", " ", "NaN", "1_000"]),
    st.decimals(allow_nan=True),
    st.none(),
)


@pytest.fixture
def one_product(repo):
    return repo.products.create(sku="Q-1", name="q", price=Decimal("1"), stock_quantity=5)


@DB_SETTINGS
@given(quantity=bad_quantities)
def test_bad_order_quantities_are_refused_and_nothing_stored(repo, raw_conn, one_product, quantity):
    refused(raw_conn, lambda: repo.orders.create([(one_product.id, quantity)]), "lines[0].quantity")


@DB_SETTINGS
@given(delta=st.one_of(st.just(0), st.integers(min_value=2**31), st.integers(max_value=-(2**31)),
                       st.booleans(), st.floats(), st.none(), st.text(alphabet="xyz", max_size=3)))
def test_bad_stock_deltas_are_refused_and_nothing_stored(repo, raw_conn, one_product, delta):
    refused(
        raw_conn, lambda: repo.products.adjust_stock(one_product.id, delta, reason="r"), "delta"
    )


@DB_SETTINGS
@given(quantity=st.integers(min_value=6, max_value=1_000_000))
def test_more_than_the_stock_is_insufficient_and_nothing_stored(
    repo, raw_conn, one_product, quantity
):
    before = snapshot(raw_conn)
    with pytest.raises(InsufficientStock) as info:
        repo.orders.create([(one_product.id, quantity)])
    assert [(s.product_id, s.requested, s.available) for s in info.value.shortages] == [
        (one_product.id, quantity, 5)
    ]
    assert snapshot(raw_conn) == before


# --- search ------------------------------------------------------------------------------------

CATALOGUE = [
    ("WID-1", "Widget small"),
    ("wid_2", "Widget 50% off"),
    ("ABC.1", "under_score"),
    ("A_B", "back\\slash"),
    ("QUOTE", "it's here"),
    ("X-9", "Plain"),
]


@pytest.fixture
def catalogue(repo):
    for sku, name in CATALOGUE:
        repo.products.create(sku=sku, name=name, price=Decimal("1"))


@DB_SETTINGS
@given(search=st.text(alphabet="aAbBcCdDwWiI_-.%\\' 15", max_size=6))
def test_search_matches_sku_prefix_or_name_substring_literally(repo, catalogue, search):
    wanted = search.strip().lower()
    expected = sorted(
        sku for sku, name in CATALOGUE
        if not wanted or sku.lower().startswith(wanted) or wanted in name.lower()
    )
    page = repo.products.list(search=search, limit=100)
    assert sorted(p.sku for p in page.items) == expected
    assert page.total == len(expected)


# --- a random session, checked against a model -------------------------------------------------


class InventorySession(RuleBasedStateMachine):
    """Random products, adjustments, orders, price changes, ships and cancels, one station.

    The model tracks stock, prices and orders; after every step the database must agree and
    every product's movements must sum to its stock.
    """

    repo = None
    raw = None
    products = Bundle("products")
    orders = Bundle("orders")

    @initialize()
    def reset(self) -> None:
        delete_everything(self.raw)
        self.stock: dict[int, int] = {}
        self.price: dict[int, Decimal] = {}
        self.order_lines: dict[int, list[tuple[int, int, Decimal]]] = {}
        self.status: dict[int, str] = {}
        self.counter = 0

    @rule(target=products, stock=st.integers(0, 20),
          price=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False))
    def create_product(self, stock, price):
        self.counter += 1
        p = self.repo.products.create(sku=f"S-{self.counter}", name="p", price=price,
                                      stock_quantity=stock)
        self.stock[p.id] = stock
        self.price[p.id] = price
        return p.id

    @rule(pid=products, delta=st.integers(-25, 25).filter(bool))
    def adjust(self, pid, delta):
        if self.stock[pid] + delta < 0:
            with pytest.raises(ValidationError) as info:
                self.repo.products.adjust_stock(pid, delta, reason="count")
            assert info.value.field == "delta"
        else:
            p = self.repo.products.adjust_stock(pid, delta, reason="count")
            self.stock[pid] += delta
            assert p.stock_quantity == self.stock[pid]

    @rule(pid=products, price=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False))
    def reprice(self, pid, price):
        current = self.repo.products.get(pid)
        self.repo.products.update(pid, expected_version=current.version, price=price)
        self.price[pid] = price

    @precondition(lambda self: self.stock)
    @rule(target=orders, data=st.data())
    def place(self, data):
        pids = data.draw(st.lists(st.sampled_from(sorted(self.stock)), min_size=1, max_size=4,
                                  unique=True))
        lines = [(pid, data.draw(st.integers(1, 8))) for pid in pids]
        short = [pid for pid, qty in lines if self.stock[pid] < qty]
        if short:
            with pytest.raises(InsufficientStock) as info:
                self.repo.orders.create(lines)
            assert sorted(s.product_id for s in info.value.shortages) == sorted(short)
            return multiple()
        order = self.repo.orders.create(lines)
        for pid, qty in lines:
            self.stock[pid] -= qty
        self.order_lines[order.id] = [(pid, qty, self.price[pid]) for pid, qty in sorted(lines)]
        self.status[order.id] = "pending"
        assert order.total_amount == sum(q * p for _, q, p in self.order_lines[order.id])
        return order.id

    @rule(order_id=orders, to=st.sampled_from(["shipped", "cancelled"]))
    def change_status(self, order_id, to):
        if self.status[order_id] != "pending":
            with pytest.raises(InvalidTransition) as info:
                self.repo.orders.set_status(order_id, to)
            assert (info.value.current, info.value.requested) == (self.status[order_id], to)
            return
        self.repo.orders.set_status(order_id, to)
        self.status[order_id] = to
        if to == "cancelled":
            for pid, qty, _ in self.order_lines[order_id]:
                self.stock[pid] += qty

    @invariant()
    def database_agrees(self):
        if not hasattr(self, "stock"):
            return
        rows = dict(self.raw.execute("SELECT id, stock_quantity FROM products").fetchall())
        assert rows == self.stock
        for order_id, lines in self.order_lines.items():
            order = self.repo.orders.get(order_id)
            assert order.status == self.status[order_id]
            assert [(i.product_id, i.quantity, i.price_at_time) for i in order.items] == lines
        assert_ledger_consistent(self.raw)


def test_a_random_session_keeps_the_model_and_the_ledger(repo, raw_conn):
    InventorySession.repo = repo
    InventorySession.raw = raw_conn
    try:
        run_state_machine_as_test(
            InventorySession,
            settings=settings(
                max_examples=25, stateful_step_count=15, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        InventorySession.repo = InventorySession.raw = None
