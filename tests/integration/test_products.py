"""Products against a real PostgreSQL: every data rule, every error, and the stock ledger.

Each failing call is checked to leave every table exactly as it was (``expect_error``).
"""

from __future__ import annotations

from decimal import Decimal

import psycopg
import pytest
from dbcheck import (
    assert_ledger_consistent,
    assert_typed,
    expect_error,
    movements,
    snapshot,
    stock,
)

from inventory_desktop.domain.values import Page, Product
from inventory_desktop.errors import (
    DuplicateSku,
    NotFound,
    ProductNotFound,
    StaleRecord,
    ValidationError,
)
from inventory_desktop.repository import Repository

pytestmark = pytest.mark.db

D = Decimal


def make(repo, sku="WID-1", name="Widget", price="19.99", stock_quantity=10, **kw):
    return repo.products.create(
        sku=sku, name=name, price=D(price), stock_quantity=stock_quantity, **kw
    )


def current_user(raw_conn) -> str:
    return raw_conn.execute("SELECT current_user").fetchone()[0]


# --- create ------------------------------------------------------------------------------------


def test_create_returns_the_stored_product(repo, raw_conn):
    p = make(repo, description="A fine widget")
    assert isinstance(p, Product)
    assert (p.sku, p.name, p.description, p.stock_quantity, p.version) == (
        "WID-1", "Widget", "A fine widget", 10, 1,
    )
    assert p.price == D("19.99") and isinstance(p.price, Decimal)
    assert p.created_at.tzinfo is not None and p.updated_at.tzinfo is not None
    assert repo.products.get(p.id) == p
    row = raw_conn.execute(
        "SELECT sku, name, description, price, stock_quantity FROM products WHERE id = %s",
        (p.id,),
    ).fetchone()
    assert row == ("WID-1", "Widget", "A fine widget", D("19.99"), 10)


def test_create_writes_the_opening_movement(repo, raw_conn):
    p = make(repo, stock_quantity=7)
    assert movements(raw_conn, p.id) == [
        (7, 7, "initial stock", None, "TEST-1", current_user(raw_conn))
    ]
    empty = make(repo, sku="EMPTY", stock_quantity=0)
    assert movements(raw_conn, empty.id) == []  # a zero delta is no movement
    assert_ledger_consistent(raw_conn)


def test_description_defaults_to_empty(repo):
    p = repo.products.create(sku="D-1", name="x", price=D("1"))
    assert p.description == "" and p.stock_quantity == 0


# Many cases share one test (subtests): each test's fresh database costs more than a case.


def test_valid_skus(repo, subtests):
    for sku in ["A", "a" * 64, "WID-1", "wid_1.b", "0", "A.B-C_D", "-", "..."]:
        with subtests.test(sku=sku):
            assert make(repo, sku=sku).sku == sku


def test_invalid_skus_are_refused(repo, raw_conn, subtests):
    for sku in [
        "", "   ", "a" * 65, "WID 1", "WID/1", "WID,1", "Ä1", "wid-1é", "WID'1", "WID;1",
        "x'; DROP TABLE products; --", "WID%", "WID*", "a\x00b", "a\nb", "١٢٣", None, 12, b"WID",
    ]:
        with subtests.test(sku=sku):
            error = expect_error(raw_conn, ValidationError, lambda s=sku: make(repo, sku=s))
            assert error.field == "sku"


def test_sku_is_unique_case_insensitively(repo, raw_conn):
    make(repo, sku="WID-1")
    error = expect_error(raw_conn, DuplicateSku, lambda: make(repo, sku="wid-1", name="Other"))
    assert error.sku == "wid-1"
    error = expect_error(raw_conn, DuplicateSku, lambda: make(repo, sku="WID-1", name="Other"))
    assert error.sku == "WID-1"


def test_update_to_an_existing_sku_in_another_case_is_a_duplicate(repo, raw_conn):
    make(repo, sku="WID-1")
    other = make(repo, sku="GAD-1")
    error = expect_error(
        raw_conn,
        DuplicateSku,
        lambda: repo.products.update(other.id, expected_version=1, sku="Wid-1"),
    )
    assert error.sku == "Wid-1"
    # Changing the case of one's own SKU is no duplicate.
    assert repo.products.update(other.id, expected_version=1, sku="gad-1").sku == "gad-1"


