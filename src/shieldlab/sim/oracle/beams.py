"""Directed-energy weapons in the trial: aimed from cues, acting on what is there.

Part of the truth boundary (:mod:`shieldlab.sim.oracle`). A laser or microwave
weapon is cued by positions — the fused picture's tracks classified as cruise
missiles or drones by their kinematics, and its own short-range sensor's
detections (:func:`own_sensor_cues`, a Swerling-1 detection whose 50 % range
is ``own_sensor_range_m``, position and velocity measured with noise and
classified the same way). It never filters by truth class: a beam acts on
the object that is physically there (the laser's fine tracker acquires the
live object nearest the cue within :data:`ACQUISITION_M`; a microwave pulse
affects every object in its beam, each by its own class's susceptibility;
objects with no directed-energy class are unaffected). A cue with nothing
behind it costs the laser a slew.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from shieldlab.core.frames import OMEGA_EARTH_VEC, eci_to_ecef
from shieldlab.sim.world import World
from shieldlab.weapons.directed_energy import fluence_increment_j_m2, hpm_effect_probability

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
BoolArr = NDArray[np.bool_]

ACQUISITION_M = 500.0
"""A laser's fine tracker acquires the object nearest its cue within this distance [m]."""
REJECT_S = 30.0
"""A cue where the fine tracker found nothing is not tried again for this long [s]."""
OWN_SENSOR_PFA = 1e-6
OWN_SENSOR_SNR50 = 20.0
"""Own sensor: Swerling-1 Pd = Pfa^(1/(1 + SNR)), SNR = 20·(R₅₀/R)⁴ (Pd ≈ 0.5 at R₅₀)."""
OWN_SENSOR_SIGMA_M = 20.0
OWN_SENSOR_SIGMA_MPS = 5.0
"""Own sensor's measured position and velocity 1-σ per axis [m, m/s] (stated)."""


def own_sensor_cues(
    site_ecef_m: F64,
    range50_m: float,
    r_eci: F64,
    v_eci: F64,
    visible: BoolArr,
    gmst: float,
    rng: np.random.Generator,
) -> F64:
    """Detections of a weapon's own sensor as measured ECI states (d, 6) (n uniforms
    and 6·n normals per call)."""
    n = r_eci.shape[0]
    u = rng.random(n)
    noise = rng.standard_normal((n, 6))
    if range50_m <= 0.0 or n == 0:
        return np.empty((0, 6))
    rel = eci_to_ecef(r_eci, gmst) - site_ecef_m
    rng_m = np.linalg.norm(rel, axis=1)
    up = site_ecef_m / np.linalg.norm(site_ecef_m)
    snr = OWN_SENSOR_SNR50 * (range50_m / np.maximum(rng_m, 1.0)) ** 4
    pd = OWN_SENSOR_PFA ** (1.0 / (1.0 + snr))
    det = visible & (rel @ up > 0.0) & (u < pd)
    x = np.concatenate([r_eci[det], v_eci[det]], axis=1)
    x[:, :3] += OWN_SENSOR_SIGMA_M * noise[det, :3]
    x[:, 3:] += OWN_SENSOR_SIGMA_MPS * noise[det, 3:]
    return x


def level_cues(x_eci: F64, max_alt_m: float = 20_000.0, max_speed_mps: float = 1_200.0) -> F64:
    """The states (k, 6) classified as cruise missiles or drones by kinematics (below
    ``max_alt_m``, slower than ``max_speed_mps`` Earth-relative); positions (k, 3)."""
    if x_eci.shape[0] == 0:
        return np.empty((0, 3))
    r = x_eci[:, :3]
    v_rel = x_eci[:, 3:] - np.cross(OMEGA_EARTH_VEC, r)
    alt = np.linalg.norm(r, axis=1) - 6_378_137.0
    ok = (alt < max_alt_m) & (np.linalg.norm(v_rel, axis=1) < max_speed_mps)
    return np.asarray(r[ok])


