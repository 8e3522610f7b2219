"""Scenario loading: YAML text → validated :class:`Scenario`, errors as one line.

Every failure (file missing, YAML syntax, schema violation, unknown catalog
name) raises :class:`ScenarioError` whose message names the file, the field
path and what is allowed; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel, ValidationError

from shieldlab.scenario.schema import Scenario

_SUBPATH = re.compile(r"^([\w\-]+(?:\.[\w\-]+)+): (.*)$", re.DOTALL)
"""A validator message that starts with a dotted field path (``threats.0.targets.1: ...``)."""


_UNION_TAGS = ("radar", "geo-ir", "warning-ir", "leo-ir", "airborne-radar", "walker", "geo", "heo")
"""Discriminator tags pydantic puts in error locations of tagged unions (not field names)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line for the user."""


MAX_YAML_DEPTH = 64
"""Deepest nesting of lists and mappings an input file may hold (a scenario needs ~6)."""
MAX_YAML_VALUES = 200_000
"""Most values an input file may hold with every alias expanded (refuses alias bombs)."""


class _GuardedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses, as a ``yaml.YAMLError`` with the line, what would
    exhaust the program: nesting deeper than :data:`MAX_YAML_DEPTH` (Python's recursion
    limit), aliases that expand to more than :data:`MAX_YAML_VALUES` values (a "billion
    laughs" document is small and loads fast, but everything that walks the data after
    it never ends) or that refer to the value they are inside; and a value its tag cannot
    build (a date like 2026-02-30) instead of a bare ``ValueError``."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._open = 0
        self._sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth)

    def _refuse(self, problem: str, mark: Any) -> NoReturn:
        raise yaml.composer.ComposerError(None, None, problem, mark)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                problem = f"alias *{event.anchor} refers to the value it is in"
                self._refuse(problem, event.start_mark)
            return super().compose_node(parent, index)
        self._open += 1
        if self._open > MAX_YAML_DEPTH:
            self._refuse(f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        try:
            node: Any = super().compose_node(parent, index)
        finally:
            self._open -= 1
        kids: list[Any] = []
        if isinstance(node, yaml.SequenceNode):
            kids = node.value
        elif isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        sizes = [self._sizes[id(k)] for k in kids]
        values = 1 + sum(v for v, _ in sizes)
        depth = 1 + max((d for _, d in sizes), default=0) if kids else 0
        if values > MAX_YAML_VALUES:
            self._refuse(
                f"its aliases expand to more than {MAX_YAML_VALUES} values (an alias bomb)",
                node.start_mark,
            )
        if depth > MAX_YAML_DEPTH:
            self._refuse(f"nested deeper than {MAX_YAML_DEPTH} levels (aliases)", node.start_mark)
        self._sizes[id(node)] = (values, depth)
        return node

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # !!int abc, 2026-02-30, ...
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {node.value!r}: {exc}", node.start_mark
            ) from None


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` that raises ``yaml.YAMLError`` (with a mark) for every bad input,
    nesting and alias bombs included (see :class:`_GuardedLoader`)."""
    loader = _GuardedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with the exact text it came from and its SHA-256."""

    scenario: Scenario
    text: str
    sha256: str
    path: str


def _fields_of(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str] | None:
    """Field names allowed at the parent of ``loc`` (for 'unknown field' messages)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            # discriminated unions put the tag in loc ('radar'): skip it
            continue
        ann = fields[part].annotation
        current = _model_in(ann)
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else None


def _model_in(ann: Any) -> Any:
    """The pydantic model inside an annotation like ``list[X]``, ``X | None`` or ``X``."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    meta = getattr(ann, "__metadata__", None)
    if meta is not None:
        return _model_in(ann.__origin__)
    return None


def format_validation_error(
    path: str, exc: ValidationError, model: type[BaseModel] = Scenario
) -> str:
    """One line: ``file: field.path: what is wrong; what is allowed`` (first error, +N more).

    ``model`` is the validated model (its fields are listed for an unknown key)."""
    errs = exc.errors(include_url=False)
    # a typo shows as "extra" plus "missing": report the typo, it is the cause
    errs.sort(key=lambda x: x["type"] != "extra_forbidden")
    e = errs[0]
    loc = tuple(p for p in e["loc"] if p not in _UNION_TAGS)
    where = ".".join(str(p) for p in loc) or "(top level)"
    msg = str(e["msg"])
    if e["type"] == "extra_forbidden":
        allowed = _fields_of(model, loc)
        msg = f"unknown field {loc[-1]!r}"
        close = difflib.get_close_matches(str(loc[-1]), allowed or [], n=1)
        if close:
            msg += f" (did you mean {close[0]!r}?)"
        if allowed:
            msg += f"; allowed: {', '.join(allowed)}"
    elif e["type"] == "missing":
        msg = "required field is missing"
    elif msg.startswith("Value error, "):
        msg = msg.removeprefix("Value error, ")
        # a model-level check names the field inside its model: "inventory.x.count: ..."
        sub = _SUBPATH.match(msg)
        if sub:
            where = sub[1] if where == "(top level)" else f"{where}.{sub[1]}"
            msg = sub[2]
    more = f" (+{len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{path}: {where}: {msg}{more}"


def load_mapping(text: str, path: str, what: str, error: type[ValueError]) -> dict[Any, Any]:
    """The top-level mapping of an input file's YAML (:func:`load_yaml`), or ``error``
    with one line: the line and column of malformed YAML, or that it is not a mapping."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise error(f"{path}: {where}: malformed YAML ({problem})") from None
    if not isinstance(data, dict):
        raise error(f"{path}: (top level): must be a mapping of {what} fields")
    return data


def parse_scenario(text: str, path: str = "<string>") -> LoadedScenario:
    """Validate scenario YAML text; raise :class:`ScenarioError` with a one-line message."""
    data = load_mapping(text, path, "scenario", ScenarioError)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(path, exc)) from None
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedScenario(scenario, text, sha, path)


def read_input(path: Path, what: str, error: type[ValueError]) -> str:
    """The UTF-8 text of an input file, or ``error`` with one line (missing, unreadable)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read {what} file ({type(exc).__name__})") from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read and validate a scenario file."""
    p = Path(path)
    return parse_scenario(read_input(p, "scenario", ScenarioError), str(p))
