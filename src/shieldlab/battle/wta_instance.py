"""Static weapon-target assignment (WTA) data: the problem, a solution, the instance reader.

Problem (Manne 1958; den Broeder, Ellison & Emerling 1959): W weapon types,
``units[w]`` units of type w, T targets of value ``values[t]``; one unit of
type w kills target t with probability ``pk[w, t]``, independently of the
others. Choose integer counts x[w, t] ≥ 0 with Σ_t x[w, t] ≤ units[w]
(x = 0 where ``feasible`` is False) minimising the expected surviving value

    F(x) = Σ_t values[t] · Π_w (1 − pk[w, t])^x[w, t].

Instance file format (Andersen, Pavlikov & Toffolo, Ann. Oper. Res. 2022,
doi 10.1007/s10479-022-04525-6): line 1 ``W T mu``; T lines with one target
value each; then ``w t p`` lines, one per (weapon, target) pair, 0-based.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
B = NDArray[np.bool_]


@dataclass(frozen=True, init=False)
class WtaProblem:
    """A static WTA instance (struct of arrays).

    values : (T,) target values ≥ 0 (any unit: the objective is in the same unit).
    pk : (W, T) single-shot kill probabilities in [0, 1].
    units : (W,) integer units available per weapon type ≥ 0.
    feasible : (W, T) bool, optional — False forbids the pair (default: all allowed).
    """

    values: F64
    pk: F64
    units: I64
    feasible: B

    def __init__(
        self,
        values: ArrayLike,
        pk: ArrayLike,
        units: ArrayLike,
        feasible: ArrayLike | None = None,
    ) -> None:
        v = np.asarray(values, dtype=np.float64).reshape(-1)
        p = np.atleast_2d(np.asarray(pk, dtype=np.float64))
        u_raw = np.asarray(units).reshape(-1)
        if p.ndim != 2 or p.shape[1] != v.size:
            raise ValueError(f"pk: expected shape (W, {v.size}), got {p.shape}")
        w_count = p.shape[0]
        if u_raw.size == 1 and w_count != 1:
            u_raw = np.full(w_count, u_raw[0])
        if u_raw.size != w_count:
            raise ValueError(f"units: expected {w_count} entries, got {u_raw.size}")
        if not np.all(np.isfinite(u_raw)) or np.any(u_raw < 0) or np.any(u_raw != np.round(u_raw)):
            raise ValueError("units: expected non-negative integers")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise ValueError("values: expected finite values >= 0")
        if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
            raise ValueError("pk: expected probabilities in [0, 1]")
        if feasible is None:
            f = np.ones(p.shape, dtype=bool)
        else:
            f = np.asarray(feasible, dtype=bool)
            if f.shape != p.shape:
                raise ValueError(f"feasible: expected shape {p.shape}, got {f.shape}")
        for name, arr in (
            ("values", v),
            ("pk", p),
            ("units", u_raw.astype(np.int64)),
            ("feasible", f),
        ):
            arr = np.array(arr)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)

    @property
    def n_weapons(self) -> int:
        """Number of weapon types W."""
        return int(self.pk.shape[0])

    @property
    def n_targets(self) -> int:
        """Number of targets T."""
        return int(self.pk.shape[1])

    def survival(self, x: ArrayLike) -> F64:
        """Survival probability of each target (T,) under counts x (W, T): Π_w q^x."""
        xa = np.asarray(x, dtype=np.int64)
        return np.prod((1.0 - self.pk) ** xa, axis=0)

    def objective(self, x: ArrayLike) -> float:
        """Expected surviving value F(x) = Σ_t v_t Π_w (1 − p_wt)^x_wt."""
        return float(self.values @ self.survival(x))

    def check(self, x: ArrayLike) -> None:
        """Raise ValueError if x is not a feasible assignment of this problem."""
        xa = np.asarray(x)
        if xa.shape != self.pk.shape:
            raise ValueError(f"assignment: expected shape {self.pk.shape}, got {xa.shape}")
        if np.any(xa < 0) or np.any(xa != np.round(xa)):
            raise ValueError("assignment: expected non-negative integers")
        if np.any(xa.sum(axis=1) > self.units):
            raise ValueError("assignment: a weapon type uses more units than it has")
        if np.any(xa[~self.feasible] != 0):
            raise ValueError("assignment: uses a pair marked infeasible")


@dataclass(frozen=True)
class WtaSolution:
    """Result of a WTA solve.

    x : (W, T) int units of weapon w on target t.
    objective : expected surviving value F(x).
    lower_bound : proven lower bound on the optimum (nan when none).
    gap : (objective − lower_bound) / objective (nan without a bound; 0 when objective is 0).
    seconds : wall time of the solve [s].
    method : "mmr" (greedy + local search), "milp" (outer approximation MILP) or "bruteforce".
    status : "optimal" (gap ≤ tolerance), "feasible" or "heuristic".
    """

    x: I64
    objective: float
    lower_bound: float
    gap: float
    seconds: float
    method: str
    status: str


def relative_gap(objective: float, lower_bound: float) -> float:
    """(objective − lower_bound) / objective; nan without a bound, 0 if objective is 0."""
    if not np.isfinite(lower_bound):
        return float("nan")
    if objective <= 0.0:
        return 0.0
    return max(0.0, (objective - lower_bound) / objective)


MAX_UNITS = 10**9
"""Most units per weapon type an instance file may give (``mu``; counts stay in int64)."""
MAX_TOTAL_VALUE = 1e300
"""Largest sum of target values an instance file may give (objectives stay finite)."""


def read_wta_instance(path: str | Path) -> WtaProblem:
    """Read a static WTA instance file (format in the module docstring).

    Errors name the file, the line and what is expected (ValueError);
    a missing file raises FileNotFoundError.
    """
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    lines = text.splitlines()
    where = str(p)

    def bad(lineno: int, what: str) -> ValueError:
        got = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else "end of file"
        return ValueError(f"{where}:{lineno}: expected {what}, got {got!r}")

    if not lines:
        raise ValueError(f"{where}:1: expected 'W T mu', got an empty file")
    head = lines[0].split()
    try:
        w_count, t_count, mu = (int(s) for s in head)
    except ValueError:
        raise bad(1, "'W T mu' (three integers)") from None
    if w_count < 1 or t_count < 1 or not 0 <= mu <= MAX_UNITS:
        raise bad(1, f"W >= 1, T >= 1, 0 <= mu <= {MAX_UNITS}")
    values = np.empty(min(t_count, len(lines)))  # a file too short fails in the loop
    for t in range(t_count):
        lineno = 2 + t
        try:
            values[t] = float(lines[lineno - 1])
        except (ValueError, IndexError):
            raise bad(lineno, f"the value of target {t} (one number)") from None
        if not np.isfinite(values[t]) or values[t] < 0:
            raise bad(lineno, f"the value of target {t} (a finite number >= 0)")
    if not sum(values.tolist()) <= MAX_TOTAL_VALUE:
        raise ValueError(f"{where}: target values: expected a sum <= {MAX_TOTAL_VALUE:g}")
    body = lines[1 + t_count :]
    rows: list[tuple[int, str]] = [
        (2 + t_count + i, s) for i, s in enumerate(body) if s.strip() != ""
    ]
    n_pairs = w_count * t_count
    if len(rows) != n_pairs:
        raise ValueError(
            f"{where}: expected {n_pairs} 'w t p' lines after the values (W*T), got {len(rows)}"
        )
    try:
        arr = np.array([s.split() for _, s in rows], dtype=np.float64)
    except ValueError:
        arr = None
    if arr is None or arr.ndim != 2 or arr.shape[1] != 3:
        for lineno, s in rows:
            parts = s.split()
            try:
                if len(parts) != 3:
                    raise ValueError
                [float(x) for x in parts]
            except ValueError:
                raise bad(lineno, "'w t p' (weapon index, target index, probability)") from None
        raise ValueError(f"{where}: malformed 'w t p' lines")  # pragma: no cover
    w_idx, t_idx, prob = arr[:, 0], arr[:, 1], arr[:, 2]
    okw = (w_idx == np.round(w_idx)) & (w_idx >= 0) & (w_idx < w_count)
    okt = (t_idx == np.round(t_idx)) & (t_idx >= 0) & (t_idx < t_count)
    okp = np.isfinite(prob) & (prob >= 0) & (prob <= 1)
    for ok, what in (
        (okw, f"a weapon index in 0..{w_count - 1}"),
        (okt, f"a target index in 0..{t_count - 1}"),
        (okp, "a probability in [0, 1]"),
    ):
        if not np.all(ok):
            i = int(np.argmin(ok))
            raise bad(rows[i][0], f"'w t p' with {what}")
    pk = np.full((w_count, t_count), np.nan)
    wi, ti = w_idx.astype(np.int64), t_idx.astype(np.int64)
    flat = wi * t_count + ti
    dup = np.zeros(flat.size, dtype=bool)
    order = np.argsort(flat, kind="stable")
    dup[order[1:]] = flat[order[1:]] == flat[order[:-1]]
    if np.any(dup):
        i = int(np.argmax(dup))
        raise bad(rows[i][0], f"each (w, t) pair once; pair ({wi[i]}, {ti[i]}) is repeated")
    pk.reshape(-1)[flat] = prob
    return WtaProblem(values, pk, np.full(w_count, mu, dtype=np.int64))