def test_name_is_trimmed(repo):
    assert make(repo, name="  Widget XL \t").name == "Widget XL"


def test_name_length_limits(repo, raw_conn):
    assert make(repo, sku="N200", name="n" * 200).name == "n" * 200
    assert make(repo, sku="N200T", name="  " + "t" * 200 + "  ").name == "t" * 200
    assert make(repo, sku="N1", name="n").name == "n"
    for bad in ["", "   ", "\t\n", "n" * 201, None, 5]:
        error = expect_error(raw_conn, ValidationError, lambda b=bad: make(repo, sku="X", name=b))
        assert error.field == "name"


def test_description_length_limit(repo, raw_conn):
    assert make(repo, sku="D2000", description="d" * 2000).description == "d" * 2000
    error = expect_error(
        raw_conn, ValidationError, lambda: make(repo, sku="D2001", description="d" * 2001)
    )
    assert error.field == "description"


def test_valid_prices(repo, raw_conn, subtests):
    for i, (given, stored) in enumerate([
        (D("0"), D("0.00")),
        (D("0.01"), D("0.01")),
        (D("19.99"), D("19.99")),
        (D("19.9"), D("19.90")),
        (D("1000000000"), D("1000000000.00")),
        (D("1000000000.00"), D("1000000000.00")),
        (D("5.000"), D("5.00")),  # trailing zeros are not extra decimals
    ]):
        with subtests.test(price=given):
            p = repo.products.create(sku=f"P{i}", name="p", price=given)
            assert p.price == stored and isinstance(p.price, Decimal)
            assert p.price.as_tuple().exponent == -2
            assert raw_conn.execute(
                "SELECT price FROM products WHERE id = %s", (p.id,)
            ).fetchone()[0] == stored


def test_invalid_prices_are_refused(repo, raw_conn, subtests):
    for price in [
        D("-0.01"), D("-1"), D("1000000000.01"), D("1E+10"), D("0.001"), D("19.999"),
        D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"),
        19.99, 0.0, 1.5, float("nan"), float("inf"), True, None, "abc", "", [1],
    ]:
        with subtests.test(price=price):
            error = expect_error(
                raw_conn,
                ValidationError,
                lambda x=price: repo.products.create(sku="P", name="p", price=x),
            )
            assert error.field == "price"


def test_invalid_initial_stock_is_refused(repo, raw_conn, subtests):
    for quantity in [-1, -(2**31), 2**31, 1.0, True, "ten", None]:
        with subtests.test(stock_quantity=quantity):
            error = expect_error(
                raw_conn,
                ValidationError,
                lambda q=quantity: repo.products.create(
                    sku="S", name="s", price=D("1"), stock_quantity=q
                ),
            )
            assert error.field == "stock_quantity"


def test_the_database_refuses_negative_stock(repo, raw_conn):
    """CHECK (stock_quantity >= 0) is a backstop that holds even for raw SQL."""
    p = make(repo, stock_quantity=0)
    before = snapshot(raw_conn)
    with pytest.raises(psycopg.errors.CheckViolation):
        raw_conn.execute("UPDATE products SET stock_quantity = -1 WHERE id = %s", (p.id,))
    with pytest.raises(psycopg.errors.CheckViolation):
        raw_conn.execute(
            "UPDATE products SET stock_quantity = stock_quantity - 1 WHERE id = %s", (p.id,)
        )
    assert snapshot(raw_conn) == before
    constraints = raw_conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'products'::regclass AND contype = 'c'"
    ).fetchall()
    assert any("stock_quantity >= 0" in c[0] for c in constraints)


# --- reading -----------------------------------------------------------------------------------


def test_get_unknown_product_is_not_found(repo, raw_conn):
    error = expect_error(raw_conn, NotFound, lambda: repo.products.get(999))
    assert isinstance(error, NotFound)


