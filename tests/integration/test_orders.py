"""Orders against a real PostgreSQL: placing, all-or-nothing, transitions, the ledger."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from dbcheck import assert_ledger_consistent, expect_error, movements, stock, version

from inventory_desktop.domain.values import Order, OrderItem, OrderStatus
from inventory_desktop.errors import (
    InsufficientStock,
    InvalidTransition,
    NotFound,
    ProductNotFound,
    Shortage,
    ValidationError,
)

pytestmark = pytest.mark.db

D = Decimal


@pytest.fixture
def products(repo):
    """a: 10 @ 2.50, b: 5 @ 10.00, c: 0 @ 1.00"""
    a = repo.products.create(sku="A", name="Apple", price=D("2.50"), stock_quantity=10)
    b = repo.products.create(sku="B", name="Bolt", price=D("10.00"), stock_quantity=5)
    c = repo.products.create(sku="C", name="Cog", price=D("1.00"), stock_quantity=0)
    return a, b, c


def test_create_takes_stock_and_returns_the_order(repo, raw_conn, products):
    a, b, _ = products
    order = repo.orders.create([(b.id, 2), (a.id, 3)])
    assert isinstance(order, Order)
    assert order.status == "pending"
    assert [(i.product_id, i.quantity, i.price_at_time) for i in order.items] == [
        (a.id, 3, D("2.50")), (b.id, 2, D("10.00")),
    ]
    assert order.total_amount == D("27.50") and isinstance(order.total_amount, Decimal)
    assert order.total_amount == sum(i.line_total for i in order.items)
    assert order.station == "TEST-1"
    assert (stock(raw_conn, a.id), stock(raw_conn, b.id)) == (7, 3)
    assert version(raw_conn, a.id) > a.version and version(raw_conn, b.id) > b.version
    got = repo.orders.get(order.id)
    assert got.id == order.id and got.status == "pending"
    assert got.total_amount == order.total_amount
    assert got.items == (
        OrderItem(a.id, 3, D("2.50"), "A", "Apple"),
        OrderItem(b.id, 2, D("10.00"), "B", "Bolt"),
    )
    stored = raw_conn.execute(
        "SELECT product_id, quantity, price_at_time FROM order_items WHERE order_id = %s "
        "ORDER BY product_id",
        (order.id,),
    ).fetchall()
    assert stored == [(a.id, 3, D("2.50")), (b.id, 2, D("10.00"))]


def test_create_writes_one_movement_per_line_in_the_same_transaction(repo, raw_conn, products):
    a, b, _ = products
    order = repo.orders.create([(a.id, 3), (b.id, 2)])
    user = raw_conn.execute("SELECT current_user").fetchone()[0]
    assert movements(raw_conn, a.id)[1:] == [(-3, 7, "order", order.id, "TEST-1", user)]
    assert movements(raw_conn, b.id)[1:] == [(-2, 3, "order", order.id, "TEST-1", user)]
    # now() is the transaction's start: equal times mean one transaction.
    times = raw_conn.execute(
        "SELECT DISTINCT created_at FROM stock_movements WHERE order_id = %s", (order.id,)
    ).fetchall()
    assert times == [(order.created_at,)]
    assert_ledger_consistent(raw_conn)


def test_items_are_ordered_by_product_id(repo, products):
    a, b, c = products
    repo.products.adjust_stock(c.id, 5, reason="received")
    order = repo.orders.create([(c.id, 1), (a.id, 1), (b.id, 1)])
    assert [i.product_id for i in order.items] == sorted([a.id, b.id, c.id])
    assert [i.product_id for i in repo.orders.get(order.id).items] == sorted([a.id, b.id, c.id])


def test_exactly_the_stock_can_be_ordered(repo, raw_conn, products):
    a, b, _ = products
    repo.orders.create([(a.id, 10), (b.id, 5)])
    assert (stock(raw_conn, a.id), stock(raw_conn, b.id)) == (0, 0)
    assert_ledger_consistent(raw_conn)


def test_a_short_line_fails_the_whole_order(repo, raw_conn, products):
    a, b, _ = products
    error = expect_error(
        raw_conn, InsufficientStock, lambda: repo.orders.create([(a.id, 1), (b.id, 6)])
    )
    assert error.shortages == (Shortage(b.id, 6, 5),)
    s = error.shortages[0]
    assert (s.product_id, s.requested, s.available) == (b.id, 6, 5)


def test_every_short_line_is_reported_in_product_order(repo, raw_conn, products):
    a, b, c = products
    error = expect_error(
        raw_conn,
        InsufficientStock,
        lambda: repo.orders.create([(c.id, 1), (b.id, 9), (a.id, 11)]),
    )
    assert error.shortages == (Shortage(a.id, 11, 10), Shortage(b.id, 9, 5), Shortage(c.id, 1, 0))


def test_a_sold_out_product_is_insufficient_stock(repo, raw_conn, products):
    _, _, c = products
    error = expect_error(raw_conn, InsufficientStock, lambda: repo.orders.create([(c.id, 1)]))
    assert error.shortages == (Shortage(c.id, 1, 0),)


def test_unknown_products_fail_the_whole_order(repo, raw_conn, products):
    a, _, _ = products
    error = expect_error(
        raw_conn, ProductNotFound, lambda: repo.orders.create([(a.id, 1), (998, 1), (997, 2)])
    )
    assert error.product_ids == (997, 998)
    assert isinstance(error, NotFound)
    error = expect_error(raw_conn, ProductNotFound, lambda: repo.orders.create([(999, 1)]))
    assert error.product_ids == (999,)


def test_unknown_and_short_products_together_fail(repo, raw_conn, products):
    a, _, _ = products
    error = expect_error(
        raw_conn, ProductNotFound, lambda: repo.orders.create([(a.id, 100), (999, 1)])
    )
    assert 999 in error.product_ids


def test_malformed_lines_are_validation_errors(repo, raw_conn, products, subtests):
    for lines in [
        [], (), None, "A", 5, [(1,)], [(1, 2, 3)], [1, 2], [("1", 1)], [(0, 1)], [(-1, 1)],
        [(None, 1)], [(1.0, 1)], [(True, 1)],
    ]:
        with subtests.test(lines=lines):
            error = expect_error(raw_conn, ValidationError, lambda x=lines: repo.orders.create(x))
            assert error.field.startswith("lines")


def test_bad_quantities_are_validation_errors(repo, raw_conn, products, subtests):
    a, b, _ = products
    for quantity in [0, -1, 1_000_001, 10**12, True, False, 1.0, "x", None, "0"]:
        with subtests.test(quantity=quantity):
            error = expect_error(
                raw_conn, ValidationError, lambda q=quantity: repo.orders.create([(a.id, q)])
            )
            assert error.field == "lines[0].quantity"
            error = expect_error(
                raw_conn,
                ValidationError,
                lambda q=quantity: repo.orders.create([(a.id, 1), (b.id, q)]),
            )
            assert error.field == "lines[1].quantity"


def test_quantity_limits(repo, raw_conn):
    big = repo.products.create(sku="BIG", name="big", price=D("0.01"), stock_quantity=2_000_000)
    order = repo.orders.create([(big.id, 1_000_000)])
    assert order.items[0].quantity == 1_000_000 and order.total_amount == D("10000.00")
    assert repo.orders.create([(big.id, 1)]).items[0].quantity == 1
    assert stock(raw_conn, big.id) == 999_999


def test_a_product_at_most_once_per_order(repo, raw_conn, products):
    a, b, _ = products
    error = expect_error(
        raw_conn, ValidationError, lambda: repo.orders.create([(a.id, 1), (b.id, 1), (a.id, 2)])
    )
    assert error.field == "lines[2].product_id"


def test_one_to_a_hundred_lines(repo, raw_conn):
    ids = [
        repo.products.create(sku=f"L{i}", name=f"line {i}", price=D("1"), stock_quantity=2).id
        for i in range(101)
    ]
    order = repo.orders.create([(i, 1) for i in ids[:100]])
    assert len(order.items) == 100 and order.total_amount == D("100.00")
    assert len(repo.orders.get(order.id).items) == 100
    error = expect_error(
        raw_conn, ValidationError, lambda: repo.orders.create([(i, 1) for i in ids])
    )
    assert error.field == "lines"
    assert_ledger_consistent(raw_conn)


def test_price_at_time_never_changes_with_the_price(repo, products):
    a, _, _ = products
    order = repo.orders.create([(a.id, 2)])
    repo.products.update(a.id, expected_version=repo.products.get(a.id).version, price=D("99.99"))
    again = repo.orders.get(order.id)
    assert again.items[0].price_at_time == D("2.50")
    assert again.total_amount == D("5.00")
    later = repo.orders.create([(a.id, 1)])
    assert later.items[0].price_at_time == D("99.99")
    repo.orders.cancel(order.id)
    assert repo.orders.get(order.id).items[0].price_at_time == D("2.50")


# --- transitions -------------------------------------------------------------------------------


def test_pending_to_shipped(repo, make_repo, raw_conn, products):
    a, _, _ = products
    order = repo.orders.create([(a.id, 2)])
    before_stock, before_version = stock(raw_conn, a.id), version(raw_conn, a.id)
    dock = make_repo(station="DOCK-3")
    shipped = dock.orders.set_status(order.id, "shipped")
    assert shipped.status == "shipped" and shipped.status_changed_by == "DOCK-3"
    assert shipped.updated_at >= order.updated_at
    assert repo.orders.get(order.id).status == "shipped"
    # Shipping moves no stock.
    assert (stock(raw_conn, a.id), version(raw_conn, a.id)) == (before_stock, before_version)
    assert len(movements(raw_conn, a.id)) == 2


def test_pending_to_cancelled_returns_the_stock_in_the_same_transaction(
    repo, raw_conn, products
):
    a, b, _ = products
    order = repo.orders.create([(a.id, 3), (b.id, 5)])
    versions = version(raw_conn, a.id), version(raw_conn, b.id)
    cancelled = repo.orders.cancel(order.id)
    assert cancelled.status == "cancelled" and cancelled.status_changed_by == "TEST-1"
    assert (stock(raw_conn, a.id), stock(raw_conn, b.id)) == (10, 5)
    assert version(raw_conn, a.id) > versions[0] and version(raw_conn, b.id) > versions[1]
    user = raw_conn.execute("SELECT current_user").fetchone()[0]
    assert movements(raw_conn, a.id)[-1] == (3, 10, "order cancelled", order.id, "TEST-1", user)
    assert movements(raw_conn, b.id)[-1] == (5, 5, "order cancelled", order.id, "TEST-1", user)
    times = raw_conn.execute(
        "SELECT DISTINCT created_at FROM stock_movements "
        "WHERE order_id = %s AND reason = 'order cancelled'",
        (order.id,),
    ).fetchall()
    assert times == [(cancelled.updated_at,)]  # same now(): same transaction
    assert_ledger_consistent(raw_conn)


@pytest.mark.parametrize("first", ["shipped", "cancelled"])
def test_shipped_and_cancelled_are_terminal(repo, make_repo, raw_conn, products, first, subtests):
    a, _, _ = products
    order = repo.orders.create([(a.id, 4)])
    dock = make_repo(station="DOCK-4")
    dock.orders.set_status(order.id, first)
    for then in ["shipped", "cancelled", "pending"]:
        with subtests.test(then=then):
            error = expect_error(
                raw_conn, InvalidTransition, lambda t=then: repo.orders.set_status(order.id, t)
            )
            assert (error.current, error.requested) == (first, then)
            assert error.order_id == order.id
            assert error.order is not None
            assert error.order.id == order.id and error.order.status == first
            assert error.order.status_changed_by == "DOCK-4"
    # Stock returned exactly once for a cancelled order.
    assert stock(raw_conn, a.id) == (10 if first == "cancelled" else 6)
    assert_ledger_consistent(raw_conn)


def test_pending_to_pending_is_no_transition(repo, raw_conn, products):
    a, _, _ = products
    order = repo.orders.create([(a.id, 1)])
    error = expect_error(
        raw_conn, InvalidTransition, lambda: repo.orders.set_status(order.id, "pending")
    )
    assert (error.current, error.requested) == ("pending", "pending")


def test_ship_and_cancel_shortcuts_and_enum_statuses(repo, products):
    a, _, _ = products
    o1 = repo.orders.create([(a.id, 1)])
    o2 = repo.orders.create([(a.id, 1)])
    o3 = repo.orders.create([(a.id, 1)])
    assert repo.orders.ship(o1.id).status == "shipped"
    assert repo.orders.cancel(o2.id).status == "cancelled"
    assert repo.orders.set_status(o3.id, OrderStatus.SHIPPED).status == "shipped"
    with pytest.raises(InvalidTransition):
        repo.orders.cancel(o1.id)


def test_unknown_status_is_a_validation_error(repo, raw_conn, products, subtests):
    a, _, _ = products
    order = repo.orders.create([(a.id, 1)])
    for status in ["done", "SHIPPED", "", None, 1]:
        with subtests.test(status=status):
            error = expect_error(
                raw_conn, ValidationError, lambda x=status: repo.orders.set_status(order.id, x)
            )
            assert error.field == "status"


def test_unknown_order_is_not_found(repo, raw_conn):
    expect_error(raw_conn, NotFound, lambda: repo.orders.get(999))
    expect_error(raw_conn, NotFound, lambda: repo.orders.set_status(999, "shipped"))
    expect_error(raw_conn, NotFound, lambda: repo.orders.cancel(999))
    for bad in [0, -1, "1", None]:
        expect_error(raw_conn, ValidationError, lambda b=bad: repo.orders.get(b))


# --- listing -----------------------------------------------------------------------------------


def test_list_newest_first_with_status_filter_and_paging(repo, products):
    a, b, _ = products
    orders = [repo.orders.create([(a.id, 1)]) for _ in range(5)]
    orders.append(repo.orders.create([(a.id, 1), (b.id, 2)]))
    repo.orders.ship(orders[0].id)
    repo.orders.cancel(orders[1].id)
    repo.orders.ship(orders[2].id)
    ids = [o.id for o in orders]

    page = repo.orders.list()
    assert [o.id for o in page.items] == ids[::-1]
    assert page.total == 6
    newest = page.items[0]
    assert newest.item_count == 2 and newest.total_amount == D("22.50") and newest.items == ()

    assert [o.id for o in repo.orders.list(status="shipped").items] == [ids[2], ids[0]]
    assert [o.id for o in repo.orders.list(status="cancelled").items] == [ids[1]]
    pending = repo.orders.list(status="pending")
    assert [o.id for o in pending.items] == [ids[5], ids[4], ids[3]] and pending.total == 3

    first = repo.orders.list(limit=4, offset=0)
    second = repo.orders.list(limit=4, offset=4)
    assert first.total == second.total == 6
    assert first.has_more and not second.has_more
    assert [o.id for o in first.items + second.items] == ids[::-1]
    two = repo.orders.list(status="pending", limit=2, offset=2)
    assert [o.id for o in two.items] == [ids[3]] and two.total == 3
    beyond = repo.orders.list(status="shipped", limit=2, offset=10)
    assert beyond.items == () and beyond.total == 2


def test_list_bad_arguments(repo, raw_conn):
    expect_error(raw_conn, ValidationError, lambda: repo.orders.list(status="open"))
    expect_error(raw_conn, ValidationError, lambda: repo.orders.list(limit=0))
    expect_error(raw_conn, ValidationError, lambda: repo.orders.list(offset=-1))


# --- versions ----------------------------------------------------------------------------------


def test_every_change_raises_the_product_version(repo, products):
    a, _, _ = products
    seen = [a.version]

    def now() -> int:
        return repo.products.get(a.id).version

    seen.append(repo.products.update(a.id, expected_version=seen[-1], name="Apple 2").version)
    seen.append(repo.products.adjust_stock(a.id, 5, reason="received").version)
    order = repo.orders.create([(a.id, 2)])
    seen.append(now())
    repo.orders.cancel(order.id)
    seen.append(now())
    assert all(later > earlier for earlier, later in zip(seen, seen[1:], strict=False)), seen


# --- client_token ------------------------------------------------------------------------------


def test_client_token_retried_returns_the_first_order(repo, raw_conn, products):
    a, b, _ = products
    token = uuid.uuid4()
    first = repo.orders.create([(a.id, 2)], client_token=token)
    assert first.client_token == token
    again = repo.orders.create([(a.id, 2)], client_token=token)
    assert again.id == first.id
    assert again.items == repo.orders.get(first.id).items
    # Even with other lines, the token names the first order.
    other = repo.orders.create([(b.id, 1)], client_token=str(token))
    assert other.id == first.id
    assert stock(raw_conn, a.id) == 8 and stock(raw_conn, b.id) == 5
    assert raw_conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
    assert_ledger_consistent(raw_conn)


def test_client_token_retry_after_the_stock_ran_out_returns_the_first_order(
    repo, make_repo, raw_conn, products
):
    a, _, _ = products
    token = uuid.uuid4()
    first = repo.orders.create([(a.id, 4)], client_token=token)
    make_repo(station="DOCK-5").orders.create([(a.id, 6)])  # sells the rest
    assert stock(raw_conn, a.id) == 0
    again = repo.orders.create([(a.id, 4)], client_token=token)
    assert again.id == first.id and again.status == "pending"
    assert stock(raw_conn, a.id) == 0
    # A token's order that was cancelled is still that order (no new order, no stock taken).
    repo.orders.cancel(first.id)
    after_cancel = repo.orders.create([(a.id, 4)], client_token=token)
    assert after_cancel.id == first.id and after_cancel.status == "cancelled"
    assert stock(raw_conn, a.id) == 4
    assert_ledger_consistent(raw_conn)


def test_a_bad_client_token_is_a_validation_error(repo, raw_conn, products):
    a, _, _ = products
    for bad in ["not-a-uuid", 12, ""]:
        error = expect_error(
            raw_conn, ValidationError, lambda b=bad: repo.orders.create([(a.id, 1)], client_token=b)
        )
        assert error.field == "client_token"


def test_a_failed_order_with_a_token_does_not_use_up_the_token(repo, raw_conn, products):
    a, _, _ = products
    token = uuid.uuid4()
    expect_error(raw_conn, InsufficientStock, lambda: repo.orders.create([(a.id, 11)], token))
    order = repo.orders.create([(a.id, 10)], token)
    assert order.client_token == token and stock(raw_conn, a.id) == 0


def test_order_statement_keeps_its_generic_plan_and_survives_refusals(make_repo):
    """The hot path is planned once per connection, not at every order (docs/benchmarks.md:
    PostgreSQL re-planned it at each call, ~0.5 ms of server CPU), and a refused order does
    not drop the connection's prepared statements (psycopg deallocates all after ROLLBACK)."""
    from uuid import uuid4

    repo = make_repo(station="PLAN-1", pool_size=1)
    product = repo.products.create(sku="PLAN-1", name="Plan", price=D("1.00"), stock_quantity=50)
    for _ in range(12):
        repo.orders.create([(product.id, 1)], client_token=uuid4())
    with pytest.raises(InsufficientStock):
        repo.orders.create([(product.id, 1000)], client_token=uuid4())
    repo.orders.create([(product.id, 1)], client_token=uuid4())
    with repo._engine.connect() as conn:  # the pool's one connection: the one that ordered
        rows = conn.exec_driver_sql(
            "SELECT generic_plans, custom_plans, current_setting('plan_cache_mode') "
            "FROM pg_prepared_statements WHERE statement LIKE '%%AS r(product_id, quantity)%%'"
        ).all()
        conn.rollback()
    assert len(rows) == 1, rows
    generic, custom, mode = rows[0]
    assert custom == 0 and generic >= 13
    assert mode == "auto"  # forced for the order's own transaction only
