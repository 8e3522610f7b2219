"""Parameter sweeps: a design over scenario parameters, and each point as a scenario.

What it models: a study of how the defence's figures of merit respond to
scenario parameters (any schema path, e.g. ``doctrine.shots_per_threat`` or
``interceptor_sites.0.inventory``). A parameter is given as ``PATH=V1,V2,…``
(explicit values, read as YAML scalars), ``PATH=LO:HI`` (a numeric range;
integers when both ends are integers) or ``PATH=LO:HI:STEP`` (the values
LO, LO+STEP, … up to HI).

Designs:

- ``grid``: the Cartesian product of the parameters' values, the first
  parameter varying slowest (``itertools.product`` order). A bare ``LO:HI``
  range has no values to enumerate and is refused (give values or a STEP).
- ``lhs``: ``samples`` points of a Latin hypercube (McKay, Beckman & Conover
  1979, Technometrics 21:239; ``scipy.stats.qmc.LatinHypercube`` seeded with the
  scenario's seed, so the design is reproducible). Each parameter's unit
  interval is cut into ``samples`` equal strata holding one point each; a real
  range maps it linearly onto LO..HI; an integer range (both ends integers), a
  list of values or a STEP range gives each of its values an equal share of the
  interval and takes the value whose share holds the point.

A point's scenario is the base scenario's ``model_dump`` with the values set by
path and validated again as a whole; its text is that dictionary as YAML, so the
stored ``scenario_text`` reproduces the point. Every point keeps the base seed:
the points share their random numbers (common random numbers), so differences
between points are the parameters' effect, not sampling noise alone.

Responses per point (:func:`point_response`) come from the per-trial totals:
P(no leaker) with its 95 % Wilson interval (Wilson 1927), and the means of
leakers, asset value hit and expended interceptor cost per trial with 95 %
Student-t intervals of the mean over the trials.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import ValidationError
from scipy import stats
from scipy.stats import qmc

from shieldlab.analysis.stats import wilson_interval
from shieldlab.scenario.load import LoadedScenario, format_validation_error, load_yaml
from shieldlab.scenario.schema import Scenario
from shieldlab.store.study import POINT_RESPONSES

__all__ = [
    "DESIGNS",
    "MAX_POINTS",
    "RESPONSE_COLUMNS",
    "Design",
    "Parameter",
    "SweepError",
    "design_points",
    "lhs_unit",
    "parse_set",
    "point_response",
    "point_scenario",
    "set_path",
    "study_key",
]

DESIGNS: tuple[str, ...] = ("grid", "lhs")
"""Designs of :func:`design_points`."""

MAX_POINTS = 10_000
"""Most points one study may hold (a typo like ``1:100000:1`` is refused, not run)."""

RESPONSE_COLUMNS: tuple[str, ...] = POINT_RESPONSES
"""Keys of :func:`point_response`, in table order (the ``study_points`` columns)."""

Scalar = bool | int | float | str
Design = Literal["grid", "lhs"]


class SweepError(ValueError):
    """A sweep that cannot be made; the message is one line naming the option."""


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: its schema path and either explicit values or a range.

    ``values`` holds the explicit values (a list or a ``LO:HI:STEP`` range);
    otherwise ``low``/``high`` bound a continuous range, ``integer`` when both
    ends are integers (LHS then draws integers LO..HI, each equally likely)."""

    path: str
    values: tuple[Scalar, ...] = ()
    low: float = math.nan
    high: float = math.nan
    integer: bool = False

    @property
    def is_range(self) -> bool:
        """True for a bare ``LO:HI`` range (no explicit values)."""
        return not self.values

    def spec(self) -> str:
        """The parameter as written on the command line (normalised)."""
        if self.is_range:
            lo, hi = (int(x) if self.integer else x for x in (self.low, self.high))
            return f"{self.path}={lo}:{hi}"
        return f"{self.path}=" + ",".join(_scalar_text(v) for v in self.values)


def _scalar_text(v: Scalar) -> str:
    return yaml.safe_dump(v, default_flow_style=True).removesuffix("\n...\n").strip()


def _number(text: str) -> int | float | None:
    """``text`` as an int or a finite float, else None (no YAML sexagesimal or octal)."""
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _scalar(text: str, option: str) -> Scalar:
    """One value of a list, read as a YAML scalar (int, float, bool, string)."""
    t = text.strip()
    if not t:
        raise SweepError(f"{option}: empty value in the list")
    n = _number(t)
    if n is not None:
        return n
    try:
        v = load_yaml(t)
    except yaml.YAMLError:
        raise SweepError(f"{option}: value {t!r} is not a valid YAML scalar") from None
    if isinstance(v, datetime.date):  # a timestamp stays the text it was (epoch_utc)
        return t
    if v is None:
        raise SweepError(f"{option}: value {t!r} is null; give a number, string or boolean")
    if not isinstance(v, bool | int | float | str):
        raise SweepError(
            f"{option}: value {t!r} is a {type(v).__name__}; give scalars (number, string, "
            "boolean) separated by commas"
        )
    if isinstance(v, float) and not math.isfinite(v):
        raise SweepError(f"{option}: value {t!r} is not finite")
    return v