def test_get_with_a_bad_id_is_a_validation_error(repo, raw_conn, subtests):
    for bad_id in [0, -1, "1", 1.0, None, True, 2**63]:
        with subtests.test(id=bad_id):
            error = expect_error(raw_conn, ValidationError, lambda b=bad_id: repo.products.get(b))
            assert error.field == "product_id"


def test_get_by_sku_is_exact_and_case_insensitive(repo, raw_conn):
    p = make(repo, sku="WID-1")
    make(repo, sku="WID-10")
    assert repo.products.get_by_sku("WID-1") == p
    assert repo.products.get_by_sku("wid-1") == p
    assert repo.products.get_by_sku("Wid-1") == p
    expect_error(raw_conn, NotFound, lambda: repo.products.get_by_sku("WID"))
    expect_error(raw_conn, NotFound, lambda: repo.products.get_by_sku("WID-2"))
    expect_error(raw_conn, ValidationError, lambda: repo.products.get_by_sku("WID%"))


def test_get_many_leaves_out_missing_ids(repo):
    a = make(repo, sku="A")
    b = make(repo, sku="B")
    assert repo.products.get_many([b.id, 999, a.id]) == [a, b]
    assert repo.products.get_many([]) == []


@pytest.fixture
def catalogue(repo):
    rows = [
        ("WID-1", "Widget small", "5.00", 3),
        ("WID-2", "Widget large", "15.00", 0),
        ("wid-3", "Blue widget", "10.00", 8),
        ("GAD-1", "Gadget", "1.50", 100),
        ("GAD-2", "Gadget 100% cotton", "2.50", 1),
        ("ABC_1", "Under_score thing", "20.00", 5),
        ("ABCX1", "Underxscore thing", "30.00", 6),
        ("TOOL.9", "Hammer", "7.25", 2),
    ]
    return {sku: make(repo, sku=sku, name=name, price=price, stock_quantity=qty)
            for sku, name, price, qty in rows}


def skus(page: Page) -> list[str]:
    return [p.sku for p in page.items]


def test_search_matches_sku_prefix_in_any_case(repo, catalogue):
    assert sorted(skus(repo.products.list(search="wid-"))) == ["WID-1", "WID-2", "wid-3"]
    assert sorted(skus(repo.products.list(search="WID-1"))) == ["WID-1"]
    assert skus(repo.products.list(search="gad-2")) == ["GAD-2"]
    # A prefix, not a substring of the SKU: "D-1" is inside "WID-1" and "GAD-1", but no
    # name contains it.
    assert skus(repo.products.list(search="D-1")) == []


def test_search_matches_a_name_substring_in_any_case(repo, catalogue):
    assert sorted(skus(repo.products.list(search="widget"))) == ["WID-1", "WID-2", "wid-3"]
    assert skus(repo.products.list(search="AMME")) == ["TOOL.9"]
    assert skus(repo.products.list(search="large")) == ["WID-2"]


def test_search_treats_like_wildcards_literally(repo, catalogue):
    assert skus(repo.products.list(search="%")) == ["GAD-2"]  # only "100% cotton"
    assert skus(repo.products.list(search="100%")) == ["GAD-2"]
    assert skus(repo.products.list(search="abc_")) == ["ABC_1"]  # not ABCX1
    assert skus(repo.products.list(search="Under_")) == ["ABC_1"]
    assert skus(repo.products.list(search="_")) == ["ABC_1"]
    assert skus(repo.products.list(search="\\")) == []
    assert skus(repo.products.list(search="%%")) == []
    assert skus(repo.products.list(search="'; DROP TABLE products; --")) == []
    assert repo.products.list().total == len(catalogue)


def test_empty_search_lists_everything_sorted_by_sku(repo, catalogue):
    page = repo.products.list()
    assert page.total == len(catalogue)
    assert skus(page) == sorted(catalogue, key=str.lower)
    assert skus(repo.products.list(search="   ")) == skus(page)


