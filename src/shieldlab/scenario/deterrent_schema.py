"""Scenario schema of the deterrent a counterforce raid strikes: its laydown, alert rates,
the attacker's warheads, and the floor of the second strike with the defense additions
searched to keep it.

A ``deterrent:`` section (``shieldlab deterrent``) lays the force out from public
numbers:

- ``icbm_wings``: a missile wing of squadrons, each of ``flights_per_squadron``
  flights of one launch control centre (LCC) and ``silos_per_flight`` silos
  (Minuteman III: 3 squadrons × 5 flights × 10 silos per wing); missiles deployed
  (the other silos are empty), warheads per missile, the alert rate, silo and
  LCC hardness, the missile field's area around a schematic centre;
- ``bomber_bases``: nuclear-capable bombers, weapons per bomber, the alert rate
  (bombers on alert escape the raid);
- ``ssbn_bases``: boats carrying missiles, missiles per boat, warheads per
  missile, the at-sea rate (boats at sea survive);
- ``command``: national command sites and the airborne command post (with the
  airborne launch control system, ALCS), its alert rate;
- ``attacker``: yield, CEP and reliability of the attacking warheads per threat
  type (``default`` for the rest);
- ``floor`` and ``additions``: the second strike to keep and the candidate
  additions to the defense searched for the smallest that keeps it.

**Generated aimpoints.** Every silo, LCC, base and command site becomes a scenario
asset (:func:`resolve_deterrent`, a ``mode="before"`` step after the catalog assets
are resolved): silos ``"<wing> LF <flight>-<nn>"`` (``nn`` 02–11 as on the
Minuteman fields) and LCCs ``"<wing> LCC <flight>-01"`` of category ``deterrent``
and ``command``; bases and command sites under their catalog name (or ``name``).
A scenario asset of the same name is replaced by the generated one. The silo
layout is **schematic, not the true coordinates**: flight centres on a sunflower
(Vogel) spiral over a disc of the field's public area around ``field_center``,
the flight's silos on a ring around its LCC, every two silos at least
``min_spacing_km`` apart (checked; a field too small to hold them is an error).

**Target groups.** A ``threats:`` group may name ``@GROUP`` or ``@GROUP[a:b]``
(Python slice) in ``targets`` instead of listing aimpoints: ``@<wing>.silos``,
``@<wing>.lccs``, ``@<wing>.sq<k>.silos``, ``@<wing>.sq<k>.lccs`` (squadrons from
1), ``@icbm.silos``, ``@icbm.lccs``, ``@bomber-bases``, ``@ssbn-bases``,
``@command`` and ``@deterrent`` (everything generated), in laydown order. Targets
stay round-robin, so ``count`` = 2 × the group's size puts two warheads on each.

**Value of an aimpoint** (:func:`aimpoint_values`): the warheads its survival keeps
able to retaliate (expected, at the stated alert rates) — a silo its missile's
warheads × the alert rate (an empty silo 0); an LCC its squadron's alert warheads
over the squadron's LCCs, times P(no airborne launch control); a bomber base the
weapons of its bombers not on alert; an SSBN base the warheads of the boats in
port; a command site the whole force's alert warheads over the command sites,
times P(no airborne command post) (0 when retaliation needs no command). The
engine's battle manager and the raid generator see these values; the
prioritized-locations ranking of ``shieldlab plan`` sums them per catalog base
(:func:`base_values`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shieldlab import catalog
from shieldlab.core.frames import destination_point, great_circle_distance_m

if TYPE_CHECKING:
    from shieldlab.scenario.schema import Scenario

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
Psi = Annotated[float, Field(gt=0.0, le=1.0e6, description="overpressure withstood [psi]")]
Lat = Annotated[float, Field(ge=-90.0, le=90.0)]
Lon = Annotated[float, Field(ge=-180.0, le=360.0)]
GOLDEN_ANGLE_RAD = math.pi * (3.0 - math.sqrt(5.0))
"""Divergence angle of the sunflower (Vogel 1979) spiral [rad]."""
DEFAULT_KEY = "default"
"""``attacker`` key of the warhead of every threat type not named."""
RESERVED = ("icbm", "bomber-bases", "ssbn-bases", "command", "deterrent")
"""Group names a wing may not take."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IcbmWing(_Model):
    """A silo-based missile wing: squadrons of flights, one LCC and ``silos_per_flight``
    silos per flight; any surviving LCC of a squadron (or the airborne launch control
    system aloft) can launch the squadron's missiles."""

    name: str = Field(
        min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\- ]*$", description="label, e.g. Minot"
    )
    base: str = Field(min_length=1, description="catalog asset of the wing's base")
    field_center_lat_deg: Lat | None = Field(default=None, description="schematic field centre")
    field_center_lon_deg: Lon | None = None
    field_area_km2: float = Field(gt=0.0, le=1.0e6, description="area of the missile field")
    squadrons: int = Field(default=3, ge=1, le=20)
    flights_per_squadron: int = Field(default=5, ge=1, le=20)
    silos_per_flight: int = Field(default=10, ge=1, le=50)
    missiles_deployed: int = Field(ge=0, le=10000, description="missiles in the silos")
    warheads_per_missile: float = Field(default=1.0, gt=0.0, le=20.0)
    alert_rate: Rate = Field(description="fraction of the deployed missiles on alert")
    silo_hardness_psi: Psi
    lcc_hardness_psi: Psi
    min_spacing_km: float = Field(default=5.6, gt=0.0, le=100.0, description="between silos")
    flight_radius_km: float | None = Field(
        default=None, gt=0.0, le=100.0, description="silo ring around the LCC (default: fitted)"
    )
    aimpoint_radius_km: float = Field(default=1.0, gt=0.0, le=50.0)
    source: str = ""

    @property
    def silos(self) -> int:
        """Silos of the wing."""
        return self.squadrons * self.flights_per_squadron * self.silos_per_flight

    @model_validator(mode="after")
    def _fits(self) -> IcbmWing:
        if self.missiles_deployed > self.silos:
            raise ValueError(
                f"missiles_deployed: {self.missiles_deployed} exceeds the wing's "
                f"{self.silos} silos ({self.squadrons} squadrons × {self.flights_per_squadron}"
                f" flights × {self.silos_per_flight} silos)"
            )
        if (self.field_center_lat_deg is None) != (self.field_center_lon_deg is None):
            raise ValueError("field_center_lat_deg: give both field_center_lat_deg and _lon_deg")
        if self.name.lower() in RESERVED:
            raise ValueError(f"name: {self.name!r} is reserved; not one of {', '.join(RESERVED)}")
        return self