def _steps(lo: int | float, hi: int | float, step: int | float, option: str) -> tuple[Scalar, ...]:
    if step <= 0:
        raise SweepError(f"{option}: STEP must be > 0 in LO:HI:STEP, got {step}")
    if hi < lo:
        raise SweepError(f"{option}: HI must be >= LO in LO:HI:STEP, got {lo}:{hi}")
    n = math.floor((hi - lo) / step + 1e-9) + 1
    if n > MAX_POINTS:
        raise SweepError(f"{option}: {n} values; at most {MAX_POINTS} per study")
    if all(isinstance(x, int) for x in (lo, hi, step)):
        return tuple(int(lo) + i * int(step) for i in range(n))
    return tuple(float(round(lo + i * step, 12)) for i in range(n))


def parse_set(text: str) -> Parameter:
    """``PATH=V1,V2,…``, ``PATH=LO:HI`` or ``PATH=LO:HI:STEP`` as a :class:`Parameter`.

    Raises :class:`SweepError` (one line naming ``--set`` and what is allowed)."""
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not path or not spec.strip():
        raise SweepError(
            f"--set: expected PATH=V1,V2,… or PATH=LO:HI[:STEP] "
            f"(e.g. doctrine.shots_per_threat=1,2,3), got {text!r}"
        )
    if any(not part for part in path.split(".")):
        raise SweepError(f"--set {path}: empty component in the path (dots separate fields)")
    option = f"--set {path}"
    parts = spec.split(":")
    nums = [_number(p) for p in parts]
    if len(parts) in (2, 3) and "," not in spec and all(n is not None for n in nums):
        lo, hi = nums[0], nums[1]
        assert lo is not None and hi is not None
        if len(parts) == 3:
            step = nums[2]
            assert step is not None
            return Parameter(path, _steps(lo, hi, step, option))
        if not hi > lo:
            raise SweepError(f"{option}: a range LO:HI needs HI > LO, got {spec!r}")
        integer = isinstance(lo, int) and isinstance(hi, int)
        return Parameter(path, low=float(lo), high=float(hi), integer=integer)
    values = tuple(_scalar(v, option) for v in spec.split(","))
    if len(set(map(repr, values))) != len(values):
        raise SweepError(f"{option}: a value is repeated in {spec!r}")
    return Parameter(path, values)


def lhs_unit(d: int, samples: int, seed: int) -> np.ndarray:
    """A Latin hypercube ``(samples, d)`` in the unit cube: column ``j``'s values fall
    one in each interval ``[k/samples, (k+1)/samples)`` (scrambled within it)."""
    return np.asarray(qmc.LatinHypercube(d, rng=seed).random(samples), dtype=np.float64)


def design_points(
    params: Sequence[Parameter], design: str, samples: int | None, seed: int
) -> list[dict[str, Scalar]]:
    """The study's points: one ``{path: value}`` per point, in run order.

    ``grid`` takes the product (first parameter slowest; ``samples`` must be None);
    ``lhs`` draws ``samples`` points (:func:`lhs_unit` with ``seed``)."""
    if not params:
        raise SweepError("--set: give at least one parameter PATH=V1,V2,…")
    paths = [p.path for p in params]
    dup = next((p for p in paths if paths.count(p) > 1), None)
    if dup is not None:
        raise SweepError(f"--set {dup}: the parameter is given twice; give it once")
    if design not in DESIGNS:
        raise SweepError(f"--design: allowed {', '.join(DESIGNS)}, got {design!r}")
    if design == "grid":
        if samples is not None:
            raise SweepError("--samples: only with --design lhs (a grid has every combination)")
        bare = next((p for p in params if p.is_range), None)
        if bare is not None:
            raise SweepError(
                f"--set {bare.path}: a grid needs explicit values V1,V2,… or LO:HI:STEP, "
                f"not the range {bare.spec().partition('=')[2]} (or use --design lhs)"
            )
        n = math.prod(len(p.values) for p in params)
        if n > MAX_POINTS:
            raise SweepError(f"--set: the grid has {n} points; at most {MAX_POINTS} per study")
        return [
            dict(zip(paths, combo, strict=True))
            for combo in itertools.product(*(p.values for p in params))
        ]
    if samples is None:
        raise SweepError("--samples: --design lhs needs the number of points, e.g. --samples 20")
    if not 1 <= samples <= MAX_POINTS:
        raise SweepError(f"--samples: an integer 1..{MAX_POINTS}, got {samples}")
    u = lhs_unit(len(params), samples, seed)
    points: list[dict[str, Scalar]] = [{} for _ in range(samples)]
    for j, p in enumerate(params):
        for i, x in enumerate(u[:, j].tolist()):
            points[i][p.path] = _lhs_value(p, x)
    return points