def test_sort_options(repo, catalogue, subtests):
    for sort, key in [
        ("sku", lambda p: (p.sku.lower(), p.id)),
        ("name", lambda p: (p.name, p.id)),
        ("price", lambda p: (p.price, p.id)),
        ("stock_quantity", lambda p: (p.stock_quantity, p.id)),
        ("id", lambda p: p.id),
        ("updated_at", lambda p: (p.updated_at, p.id)),
    ]:
        with subtests.test(sort=sort):
            expected = sorted(catalogue.values(), key=key)
            assert list(repo.products.list(sort=sort).items) == expected
            assert list(repo.products.list(sort=sort, descending=True).items) == expected[::-1]
            page = repo.products.list(sort=sort, limit=3, offset=3)
            assert list(page.items) == expected[3:6] and page.total == len(expected)


def test_unknown_sort_is_a_validation_error(repo, raw_conn, catalogue):
    for bad in ["stock", "id; DROP TABLE products", "", None]:
        error = expect_error(raw_conn, ValidationError, lambda b=bad: repo.products.list(sort=b))
        assert error.field == "sort"


def test_paging_gives_every_product_once_with_the_total(repo, catalogue):
    seen = []
    offset = 0
    while True:
        page = repo.products.list(limit=3, offset=offset, sort="id")
        assert page.total == len(catalogue)
        assert (page.limit, page.offset) == (3, offset)
        seen += [p.id for p in page.items]
        if not page.has_more:
            break
        offset += 3
    assert seen == sorted(p.id for p in catalogue.values())
    beyond = repo.products.list(limit=3, offset=100)
    assert beyond.items == () and beyond.total == len(catalogue)
    searched = repo.products.list(search="wid", limit=2, offset=0)
    assert len(searched.items) == 2 and searched.total == 3 and searched.has_more
    rest = repo.products.list(search="wid", limit=2, offset=2)
    assert len(rest.items) == 1 and rest.total == 3 and not rest.has_more


def test_bad_paging_is_a_validation_error(repo, raw_conn, subtests):
    for limit, offset, field in [
        (0, 0, "limit"), (-1, 0, "limit"), (1001, 0, "limit"), ("5", 0, "limit"),
        (10, -1, "offset"), (10, "0", "offset"), (10, None, "offset"), (True, 0, "limit"),
    ]:
        with subtests.test(limit=limit, offset=offset):
            for listing in (repo.products.list, repo.orders.list, repo.stock_movements):
                error = expect_error(
                    raw_conn,
                    ValidationError,
                    lambda f=listing, li=limit, of=offset: f(limit=li, offset=of),
                )
                assert error.field == field


def test_overlong_search_is_a_validation_error(repo, raw_conn):
    error = expect_error(raw_conn, ValidationError, lambda: repo.products.list(search="x" * 201))
    assert error.field == "search"


# --- update ------------------------------------------------------------------------------------


def test_update_changes_fields_and_raises_the_version(repo, raw_conn):
    p = make(repo)
    q = repo.products.update(
        p.id, expected_version=p.version, name=" Widget XL ", description="big",
        price=D("21.50"), sku="WID-XL",
    )
    assert (q.sku, q.name, q.description, q.price, q.stock_quantity) == (
        "WID-XL", "Widget XL", "big", D("21.50"), p.stock_quantity,
    )
    assert q.version > p.version
    assert q.updated_at >= p.updated_at
    assert repo.products.get(p.id) == q
    # An edit is no stock change: no movement beyond the opening one.
    assert len(movements(raw_conn, p.id)) == 1


def test_update_with_a_stale_version_raises_stale_record_with_the_current_product(
    repo, make_repo, raw_conn
):
    p = make(repo)
    other_station = make_repo(station="DOCK-2")
    theirs = other_station.products.update(p.id, expected_version=p.version, name="Theirs")
    error = expect_error(
        raw_conn,
        StaleRecord,
        lambda: repo.products.update(p.id, expected_version=p.version, name="Mine"),
    )
    assert error.current == theirs
    assert error.current.name == "Theirs" and error.current.version == theirs.version
    # With the version just read, the edit goes through.
    mine = repo.products.update(p.id, expected_version=error.current.version, name="Mine")
    assert mine.name == "Mine" and mine.version > theirs.version


