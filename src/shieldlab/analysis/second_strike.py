"""The second strike left after a counterforce raid: which launchers and warheads can
still retaliate, given which aimpoints were destroyed and the force's posture.

Rules (per draw of the posture and the damage; the laydown and its aimpoints come
from :mod:`shieldlab.scenario.deterrent_schema`):

- **Posture** (drawn per unit, independently, at the stated rates): each deployed
  ICBM on alert with the wing's alert rate; each bomber on alert with its base's
  rate; each boat at sea with its base's at-sea rate; the airborne command post
  aloft with its alert rate.
- **ICBMs**: a missile can retaliate if it is on alert, its silo survives and its
  squadron keeps launch control — any LCC of the squadron survives, or the
  airborne command post is aloft and carries the airborne launch control system.
- **Bombers**: bombers on alert escape (warning assumed in time to take off) and
  survive; the others survive only if their base does.
- **SSBNs**: boats at sea survive (no anti-submarine warfare modelled); boats in
  port survive only if their base does (they can then put to sea and retaliate).
- **Command**: with ``command.required``, nothing retaliates unless a command site
  survives or the airborne command post is aloft; without a ``command:`` section
  authority is assumed.

Launchers are missiles (ICBMs, SLBMs) and bombers, as New START counts them;
warheads are the missiles' warheads and the bombers' weapons. Physical survival
(before the command rule) is reported beside.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shieldlab.scenario.deterrent_schema import DeterrentSection, laydown_aimpoints

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
Bool = NDArray[np.bool_]
LEGS: tuple[str, ...] = ("icbm", "slbm", "bomber")
"""Legs of the triad, in report order."""


@dataclass(frozen=True)
class Laydown:
    """The deterrent as arrays over its aimpoints (A,) and units.

    Aimpoints: ``names``, ``hardness_psi``, ``kind``. Silos (S,): ``silo`` (aimpoint
    index), ``silo_loaded``, ``silo_warheads`` (per missile), ``silo_alert``,
    ``silo_squadron``; LCCs (L,): ``lcc`` (aimpoint), ``lcc_squadron``; squadrons
    ``n_squadrons``. Bomber bases (B,): ``bomber_base`` (aimpoint), ``bombers``,
    ``bomber_weapons``, ``bomber_alert``. SSBN bases (K,): ``ssbn_base``,
    ``boats``, ``slbms_per_boat``, ``slbm_warheads``, ``at_sea``. Command:
    ``command`` (aimpoint indices), ``p_airborne``, ``airborne_launch``,
    ``command_required``.
    """

    names: tuple[str, ...]
    kind: tuple[str, ...]
    hardness_psi: F64
    silo: I64
    silo_loaded: Bool
    silo_warheads: F64
    silo_alert: F64
    silo_squadron: I64
    lcc: I64
    lcc_squadron: I64
    n_squadrons: int
    bomber_base: I64
    bombers: I64
    bomber_weapons: F64
    bomber_alert: F64
    ssbn_base: I64
    boats: I64
    slbms_per_boat: I64
    slbm_warheads: F64
    at_sea: F64
    command: I64
    p_airborne: float
    airborne_launch: bool
    command_required: bool

    @classmethod
    def from_section(cls, section: DeterrentSection) -> Laydown:
        """Arrays of a ``deterrent:`` section (aimpoints in :func:`laydown_aimpoints` order)."""
        pts = laydown_aimpoints(section)
        kind = [a.kind for a in pts]

        def idx(k: str) -> I64:
            return np.array([i for i, x in enumerate(kind) if x == k], np.int64)

        silo, lcc = idx("silo"), idx("lcc")
        wings = section.icbm_wings
        air = section.command.airborne if section.command is not None else None
        return cls(
            names=tuple(a.name for a in pts),
            kind=tuple(kind),
            hardness_psi=np.array([a.hardness_psi for a in pts], np.float64),
            silo=silo,
            silo_loaded=np.array([pts[i].loaded for i in silo], bool),
            silo_warheads=np.array(
                [wings[pts[i].unit].warheads_per_missile for i in silo], np.float64
            ),
            silo_alert=np.array([wings[pts[i].unit].alert_rate for i in silo], np.float64),
            silo_squadron=np.array([pts[i].squadron for i in silo], np.int64),
            lcc=lcc,
            lcc_squadron=np.array([pts[i].squadron for i in lcc], np.int64),
            n_squadrons=sum(w.squadrons for w in wings),
            bomber_base=idx("bomber-base"),
            bombers=np.array([b.bombers for b in section.bomber_bases], np.int64),
            bomber_weapons=np.array([b.weapons_per_bomber for b in section.bomber_bases]),
            bomber_alert=np.array([b.alert_rate for b in section.bomber_bases], np.float64),
            ssbn_base=idx("ssbn-base"),
            boats=np.array([s.boats for s in section.ssbn_bases], np.int64),
            slbms_per_boat=np.array([s.missiles_per_boat for s in section.ssbn_bases], np.int64),
            slbm_warheads=np.array([s.warheads_per_missile for s in section.ssbn_bases]),
            at_sea=np.array([s.at_sea_rate for s in section.ssbn_bases], np.float64),
            command=idx("command"),
            p_airborne=0.0 if air is None else air.alert_rate,
            airborne_launch=air is not None and air.launches_icbms,
            command_required=section.command is not None and section.command.required,
        )

    @property
    def size(self) -> int:
        """Number of aimpoints A."""
        return len(self.names)

    def force(self) -> dict[str, dict[str, float]]:
        """The force as laid down (every missile, bomber and boat): launchers and warheads
        by leg and in total."""
        icbm_l = float(self.silo_loaded.sum())
        icbm_w = float((self.silo_loaded * self.silo_warheads).sum())
        bomb_l = float(self.bombers.sum())
        bomb_w = float((self.bombers * self.bomber_weapons).sum())
        slbm_l = float((self.boats * self.slbms_per_boat).sum())
        slbm_w = float((self.boats * self.slbms_per_boat * self.slbm_warheads).sum())
        return {
            "launchers": {
                "icbm": icbm_l,
                "slbm": slbm_l,
                "bomber": bomb_l,
                "total": icbm_l + slbm_l + bomb_l,
            },
            "warheads": {
                "icbm": icbm_w,
                "slbm": slbm_w,
                "bomber": bomb_w,
                "total": icbm_w + slbm_w + bomb_w,
            },
        }


@dataclass(frozen=True)
class Posture:
    """Posture draws (D draws): ICBM on alert (D, S), bombers on alert (D, B), boats at
    sea (D, K), airborne command post aloft (D,)."""

    icbm_alert: Bool
    bombers_alert: I64
    boats_at_sea: I64
    airborne: Bool


def draw_posture(lay: Laydown, draws: int, rng: np.random.Generator) -> Posture:
    """``draws`` independent posture draws at the stated rates (fixed draw order:
    ICBMs, bombers, boats, airborne post)."""
    return Posture(
        icbm_alert=rng.random((draws, lay.silo.size)) < lay.silo_alert[None, :],
        bombers_alert=rng.binomial(
            lay.bombers[None, :], lay.bomber_alert[None, :], (draws, lay.bombers.size)
        ),
        boats_at_sea=rng.binomial(lay.boats[None, :], lay.at_sea[None, :], (draws, lay.boats.size)),
        airborne=rng.random(draws) < lay.p_airborne,
    )


def destroyed_aimpoints(
    n_aimpoints: int, aimpoint: I64, p_kill: F64, arrived: Bool, u: F64
) -> Bool:
    """Aimpoints destroyed (D, A): arriving warhead j (of J) destroys its aimpoint
    ``aimpoint[j]`` in draw d when ``u[d, j] < p_kill[j]`` (its r·SSPK there).

    ``aimpoint`` (J,) aimpoint index of each warhead; ``arrived`` (J,) it reached its
    aimpoint; ``u`` (D, J) uniform draws (common to every variant of a trial)."""
    kills = (u < p_kill[None, :]) & arrived[None, :]
    onehot = np.zeros((aimpoint.size, n_aimpoints), np.int32)
    onehot[np.arange(aimpoint.size), aimpoint] = 1
    return np.asarray((kills.astype(np.int32) @ onehot) > 0)


def survivors(lay: Laydown, destroyed: Bool, posture: Posture) -> dict[str, F64]:
    """Per draw (D,): launchers and warheads that can still retaliate, by leg
    (``launchers_icbm``, ``warheads_slbm``, ...) and in total (``launchers``,
    ``warheads``), the physically surviving warheads before the command rule
    (``physical_warheads``) and whether authority survived (``authority``, 0/1)."""
    d = destroyed.shape[0]
    alive = ~destroyed
    air = posture.airborne
    # ICBMs: silo alive, missile on alert, squadron keeps launch control
    lcc_ok = np.zeros((d, lay.n_squadrons), bool)
    if lay.lcc.size:
        hit = np.zeros((d, lay.n_squadrons), np.int32)
        np.add.at(hit.T, lay.lcc_squadron, alive[:, lay.lcc].T.astype(np.int32))
        lcc_ok = hit > 0
    control = lcc_ok | (air[:, None] & lay.airborne_launch)
    ok = alive[:, lay.silo] & posture.icbm_alert & lay.silo_loaded[None, :]
    if lay.silo.size:
        ok &= control[:, lay.silo_squadron]
    icbm_l = ok.sum(axis=1).astype(np.float64)
    icbm_w = (ok * lay.silo_warheads[None, :]).sum(axis=1)
    # bombers: alert ones escape, the others need their base
    base_ok = alive[:, lay.bomber_base]
    bomb = posture.bombers_alert + np.where(
        base_ok, lay.bombers[None, :] - posture.bombers_alert, 0
    )
    bomb_l = bomb.sum(axis=1).astype(np.float64)
    bomb_w = (bomb * lay.bomber_weapons[None, :]).sum(axis=1)
    # SSBNs: at sea survive, in port need their base
    port_ok = alive[:, lay.ssbn_base]
    boats = posture.boats_at_sea + np.where(port_ok, lay.boats[None, :] - posture.boats_at_sea, 0)
    slbm = boats * lay.slbms_per_boat[None, :]
    slbm_l = slbm.sum(axis=1).astype(np.float64)
    slbm_w = (slbm * lay.slbm_warheads[None, :]).sum(axis=1)
    authority = np.ones(d, bool)
    if lay.command_required:
        authority = alive[:, lay.command].any(axis=1) | air
    k = authority.astype(np.float64)
    out = {
        "launchers_icbm": icbm_l * k,
        "launchers_slbm": slbm_l * k,
        "launchers_bomber": bomb_l * k,
        "warheads_icbm": icbm_w * k,
        "warheads_slbm": slbm_w * k,
        "warheads_bomber": bomb_w * k,
        "physical_warheads": icbm_w + slbm_w + bomb_w,
        "authority": k,
    }
    out["launchers"] = out["launchers_icbm"] + out["launchers_slbm"] + out["launchers_bomber"]
    out["warheads"] = out["warheads_icbm"] + out["warheads_slbm"] + out["warheads_bomber"]
    return out