class BomberBase(_Model):
    """Nuclear-capable bombers at a base; those on alert escape, the others are lost with
    the base."""

    base: str = Field(min_length=1, description="catalog asset of the base")
    name: str | None = Field(default=None, min_length=1, description="aimpoint (default: base)")
    bombers: int = Field(ge=0, le=1000)
    weapons_per_bomber: float = Field(gt=0.0, le=50.0)
    alert_rate: Rate = Field(description="fraction of the bombers on alert (escape the raid)")
    hardness_psi: Psi = 5.0
    radius_km: float | None = Field(default=None, gt=0.0, le=100.0)
    source: str = ""


class SsbnBase(_Model):
    """Ballistic-missile submarines of a home port; boats at sea survive, boats in port
    are lost with the base."""

    base: str = Field(min_length=1, description="catalog asset of the base")
    name: str | None = Field(default=None, min_length=1)
    boats: int = Field(ge=0, le=100, description="boats carrying missiles (not in overhaul)")
    missiles_per_boat: int = Field(ge=1, le=40)
    warheads_per_missile: float = Field(gt=0.0, le=20.0, description="average loading")
    at_sea_rate: Rate = Field(description="fraction of the boats at sea")
    hardness_psi: Psi = 5.0
    radius_km: float | None = Field(default=None, gt=0.0, le=100.0)
    source: str = ""