def test_update_with_a_future_version_is_stale_too(repo, raw_conn):
    p = make(repo)
    expect_error(
        raw_conn, StaleRecord, lambda: repo.products.update(p.id, expected_version=99, name="x")
    )


def test_update_never_sets_stock(repo, raw_conn):
    p = make(repo, stock_quantity=10)
    error = expect_error(
        raw_conn,
        ValidationError,
        lambda: repo.products.update(p.id, expected_version=p.version, stock_quantity=500),
    )
    assert error.field == "stock_quantity"
    error = expect_error(
        raw_conn,
        ValidationError,
        lambda: repo.products.update(
            p.id, expected_version=p.version, name="ok", stock_quantity=500
        ),
    )
    assert error.field == "stock_quantity"
    for field in ("version", "id", "created_at", "bogus"):
        expect_error(
            raw_conn,
            ValidationError,
            lambda f=field: repo.products.update(p.id, expected_version=p.version, **{f: 1}),
        )


def test_update_validates_each_field(repo, raw_conn):
    p = make(repo)
    for field, bad in [
        ("name", "  "), ("name", "n" * 201), ("sku", "bad sku"), ("price", 1.5),
        ("price", D("-1")), ("description", "d" * 2001),
    ]:
        error = expect_error(
            raw_conn,
            ValidationError,
            lambda f=field, b=bad: repo.products.update(
                p.id, expected_version=p.version, **{f: b}
            ),
        )
        assert error.field == field
    for bad_version in [None, "1", 1.0, True]:
        expect_error(
            raw_conn,
            ValidationError,
            lambda b=bad_version: repo.products.update(p.id, expected_version=b, name="x"),
        )


def test_update_of_a_missing_product_is_not_found(repo, raw_conn):
    expect_error(
        raw_conn, NotFound, lambda: repo.products.update(999, expected_version=1, name="x")
    )


# --- adjust_stock and the ledger ---------------------------------------------------------------


def test_adjust_stock_changes_stock_version_and_writes_one_movement(repo, raw_conn):
    p = make(repo, stock_quantity=10)
    up = repo.products.adjust_stock(p.id, +50, reason="  received  ")
    assert up.stock_quantity == 60 and up.version > p.version
    down = repo.products.adjust_stock(p.id, -60, reason="stocktake")
    assert down.stock_quantity == 0 and down.version > up.version
    user = current_user(raw_conn)
    assert movements(raw_conn, p.id) == [
        (10, 10, "initial stock", None, "TEST-1", user),
        (50, 60, "received", None, "TEST-1", user),
        (-60, 0, "stocktake", None, "TEST-1", user),
    ]
    assert_ledger_consistent(raw_conn)


def test_adjust_stock_requires_a_reason(repo, raw_conn, subtests):
    p = make(repo)
    for reason in ["", "   ", None, 5, "r" * 201]:
        with subtests.test(reason=reason):
            error = expect_error(
                raw_conn,
                ValidationError,
                lambda r=reason: repo.products.adjust_stock(p.id, 5, reason=r),
            )
            assert error.field == "reason"
    with pytest.raises(TypeError):
        repo.products.adjust_stock(p.id, 5)  # reason is keyword-only and required


def test_adjust_stock_may_not_go_below_zero(repo, raw_conn):
    p = make(repo, stock_quantity=3)
    error = expect_error(
        raw_conn, ValidationError, lambda: repo.products.adjust_stock(p.id, -4, reason="lost")
    )
    assert error.field == "delta"
    assert repo.products.adjust_stock(p.id, -3, reason="lost").stock_quantity == 0
    error = expect_error(
        raw_conn, ValidationError, lambda: repo.products.adjust_stock(p.id, -1, reason="lost")
    )
    assert error.field == "delta"


def test_adjust_stock_may_not_pass_the_integer_column(repo, raw_conn):
    p = make(repo, stock_quantity=1)
    error = expect_error(
        raw_conn,
        ValidationError,
        lambda: repo.products.adjust_stock(p.id, 2**31 - 1, reason="typo"),
    )
    assert error.field == "delta"


