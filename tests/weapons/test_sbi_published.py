"""SBI constellation sizing against the counts and laws published by open studies.

Published figures used here (each read for this file; sources and wording in
tests/reference/SOURCES.md, "SBI sizing vs published studies"):

- APS Study Group, "Boost-Phase Intercept Systems for National Missile Defense" (2003; Rev.
  Mod. Phys. 76, S1, 2004), as reported by Space News (T. Hitchens, 21 July 2003, p. 13): at
  least 1,600 SBIs, 2,000 t in all, to engage one solid ICBM from North Korea, defending the
  continental U.S. only, under parameters APS called "extremely optimistic". As reported by
  IEEE Spectrum (March 2005): the constellation size "grows in proportion to the number of
  simultaneous launches"; boost phase ~170 s (solid) and ~250 s (liquid).
- CBO letter of 5 May 2025, "Effects of Lower Launch Costs on Previous Estimates for
  Space-Based, Boost-Phase Missile Defense": constellations "designed to defeat one or two
  ICBMs fired ... by a regional adversary, such as North Korea" (CBO 2004 and NRC 2012
  designs); their sizes, 1,300 to 2,000 interceptors, as reported by Global Defense (May
  2025). Per ICBM: 650 to 2,000.
- CBO, "Potential Costs of a National Missile Defense System" (May 2026,
  cbo.gov/publication/62422), as reported by OSINTsights: 7,800 SBIs, sized for about 10
  targets at once, in low orbits of roughly 300 to 500 km; the architecture must also engage
  "a small-scale attack mounted by a peer or near-peer adversary". Per ICBM: 780.
- NRC, "Making Sense of Ballistic Missile Defense" (2012), p. 15: boost-phase intercept is
  possible only in special cases such as North Korea "launching relatively slow burning
  liquid-propellant ICBMs"; boost about 4 min (liquid) and a minute less (solid), as reported
  by Wired (11 Sept 2012).

None of these studies' SBI inputs (delta-v, acceleration, firing delay, kill deadline, orbit,
coverage criterion) could be read from the reports, so no test reproduces a published count
from the study's own inputs. Each runs shieldlab's generic case -- generic solid or liquid
ICBM from 40 N 127.5 E towards Washington, kill vehicle 4 km/s at 10 g, one per carrier, fired
30 s after launch, intercept anywhere before burnout, 45 deg orbits -- and checks a published
count or law with the tolerance stated in its docstring. The spread among the studies' counts
per ICBM, 650 to 2,000 (a factor 2,000 / 650 = 3.1), is the tolerance where no law applies.

Two coverage definitions appear below: the *independent-carrier* count (binomial model of
``sbi_sizing``; carriers with random phases, as in the absentee-ratio argument) and the
*Walker* count (``size_constellation``: a phased pattern, simulated). The Walker count is
about 2.4 times smaller (its count in reach varies less) and lies below every published count;
the published figures are compared with the independent-carrier count, and the Walker count
only with the APS proportional law.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from shieldlab.core.constants import DEG, G0_MPS2
from shieldlab.weapons import sbi, sbi_sizing as sz

INCLINATION = 45.0 * DEG
DELAY_S = 30.0  # launch -> interceptor firing (detection, track, decision)
CONFIDENCE = 0.99  # stand-in for "an interceptor in reach at all times"
STUDY_SPREAD = 2000.0 / 650.0  # max / min published SBIs per ICBM (CBO 2025 letter range)
PER_ICBM_MIN, PER_ICBM_MAX = 650.0, 2000.0  # CBO 2025: 1,300-2,000 for one or two ICBMs
APS_MIN_ONE_SOLID = 1600  # APS 2003 (Space News): at least 1,600 for one solid ICBM
CBO_2026_SBIS, CBO_2026_TARGETS = 7800, 10  # CBO 2026: 7,800 SBIs, ~10 targets at once


@pytest.fixture(scope="module")
def spec() -> sbi.SbiSpec:
    """The generic catalog SBI with the kinematics these comparisons state, pinned here."""
    return dataclasses.replace(
        sbi.load_sbi_specs()["generic-sbi-4kmps"],
        accel_mps2=10.0 * G0_MPS2,
        delta_v_mps=4000.0,
        interceptors_per_carrier=1,
        min_intercept_alt_m=0.0,
    )


def _absentee(path: sbi.BoostPath, spec: sbi.SbiSpec, altitude_m: float, seed: int = 3) -> float:
    """Absentee ratio from a 1,000-carrier Walker reference over 200 random launch times."""
    ref = sz.walker_for(1000, altitude_m, INCLINATION)
    a_ratio, _ = sbi.absentee_ratio(ref, path, spec, DELAY_S, 200, np.random.default_rng(seed))
    return a_ratio


def test_aps_2003_size_grows_in_proportion_to_simultaneous_launches(
    solid_path: sbi.BoostPath, spec: sbi.SbiSpec
) -> None:
    """APS 2003 (as reported by IEEE Spectrum, March 2005): constellation size grows in
    proportion to the number N of simultaneous launches. Inputs: N generic solid ICBMs launched
    together from one point, 300 km / 45 deg, confidence 0.99. The law brackets the size:
    n(N) >= N A (on average N carriers must be in reach; A the absentee ratio) and
    n(N) <= N n(1) (N copies of the one-missile constellation). Tolerance: 15 % on the floor
    for the Monte Carlo error of A (100-200 launch times, about 5 % per sigma). Measured:
    independent carriers n = 905, 1,305, 1,975, 3,694 for N = 1, 2, 4, 10 (A = 197); Walker
    380 and 900 for N = 1 and 4 (A = 198). The growth is sublinear at fixed confidence (the
    margin for fluctuations grows as sqrt(N)); proportionality is its large-N limit."""
    a_ratio = _absentee(solid_path, spec, 300e3)
    n_an = {n: sz.analytic_size(1.0 / a_ratio, n, CONFIDENCE) for n in (1, 2, 4, 10)}
    for n, size in n_an.items():
        assert n * a_ratio * 0.85 <= size <= n * n_an[1]
    per_missile = [n_an[n] / n for n in (1, 2, 4, 10)]
    assert per_missile == sorted(per_missile, reverse=True)

    def walker(salvo: int) -> sz.SizingResult:
        prob = sz.SalvoProblem(salvo, 0.0, 1, CONFIDENCE, DELAY_S, 0.0, 300e3, INCLINATION)
        return sz.size_constellation(
            solid_path, spec, prob, 100, np.random.default_rng(3), reference_carriers=1000
        )

    one, four = walker(1), walker(4)
    assert 4 * four.absentee_ratio * 0.85 <= four.constellation_size <= 4 * one.constellation_size
    # the phased pattern needs fewer carriers than independent ones (its count varies less)
    assert one.constellation_size <= one.analytic_size


@pytest.mark.parametrize("altitude_km", [300.0, 400.0, 500.0])
def test_one_solid_icbm_inside_published_per_icbm_band(
    solid_path: sbi.BoostPath, spec: sbi.SbiSpec, altitude_km: float
) -> None:
    """Published SBI counts per ICBM from North Korea: APS 2003 >= 1,600 for one solid ICBM
    (Space News, 21 July 2003); CBO letter 5 May 2025: 1,300-2,000 for constellations against
    one or two ICBMs (as reported by Global Defense), i.e. 650-2,000 per ICBM; CBO 2026: 7,800
    for ~10 at once, 780 per ICBM. Inputs: one generic solid ICBM, independent carriers at
    300/400/500 km (CBO 2026's range; APS's altitude not found) / 45 deg, confidence 0.99.
    Tolerance: inside the published per-ICBM band [650, 2,000], and at most APS's 1,600 (a
    bare minimum under "extremely optimistic" parameters, which our generic inputs also are).
    Measured: 905, 1,015, about 1,190 -- 0.57-0.74 of APS's 1,600 (see the report: the APS
    firing delay, kill deadline and coverage criterion are not known)."""
    a_ratio = _absentee(solid_path, spec, altitude_km * 1e3)
    size = sz.analytic_size(1.0 / a_ratio, 1, CONFIDENCE)
    assert PER_ICBM_MIN <= size <= min(PER_ICBM_MAX, APS_MIN_ONE_SOLID)


@pytest.mark.parametrize("altitude_km", [300.0, 400.0, 500.0])
def test_cbo_2026_ten_at_once_within_study_spread(
    solid_path: sbi.BoostPath, spec: sbi.SbiSpec, altitude_km: float
) -> None:
    """CBO, "Potential Costs of a National Missile Defense System" (May 2026), as reported by
    OSINTsights: 7,800 SBIs for about 10 targets at once, orbits roughly 300-500 km. Inputs: 10
    generic solid ICBMs launched together from one point in North Korea, independent carriers
    at 300/400/500 km / 45 deg, confidence 0.99. Tolerance: at most 7,800 (CBO's constellation
    must also engage a small peer attack, i.e. launch areas at other latitudes, so one launch
    point is a lower bound) and at least 7,800 / 3.1 (3.1 = spread of the studies' per-ICBM
    counts). Measured: 3,694, 4,132, about 4,850 (0.47-0.63 of CBO's figure)."""
    a_ratio = _absentee(solid_path, spec, altitude_km * 1e3)
    size = sz.analytic_size(1.0 / a_ratio, CBO_2026_TARGETS, CONFIDENCE)
    assert CBO_2026_SBIS / STUDY_SPREAD <= size <= CBO_2026_SBIS


@pytest.mark.parametrize(
    ("source", "solid_s", "liquid_s"),
    [("NRC 2012 (Wired)", 180.0, 240.0), ("APS 2003 (IEEE Spectrum)", 170.0, 250.0)],
)
def test_slow_burning_liquid_icbm_needs_fewer_sbis(
    solid_path: sbi.BoostPath,
    liquid_path: sbi.BoostPath,
    spec: sbi.SbiSpec,
    source: str,
    solid_s: float,
    liquid_s: float,
) -> None:
    """NRC, "Making Sense of Ballistic Missile Defense" (2012), p. 15: boost-phase intercept is
    possible only in special cases such as North Korea "launching relatively slow burning
    liquid-propellant ICBMs". Inputs: kill deadlines from the published boost times (NRC as
    reported by Wired: liquid about 4 min, solid a minute less; APS as reported by IEEE
    Spectrum: ~250 s and ~170 s), generic solid and liquid paths, 300 km / 45 deg. Tolerance:
    qualitative statement, so direction only -- the absentee ratio (carriers per carrier in
    reach) of the solid ICBM must exceed the liquid one's. Measured: 201 vs 116 (NRC times),
    227 vs 108 (APS times)."""
    a_solid = _absentee(solid_path.with_deadline(solid_s), spec, 300e3)
    a_liquid = _absentee(liquid_path.with_deadline(liquid_s), spec, 300e3)
    assert a_solid > a_liquid, source
