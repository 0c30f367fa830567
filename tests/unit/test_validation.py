"""The data rules as pure functions (no database): examples and hypothesis properties.

Each rule of the contract is checked both ways: what it accepts (and how it normalises it) and
what it refuses (a ValidationError that names the field).
"""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inventory_desktop.domain import validation as v
from inventory_desktop.errors import InventoryError, ValidationError

PURE = settings(max_examples=150, deadline=None, database=None)

SKU_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
CENT = Decimal("0.01")


def refuses(call, field: str) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        call()
    assert info.value.field == field, (info.value.field, info.value)
    assert info.value.rule
    return info.value


def encodable(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


any_text = st.text(alphabet=st.characters(), max_size=220)  # surrogates included
NOT_TEXT = st.one_of(
    st.none(), st.integers(), st.floats(), st.binary(max_size=4), st.booleans(),
    st.lists(st.integers(), max_size=2), st.decimals(allow_nan=False),
)


# --- ValidationError ---------------------------------------------------------------------------


def test_validation_error_carries_field_rule_and_value():
    error = ValidationError("price", "must not be negative", Decimal("-1"))
    assert (error.field, error.rule) == ("price", "must not be negative")
    assert error.value == Decimal("-1")
    assert isinstance(error, InventoryError) and isinstance(error, ValueError)
    assert "price" in str(error) and "must not be negative" in str(error)


# --- sku ---------------------------------------------------------------------------------------


@PURE
@given(s=st.one_of(any_text, st.from_regex(SKU_RE, fullmatch=True),
                   st.from_regex(SKU_RE, fullmatch=True).map(lambda s: f"  {s}\t")))
def test_sku_accepted_exactly_when_it_matches_the_rule(s):
    if SKU_RE.fullmatch(s.strip()):
        assert v.sku(s) == s.strip()
    else:
        refuses(lambda: v.sku(s), "sku")


@pytest.mark.parametrize("s", ["A", "a" * 64, "WID-1", "x.y_z-0", "-", "."])
def test_valid_skus(s):
    assert v.sku(s) == s


@pytest.mark.parametrize(
    "s", ["", " ", "a" * 65, "A B", "Ä", "ß1", "a/b", "a'b", "a;b", "a%b", "a\x00", "١", "ＡＢ",
          "a\nb", "a\u200bb"],
)
def test_invalid_skus(s):
    refuses(lambda: v.sku(s), "sku")


@PURE
@given(s=NOT_TEXT)
def test_sku_must_be_text(s):
    refuses(lambda: v.sku(s), "sku")


# --- name, description, reason, search --------------------------------------------------------

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_EXCEPT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@PURE
@given(s=any_text)
def test_name_rule(s):
    t = s.strip()
    if 1 <= len(t) <= 200 and not CONTROL.search(t) and encodable(t):
        assert v.name(s) == t
    else:
        refuses(lambda: v.name(s), "name")


def test_name_limits():
    assert v.name("n" * 200) == "n" * 200
    assert v.name("   " + "n" * 200 + "\n") == "n" * 200
    refuses(lambda: v.name("n" * 201), "name")
    refuses(lambda: v.name("   "), "name")
    refuses(lambda: v.name(""), "name")
    refuses(lambda: v.name("a\ud800"), "name")
    refuses(lambda: v.name("bell\x07"), "name")
    refuses(lambda: v.name("esc\x1b[31m"), "name")
    refuses(lambda: v.name(None), "name")


@PURE
@given(s=st.one_of(any_text, st.integers(1990, 2010).map(lambda n: "d" * n)))
def test_description_rule(s):
    if len(s) <= 2000 and not CONTROL_EXCEPT_LINES.search(s) and encodable(s):
        assert v.description(s) == s
    else:
        refuses(lambda: v.description(s), "description")


def test_description_defaults_and_types():
    assert v.description(None) == ""
    assert v.description("") == ""
    assert v.description("d" * 2000) == "d" * 2000
    assert v.description("line 1\nline 2\tend") == "line 1\nline 2\tend"
    refuses(lambda: v.description("esc\x1b[31m"), "description")
    refuses(lambda: v.description("d" * 2001), "description")
    refuses(lambda: v.description(5), "description")


@PURE
@given(s=any_text)
def test_reason_rule(s):
    t = s.strip()
    if 1 <= len(t) <= 200 and not CONTROL.search(t) and encodable(t):
        assert v.reason(s) == t
    else:
        refuses(lambda: v.reason(s), "reason")


@pytest.mark.parametrize("bad", [None, "", "  ", 5, "r" * 201])
def test_reason_required(bad):
    refuses(lambda: v.reason(bad), "reason")


@PURE
@given(s=any_text)
def test_search_text_rule(s):
    t = s.strip()
    if len(t) > 200:
        refuses(lambda: v.search_text(s), "search")
    elif not encodable(t):
        refuses(lambda: v.search_text(s), "search")
    else:
        assert v.search_text(s) == CONTROL.sub("", t)


def test_search_text_none_is_empty():
    assert v.search_text(None) == ""
    refuses(lambda: v.search_text(5), "search")


# --- price -------------------------------------------------------------------------------------


@PURE
@given(d=st.decimals(allow_nan=True, allow_infinity=True))
def test_price_rule_for_decimals(d):
    ok = d.is_finite() and 0 <= d <= Decimal(1_000_000_000) and d == d.quantize(CENT)
    if ok:
        result = v.price(d)
        assert result == d and isinstance(result, Decimal)
        assert result.as_tuple().exponent == -2
    else:
        refuses(lambda: v.price(d), "price")


@PURE
@given(f=st.floats(allow_nan=True, allow_infinity=True))
def test_a_float_is_never_money(f):
    error = refuses(lambda: v.price(f), "price")
    assert "float" in error.rule or not math.isfinite(f)


@PURE
@given(n=st.integers())
def test_price_from_whole_numbers(n):
    if 0 <= n <= 1_000_000_000:
        assert v.price(n) == Decimal(n) and v.price(n).as_tuple().exponent == -2
    else:
        refuses(lambda: v.price(n), "price")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("19.99", "19.99"), (" 5 ", "5.00"), ("0", "0.00"), ("1000000000", "1000000000.00"),
     ("1,5", "1.50")],
)
def test_price_from_text(text, expected):
    assert v.price(text) == Decimal(expected)