def test_adjust_stock_bad_delta(repo, raw_conn, subtests):
    p = make(repo)
    for delta in [0, 1.0, "x", None, True, 2**31, -(2**31)]:
        with subtests.test(delta=delta):
            error = expect_error(
                raw_conn,
                ValidationError,
                lambda d=delta: repo.products.adjust_stock(p.id, d, reason="r"),
            )
            assert error.field == "delta"


def test_adjust_stock_of_a_missing_product_is_not_found(repo, raw_conn):
    error = expect_error(
        raw_conn, NotFound, lambda: repo.products.adjust_stock(999, 1, reason="r")
    )
    if isinstance(error, ProductNotFound):
        assert error.product_ids == (999,)


def test_stock_movements_newest_first_with_paging(repo, raw_conn):
    a = make(repo, sku="A", stock_quantity=1)
    b = make(repo, sku="B", stock_quantity=2)
    for i in range(1, 6):
        repo.products.adjust_stock(a.id, i, reason=f"r{i}")
    page = repo.stock_movements(product_id=a.id, limit=4)
    assert [m.reason for m in page.items] == ["r5", "r4", "r3", "r2"]
    assert page.total == 6 and page.has_more
    assert [m.reason for m in repo.stock_movements(a.id, limit=4, offset=4).items] == [
        "r1", "initial stock",
    ]
    everything = repo.stock_movements(limit=100)
    assert everything.total == 7
    ids = [m.id for m in everything.items]
    assert ids == sorted(ids, reverse=True)
    assert {m.product_id for m in everything.items} == {a.id, b.id}
    m = page.items[0]
    assert (m.product_id, m.delta, m.quantity_after, m.order_id) == (a.id, 5, 16, None)
    assert m.station == "TEST-1" and m.db_user == current_user(raw_conn)


def test_movements_name_the_station_that_made_the_change(repo, make_repo, raw_conn):
    p = make(repo, stock_quantity=5)
    dock = make_repo(station="DOCK-7")
    dock.products.adjust_stock(p.id, 2, reason="found")
    assert [m[4] for m in movements(raw_conn, p.id)] == ["TEST-1", "DOCK-7"]
    assert dock.station == "DOCK-7"


def test_a_non_ascii_station_is_refused_before_it_can_be_recorded_wrongly(clean_db):
    # application_name, which carries the station, is ASCII-only in PostgreSQL.
    with pytest.raises(ValidationError) as caught:
        Repository.connect(clean_db, station="Lager-Süd")
    assert caught.value.field == "station"


def test_application_name_shows_the_station_in_pg_stat_activity(make_repo, raw_conn):
    dock = make_repo(station="DOCK-9")
    dock.ping()
    dock.products.list()
    names = {
        r[0]
        for r in raw_conn.execute(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
        )
    }
    assert "inventory-desktop/DOCK-9" in names


def test_the_products_table_survives_injection_attempts_in_every_text_field(repo, raw_conn):
    evil = "'); DROP TABLE products; --"
    p = repo.products.create(sku="EVIL", name=evil, price=D("1"), description=evil)
    assert repo.products.get(p.id).name == evil
    assert repo.products.list(search=evil).total == 1
    repo.products.adjust_stock(p.id, 1, reason=evil)
    assert stock(raw_conn, p.id) == 1
    assert raw_conn.execute("SELECT count(*) FROM products").fetchone()[0] == 1


def test_surrogates_and_nul_are_validation_errors_not_driver_errors(repo, raw_conn):
    p = make(repo)
    for call, field in [
        (lambda: make(repo, sku="S1", name="bad\ud800"), "name"),
        (lambda: make(repo, sku="S1", description="bad\udfff"), "description"),
        (lambda: make(repo, sku="S1", name="nul\x00"), "name"),
        (lambda: repo.products.adjust_stock(p.id, 1, reason="r\ud800"), "reason"),
        (lambda: repo.products.update(p.id, expected_version=1, name="x\ud800"), "name"),
        (lambda: repo.products.list(search="x\ud800"), "search"),
    ]:
        error = expect_error(raw_conn, ValidationError, call)
        assert error.field == field
    assert_typed(error)
