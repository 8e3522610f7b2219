"""Integrators over batches of states.

``f(t, y) -> dy/dt`` takes a scalar time [s] and states ``(n, k)`` and returns
``(n, k)``. Python loops run over time steps only.

- :func:`rk4_step` / :func:`rk4` — classical fixed-step Runge–Kutta, 4th order.
- :func:`rk4_until` — fixed-step RK4 with per-object terminal events: each
  object stops when its event function g(t, y) crosses zero from above; the
  crossing is located within the step by the secant/regula-falsi method on
  the cubic-Hermite interpolant of the step (4th-order dense output), so
  event times are accurate to ~1e-6 of a step without shrinking the step for
  all objects. Objects that stopped are frozen at their event state.
- :func:`locate_event` — that event location on its own, for integrators
  specialised to one right-hand side (``tracking.impact``).
- :func:`solve_ivp_batch` — adaptive Dormand–Prince (``scipy.integrate.solve_ivp``)
  on the flattened batch, with terminal events; the reference for accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import solve_ivp

F64 = NDArray[np.float64]
Deriv = Callable[[float, F64], F64]
EventFn = Callable[[float | F64, F64], F64]
"""g(t, y) -> (n,); ``t`` is a scalar or an (n,) array of per-object times."""


def rk4_step(f: Deriv, t: float, y: F64, dt: float) -> F64:
    """One RK4 step of size ``dt`` for states ``y`` ``(n, k)``."""
    k1 = f(t, y)
    k2 = f(t + 0.5 * dt, y + 0.5 * dt * k1)
    k3 = f(t + 0.5 * dt, y + 0.5 * dt * k2)
    k4 = f(t + dt, y + dt * k3)
    return y + (dt / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)


def rk4(f: Deriv, y0: F64, t_s: F64) -> F64:
    """Integrate on a given time grid ``t_s (T,)``; returns states ``(T, n, k)``."""
    t = np.asarray(t_s, dtype=np.float64)
    y = np.asarray(y0, dtype=np.float64)
    out = np.empty((t.size, *y.shape))
    out[0] = y
    for i in range(1, t.size):
        y = rk4_step(f, float(t[i - 1]), y, float(t[i] - t[i - 1]))
        out[i] = y
    return out


@dataclass(frozen=True)
class EventResult:
    """Result of :func:`rk4_until`.

    t_s: (T,) common time grid; y: (T, n, k) states on it (frozen after each
    object's event); t_event_s: (n,) event time or NaN; y_event: (n, k) state at
    the event (or the last state).
    """

    t_s: F64
    y: F64
    t_event_s: F64
    y_event: F64


def _hermite(y0: F64, f0: F64, y1: F64, f1: F64, dt: F64, s: F64) -> F64:
    """Cubic Hermite interpolant at fraction ``s`` of a step (per-object ``s``, ``dt``)."""
    s = s[:, None]
    h = dt[:, None]
    h00 = 2 * s**3 - 3 * s**2 + 1
    h10 = s**3 - 2 * s**2 + s
    h01 = -2 * s**3 + 3 * s**2
    h11 = s**3 - s**2
    return h00 * y0 + h10 * h * f0 + h01 * y1 + h11 * h * f1


def locate_event(
    event: EventFn,
    t_s: float,
    h_s: float,
    y0: F64,
    f0: F64,
    y1: F64,
    f1: F64,
    g0: F64,
    g1: F64,
) -> tuple[F64, F64]:
    """Zero of the event g inside one step, for objects whose g went from > 0 to ≤ 0.

    The step runs from ``t_s`` (states ``y0 (m, k)``, slopes ``f0``, event values
    ``g0 (m,)``) to ``t_s + h_s`` (``y1``, ``f1``, ``g1``). Illinois regula falsi
    on the cubic-Hermite interpolant of the step, to 1e-9 of the step. Returns the
    fraction ``s (m,)`` of the step at the event and the interpolated states
    ``(m, k)`` there. Used by :func:`rk4_until` and by specialised integrators
    that share its event location.
    """
    m = y0.shape[0]
    lo = np.zeros(m)
    hi = np.ones(m)
    glo, ghi = g0, g1
    hv = np.full(m, h_s)
    s_old = np.full(m, -1.0)
    side = np.zeros(m, np.int64)  # end replaced last: +1 lo, −1 hi
    for _ in range(30):  # Illinois regula falsi on the Hermite interpolant
        s = np.clip(lo - glo * (hi - lo) / np.where(ghi != glo, ghi - glo, 1.0), lo, hi)
        ys_ = _hermite(y0, f0, y1, f1, hv, s)
        gs = event(t_s + s * h_s, ys_)
        right = gs > 0
        lo = np.where(right, s, lo)
        hi = np.where(right, hi, s)
        # Illinois: halve the retained end's g when the same end was
        # replaced twice in a row (keeps superlinear convergence)
        glo = np.where(right, gs, np.where(side == -1, 0.5 * glo, glo))
        ghi = np.where(right, np.where(side == 1, 0.5 * ghi, ghi), gs)
        side = np.where(right, 1, -1)
        # converged: the bracket or the iterate no longer moves (1e-10 of a step)
        if np.all((np.abs(hi - lo) < 1e-9) | (np.abs(s - s_old) < 1e-10)):
            break
        s_old = s
    s_final = np.where(np.abs(glo) < np.abs(ghi), lo, hi)
    return s_final, _hermite(y0, f0, y1, f1, hv, s_final)


def rk4_until(
    f: Deriv,
    y0: F64,
    t0_s: float,
    dt_s: float,
    t_max_s: float,
    event: EventFn,
    active: NDArray[np.bool_] | None = None,
) -> EventResult:
    """Fixed-step RK4 until each object's event g(t, y) goes from > 0 to ≤ 0.

    ``active`` (n,) marks objects to integrate (others are frozen from the
    start). The loop ends when all objects have had their event or at
    ``t_max_s``.
    """
    y = np.array(y0, dtype=np.float64)
    n = y.shape[0]
    running = np.ones(n, bool) if active is None else np.asarray(active, bool).copy()
    t_event = np.full(n, np.nan)
    y_event = y.copy()
    g_prev = event(t0_s, y)
    ts: list[float] = [t0_s]
    ys: list[F64] = [y.copy()]
    t = t0_s
    while t < t_max_s - 1e-12 and running.any():
        h = min(dt_s, t_max_s - t)
        y_new = rk4_step(f, t, y, h)
        y_new[~running] = y[~running]
        g_new = event(t + h, y_new)
        hit = running & (g_prev > 0) & (g_new <= 0)
        if hit.any():
            idx = np.flatnonzero(hit)
            f0 = f(t, y[idx])  # end-point slopes of the Hermite interpolant, hits only
            f1 = f(t + h, y_new[idx])
            s_final, ye = locate_event(
                event, t, h, y[idx], f0, y_new[idx], f1, g_prev[idx], g_new[idx]
            )
            t_event[idx] = t + s_final * h
            y_event[idx] = ye
            y_new[idx] = ye
            running[idx] = False
        y = y_new
        y_event[running] = y[running]
        g_prev = np.where(running, g_new, g_prev)
        t += h
        ts.append(t)
        ys.append(y.copy())
    return EventResult(np.array(ts), np.stack(ys), t_event, y_event)


def solve_ivp_batch(
    f: Deriv, y0: F64, t0_s: float, t_max_s: float, rtol: float = 1e-10, atol: float = 1e-6
) -> tuple[float, F64]:
    """Adaptive Dormand–Prince 8(5,3) (DOP853) on the whole batch; returns (t_final_s, y (n, k)).

    Reference integrator for tests and offline accuracy checks.
    """
    y = np.asarray(y0, dtype=np.float64)
    shape = y.shape

    def rhs(t: float, flat: F64) -> F64:
        return f(t, flat.reshape(shape)).ravel()

    sol = solve_ivp(rhs, (t0_s, t_max_s), y.ravel(), method="DOP853", rtol=rtol, atol=atol)
    return float(sol.t[-1]), sol.y[:, -1].reshape(shape)