@pytest.mark.parametrize(
    "bad",
    [True, False, None, [], "", "abc", "NaN", "Infinity", "-0.01", "1.001", "1e10",
     "1,000.5,0", Decimal("sNaN"), Decimal("-Infinity"), 0.1, 19.99, 1.0],
)
def test_price_refusals(bad):
    refuses(lambda: v.price(bad), "price")


def test_price_names_the_field_it_is_given():
    refuses(lambda: v.price(-1, field="total"), "total")


# --- whole numbers -----------------------------------------------------------------------------


@PURE
@given(n=st.integers())
def test_quantity_rule(n):
    if 1 <= n <= 1_000_000:
        assert v.quantity(n) == n
    else:
        refuses(lambda: v.quantity(n), "quantity")


@PURE
@given(x=st.one_of(st.booleans(), st.floats(), st.none(), st.decimals(allow_nan=True),
                   st.text(alphabet="abc.,e- ", max_size=5), st.lists(st.integers(), max_size=1)))
def test_quantity_must_be_a_whole_number(x):
    refuses(lambda: v.quantity(x, field="lines[3].quantity"), "lines[3].quantity")


@PURE
@given(n=st.integers())
def test_stock_quantity_rule(n):
    if 0 <= n <= 2**31 - 1:
        assert v.stock_quantity(n) == n
    else:
        refuses(lambda: v.stock_quantity(n), "stock_quantity")