@dataclass
class LaserState:
    """Working state of the trial's high-energy lasers (one target at a time each).

    Per laser: the object its fine tracker holds (−1: none), when slew-and-settle
    ends, the energy left in its store [J], when the current dwell started; per
    object: the absorbed fluence [J/m²]; the dwell log; cues found empty."""

    target: I64
    ready_s: F64
    energy_j: F64
    fluence: F64
    log: list[tuple[int, int, float, float, bool, float]]
    start_s: F64
    rejected: list[list[tuple[float, F64]]] = field(default_factory=list)

    @classmethod
    def start(cls, world: World, n: int) -> LaserState:
        k = len(world.lasers)
        return cls(
            np.full(k, -1, np.int64),
            np.zeros(k),
            np.array([lz.spec.magazine.capacity_j for lz in world.lasers]),
            np.zeros(n),
            [],
            np.zeros(k),
            [[] for _ in range(k)],
        )

    def step(
        self,
        world: World,
        t: float,
        dt: float,
        r_eci: F64,
        live: BoolArr,
        gmst: float,
        cues_eci: list[F64],
    ) -> BoolArr:
        """One time step of every laser; returns the objects (n,) killed in it.

        ``cues_eci[i]`` (c, 3): cue positions for laser i (fused tracks and its own
        sensor). A laser keeps the object its fine tracker holds until it dies or
        leaves the envelope; otherwise it slews to the nearest cue in range and
        above the horizon and acquires the live object nearest the cue within
        :data:`ACQUISITION_M` (nothing there: the cue is rejected for
        :data:`REJECT_S`). It fires after ``slew_settle_s``, adding α I dt of
        fluence (:func:`~shieldlab.weapons.directed_energy.fluence_increment_j_m2`)
        to the object while its store holds energy; the object dies when the
        fluence reaches its class's kill fluence (no class: never)."""
        killed = np.zeros(live.size, bool)
        cls = world.de_target if world.de_target is not None else np.full(live.size, -1)
        r_ecef = eci_to_ecef(r_eci, gmst)
        for i, lz in enumerate(world.lasers):  # lasers: a handful
            mag = lz.spec.magazine
            up = lz.r_ecef_m / np.linalg.norm(lz.r_ecef_m)
            d = r_ecef - lz.r_ecef_m
            rng_m = np.linalg.norm(d, axis=1)
            in_env = live & (rng_m <= lz.spec.max_range_m) & (d @ up > 0.0)
            cur = int(self.target[i])
            if cur >= 0 and not in_env[cur]:
                self._close(i, t, killed=False)
                cur = -1
            if cur < 0:
                cur = self._acquire(
                    i,
                    lz.r_ecef_m,
                    lz.spec.max_range_m,
                    up,
                    t,
                    r_eci,
                    r_ecef,
                    in_env,
                    cues_eci[i],
                    gmst,
                )
                if cur >= 0:
                    self.target[i], self.start_s[i] = cur, t
                    self.ready_s[i] = t + lz.spec.slew_settle_s
            drain = max(mag.draw_w - mag.recharge_w, 0.0)
            if cur >= 0 and t >= self.ready_s[i] and self.energy_j[i] > 0.0:
                dt_fire = dt if drain == 0.0 else min(dt, self.energy_j[i] / drain)
                self.energy_j[i] -= drain * dt_fire
                if cls[cur] < 0:
                    continue  # not a directed-energy target: the beam does nothing
                target = world.de_targets[int(cls[cur])]
                self.fluence[cur] += float(
                    fluence_increment_j_m2(
                        lz.spec, target, rng_m[cur], dt_fire, lz.extinction_per_m
                    )
                )
                if self.fluence[cur] >= target.kill_fluence_j_m2:
                    killed[cur] = True
                    self._close(i, t, killed=True)
            elif cur < 0:
                self.energy_j[i] = min(mag.capacity_j, self.energy_j[i] + mag.recharge_w * dt)
        return killed

    def _acquire(
        self,
        i: int,
        site_ecef: F64,
        max_range_m: float,
        up: F64,
        t: float,
        r_eci: F64,
        r_ecef: F64,
        in_env: BoolArr,
        cues_eci: F64,
        gmst: float,
    ) -> int:
        """Slew to the nearest acceptable cue; the object the fine tracker finds (−1)."""
        if cues_eci.shape[0] == 0:
            return -1
        c_ecef = eci_to_ecef(cues_eci, gmst)
        rel = c_ecef - site_ecef
        dist = np.linalg.norm(rel, axis=1)
        ok = (dist <= max_range_m) & (rel @ up > 0.0)
        self.rejected[i] = [(ts, p) for ts, p in self.rejected[i] if t - ts < REJECT_S]
        for _, p in self.rejected[i]:  # rejected cues: a handful
            ok &= np.linalg.norm(c_ecef - p, axis=1) > ACQUISITION_M
        if not ok.any():
            return -1
        c = int(np.argmin(np.where(ok, dist, np.inf)))
        idx = np.flatnonzero(in_env)
        if idx.size:
            gap = np.linalg.norm(r_ecef[idx] - c_ecef[c], axis=1)
            j = int(np.argmin(gap))
            if gap[j] <= ACQUISITION_M:
                return int(idx[j])
        self.rejected[i].append((t, c_ecef[c]))
        return -1

    def _close(self, i: int, t: float, killed: bool) -> None:
        obj = int(self.target[i])
        self.log.append((i, obj, float(self.start_s[i]), t, killed, float(self.fluence[obj])))
        self.target[i] = -1

    def record(self) -> dict[str, np.ndarray] | None:
        if not self.target.size:
            return None
        cols = list(zip(*self.log, strict=True)) if self.log else [()] * 6
        return {
            "laser": np.asarray(cols[0], np.int64),
            "object": np.asarray(cols[1], np.int64),
            "start_s": np.asarray(cols[2], np.float64),
            "end_s": np.asarray(cols[3], np.float64),
            "killed": np.asarray(cols[4], bool),
            "fluence_j_m2": np.asarray(cols[5], np.float64),
        }


