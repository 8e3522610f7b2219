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
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from shieldlab.scenario.schema import Scenario

_SUBPATH = re.compile(r"^([\w\-]+(?:\.[\w\-]+)+): (.*)$", re.DOTALL)
"""A validator message that starts with a dotted field path (``threats.0.targets.1: ...``)."""


_UNION_TAGS = ("radar", "geo-ir", "warning-ir", "leo-ir", "airborne-radar", "walker", "geo", "heo")
"""Discriminator tags pydantic puts in error locations of tagged unions (not field names)."""


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message is one line for the user."""


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


def parse_scenario(text: str, path: str = "<string>") -> LoadedScenario:
    """Validate scenario YAML text; raise :class:`ScenarioError` with a one-line message."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ScenarioError(f"{path}: {where}: malformed YAML ({problem})") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: (top level): must be a mapping of scenario fields")
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