@PURE
@given(n=st.integers())
def test_stock_delta_rule(n):
    if n != 0 and abs(n) <= 2**31 - 1:
        assert v.stock_delta(n) == n
    else:
        refuses(lambda: v.stock_delta(n), "delta")


@pytest.mark.parametrize("bad", [True, 1.0, None, "x", Decimal(1)])
def test_stock_delta_types(bad):
    refuses(lambda: v.stock_delta(bad), "delta")


@PURE
@given(n=st.one_of(st.integers(), st.booleans(), st.floats(), st.text(max_size=3), st.none()))
def test_record_id_rule(n):
    if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 2**63 - 1:
        assert v.record_id(n) == n
    else:
        refuses(lambda: v.record_id(n, "product_id"), "product_id")


# --- order lines -------------------------------------------------------------------------------


@settings(PURE, max_examples=60)
@given(lines=st.lists(st.tuples(st.integers(1, 300), st.integers(1, 1_000_000)),
                      min_size=1, max_size=100, unique_by=lambda line: line[0]))
def test_order_lines_are_returned_sorted_by_product(lines):
    assert v.order_lines(lines) == sorted(lines)
    assert v.order_lines(reversed(lines)) == sorted(lines)  # any iterable


@PURE
@given(lines=st.lists(st.tuples(st.integers(1, 20), st.integers(1, 5)), min_size=2, max_size=30))
def test_a_product_twice_is_refused(lines):
    ids = [pid for pid, _ in lines]
    if len(set(ids)) == len(ids):
        assert v.order_lines(lines) == sorted(lines)
        return
    second = next(i for i, pid in enumerate(ids) if pid in ids[:i])
    refuses(lambda: v.order_lines(lines), f"lines[{second}].product_id")


def test_one_to_a_hundred_lines():
    assert len(v.order_lines([(i, 1) for i in range(1, 101)])) == 100
    refuses(lambda: v.order_lines([(i, 1) for i in range(1, 102)]), "lines")
    refuses(lambda: v.order_lines([]), "lines")


@pytest.mark.parametrize(
    ("lines", "field"),
    [
        (None, "lines"), ("ab", "lines"), (b"ab", "lines"), (5, "lines"),
        ([5], "lines[0]"), ([(1, 2, 3)], "lines[0]"), ([(1, 1), "x"], "lines[1]"),
        ([(0, 1)], "lines[0].product_id"), ([(True, 1)], "lines[0].product_id"),
        ([(1, 0)], "lines[0].quantity"), ([(1, 1), (2, 1_000_001)], "lines[1].quantity"),
        ([(1, True)], "lines[0].quantity"), ([(1, 1.0)], "lines[0].quantity"),
    ],
)
def test_malformed_lines(lines, field):
    refuses(lambda: v.order_lines(lines), field)


# --- status, token, paging ---------------------------------------------------------------------


def test_status_rule():
    for s in ("pending", "shipped", "cancelled"):
        assert v.status(s) == s
    for bad in ("Pending", "SHIPPED", "done", "", None, 1):
        refuses(lambda b=bad: v.status(b), "status")


def test_client_token_rule():
    token = uuid.uuid4()
    assert v.client_token(None) is None
    assert v.client_token(token) == token
    assert v.client_token(str(token)) == token
    assert v.client_token(str(token).upper()) == token
    for bad in ("", "not-a-uuid", 123, "1234"):
        refuses(lambda b=bad: v.client_token(b), "client_token")


@PURE
@given(limit=st.one_of(st.integers(), st.booleans(), st.none()),
       offset=st.one_of(st.integers(), st.booleans(), st.none()))
def test_page_rule(limit, offset):
    good_limit = isinstance(limit, int) and not isinstance(limit, bool) and 1 <= limit <= 1000
    good_offset = isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0
    if good_limit and good_offset:
        assert v.page(limit, offset) == (limit, offset)
    else:
        refuses(lambda: v.page(limit, offset), "limit" if not good_limit else "offset")