@dataclass
class HpmState:
    """Working state of the trial's high-power microwave weapons: next shot time and
    energy left per weapon; shots fired and kills per weapon; the shot log (weapon,
    object nearest the boresight (−1: none), time [s], that object's effect
    probability, it was killed, objects killed)."""

    next_s: F64
    energy_j: F64
    shots: I64
    kills: I64
    rng: np.random.Generator
    log: list[tuple[int, int, float, float, bool, int]] = field(default_factory=list)

    @classmethod
    def start(cls, world: World, rng: np.random.Generator) -> HpmState:
        k = len(world.hpm)
        return cls(
            np.zeros(k),
            np.array([h.spec.magazine.capacity_j for h in world.hpm]),
            np.zeros(k, np.int64),
            np.zeros(k, np.int64),
            rng,
        )

    def step(
        self,
        world: World,
        t: float,
        dt: float,
        r_eci: F64,
        live: BoolArr,
        gmst: float,
        cues_eci: list[F64],
    ) -> BoolArr:
        """Shots of every HPM weapon in [t, t + dt) (positions held over the step).

        The weapon points at the cue (``cues_eci[i]`` (c, 3)) in range and above
        the horizon whose boresight maximises the expected effects over all cues,
        each cue taken as the weapon's nominal target class (the first
        directed-energy class of the world; the battle manager does not know
        the objects' classes). The pulse then draws one Bernoulli per live
        object in the beam with the effect probability of its *own* class
        (:func:`~shieldlab.weapons.directed_energy.hpm_effect_probability`;
        objects of no class are immune). A shot needs its net energy in the
        store; the store recharges between shots. Returns the objects (n,) killed.
        """
        killed = np.zeros(live.size, bool)
        cls = world.de_target if world.de_target is not None else np.full(live.size, -1)
        if not world.de_targets:
            return killed
        nominal = world.de_targets[0]
        r_ecef = eci_to_ecef(r_eci, gmst)
        for i, hw in enumerate(world.hpm):  # weapons: a handful
            sp, mag = hw.spec, hw.spec.magazine
            rel = r_ecef - hw.r_ecef_m
            up = hw.r_ecef_m / np.linalg.norm(hw.r_ecef_m)
            c_rel = eci_to_ecef(cues_eci[i], gmst) - hw.r_ecef_m
            c_ok = (np.linalg.norm(c_rel, axis=1) <= sp.max_range_m) & (c_rel @ up > 0.0)
            c_rel = c_rel[c_ok]
            while self.next_s[i] < t + dt:  # shots in this step
                self.next_s[i] = max(self.next_s[i], t) + sp.shot_interval_s
                need = max(mag.draw_w - mag.recharge_w, 0.0) * sp.shot_duration_s
                self.energy_j[i] = min(
                    mag.capacity_j, self.energy_j[i] + mag.recharge_w * sp.shot_interval_s
                )
                if c_rel.shape[0] == 0 or self.energy_j[i] < need:
                    continue
                bores = c_rel / np.linalg.norm(c_rel, axis=1, keepdims=True)
                p_cues = hpm_effect_probability(sp, nominal, c_rel[None, :, :], bores[:, None, :])
                bore = bores[int(np.argmax(p_cues.sum(axis=1)))]
                cand = np.flatnonzero(live & ~killed & (cls >= 0))
                p = np.zeros(cand.size)
                for c in np.unique(cls[cand]):  # target classes: one or two
                    m = cls[cand] == c
                    p[m] = hpm_effect_probability(
                        sp, world.de_targets[int(c)], rel[cand][m], bore[None, :]
                    )
                hit = self.rng.random(cand.size) < p
                killed[cand[hit]] = True
                self.energy_j[i] -= need
                self.shots[i] += 1
                self.kills[i] += int(hit.sum())
                t_shot = self.next_s[i] - sp.shot_interval_s
                if cand.size:
                    cosang = (rel[cand] @ bore) / np.linalg.norm(rel[cand], axis=1)
                    j = int(np.argmax(cosang))
                    aim, aim_p, aim_hit = int(cand[j]), float(p[j]), bool(hit[j])
                else:
                    aim, aim_p, aim_hit = -1, 0.0, False
                self.log.append((i, aim, t_shot, aim_p, aim_hit, int(hit.sum())))
        return killed

    def record(self) -> dict[str, np.ndarray] | None:
        """The shot log as columns weapon, object (nearest the boresight), t_s, pk (of
        that object), hit (it was killed), kills (objects killed by the shot); None
        when no shot was fired."""
        if not self.log:
            return None
        w, o, t, p, h, k = zip(*self.log, strict=True)
        return {
            "weapon": np.array(w, np.int64),
            "object": np.array(o, np.int64),
            "t_s": np.array(t, np.float64),
            "pk": np.array(p, np.float64),
            "hit": np.array(h, bool),
            "kills": np.array(k, np.int64),
        }
