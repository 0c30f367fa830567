"""Shortcuts are data: the contract's keys are there, no two actions share a key."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from inventory_desktop.ui import shortcuts  # noqa: E402
from inventory_desktop.ui.shortcuts import DEFAULT_SHORTCUTS, clashes, merged, portable  # noqa: E402


def test_no_two_actions_share_a_key():
    assert clashes(DEFAULT_SHORTCUTS) == {}
    assert clashes(shortcuts.current()) == {}


@pytest.mark.parametrize(
    ("action_id", "keys"),
    [
        ("order.new", ("Ctrl+N",)),
        ("list.find", ("Ctrl+F",)),
        ("list.reload", ("F5",)),
        ("view.products", ("Ctrl+1",)),
        ("view.orders", ("Ctrl+2",)),
        ("help.shortcuts", ("F1",)),
        ("entry.remove_line", ("Delete",)),
        ("entry.close", ("Esc",)),
    ],
)
def test_the_contracts_keyboard_table(action_id, keys):
    assert tuple(portable(k) for k in DEFAULT_SHORTCUTS[action_id].keys) == tuple(
        portable(k) for k in keys)


def test_place_order_takes_both_enters():
    keys = {portable(k) for k in DEFAULT_SHORTCUTS["entry.place"].keys}
    assert keys == {"Ctrl+Return", "Ctrl+Enter"}


def test_every_action_has_a_key_and_a_label():
    for action_id, s in DEFAULT_SHORTCUTS.items():
        assert s.keys, action_id
        assert s.label.strip(), action_id
        assert all(portable(k) for k in s.keys), action_id


def test_overrides_are_merged_over_the_defaults():
    result = merged({"order.ship": ["Ctrl+Alt+S"], "nonsense.action": ["F9"]})
    assert result["order.ship"].keys == ("Ctrl+Alt+S",)
    assert "nonsense.action" not in result
    assert result["order.cancel"] == DEFAULT_SHORTCUTS["order.cancel"]
    assert clashes(result) == {}


def test_an_override_never_steals_another_actions_key():
    result = merged({"order.ship": ["ctrl+n", "Ctrl+Alt+S"]})  # Ctrl+N is "new order"
    assert result["order.ship"].keys == ("Ctrl+Alt+S",)
    assert clashes(result) == {}


def test_spelling_does_not_matter():
    assert portable("shift+ctrl+n") == portable("Ctrl+Shift+N")
    assert clashes({
        "a": shortcuts.Shortcut("A", ("Ctrl+Shift+N",), shortcuts.MAIN),
        "b": shortcuts.Shortcut("B", ("shift+ctrl+n",), shortcuts.MAIN),
    }) == {"Ctrl+Shift+N": ["a", "b"]}


def test_install_sets_the_map_in_force():
    try:
        shortcuts.install({"product.history": ["Ctrl+Alt+H"]})
        assert shortcuts.current()["product.history"].keys == ("Ctrl+Alt+H",)
        assert "Ctrl+Alt+H" in shortcuts.key_text("product.history")
    finally:
        shortcuts.install(None)
    assert shortcuts.current() == DEFAULT_SHORTCUTS
