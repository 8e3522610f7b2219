"""Hypothesis strategies for ``tests/test_fuzz.py``: mutated YAML files, junk, command lines.

A YAML input is mutated at two levels: the parsed document (a value replaced by a
value of the wrong type, a huge or negative number, NaN/inf, unicode and control
characters; a key deleted or added; a subtree shared so that the dump holds an
anchor and aliases; a deeply nested list; a billion-laughs alias bomb) and the
text (truncated, characters inserted, bytes flipped into invalid UTF-8, or
replaced by random bytes).
"""

from __future__ import annotations

import copy
import math
import os
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import HealthCheck, settings, strategies as st

FUZZ_ENV = "SHIELDLAB_FUZZ_EXAMPLES"
"""Environment variable: examples per property test (``make fuzz`` sets it)."""


def examples(default: int, cap: int | None = None) -> int:
    """Examples per property test: ``$SHIELDLAB_FUZZ_EXAMPLES`` (at most ``cap``, for the
    tests whose cases cost seconds) when set, else ``default``."""
    env = os.environ.get(FUZZ_ENV)
    if not env:
        return default
    return min(int(env), cap) if cap is not None else int(env)


DERANDOMIZE = not os.environ.get(FUZZ_ENV)
"""Fixed examples (a deterministic CI run) unless the opt-in fuzz job sets the count."""
COMMON: dict[str, Any] = {
    "derandomize": DERANDOMIZE,
    "database": None if DERANDOMIZE else settings.default.database,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
"""Settings shared by every fuzz test (besides ``max_examples`` and ``deadline``)."""

BOMB = "__SHIELDLAB_FUZZ_BOMB__"
"""Placeholder scalar replaced in the dumped text by a one-line alias bomb."""

ODD_STRINGS = [
    "",
    " ",
    "a\nb",
    "line\r\nbreak",
    "\t",
    "\x00",
    "\x1b[31mred\x1b[0m",
    "\u2028",
    "\u0085",
    "\ufeff",
    "\u200b",
    "[bold]x[/]",
    "[/]",
    "[/red]",
    "[link=file:///etc/passwd]x",
    ":smile:",
    "%s%s%n",
    "{0}{}",
    "../../../etc/passwd",
    "~",
    "null",
    "true",
    ".nan",
    "1e999",
    "-0",
    "0x1F",
    "2026-02-30T25:61:61Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "Ωμέγα 水 🚀",
    "x" * 300,
]
"""Strings that break naive code: control characters, Rich markup, format codes, unicode."""

ODD_NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2**31,
    2**63,
    -(2**63) - 1,
    10**100,
    -(10**30),
    0.0,
    -0.0,
    1e-300,
    5e-324,
    1e308,
    -1e308,
    math.nan,
    math.inf,
    -math.inf,
    0.1,
    -2.5,
]
"""Numbers at and past every bound: zero, negative, huge, tiny, NaN, ±inf."""

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(ODD_NUMBERS),
    st.integers(),
    st.floats(),
    st.sampled_from(ODD_STRINGS),
    st.text(max_size=12),
)
"""One YAML scalar of any type."""


@st.composite
def nested(draw: st.DrawFn) -> Any:
    """A nested list or mapping (10 to 150 levels; deeper nests are made as text)."""
    depth = draw(st.sampled_from([10, 60, 150]))
    value: Any = draw(scalars)
    key = draw(st.sampled_from(["a", "lat_deg", "name"]))
    as_map = draw(st.booleans())
    for _ in range(depth):
        value = {key: value} if as_map else [value]
    return value


values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), scalars, max_size=3),
    nested(),
    st.just(BOMB),
)
"""A replacement value: a scalar, a small list or mapping, a deep nest or a bomb."""


def alias_bomb(levels: int, fanout: int) -> str:
    """A one-line flow sequence whose last item expands to ``fanout ** levels`` scalars."""
    items = [f"&b0 [{', '.join(['lol'] * fanout)}]"]
    for i in range(1, levels):
        items.append(f"&b{i} [{', '.join([f'*b{i - 1}'] * fanout)}]")
    return f"[{', '.join(items)}]"


