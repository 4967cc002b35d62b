"""The annotate page's key map (workbench/keymap.py, pure): parse, check, resolve, and
every refusal with the line it names."""

from __future__ import annotations

import pytest

from workbench.keymap import (
    ACTIONS,
    RESERVED,
    changed,
    check,
    defaults,
    format_keymap_lines,
    parse_keymap_lines,
    resolve,
    shown,
)


def test_the_defaults_give_no_key_twice_and_no_reserved_key():
    keys = [k for a in ACTIONS for k in a.keys]
    assert len(keys) == len(set(keys))
    assert not set(keys) & RESERVED
    assert check({}) == defaults()


def test_the_defaults_read_back_from_their_lines():
    text = format_keymap_lines(defaults())
    assert text.splitlines()[0] == "next: j ArrowDown"
    assert parse_keymap_lines(text) == defaults()
    assert changed(parse_keymap_lines(text)) == {}


def test_empty_text_gives_the_defaults():
    assert parse_keymap_lines("") == defaults()
    assert parse_keymap_lines("\n  \n# a comment\n") == defaults()


def test_a_changed_action_keeps_the_others_at_their_defaults():
    keymap = parse_keymap_lines("note: m\n\naccept: Space")
    assert keymap["note"] == ("m",)
    assert keymap["accept"] == (" ",)
    assert keymap["next"] == ("j", "ArrowDown")
    assert list(keymap) == [a.name for a in ACTIONS], "always in the order of ACTIONS"
    assert changed(keymap) == {"accept": [" "], "note": ["m"]}
    assert "accept: Space" in format_keymap_lines(keymap).splitlines()


def test_keys_can_be_swapped_between_actions():
    keymap = parse_keymap_lines("next: k ArrowUp\nprevious: j ArrowDown")
    assert (keymap["next"], keymap["previous"]) == (("k", "ArrowUp"), ("j", "ArrowDown"))


def test_named_keys_are_read_in_any_case_and_single_characters_as_typed():
    keymap = parse_keymap_lines("next: J arrowdown\nhelp: SPACE\ndone: enter D")
    assert keymap["next"] == ("J", "ArrowDown")
    assert keymap["help"] == (" ",)
    assert keymap["done"] == ("Enter", "D")


def test_lines_may_be_crlf_and_padded():
    assert parse_keymap_lines("  note :  m  \r\nundo: z\r\n")["undo"] == ("z",)


REFUSED = {
    "no colon": ("next j", "line 1: write 'action: key key'"),
    "unknown action": ("\nnxet: j", "line 2: unknown action 'nxet'; the actions are: next,"),
    "no action": (": j", "line 1: unknown action ''"),
    "no key": ("next:", "line 1: next: give at least one key"),
    "a digit": ("next: 1", "line 1: next: '1' is reserved (digits pick values; Escape, Tab)"),
    "Escape": ("note: Escape", "line 1: note: 'Escape' is reserved"),
    "tab in lower case": ("note: tab", "line 1: note: 'Tab' is reserved"),
    "a word": ("next: ctrl+j", "line 1: next: 'ctrl+j' is not a key: give one character, Space"),
    "a control character": ("next: \x07", "line 1: next: '\\x07' is not a printable character"),
    "a key twice": ("next: x x", "line 1: next: a key is listed twice"),
    "an action twice": (
        "note: m\nundo: z\nnote: x",
        "line 3: the action 'note' is listed twice (first on line 1)",
    ),
    "a key typed for two actions": (
        "note: x\n\nundo: x",
        "line 3: the key 'x' is given to both 'note' (line 1) and 'undo'",
    ),
    "a key of another action's defaults": (
        "help: h\nnote: k",
        "line 2: the key 'k' belongs to 'previous' by default; choose another key for "
        "'note', or give 'previous' other keys on a line of its own",
    ),
    "the space bar twice": (
        "help: Space\nnote: space",
        "line 2: the key 'Space' is given to both 'help' (line 1) and 'note'",
    ),
}


@pytest.mark.parametrize("text, message", REFUSED.values(), ids=REFUSED.keys())
def test_refusals_name_the_line(text, message):
    with pytest.raises(ValueError) as caught:
        parse_keymap_lines(text)
    assert str(caught.value).startswith(message)


def test_the_first_line_that_clashes_is_named():
    # Line 2 clashes with a default; line 3 with line 1: line 2 comes first.
    with pytest.raises(ValueError, match="^line 2: the key 'j'"):
        parse_keymap_lines("note: x\nhelp: j\nundo: x")


CHECK_REFUSED = {
    "not a mapping": (["next", "j"], "a key map is a mapping"),
    "keys not a list": ({"next": "j"}, "next: the keys must be a list"),
    "a key not text": ({"next": [7]}, "next: 7 is not a key"),
    "unknown action": ({"jump": ["j"]}, "unknown action 'jump'"),
    "a clash": ({"note": ["j"]}, "the key 'j' is given to both 'next' and 'note'"),
}


@pytest.mark.parametrize("mapping, message", CHECK_REFUSED.values(), ids=CHECK_REFUSED.keys())
def test_check_refuses(mapping, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        check(mapping)


def test_resolve_of_nothing_is_the_defaults():
    assert resolve(None) == resolve({}) == defaults()


def test_resolve_of_what_changed_gives_back_the_key_map():
    keymap = parse_keymap_lines("note: m\nstance: x y")
    assert resolve(changed(keymap)) == keymap
    assert resolve({"note": ["m"]})["note"] == ("m",)


def test_resolve_keeps_what_still_fits_of_a_stored_map_that_no_longer_checks():
    stored = {"renamed-away": ["x"], "note": ["m"], "undo": ["j"], "help": "h", "via": ["?"]}
    keymap = resolve(stored)
    assert keymap["note"] == ("m",), "a good action is kept"
    assert keymap["undo"] == ("u",), "a key another action has: the default"
    assert keymap["help"] == ("?",), "keys that are not a list: the default"
    assert keymap["via"] == ("v",), "'?' is help's, which kept its default"
    assert set(keymap) == {a.name for a in ACTIONS}
    check(keymap)


@pytest.mark.parametrize("stored", [["next"], "next: j", 3])
def test_resolve_of_a_stored_value_that_is_no_mapping_is_the_defaults(stored):
    assert resolve(stored) == defaults()


def test_shown_names_the_space_bar():
    assert shown(" ") == "Space" and shown("j") == "j"