class CommandSite(_Model):
    """A national command site (authority to release the force)."""

    base: str = Field(min_length=1, description="catalog asset of the site")
    name: str | None = Field(default=None, min_length=1)
    hardness_psi: Psi = 5.0
    radius_km: float | None = Field(default=None, gt=0.0, le=100.0)
    source: str = ""


class AirborneCommand(_Model):
    """The airborne command post: aloft (and surviving) with ``alert_rate``, it holds the
    authority, and with ``launches_icbms`` its airborne launch control system can launch
    the missiles of a squadron whose LCCs are all lost."""

    alert_rate: Rate
    launches_icbms: bool = True
    source: str = ""


class Command(_Model):
    """National command: sites, the airborne post, and whether retaliation needs them."""

    sites: list[CommandSite] = Field(default_factory=list)
    airborne: AirborneCommand | None = None
    required: bool = Field(default=True, description="no surviving authority: nothing retaliates")


class AttackerWarhead(_Model):
    """An attacking warhead: yield, accuracy and reliability (launch to detonation)."""

    yield_kt: float = Field(gt=0.0, le=1.0e5)
    cep_m: float = Field(gt=0.0, le=1.0e5)
    reliability: Rate
    source: str = ""


class Floor(_Model):
    """The second strike to keep: ``warheads`` of ``statistic`` over the trials."""

    warheads: float = Field(ge=0.0, le=1.0e5)
    statistic: Literal["mean", "p5"] = "p5"


class Addition(_Model):
    """A candidate addition to the defense: interceptors added to an interceptor site
    of the scenario in steps of ``step`` up to ``max``."""

    site: str = Field(min_length=1, description="an interceptor_sites name")
    step: int = Field(ge=1, le=10000)
    max: int = Field(ge=1, le=100000)

    @model_validator(mode="after")
    def _steps(self) -> Addition:
        if self.max < self.step:
            raise ValueError(f"max: must be >= step ({self.step}), got {self.max}")
        return self


class DeterrentSection(_Model):
    """The deterrent a counterforce raid strikes (module docstring)."""

    icbm_wings: list[IcbmWing] = Field(default_factory=list)
    bomber_bases: list[BomberBase] = Field(default_factory=list)
    ssbn_bases: list[SsbnBase] = Field(default_factory=list)
    command: Command | None = None
    attacker: dict[str, AttackerWarhead] = Field(
        min_length=1, description="threat catalog name (or 'default') -> warhead"
    )
    draws_per_trial: int = Field(
        default=100, ge=1, le=100000, description="posture and damage draws per engine trial"
    )
    floor: Floor | None = None
    additions: list[Addition] = Field(default_factory=list)
    description: str = ""

    @field_validator("attacker")
    @classmethod
    def _known_threats(cls, v: dict[str, AttackerWarhead]) -> dict[str, AttackerWarhead]:
        known = catalog.load("threats")
        for name in v:
            if name != DEFAULT_KEY and name not in known:
                raise ValueError(
                    f"unknown threat {name!r}; allowed: {DEFAULT_KEY}, {', '.join(sorted(known))}"
                )
        return v

    @model_validator(mode="after")
    def _something(self) -> DeterrentSection:
        if not (self.icbm_wings or self.bomber_bases or self.ssbn_bases):
            raise ValueError("icbm_wings: give at least one ICBM wing, bomber base or SSBN base")
        names = [w.name for w in self.icbm_wings]
        if len(set(names)) != len(names):
            raise ValueError("icbm_wings: wing names must be unique")
        return self


# --- the laydown ------------------------------------------------------------------------


@dataclass(frozen=True)
class Aimpoint:
    """A generated aimpoint: position [deg], extent [km], hardness [psi], value (warheads
    its survival keeps able to retaliate), scenario category, and what it is
    (``kind``: silo, lcc, bomber-base, ssbn-base, command; ``unit``: index of the
    wing, base or site in its list; ``squadron``: global squadron index of a silo or
    LCC, −1 otherwise; ``loaded``: a silo holding a missile; ``base``: catalog name)."""

    name: str
    kind: str
    lat_deg: float
    lon_deg: float
    radius_km: float
    hardness_psi: float
    value: float
    category: str
    unit: int
    squadron: int = -1
    loaded: bool = False
    base: str = ""
    groups: tuple[str, ...] = ()