def paths(
    node: Any, prefix: tuple[Any, ...] = (), above: frozenset[int] = frozenset()
) -> list[tuple[Any, ...]]:
    """Every path (keys and indices) into a parsed YAML document, the root first
    (a shared subtree that contains itself is entered once)."""
    out = [prefix]
    if id(node) in above:
        return out
    inner = above | {id(node)}
    if isinstance(node, dict):
        for k, v in node.items():
            out += paths(v, (*prefix, k), inner)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += paths(v, (*prefix, i), inner)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for p in path:
        doc = doc[p]
    return doc


@dataclass(frozen=True)
class Edit:
    """One mutation of a parsed document (for hypothesis's report of a failing case)."""

    op: str
    path: tuple[Any, ...]
    value: Any = None


@st.composite
def edits(draw: st.DrawFn, doc: Any) -> Edit:
    """One edit of ``doc``: an odd number or string in place of one, any value in place of
    any, a key deleted or added, a value wrapped in a list, a subtree shared, a type changed."""
    every = paths(doc)
    where = draw(st.sampled_from(every[1:] or [()]))
    ops = ["number"] * 3 + ["string"] * 2 + ["replace", "delete", "add", "wrap", "share", "retype"]
    op = draw(st.sampled_from(ops))
    numbers = [p for p in every[1:] if _is_number(_at(doc, p))]
    if op == "number" and numbers:  # a number at and past its bounds: most bugs are there
        return Edit("replace", draw(st.sampled_from(numbers)), draw(st.sampled_from(ODD_NUMBERS)))
    strings = [p for p in every[1:] if isinstance(_at(doc, p), str)]
    if op == "string" and strings:  # a name, a type, an epoch: odd text
        return Edit("replace", draw(st.sampled_from(strings)), draw(st.sampled_from(ODD_STRINGS)))
    if op in ("replace", "number", "string"):
        return Edit("replace", where, draw(values))
    if op == "add":
        key = draw(st.one_of(st.text(min_size=1, max_size=10), st.sampled_from(ODD_STRINGS[1:])))
        return Edit(op, where, (key, draw(values)))
    if op == "share":  # a list or mapping put in a second place: an anchor and an alias
        shared = [p for p in every[1:] if isinstance(_at(doc, p), dict | list)]
        return Edit(op, where, draw(st.sampled_from(shared))) if shared else Edit("wrap", where)
    return Edit(op, where)


def apply_edit(doc: Any, edit: Edit) -> Any:
    """A copy of ``doc`` with ``edit`` applied (a no-op where it does not fit)."""
    doc = copy.deepcopy(doc)
    if not edit.path:
        return edit.value if edit.op == "replace" else doc
    parent, last = _at(doc, edit.path[:-1]), edit.path[-1]
    if edit.op == "replace":
        parent[last] = edit.value
    elif edit.op == "delete":
        del parent[last]
    elif edit.op == "add":
        target = parent[last]
        key, value = edit.value
        if isinstance(target, dict):
            target[key] = value
        elif isinstance(target, list):
            target.append(value)
        else:
            parent[key if isinstance(parent, dict) else last] = value
    elif edit.op == "wrap":
        parent[last] = [parent[last]]
    elif edit.op == "share":
        # the same object in two places: the dump writes an anchor and an alias
        parent[last] = _at(doc, edit.value)
    elif edit.op == "retype":
        v = parent[last]
        if isinstance(v, bool) or v is None:
            parent[last] = str(v)
        elif isinstance(v, int | float):
            parent[last] = str(v)
        elif isinstance(v, str):
            parent[last] = len(v)
        elif isinstance(v, list):
            parent[last] = {str(i): x for i, x in enumerate(v)}
        elif isinstance(v, dict):
            parent[last] = list(v.items())
    return doc


def dump(doc: Any, bomb: str) -> str:
    """YAML text of ``doc`` (``BOMB`` placeholders replaced by ``bomb``)."""
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.replace(BOMB, bomb)


