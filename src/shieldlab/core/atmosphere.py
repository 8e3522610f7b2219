"""US Standard Atmosphere 1976 (COESA 1976), geometric altitude 0–1000 km, vectorised.

Validity: geometric altitude 0–1000 km; one idealised mid-latitude profile of
moderate solar activity (no latitude, season or solar-cycle dependence: above
~200 km the real thermospheric density varies by up to an order of magnitude
with solar activity); p and ρ match Table I within 2e-5 below 86 km and 0.15 %
above.

What it models
--------------
- **0–86 km**: the seven geopotential layers of linear molecular-scale
  temperature T_M (Table 4 of the standard), hydrostatic closed forms for the
  pressure (eqs. 33a/33b), density ρ = p M0 / (R* T_M) (eq. 42), and the
  kinetic temperature T = T_M · M/M0 with the molecular-weight ratio of
  Table 8 between 80 and 86 km (linearly interpolated in geometric altitude).
- **86–1000 km**: the standard's upper-atmosphere model, computed for real:
  the four kinetic-temperature segments (isothermal 86–91 km, elliptical
  91–110 km, linear 110–120 km, exponential 120–1000 km with T∞ = 1000 K and
  λ = 0.01875 km⁻¹; eqs. 25–31), and the number densities of N2, O, O2, Ar,
  He and H from the standard's diffusion equations (eqs. 32–40): N2 in
  mixing/diffusive equilibrium (M = M0 up to 100 km, M(N2) above); O, O2, Ar
  and He with molecular diffusion D_i = a_i/n (T/273.15)^b_i (n = N2 for O and
  O2, N2+O+O2 for Ar and He), eddy diffusion K (120 m²/s up to 95 km, decaying
  to 0 at 115 km) and the empirical vertical-flux terms (Q, U, W, q, u, w of
  Table 7, neglected above 150 km as the standard says); H from 150 km up,
  anchored at n_H(500 km) = 8.0e10 m⁻³ with the escape flux
  φ = 7.2e11 m⁻² s⁻¹ (eq. 39). Pressure p = N k T (eq. 33c), density
  ρ = Σ n_i M_i / N_A.

  The ODEs are integrated once, lazily on the first call above 86 km
  (``functools.cache``, nothing at import), on a uniform 10 m grid with
  ``scipy.integrate.cumulative_simpson``; queries interpolate ln p and ln ρ
  linearly on that grid.

Choices and simplifications (stated)
------------------------------------
- The H flux term is applied over the whole 150–1000 km (eq. 39 with
  constant φ, anchored at 500 km). Implementations that drop it above
  500 km (diffusive equilibrium there, e.g. the ``ussa1976`` package) give
  n_H(1000 km) 0.46 % higher; the effect on total density at 1000 km is
  1e-4 relative (tested). Total p and ρ match Table I within 0.15 % at all
  rows 86–1000 km.
- Numerical: Simpson quadrature on a 10 m grid, segment by segment between
  the integrands' jumps (100 km, 150 km), and log-linear interpolation:
  < 1e-6 relative against a 2 m grid, except in the 10 m cell below 150 km
  where the standard's H onset (n_H = 0 below 150 km) is smeared (5e-6).
- Speed of sound: the standard defines it only below 86 km,
  c = sqrt(γ R* T_M / M0) = sqrt(γ p / ρ). Above 86 km this module returns the
  same expression sqrt(γ p/ρ) = sqrt(γ R* T / M(Z)) with the kinetic
  temperature and the *local* mean molecular weight M(Z) (γ = 1.4 kept,
  although the monatomic upper thermosphere would have γ ≈ 5/3). It is a
  finite, smooth value — never NaN — and above 1000 km the 1000 km value.
- Clamping: below 0 m the sea-level values; above 1000 km pressure and
  density 0, temperature 1000 K (T∞), speed of sound the 1000 km value.
  NaN altitudes give NaN.

Sources: COESA, *U.S. Standard Atmosphere, 1976*, NOAA-S/T 76-1562
(NASA-TM-X-74335), Part 1 (equations, Tables 4–9) and Table I (tabulated
values, used by the tests).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

F64 = NDArray[np.float64]

# --- Constants of the standard (Table 2 and Part 1) --------------------------------------------
R_STAR_J_KMOL_K: float = 8.31432e3
"""Gas constant R* [J/(kmol K)] as defined by the standard (not the SI 2019 value)."""
M0_KG_KMOL: float = 28.9644
"""Sea-level mean molecular weight M0 [kg/kmol]."""
G0_MPS2: float = 9.80665
"""Sea-level gravity g0 [m/s²]."""
R0_M: float = 6356766.0
"""Effective Earth radius r0 [m] for geopotential altitude."""
N_A_PER_KMOL: float = 6.022169e26
"""Avogadro constant [1/kmol] of the standard."""
K_BOLTZ_J_K: float = 1.380622e-23
"""Boltzmann constant [J/K] of the standard (p = N k T, eq. 33c)."""
GAMMA: float = 1.4
"""Ratio of specific heats of air (standard, speed-of-sound eq. 50)."""
P0_PA: float = 101325.0
T0_K: float = 288.15

# Seven layers below 86 km (Table 4): geopotential base [m'] and lapse rate [K/m'].
_HB_M = np.array([0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0])
_LB_K_M = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3])

# Table 8: M/M0 from 80 to 86 km geometric altitude, 0.5 km steps.
_TABLE8_Z_M = np.arange(80000.0, 86000.0 + 1.0, 500.0)
_TABLE8_RATIO = np.array(
    [1.0, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
     0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579]
)  # fmt: skip

# Upper atmosphere (Part 1, section 1.2.5 and Tables 5–7), SI units.
Z7_M, Z8_M, Z9_M, Z10_M, Z12_M = 86e3, 91e3, 110e3, 120e3, 1000e3
T7_K: float = 186.8673
T9_K: float = 240.0
T10_K: float = 360.0
TINF_K: float = 1000.0
L9_K_M: float = 12.0e-3
LAMBDA_PER_M: float = 0.01875e-3
_TC_K, _A_K, _A_M = 263.1905, -76.3232, -19942.9  # elliptical segment 91–110 km (eq. 27)

_SPECIES = ("N2", "O", "O2", "Ar", "He", "H")
_M_KG_KMOL = {  # Table 3 molecular weights
    "N2": 28.0134, "O": 15.9994, "O2": 31.9988, "Ar": 39.948, "He": 4.0026, "H": 1.00797,
}  # fmt: skip
_N7_M3 = {"N2": 1.129794e20, "O": 8.6e16, "O2": 3.030898e19, "Ar": 1.3514e18, "He": 7.5817e14}
_ALPHA = {"O": 0.0, "O2": 0.0, "Ar": 0.0, "He": -0.40, "H": -0.25}  # thermal diffusion, Table 6
_A_DIFF = {"O": 6.986e20, "O2": 4.863e20, "Ar": 4.487e20, "He": 1.7e21, "H": 3.305e21}  # 1/(m s)
_B_DIFF = {"O": 0.750, "O2": 0.750, "Ar": 0.870, "He": 0.691, "H": 0.500}
# Flux-term constants of Table 7, converted from km to m: Q, U, W (and q, u, w for O).
_Q_M3 = {"O": -5.809644e-13, "O2": 1.366212e-13, "Ar": 9.434079e-14, "He": -2.457369e-13}
_U_M = {"O": 56.90311e3, "O2": 86e3, "Ar": 86e3, "He": 86e3}
_W_M3 = {"O": 2.706240e-14, "O2": 8.333333e-14, "Ar": 8.333333e-14, "He": 6.666667e-13}
_QO2_M3, _UO2_M, _WO2_M3 = -3.416248e-12, 97e3, 5.008765e-13  # second O term, Z < 97 km
K7_M2_S: float = 1.2e2
"""Eddy diffusion coefficient at 86–95 km [m²/s]."""
N_H_500_M3: float = 8.0e10
"""Atomic hydrogen number density at 500 km [1/m³]."""
PHI_H_M2_S: float = 7.2e11
"""Hydrogen vertical (escape) flux [1/(m² s)]."""
Z_H_LOW_M: float = 150e3
Z_H_REF_M: float = 500e3

_GRID_STEP_M: float = 10.0


@dataclass(frozen=True)
class Atmosphere:
    """Atmospheric state at geometric altitudes; every array has the input's shape.

    temperature_k: kinetic temperature [K]; pressure_pa [Pa]; density_kg_m3 [kg/m³];
    speed_of_sound_mps [m/s] (see the module docstring above 86 km).
    """

    temperature_k: F64
    pressure_pa: F64
    density_kg_m3: F64
    speed_of_sound_mps: F64


def geopotential_m(z_m: ArrayLike) -> F64:
    """Geopotential altitude H = r0 Z / (r0 + Z) [m'] of geometric altitude Z [m] (eq. 18)."""
    z = np.asarray(z_m, dtype=np.float64)
    return R0_M * z / (R0_M + z)


@functools.cache
def _layer_bases() -> tuple[F64, F64]:
    """Base molecular-scale temperatures [K] and pressures [Pa] of the seven layers."""
    tb = np.empty(7)
    pb = np.empty(7)
    tb[0], pb[0] = T0_K, P0_PA
    gmr = G0_MPS2 * M0_KG_KMOL / R_STAR_J_KMOL_K
    for i in range(6):
        dh = _HB_M[i + 1] - _HB_M[i]
        tb[i + 1] = tb[i] + _LB_K_M[i] * dh
        if _LB_K_M[i] == 0.0:
            pb[i + 1] = pb[i] * np.exp(-gmr * dh / tb[i])
        else:
            pb[i + 1] = pb[i] * (tb[i] / tb[i + 1]) ** (gmr / _LB_K_M[i])
    return tb, pb


def _lower(z: F64) -> tuple[F64, F64, F64]:
    """T [K], p [Pa], ρ [kg/m³] for 0 ≤ z ≤ 86 km (closed forms, Tables 4 and 8)."""
    tb, pb = _layer_bases()
    h = R0_M * z / (R0_M + z)
    i = np.clip(np.searchsorted(_HB_M, h, side="right") - 1, 0, 6)
    lb = _LB_K_M[i]
    dh = h - _HB_M[i]
    tm = tb[i] + lb * dh
    gmr = G0_MPS2 * M0_KG_KMOL / R_STAR_J_KMOL_K
    iso = lb == 0.0
    p = np.empty_like(z)
    p[iso] = pb[i[iso]] * np.exp(-gmr * dh[iso] / tb[i[iso]])
    ni = ~iso
    p[ni] = pb[i[ni]] * (tb[i[ni]] / tm[ni]) ** (gmr / lb[ni])
    rho = p * M0_KG_KMOL / (R_STAR_J_KMOL_K * tm)
    t = tm * np.interp(z, _TABLE8_Z_M, _TABLE8_RATIO, left=1.0, right=_TABLE8_RATIO[-1])
    return t, p, rho


def upper_temperature_k(z_m: ArrayLike) -> F64:
    """Kinetic temperature [K] for 86 ≤ Z ≤ 1000 km (eqs. 25–31), geometric altitude [m]."""
    z = np.asarray(z_m, dtype=np.float64)
    x = np.clip((z - Z8_M) / _A_M, -1.0, 1.0)
    ellip = _TC_K + _A_K * np.sqrt(1.0 - x * x)
    xi = (z - Z10_M) * (R0_M + Z10_M) / (R0_M + z)
    expo = TINF_K - (TINF_K - T10_K) * np.exp(-LAMBDA_PER_M * xi)
    return np.select(
        [z <= Z8_M, z <= Z9_M, z <= Z10_M],
        [np.full_like(z, T7_K), ellip, T9_K + L9_K_M * (z - Z9_M)],
        expo,
    )


def _upper_dtdz(z: F64) -> F64:
    """dT/dZ [K/m] of :func:`upper_temperature_k`."""
    x = np.clip((z - Z8_M) / _A_M, -1.0, 1.0)
    ellip = -_A_K / _A_M * x / np.sqrt(np.maximum(1.0 - x * x, 1e-300))
    xi = (z - Z10_M) * (R0_M + Z10_M) / (R0_M + z)
    expo = (
        LAMBDA_PER_M * (TINF_K - T10_K) * ((R0_M + Z10_M) / (R0_M + z)) ** 2
        * np.exp(-LAMBDA_PER_M * xi)
    )  # fmt: skip
    return np.select([z <= Z8_M, z <= Z9_M, z <= Z10_M], [0.0 * z, ellip, L9_K_M + 0.0 * z], expo)


def _flux_term(species: str, z: F64, right: bool = False) -> F64:
    """Empirical vertical-flux term v_i/(D_i + K) [1/m] of eq. 37, zero above 150 km.

    ``right`` gives the right-hand limit at the 150 km cut-off (0 there).
    """
    q, u, w = _Q_M3[species], _U_M[species], _W_M3[species]
    term = q * (z - u) ** 2 * np.exp(-w * (z - u) ** 3)
    if species == "O":
        below = z < _UO2_M
        d = np.where(below, _UO2_M - z, 0.0)
        term = term + np.where(below, _QO2_M3 * d**2 * np.exp(-_WO2_M3 * d**3), 0.0)
    return np.where((z < Z_H_LOW_M) | ((z == Z_H_LOW_M) & (not right)), term, 0.0)


_BREAKS_M = (Z7_M, 100e3, Z_H_LOW_M, Z12_M)
"""Where integrands jump: M(Z) switches from M0 to M(N2) at 100 km; flux terms stop at 150 km."""


def _cumint(y_left: F64, y_right: F64, z: F64) -> F64:
    """∫ from z[0] of an integrand with jumps at ``_BREAKS_M`` (cumulative Simpson).

    Each segment between breaks is integrated on its own, using the right-hand
    limit ``y_right`` at its first point and the left-hand limit ``y_left`` at
    its last point, so the jumps cost no accuracy.
    """
    from scipy.integrate import cumulative_simpson  # lazy: keeps the import of this module light

    out = np.empty_like(z)
    idx = [int(np.searchsorted(z, b)) for b in _BREAKS_M if z[0] <= b <= z[-1]]
    if idx[0] != 0:
        idx.insert(0, 0)
    if idx[-1] != z.size - 1:
        idx.append(z.size - 1)
    total = 0.0
    out[0] = 0.0
    for i0, i1 in itertools.pairwise(idx):
        seg = y_right[i0 : i1 + 1].copy()
        seg[-1] = y_left[i1]
        c = cumulative_simpson(seg, x=z[i0 : i1 + 1], initial=0.0)
        out[i0 + 1 : i1 + 1] = total + c[1:]
        total += float(c[-1])
    return out


@functools.cache
def upper_number_densities() -> tuple[F64, dict[str, F64]]:
    """Altitude grid [m] (86–1000 km, 10 m) and number densities [1/m³] of the six species.

    Solves the diffusion equations of the standard (see the module docstring).
    Computed once on first use.
    """
    z = np.linspace(Z7_M, Z12_M, round((Z12_M - Z7_M) / _GRID_STEP_M) + 1)
    t = upper_temperature_k(z)
    dtdz = _upper_dtdz(z)
    g = G0_MPS2 * (R0_M / (R0_M + z)) ** 2
    m_mix = np.where(z <= 100e3, M0_KG_KMOL, _M_KG_KMOL["N2"])  # left limit at 100 km
    m_mix_r = np.where(z < 100e3, M0_KG_KMOL, _M_KG_KMOL["N2"])  # right limit
    zk = np.minimum(z, 115e3 - 1e-6)
    k_eddy = np.where(z < 95e3, K7_M2_S, K7_M2_S * np.exp(1.0 - 4e8 / (4e8 - (zk - 95e3) ** 2)))
    k_eddy = np.where(z >= 115e3, 0.0, k_eddy)
    rt = R_STAR_J_KMOL_K * t
    n: dict[str, F64] = {}
    # N2: d ln(n T)/dZ = −g M / (R* T)  (eq. 33-ish closed form of the standard)
    tau_n2 = _cumint(g * m_mix / rt, g * m_mix_r / rt, z)
    n["N2"] = _N7_M3["N2"] * (T7_K / t) * np.exp(-tau_n2)
    for s in ("O", "O2", "Ar", "He"):
        nb = n["N2"] if s in ("O", "O2") else n["N2"] + n["O"] + n["O2"]
        d = _A_DIFF[s] / nb * (t / 273.15) ** _B_DIFF[s]
        frac = d / (d + k_eddy)
        # eq. 36: f = g/(R* T) · D/(D+K) · (M_i + M K/D + α R* (dT/dZ)/g)
        base = _M_KG_KMOL[s] + _ALPHA[s] * R_STAR_J_KMOL_K * dtdz / g
        f_l = g / rt * frac * (base + m_mix * k_eddy / d) + _flux_term(s, z)
        f_r = g / rt * frac * (base + m_mix_r * k_eddy / d) + _flux_term(s, z, right=True)
        n[s] = _N7_M3[s] * (T7_K / t) * np.exp(-_cumint(f_l, f_r, z))
    # H (eq. 39): u = n T^(1+α) e^τ, du/dZ = −φ T^(1+α) e^τ / D_H, anchored at 500 km.
    a1 = 1.0 + _ALPHA["H"]
    hm = z >= Z_H_LOW_M
    zh, th = z[hm], t[hm]
    i500 = int(np.argmin(np.abs(zh - Z_H_REF_M)))
    y_tau = g[hm] * _M_KG_KMOL["H"] / rt[hm]
    tau = _cumint(y_tau, y_tau, zh)
    tau -= tau[i500]
    nb = np.sum([n[s][hm] for s in ("N2", "O", "O2", "Ar", "He")], axis=0)
    d_h = _A_DIFF["H"] / nb * (th / 273.15) ** _B_DIFF["H"]
    t500 = th[i500]
    integrand = PHI_H_M2_S / d_h * (th / t500) ** a1 * np.exp(tau)
    flux_int = _cumint(integrand, integrand, zh)
    flux_int -= flux_int[i500]
    n_h = np.zeros_like(z)
    n_h[hm] = (N_H_500_M3 - flux_int) * (t500 / th) ** a1 * np.exp(-tau)
    n["H"] = n_h
    return z, n


@functools.cache
def _upper_table() -> tuple[F64, F64, float]:
    """ln p and ln ρ on the 10 m grid, and the speed of sound at 1000 km."""
    z, n = upper_number_densities()
    t = upper_temperature_k(z)
    n_tot = np.sum([n[s] for s in _SPECIES], axis=0)
    rho = np.sum([n[s] * _M_KG_KMOL[s] for s in _SPECIES], axis=0) / N_A_PER_KMOL
    p = n_tot * K_BOLTZ_J_K * t
    c_top = float(np.sqrt(GAMMA * p[-1] / rho[-1]))
    return np.log(p), np.log(rho), c_top


def _interp_grid(table: F64, z: F64) -> F64:
    """Linear interpolation of ``table`` on the uniform upper grid at altitudes ``z``."""
    x = (z - Z7_M) / _GRID_STEP_M
    i = np.clip(x.astype(np.int64), 0, table.size - 2)
    w = x - i
    return table[i] + w * (table[i + 1] - table[i])


def ussa76(h_m: ArrayLike) -> Atmosphere:
    """US Standard Atmosphere 1976 at geometric altitudes ``h_m`` [m] (any shape).

    Valid 0–1000 km; clamped outside (sea level below 0, vacuum at T∞ above 1000 km).
    """
    h = np.asarray(h_m, dtype=np.float64)
    shape = h.shape
    z = np.maximum(h.ravel(), 0.0)  # NaN stays NaN
    t = np.full(z.shape, np.nan)
    p = np.full(z.shape, np.nan)
    rho = np.full(z.shape, np.nan)
    c = np.full(z.shape, np.nan)
    low = z <= Z7_M
    if low.any():
        tl, pl, rl = _lower(z[low])
        t[low], p[low], rho[low] = tl, pl, rl
        c[low] = np.sqrt(GAMMA * pl / rl)
    up = (z > Z7_M) & (z <= Z12_M)
    if up.any():
        ln_p, ln_rho, _ = _upper_table()
        zu = z[up]
        lp, lr = _interp_grid(ln_p, zu), _interp_grid(ln_rho, zu)
        t[up] = upper_temperature_k(zu)
        p[up] = np.exp(lp)
        rho[up] = np.exp(lr)
        c[up] = np.sqrt(GAMMA * np.exp(lp - lr))
    top = z > Z12_M
    if top.any():
        t[top], p[top], rho[top] = TINF_K, 0.0, 0.0
        c[top] = _upper_table()[2]
    return Atmosphere(t.reshape(shape), p.reshape(shape), rho.reshape(shape), c.reshape(shape))


def density_kg_m3(h_m: ArrayLike) -> F64:
    """Mass density [kg/m³] of the US Standard Atmosphere 1976 at geometric altitude [m]."""
    return ussa76(h_m).density_kg_m3