def _catalog_entry(name: str, where: str) -> dict[str, Any]:
    entries = catalog.load("assets")
    if name not in entries:
        import difflib

        close = difflib.get_close_matches(name, list(entries), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"{where}: unknown catalog asset {name!r}{hint}; allowed: {', '.join(entries)}"
        )
    entry: dict[str, Any] = entries[name]
    return entry


def _flight_label(i: int) -> str:
    """A, B, ..., Z, AA, AB, ... (Minuteman flights are lettered)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def ring_radius_km(n: int, spacing_km: float) -> float:
    """Smallest ring radius [km] on which ``n`` evenly spaced points are ``spacing_km``
    apart (chord 2ρ sin(π/n)); 0 for one point."""
    return 0.0 if n <= 1 else spacing_km / (2.0 * math.sin(math.pi / n))


def wing_layout(wing: IcbmWing, where: str) -> dict[str, Any]:
    """Schematic positions [deg] of a wing's LCCs and silos (module docstring).

    Returns ``lcc_lat``, ``lcc_lon`` (flights,), ``silo_lat``, ``silo_lon``
    (silos,), ``flight_squadron`` (flights,), ``silo_flight`` (silos,), ``loaded``
    (silos,) and ``labels`` (flights,). Raises ``ValueError`` naming ``where`` when
    the silos cannot keep ``min_spacing_km`` in the field.
    """
    base = _catalog_entry(wing.base, f"{where}.base")
    lat0 = wing.field_center_lat_deg if wing.field_center_lat_deg is not None else base["lat_deg"]
    lon0 = wing.field_center_lon_deg if wing.field_center_lon_deg is not None else base["lon_deg"]
    n_f = wing.squadrons * wing.flights_per_squadron
    n_s = wing.silos_per_flight
    rho = wing.flight_radius_km or max(1.25 * ring_radius_km(n_s, wing.min_spacing_km), 1.0)
    r_field = math.sqrt(wing.field_area_km2 / math.pi)
    r_c = max(r_field - rho, 0.0)
    k = np.arange(n_f, dtype=np.float64)
    r = r_c * np.sqrt((k + 0.5) / n_f)
    th = k * GOLDEN_ANGLE_RAD
    # squadrons are sectors: flights ordered by bearing from the centre, then grouped
    order = np.argsort(np.mod(th, 2.0 * np.pi), kind="stable")
    r, th = r[order], th[order]
    east, north = r * np.sin(th), r * np.cos(th)
    lat0_r, lon0_r = math.radians(lat0), math.radians(lon0)
    lcc_lat, lcc_lon = destination_point(
        lat0_r, lon0_r, np.arctan2(east, north), np.hypot(east, north) * 1e3
    )
    phase = (np.arange(n_f)[:, None] * GOLDEN_ANGLE_RAD) + 2.0 * np.pi * np.arange(n_s) / n_s
    s_lat, s_lon = destination_point(
        np.repeat(lcc_lat, n_s),
        np.repeat(lcc_lon, n_s),
        phase.ravel(),
        np.full(n_f * n_s, rho * 1e3 if n_s > 1 else 0.0),
    )
    d = great_circle_distance_m(s_lat[:, None], s_lon[:, None], s_lat[None, :], s_lon[None, :])
    np.fill_diagonal(d, np.inf)
    closest_km = float(d.min()) / 1e3 if d.size > 1 else math.inf
    if closest_km < wing.min_spacing_km - 1e-6:
        raise ValueError(
            f"{where}.field_area_km2: {wing.silos} silos {wing.min_spacing_km:g} km apart do not "
            f"fit a field of {wing.field_area_km2:g} km² (closest pair {closest_km:.2f} km); "
            "give a larger field_area_km2 or flight_radius_km"
        )
    empty = wing.silos - wing.missiles_deployed
    loaded = np.ones(wing.silos, bool)
    if empty:
        loaded[np.floor((np.arange(empty) + 0.5) * wing.silos / empty).astype(int)] = False
    return {
        "lcc_lat": np.degrees(lcc_lat),
        "lcc_lon": np.degrees(lcc_lon),
        "silo_lat": np.degrees(s_lat),
        "silo_lon": np.degrees(s_lon),
        "flight_squadron": np.arange(n_f) // wing.flights_per_squadron,
        "silo_flight": np.repeat(np.arange(n_f), n_s),
        "loaded": loaded,
        "labels": [_flight_label(i) for i in range(n_f)],
    }


def _airborne(section: DeterrentSection) -> tuple[float, bool]:
    """(P(airborne command post aloft), it launches ICBMs)."""
    a = section.command.airborne if section.command is not None else None
    return (0.0, False) if a is None else (a.alert_rate, a.launches_icbms)


def alert_force_warheads(section: DeterrentSection) -> float:
    """Warheads of the whole force at the stated alert rates, if nothing were destroyed
    (ICBMs on alert, every bomber and boat: in port they survive an intact base)."""
    icbm = sum(
        w.missiles_deployed * w.warheads_per_missile * w.alert_rate for w in section.icbm_wings
    )
    bomb = sum(b.bombers * b.weapons_per_bomber for b in section.bomber_bases)
    ssbn = sum(s.boats * s.missiles_per_boat * s.warheads_per_missile for s in section.ssbn_bases)
    return float(icbm + bomb + ssbn)


def laydown_aimpoints(section: DeterrentSection) -> list[Aimpoint]:
    """Every aimpoint of the laydown, in order: per wing its silos then its LCCs, the
    bomber bases, the SSBN bases, the command sites (values: module docstring)."""
    p_air, air_launch = _airborne(section)
    lcc_factor = 1.0 - (p_air if air_launch else 0.0)
    out: list[Aimpoint] = []
    sq0 = 0
    for i, w in enumerate(section.icbm_wings):
        lay = wing_layout(w, f"deterrent.icbm_wings.{i}")
        wh = w.warheads_per_missile * w.alert_rate
        n_s = w.silos_per_flight
        fl_sq = lay["flight_squadron"]
        silo_sq = fl_sq[lay["silo_flight"]]
        sq_wh = np.bincount(silo_sq, weights=lay["loaded"] * wh, minlength=w.squadrons)
        for j in range(w.silos):
            f = int(lay["silo_flight"][j])
            sq = int(silo_sq[j])
            out.append(
                Aimpoint(
                    name=f"{w.name} LF {lay['labels'][f]}-{j % n_s + 2:02d}",
                    kind="silo",
                    lat_deg=float(lay["silo_lat"][j]),
                    lon_deg=float(lay["silo_lon"][j]),
                    radius_km=w.aimpoint_radius_km,
                    hardness_psi=w.silo_hardness_psi,
                    value=float(wh) if lay["loaded"][j] else 0.0,
                    category="deterrent",
                    unit=i,
                    squadron=sq0 + sq,
                    loaded=bool(lay["loaded"][j]),
                    base=w.base,
                    groups=(f"{w.name}.silos", f"{w.name}.sq{sq + 1}.silos", "icbm.silos"),
                )
            )
        for f, label in enumerate(lay["labels"]):
            sq = int(fl_sq[f])
            out.append(
                Aimpoint(
                    name=f"{w.name} LCC {label}-01",
                    kind="lcc",
                    lat_deg=float(lay["lcc_lat"][f]),
                    lon_deg=float(lay["lcc_lon"][f]),
                    radius_km=w.aimpoint_radius_km,
                    hardness_psi=w.lcc_hardness_psi,
                    value=float(sq_wh[sq]) / w.flights_per_squadron * lcc_factor,
                    category="command",
                    unit=i,
                    squadron=sq0 + sq,
                    base=w.base,
                    groups=(f"{w.name}.lccs", f"{w.name}.sq{sq + 1}.lccs", "icbm.lccs"),
                )
            )
        sq0 += w.squadrons
    for i, b in enumerate(section.bomber_bases):
        e = _catalog_entry(b.base, f"deterrent.bomber_bases.{i}.base")
        out.append(
            Aimpoint(
                name=b.name or b.base,
                kind="bomber-base",
                lat_deg=e["lat_deg"],
                lon_deg=e["lon_deg"],
                radius_km=b.radius_km or float(e["radius_km"]),
                hardness_psi=b.hardness_psi,
                value=b.bombers * (1.0 - b.alert_rate) * b.weapons_per_bomber,
                category="deterrent",
                unit=i,
                base=b.base,
                groups=("bomber-bases",),
            )
        )
    for i, s in enumerate(section.ssbn_bases):
        e = _catalog_entry(s.base, f"deterrent.ssbn_bases.{i}.base")
        out.append(
            Aimpoint(
                name=s.name or s.base,
                kind="ssbn-base",
                lat_deg=e["lat_deg"],
                lon_deg=e["lon_deg"],
                radius_km=s.radius_km or float(e["radius_km"]),
                hardness_psi=s.hardness_psi,
                value=s.boats
                * (1.0 - s.at_sea_rate)
                * s.missiles_per_boat
                * s.warheads_per_missile,
                category="deterrent",
                unit=i,
                base=s.base,
                groups=("ssbn-bases",),
            )
        )
    sites = section.command.sites if section.command is not None else []
    required = section.command is not None and section.command.required
    per_site = alert_force_warheads(section) * (1.0 - p_air) / len(sites) if sites else 0.0
    for i, c in enumerate(sites):
        e = _catalog_entry(c.base, f"deterrent.command.sites.{i}.base")
        out.append(
            Aimpoint(
                name=c.name or c.base,
                kind="command",
                lat_deg=e["lat_deg"],
                lon_deg=e["lon_deg"],
                radius_km=c.radius_km or float(e["radius_km"]),
                hardness_psi=c.hardness_psi,
                value=per_site if required else 0.0,
                category="command",
                unit=i,
                base=c.base,
                groups=("command",),
            )
        )
    names = [a.name for a in out]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"deterrent: aimpoint {dup!r} is generated twice; give the bases a name")
    return out


def target_groups(points: list[Aimpoint]) -> dict[str, list[str]]:
    """Aimpoint names of every target group (module docstring), in laydown order."""
    groups: dict[str, list[str]] = {}
    for a in points:
        for g in (*a.groups, "deterrent"):
            groups.setdefault(g, []).append(a.name)
    return groups


def base_values(section: DeterrentSection) -> dict[str, float]:
    """Second-strike value of each catalog base [warheads]: the sum of the values of the
    aimpoints that stand for it (a wing's silos and LCCs count for its base)."""
    out: dict[str, float] = {}
    for a in laydown_aimpoints(section):
        out[a.base] = out.get(a.base, 0.0) + a.value
    return out


_GROUP_REF = re.compile(r"^@([^\[\]]+?)(?:\[(-?\d*):(-?\d*)(?::(-?\d+))?\])?$")


def expand_target(ref: str, groups: dict[str, list[str]], where: str) -> list[str]:
    """The aimpoint names of ``@GROUP`` or ``@GROUP[a:b(:c)]``; ``ValueError`` naming
    ``where`` and the allowed groups otherwise."""
    m = _GROUP_REF.match(ref)
    if m is None or m[1] not in groups:
        allowed = ", ".join(f"@{g}" for g in groups)
        raise ValueError(f"{where}: unknown target group {ref!r}; allowed: {allowed}")

    def num(s: str | None) -> int | None:
        return int(s) if s not in (None, "") else None

    step = num(m[4])
    if step == 0:
        raise ValueError(f"{where}: {ref!r}: slice step must not be 0")
    names = groups[m[1]][slice(num(m[2]), num(m[3]), step)]
    if not names:
        raise ValueError(f"{where}: {ref!r} selects no aimpoint ({len(groups[m[1]])} in the group)")
    return names


def _section_of(raw: Any) -> DeterrentSection:
    """The validated section, or ``ValueError`` with one line ``deterrent.field: message``."""
    if isinstance(raw, DeterrentSection):
        return raw
    try:
        return DeterrentSection.model_validate(raw)
    except ValidationError as exc:
        from shieldlab.scenario.load import format_validation_error

        line = format_validation_error("deterrent", exc, DeterrentSection)
        line = line.replace("deterrent: (top level): ", "deterrent: ", 1)
        raise ValueError(line.replace("deterrent: ", "deterrent.", 1)) from None


def _uses_groups(threats: Any) -> tuple[int, int, str] | None:
    """First ``@group`` target of the raw ``threats`` (index, target index, text)."""
    if not isinstance(threats, list):
        return None
    for i, g in enumerate(threats):
        targets = g.get("targets") if isinstance(g, dict) else None
        if isinstance(targets, list):
            for j, t in enumerate(targets):
                if isinstance(t, str) and t.startswith("@"):
                    return i, j, t
    return None


def resolve_deterrent(data: dict[str, Any]) -> dict[str, Any]:
    """Scenario input with the deterrent's aimpoints added to ``assets`` (a same-named asset
    replaced) and ``@group`` targets of ``threats`` expanded (module docstring)."""
    raw = data.get("deterrent")
    if raw is None:
        first = _uses_groups(data.get("threats"))
        if first is not None:
            i, j, t = first
            raise ValueError(
                f"threats.{i}.targets.{j}: {t!r} names a target group of a `deterrent:` "
                "laydown, and the scenario has none"
            )
        return data
    section = _section_of(raw)
    points = laydown_aimpoints(section)
    made = {a.name for a in points}
    assets = data.get("assets")
    if assets is not None and not isinstance(assets, list):
        return {**data, "deterrent": section}  # the field validation reports the type
    kept = [
        x
        for x in (assets or [])
        if (x.get("name") if isinstance(x, dict) else getattr(x, "name", None)) not in made
    ]
    kept += [
        {
            "name": a.name,
            "lat_deg": a.lat_deg,
            "lon_deg": a.lon_deg,
            "radius_km": a.radius_km,
            "value": a.value,
            "category": a.category,
        }
        for a in points
    ]
    out = {**data, "deterrent": section, "assets": kept}
    threats = data.get("threats")
    if isinstance(threats, list) and _uses_groups(threats) is not None:
        groups = target_groups(points)
        new = []
        for i, g in enumerate(threats):
            targets = g.get("targets") if isinstance(g, dict) else None
            if not isinstance(targets, list):
                new.append(g)
                continue
            expanded: list[Any] = []
            for j, t in enumerate(targets):
                if isinstance(t, str) and t.startswith("@"):
                    expanded += expand_target(t, groups, f"threats.{i}.targets.{j}")
                else:
                    expanded.append(t)
            new.append({**g, "targets": expanded})
        out["threats"] = new
    return out


def check_deterrent(s: Scenario) -> None:
    """Cross-checks of the section against the scenario: every threat type has an
    attacker warhead (or ``default``), every addition names an interceptor site."""
    d = s.deterrent
    if d is None:
        return
    types = [g.type for g in s.threats] + (list(s.raid.inventory) if s.raid is not None else [])
    if DEFAULT_KEY not in d.attacker:
        for t in dict.fromkeys(types):
            if t not in d.attacker:
                raise ValueError(
                    f"deterrent.attacker: no warhead for threat type {t!r}; "
                    f"give one (or a '{DEFAULT_KEY}' entry)"
                )
    sites = [x.name for x in s.interceptor_sites]
    for i, a in enumerate(d.additions):
        if a.site not in sites:
            raise ValueError(
                f"deterrent.additions.{i}.site: {a.site!r} is not an interceptor site; "
                f"allowed: {', '.join(sites) or '(none)'}"
            )