@st.composite
def text_edits(draw: st.DrawFn, text: str) -> bytes:
    """The UTF-8 bytes of ``text``, perhaps truncated, spliced or corrupted."""
    data = text.encode("utf-8")
    op = draw(st.sampled_from(["none"] * 4 + ["truncate", "insert", "flip", "bom", "tab"]))
    if not data or op == "none":
        return data
    i = draw(st.integers(0, len(data) - 1))
    if op == "truncate":
        return data[:i]
    if op == "insert":
        junk = draw(
            st.one_of(
                st.sampled_from(
                    ["{", "[", "]", ":", "- ", "&x ", "*x", "*undefined", "!!python/object ", "? "]
                ),
                st.text(max_size=4),
            )
        )
        return data[:i] + junk.encode("utf-8", "surrogatepass") + data[i:]
    if op == "flip":
        return data[:i] + bytes([draw(st.integers(0x80, 0xFF))]) + data[i + 1 :]
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    return data.replace(b"  ", b"\t", 1)


class Blob:
    """Bytes of a generated file, shown short in hypothesis's report of a failing case."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __repr__(self) -> str:
        head = self.data[:400]
        more = f" +{len(self.data) - len(head)} bytes" if len(self.data) > len(head) else ""
        return f"Blob({head!r}{more})"


@st.composite
def yaml_inputs(draw: st.DrawFn, docs: list[Any]) -> Blob:
    """A YAML file: a mutated ``docs`` entry, or junk (empty, random, a bomb, a deep nest)."""
    return Blob(draw(_yaml_bytes(docs)))


@st.composite
def _yaml_bytes(draw: st.DrawFn, docs: list[Any]) -> bytes:
    kind = draw(st.sampled_from(["mutated"] * 8 + ["junk", "bomb", "deep"]))
    if kind == "deep":
        n = draw(st.sampled_from([100, 400, 1000, 5000]))
        if draw(st.booleans()):
            return f"name: x\nassets: {'[' * n}{']' * n}\n".encode()
        return ("assets:\n" + "".join(" " * i + "a:\n" for i in range(1, n))).encode()
    if kind == "junk":
        return draw(
            st.one_of(
                st.just(b""),
                st.binary(max_size=64),
                st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")),
                st.sampled_from([b"---\n", b"~\n", b"[]\n", b"42\n", b"- a\n- b\n", b"\xff\xfe"]),
            )
        )
    if kind == "bomb":
        levels, fanout = draw(st.integers(2, 12)), draw(st.integers(2, 10))
        return f"lol: {alias_bomb(levels, fanout)}\n".encode()
    doc = draw(st.sampled_from(docs))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        doc = apply_edit(doc, draw(edits(doc)))
    bomb = alias_bomb(draw(st.integers(2, 10)), draw(st.integers(2, 9)))
    return draw(text_edits(dump(doc, bomb)))


# --- command-line values ---


def option_text(numbers: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    """An option value as typed: mostly a number from ``numbers``, else odd or junk text."""
    return st.one_of(
        numbers.map(str),
        numbers.map(str),
        numbers.map(str),
        st.sampled_from(ODD_NUMBERS).map(str),
        st.sampled_from(["", " ", "abc", "1,2", "1e999", "-", "--json", "0x10", "1_000"]),
        st.text(max_size=6),
    )


latlon_text = st.one_of(
    st.tuples(st.floats(-100, 100, allow_nan=False), st.floats(-200, 400, allow_nan=False)).map(
        lambda p: f"{p[0]},{p[1]}"
    ),
    st.sampled_from(["40,127.5", "nan,0", "0,inf", "1,2,3", ",", "abc", "", "91,0", "0,-181"]),
    st.text(max_size=8),
)
"""A ``LAT,LON`` option value (mostly well formed)."""

epoch_text = st.one_of(
    st.just("2026-07-04T12:00:00Z"),
    st.sampled_from(
        [
            "2026-07-04",
            "1900-01-01T00:00:00Z",
            "2100-12-31T23:59:59Z",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "2026-13-01T00:00:00Z",
            "yesterday",
            "",
        ]
    ),
    st.text(max_size=10),
)
"""An ``--epoch`` value."""
