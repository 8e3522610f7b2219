"""Radar resolution: detections of one scan closer than a resolution cell merge into one.

A radar reports one detection per *resolution cell*, not per object: objects
of a threat cloud (RV, decoys, chaff, bus) that share a cell return one
blended echo. This module turns a per-object detection batch into what the
radar resolves.

Model (one radar, one scan = the rows sharing ``sensor_index`` and ``t_s``):

- **Resolution cell** (Richards, *Fundamentals of Radar Signal Processing*,
  McGraw-Hill 2005, ch. 1 "spatial resolution", Eq. (1.26); Skolnik,
  *Introduction to Radar Systems* 3rd ed. 2001, ch. 1): range resolution
  ΔR = c / (2B) after pulse compression (``RadarSite.range_resolution_m``);
  angular resolution the 3-dB beamwidth θ₃ ≈ λ/D (``RadarSite.beamwidth_rad``),
  i.e. a cross-range resolution R·θ₃ in azimuth and in elevation. Assumption:
  the one-way beamwidth λ/D is used (the two-way beam of a monostatic radar is
  about 0.7× narrower, so this merges slightly more than the ideal).
- **Unresolved pair**: |ΔR| < ΔR *and* an angular separation
  √((Δaz·cos ē)² + Δel²) < θ₃ (small-angle great-circle distance, Δaz wrapped
  to (−π, π], ē the mean elevation). Doppler resolution is not used (a
  radar's λ/(2T) is far coarser than the metres-per-second spread of a bus
  cloud). The test is made on the *measured* (noisy) coordinates, which is
  what the radar's processing sees.
- **Merging**: unresolved pairs are closed transitively (connected
  components, as in the merged-measurement model of Chang & Bar-Shalom,
  IEEE TAC 29(7) 1984, and Koch & van Keuk, IEEE TAES 33(3) 1997); each
  component gives one detection at the power-weighted centroid of its members
  in (R, az, el) (weights = single-look SNR, else equal; azimuth averaged on
  the circle). Its 1-σ noise per component is √(max σ_k² + s²), the largest
  member noise inflated by the weighted spread s of the members about the
  centroid (the centroid does not sit on any one object); ṙ and σ_ṙ likewise
  over the members that measured ṙ (none: NaN / inf). ``object_id`` is the
  strongest member (ties: lowest row), kept for scoring only.

Frame: the radar's local (R, az, el) of
:class:`~shieldlab.sensors.measurements.Measurements`, azimuth from north
clockwise in [0, 2π).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from shieldlab.sensors.measurements import Measurements
from shieldlab.sensors.radar import RadarSite

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

TWO_PI = 2.0 * math.pi


def _wrap_pi(a: F64) -> F64:
    """Angle wrapped to (−π, π] [rad]."""
    return np.asarray(math.pi - np.mod(math.pi - a, TWO_PI))


def unresolved_pairs(
    meas: Measurements, range_resolution_m: float, beamwidth_rad: float
) -> tuple[I64, I64]:
    """Row pairs (i, j), i ≠ j, of the same scan that the radar cannot resolve.

    Rows are sorted by (sensor, time, range); a pair can only be unresolved
    when it lies within ``range_resolution_m`` in that order, so the pairs are
    found by comparing each row with the row ``k`` places further, k = 1, 2, …
    until no row has a same-scan neighbour within ΔR at offset k. The loop runs
    over offsets (at most the largest number of detections in one range
    window), never over detections; each pass is vectorised.
    """
    m = len(meas)
    r, az, el = meas.z[:, 0], meas.z[:, 1], meas.z[:, 2]
    order = np.lexsort((r, meas.t_s, meas.sensor_index))
    rs, azs, els = r[order], az[order], el[order]
    ts, ss = meas.t_s[order], meas.sensor_index[order]
    ii: list[I64] = []
    jj: list[I64] = []
    for k in range(1, m):
        a = np.arange(m - k)
        b = a + k
        near = (ss[a] == ss[b]) & (ts[a] == ts[b]) & (rs[b] - rs[a] < range_resolution_m)
        if not near.any():
            break
        a, b = a[near], b[near]
        daz = _wrap_pi(azs[b] - azs[a]) * np.cos(0.5 * (els[a] + els[b]))
        d_el = els[b] - els[a]
        hit = daz**2 + d_el**2 < beamwidth_rad**2
        ii.append(order[a[hit]])
        jj.append(order[b[hit]])
    if not ii:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(ii).astype(np.int64), np.concatenate(jj).astype(np.int64)


def merge_unresolved(
    meas: Measurements, radar: RadarSite, snr: F64 | None = None
) -> tuple[Measurements, I64]:
    """Merge the detections of each scan that fall in one resolution cell of ``radar``.

    meas: one radar's detections (truth objects and clutter alike; one or
    several scans, i.e. ``t_s`` values; a single ``sensor_index``); snr (m,)
    single-look SNR (linear, > 0) of each row, the centroid weights (None:
    equal weights). Returns ``(merged, row_of)``: the resolved detections,
    ordered by the lowest input row of each (rows that merge with nothing are
    returned unchanged), and ``row_of`` (m,) the output row each input row went
    into, so the truth objects behind output row j are
    ``meas.object_id[row_of == j]``. Model and sources: module docstring.
    """
    m = len(meas)
    if snr is not None:
        snr = np.asarray(snr, dtype=np.float64)
        if snr.shape != (m,):
            raise ValueError(f"snr must have shape ({m},)")
        if not np.all(np.isfinite(snr) & (snr > 0.0)):
            raise ValueError("snr must be finite and positive")
    if np.unique(meas.sensor_index).size > 1:
        raise ValueError("merge_unresolved takes the detections of one radar")
    if m == 0:
        return meas, np.empty(0, np.int64)

    i, j = unresolved_pairs(meas, radar.range_resolution_m, radar.beamwidth_rad)
    if i.size == 0:
        return meas, np.arange(m, dtype=np.int64)
    adj = coo_matrix((np.ones(i.size), (i, j)), shape=(m, m))
    n_comp, label = connected_components(adj, directed=False)

    # Relabel components by their lowest member row (deterministic output order).
    first = np.full(n_comp, m, np.int64)
    np.minimum.at(first, label, np.arange(m, dtype=np.int64))
    rank = np.empty(n_comp, np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(n_comp, dtype=np.int64)
    row_of = rank[label].astype(np.int64)
    lead = np.sort(first)  # (c,) lowest input row of each output row

    w = np.ones(m) if snr is None else snr
    wsum = np.bincount(row_of, w, n_comp)

    def wmean(x: F64) -> F64:
        return np.bincount(row_of, w * x, n_comp) / wsum

    r, az, el = meas.z[:, 0], meas.z[:, 1], meas.z[:, 2]
    # Azimuth relative to the component's lead row, so the mean does not cross 0/2π.
    daz = _wrap_pi(az - az[lead][row_of])
    r_c, daz_c, el_c = wmean(r), wmean(daz), wmean(el)
    az_c = np.mod(az[lead] + daz_c, TWO_PI)
    az_c[az_c >= TWO_PI] = 0.0  # mod of a tiny negative angle rounds up to 2π
    z = np.stack([r_c, az_c, el_c], axis=-1)
    dev = np.stack([r - r_c[row_of], daz - daz_c[row_of], el - el_c[row_of]], axis=-1)
    spread2 = np.stack([wmean(dev[:, c] ** 2) for c in range(3)], axis=-1)
    sig_max = np.zeros((n_comp, 3))
    np.maximum.at(sig_max, row_of, meas.sigma)
    sigma = np.sqrt(sig_max**2 + spread2)

    # Range rate over the members that measured it.
    has = meas.has_rdot
    wr = np.where(has, w, 0.0)
    wr_sum = np.bincount(row_of, wr, n_comp)
    rd0 = np.where(has, meas.rdot, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rdot_c = np.bincount(row_of, wr * rd0, n_comp) / wr_sum
        dev_rd = np.where(has, rd0 - rdot_c[row_of], 0.0)
        spread_rd2 = np.bincount(row_of, wr * dev_rd**2, n_comp) / wr_sum
    srd_max = np.zeros(n_comp)
    np.maximum.at(srd_max, row_of, np.where(has, meas.sigma_rdot, 0.0))
    any_rd = wr_sum > 0.0
    rdot = np.where(any_rd, rdot_c, np.nan)
    sigma_rdot = np.where(any_rd, np.sqrt(srd_max**2 + np.where(any_rd, spread_rd2, 0.0)), np.inf)

    # Strongest member: sort by (output row, −weight, input row), take the first of each.
    by = np.lexsort((np.arange(m), -w, row_of))
    starts = np.flatnonzero(np.r_[True, np.diff(row_of[by]) != 0])
    strongest = by[starts]

    # Singletons pass through bit-for-bit.
    size = np.bincount(row_of, minlength=n_comp)
    single = size == 1
    z[single] = meas.z[lead[single]]
    sigma[single] = meas.sigma[lead[single]]
    rdot[single] = meas.rdot[lead[single]]
    sigma_rdot[single] = meas.sigma_rdot[lead[single]]

    merged = Measurements(
        meas.t_s[lead].astype(np.float64),
        meas.sensor_index[lead].astype(np.int64),
        meas.object_id[strongest].astype(np.int64),
        z,
        sigma,
        rdot,
        sigma_rdot,
    )
    return merged, row_of