def _lhs_value(p: Parameter, u: float) -> Scalar:
    if p.is_range:
        if p.integer:  # LO..HI each an equal share of the unit interval
            n = int(p.high - p.low) + 1
            return int(p.low) + min(int(u * n), n - 1)
        return float(p.low + u * (p.high - p.low))
    return p.values[min(int(u * len(p.values)), len(p.values) - 1)]


def _keys_at(node: object) -> str:
    if isinstance(node, Mapping):
        return "keys: " + ", ".join(str(k) for k in node)
    if isinstance(node, list):
        return f"indices 0..{len(node) - 1}" if node else "none (the list is empty)"
    return "none"


def set_path(data: dict[str, Any], path: str, value: Scalar) -> None:
    """Set ``value`` at the dotted ``path`` in ``data`` (a scenario's dump), in place.

    Integer components index lists. The path must exist down to a field that is not
    a section; else :class:`SweepError` names the path and the keys (or indices)
    available at the deepest level that exists."""
    option = f"--set {path}"
    parts = path.split(".")
    node: Any = data
    for depth, key in enumerate(parts):
        where = ".".join(parts[:depth]) or "the top level"
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not key.lstrip("-").isdigit():
                raise SweepError(
                    f"{option}: {where} is a list; {key!r} is not an index ({_keys_at(node)})"
                )
            i = int(key)
            if not 0 <= i < len(node):
                raise SweepError(f"{option}: no item {i} in {where}; {_keys_at(node)}")
            if last:
                _check_leaf(node[i], option)
                node[i] = value
                return
            node = node[i]
        elif isinstance(node, dict):
            if key not in node:
                raise SweepError(f"{option}: unknown key {key!r} at {where}; {_keys_at(node)}")
            if last:
                _check_leaf(node[key], option)
                node[key] = value
                return
            node = node[key]
        else:
            raise SweepError(
                f"{option}: {where} is {'not set (null)' if node is None else 'a value'}, "
                f"it has no field {key!r}"
                + ("; give that section in the scenario file first" if node is None else "")
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _check_leaf(current: object, option: str) -> None:
    if isinstance(current, dict | list):
        raise SweepError(
            f"{option}: is a section, not a value; give the path of one of its fields "
            f"({_keys_at(current)})"
        )


def point_scenario(
    base: LoadedScenario, values: Mapping[str, Scalar], point: int | None = None
) -> LoadedScenario:
    """The base scenario with ``values`` set by path and validated again as a whole.

    Its ``text`` is the YAML of the whole dump (it reproduces the point) and ``sha256``
    that text's hash. A bad value raises :class:`SweepError` with one line naming the
    parameter, the field and what is allowed."""
    data = base.scenario.model_dump(mode="json")
    for path, value in values.items():
        set_path(data, path, value)
    label = "--set " + " ".join(f"{k}={_scalar_text(v)}" for k, v in values.items())
    if point is not None:
        label = f"point {point} ({label})"
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise SweepError(format_validation_error(label, exc)) from None
    except ValueError as exc:  # a before-validator refusing the dump
        raise SweepError(f"{label}: {str(exc).splitlines()[0]}") from None
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedScenario(scenario, text, sha, base.path)


def study_key(
    scenario_sha256: str,
    sets: Sequence[str],
    design: str,
    samples: int | None,
    trials: int,
    seed: int,
) -> str:
    """First 8 hex digits of the SHA-256 of what defines a study (its id's suffix)."""
    blob = json.dumps(
        {
            "scenario_sha256": scenario_sha256,
            "sets": sorted(sets),
            "design": design,
            "samples": samples,
            "trials": trials,
            "seed": seed,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:8]


def _mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``x`` and its 95 % Student-t interval (zero width for equal values or n=1)."""
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(np.mean(x))
    if x.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, x.size - 1)) * float(np.std(x, ddof=1)) / math.sqrt(x.size)
    return mean, mean - half, mean + half


def point_response(trials: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The responses of one point from its ``trials`` table (keys :data:`RESPONSE_COLUMNS`).

    Intervals of the means are clipped at 0 (counts, value and cost are not
    negative). An unpriced shot's cost (NaN) counts as unknown: trials with any are
    left out of the cost mean."""
    leakers = np.asarray(trials["leakers"])
    n = int(leakers.size)
    clean = int(np.count_nonzero(leakers == 0))
    lo, hi = wilson_interval(clean, n)
    out = {
        "p_no_leaker": clean / n if n else math.nan,
        "p_no_leaker_lo": float(lo),
        "p_no_leaker_hi": float(hi),
    }
    for key, col in (("leakers", "leakers"), ("value", "value_hit"), ("cost", "cost_usd")):
        mean, m_lo, m_hi = _mean_interval(np.asarray(trials[col]))
        name = {"leakers": "mean_leakers", "value": "mean_value_lost", "cost": "mean_cost_usd"}
        out[name[key]] = mean
        out[f"{key}_lo"] = max(0.0, m_lo) if math.isfinite(m_lo) else m_lo
        out[f"{key}_hi"] = m_hi
    return {k: out[k] for k in RESPONSE_COLUMNS}
