"""Scenario schema: pydantic v2 models of a scenario YAML file.

Keys carry their unit (``lat_deg``, ``radius_km``, ``inventory``); the models
check ranges and names; :mod:`shieldlab.scenario.load` converts to SI once.
Polymorphic parts (sensors) are discriminated on ``kind``-like catalog
``type`` names checked against the catalog files.

Defended assets come explicitly (``{name, lat_deg, lon_deg, ...}``), by
reference to the asset catalog (``{catalog: Minot AFB, value: 12}``) or as
named groups (``asset_sets: [us-deterrent, us-top-20-metros]``); references
are resolved on load into explicit :class:`Asset` entries, so ``assets`` is
always the full list (explicit entries first, then the sets' members in
catalog order, a name listed twice kept once). Default value of a catalog
asset (:func:`catalog_asset_value`): deterrent and command 10, military 5,
infrastructure 2, population = metro population in millions (New York 20.1).

The threat comes as explicit ``threats:`` groups, a ``raid:`` threat
assessment (:class:`RaidSection`, expanded by :mod:`shieldlab.threats.raid`),
or both.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from shieldlab import catalog
from shieldlab.scenario import sections
from shieldlab.scenario.c2_schema import C2Section
from shieldlab.scenario.coalition_schema import CoalitionSection
from shieldlab.scenario.deterrent_schema import DeterrentSection, check_deterrent, resolve_deterrent

Lat = Annotated[float, Field(ge=-90.0, le=90.0, description="geodetic latitude [deg]")]
Lon = Annotated[float, Field(ge=-180.0, le=360.0, description="longitude east [deg]")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_catalog(
    kind: str,
    name: str,
    what: str,
    allowed_kinds: tuple[str, ...] = (),
    excluded_kinds: tuple[str, ...] = (),
) -> str:
    entries = catalog.load(kind)
    ok = [
        n
        for n, e in entries.items()
        if (not allowed_kinds or e.get("kind") in allowed_kinds)
        and e.get("kind") not in excluded_kinds
    ]
    if name not in ok:
        raise ValueError(f"unknown {what} {name!r}; allowed: {', '.join(sorted(ok))}")
    return name


TrajectoryShape = Literal["minimum-energy", "lofted", "depressed"]
SHAPED_KINDS = ("ballistic", "mirv")
"""Catalog kinds whose trajectory shape a scenario may choose (ballistic, MIRV boosters)."""


def _check_shape(threat: str, shape: str | None, where: str) -> None:
    """One-line ValueError where ``shape`` is set for a threat that flies no ballistic boost."""
    kind = catalog.load("threats").get(threat, {}).get("kind")
    if shape is not None and kind not in SHAPED_KINDS:
        raise ValueError(
            f"{where}shape applies to ballistic and mirv threats only; {threat} is {kind}"
        )


class _CatalogTyped(_Model):
    """A named scenario item whose ``type`` must be an entry of a catalog (the
    subclass states which catalog, the allowed ``kind`` values and what to call it
    in errors)."""

    _catalog: ClassVar[str] = "sensors"
    _what: ClassVar[str] = "type"
    _kinds: ClassVar[tuple[str, ...]] = ()
    _excluded: ClassVar[tuple[str, ...]] = ()

    name: str = Field(min_length=1)
    type: str
    force: str | None = Field(
        default=None, description="coalition force fielding it (default: the lead force)"
    )

    @field_validator("type")
    @classmethod
    def _known(cls, v: str) -> str:
        return _check_catalog(cls._catalog, v, cls._what, cls._kinds, cls._excluded)


class LaunchArea(_Model):
    """A notional launch area: a circle on the ground."""

    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(default=50.0, ge=0.0, le=2000.0)


class ThreatGroup(_Model):
    """``count`` missiles of one catalog type fired from one launch area."""

    type: str = Field(description="threat catalog name, e.g. generic-solid-icbm")
    count: int = Field(ge=1, le=10000)
    launch_area: LaunchArea
    first_launch_s: float = Field(
        default=0.0, ge=0.0, le=86400.0, description="time of the first launch"
    )
    launch_interval_s: float = Field(default=0.0, ge=0.0, le=86400.0, description="ripple interval")
    targets: list[str] = Field(min_length=1, description="asset names, assigned round-robin")
    payload_mass_kg: float | None = Field(
        default=None, gt=0.0, le=20000.0, description="override of the catalog payload mass"
    )
    shape: TrajectoryShape | None = Field(
        default=None,
        description="trajectory shape of a ballistic missile or MIRV booster "
        "(default minimum-energy; lofted and depressed fly the full burn)",
    )

    @field_validator("type")
    @classmethod
    def _known_threat(cls, v: str) -> str:
        return _check_catalog("threats", v, "threat")

    @model_validator(mode="after")
    def _shape_applies(self) -> ThreatGroup:
        _check_shape(self.type, self.shape, "")
        return self


AssetCategory = Literal["deterrent", "command", "population", "military", "infrastructure"]
DEFAULT_TIER: dict[str, int] = {
    "deterrent": 1,
    "command": 1,
    "military": 2,
    "population": 2,
    "infrastructure": 3,
}
"""Priority tier by category when an asset states none (1 = defended first): the
executive order puts the nuclear deterrent (second strike) and its command first."""
COUNTERFORCE_CATEGORIES: tuple[str, ...] = ("deterrent", "military", "command")
"""Categories a counterforce strike aims at; countervalue aims at ``population``."""


class Asset(_Model):
    """A defended asset: a circle of ``radius_km`` around a point, with a value."""

    name: str = Field(min_length=1)
    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(default=30.0, gt=0.0, le=1000.0)
    value: float = Field(default=1.0, ge=0.0, le=1e15)
    category: AssetCategory = "population"
    tier: int | None = Field(
        default=None, ge=1, le=9, description="priority tier, 1 first (default: by category)"
    )

    @property
    def priority_tier(self) -> int:
        """The stated tier, or the category's default (:data:`DEFAULT_TIER`)."""
        return self.tier if self.tier is not None else DEFAULT_TIER[self.category]


class CatalogAssetEntry(_Model):
    """One entry of ``catalog/assets.yaml`` (public location, generic extent)."""

    category: AssetCategory
    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(gt=0.0, le=1000.0)
    population: int | None = Field(default=None, ge=0, description="2020 Census MSA population")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _population(self) -> CatalogAssetEntry:
        if self.category == "population" and self.population is None:
            raise ValueError("population: required for category 'population'")
        return self


CATEGORY_VALUE: dict[str, float] = {
    "deterrent": 10.0,
    "command": 10.0,
    "military": 5.0,
    "infrastructure": 2.0,
}
"""Default value of catalog assets by category (population: millions of people)."""


def catalog_asset_value(entry: CatalogAssetEntry) -> float:
    """Default value: fixed weight by category; a metro's population in millions."""
    if entry.category == "population":
        return (entry.population or 0) / 1e6
    return CATEGORY_VALUE[entry.category]


@cache
def catalog_assets() -> dict[str, CatalogAssetEntry]:
    """The asset catalog, validated; ``ValueError`` naming the entry and field."""
    out: dict[str, CatalogAssetEntry] = {}
    for name, raw in catalog.load("assets").items():
        try:
            out[name] = CatalogAssetEntry.model_validate(raw)
        except ValidationError as exc:
            e = exc.errors(include_url=False)[0]
            field = ".".join(str(p) for p in e["loc"]) or "entry"
            raise ValueError(f"catalog assets.yaml: {name}.{field}: {e['msg']}") from None
    return out


@dataclass(frozen=True)
class AssetSet:
    """A named group of catalog assets: these categories, or the ``top_n`` largest metros."""

    categories: tuple[str, ...]
    top_n: int | None = None

    def members(self) -> tuple[str, ...]:
        """Catalog names, in catalog order (``top_n``: by population, largest first)."""
        entries = catalog_assets()
        names = [k for k, e in entries.items() if e.category in self.categories]
        if self.top_n is not None:
            names = sorted(names, key=lambda k: -(entries[k].population or 0))[: self.top_n]
        return tuple(names)


ASSET_SETS: dict[str, AssetSet] = {
    "us-deterrent": AssetSet(("deterrent",)),
    "us-command": AssetSet(("command",)),
    "us-military": AssetSet(("military",)),
    "us-counterforce": AssetSet(COUNTERFORCE_CATEGORIES),
    "us-metros": AssetSet(("population",)),
    "us-top-10-metros": AssetSet(("population",), top_n=10),
    "us-top-20-metros": AssetSet(("population",), top_n=20),
    "us-all": AssetSet(("deterrent", "command", "military", "infrastructure", "population")),
}
"""Named asset groups of the catalog that ``asset_sets:`` may list."""


def asset_set_members(name: str) -> tuple[str, ...]:
    """Catalog names in an asset set; ``ValueError`` naming the allowed sets."""
    if name not in ASSET_SETS:
        raise ValueError(f"unknown asset set {name!r}; allowed: {', '.join(ASSET_SETS)}")
    return ASSET_SETS[name].members()


class CatalogAssetRef(_Model):
    """A defended asset taken from the catalog; ``name``/``value``/``radius_km`` override."""

    catalog: str = Field(min_length=1, description="asset catalog name, e.g. Minot AFB")
    name: str | None = Field(default=None, min_length=1)
    value: float | None = Field(default=None, ge=0.0, le=1e15)
    radius_km: float | None = Field(default=None, gt=0.0, le=1000.0)
    tier: int | None = Field(default=None, ge=1, le=9)

    def resolve(self) -> dict[str, Any]:
        """The explicit asset fields (a dict for :class:`Asset`)."""
        entries = catalog_assets()
        if self.catalog not in entries:
            close = difflib.get_close_matches(self.catalog, list(entries), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown catalog asset {self.catalog!r}{hint}; allowed: {', '.join(entries)}"
            )
        e = entries[self.catalog]
        return {
            "name": self.name or self.catalog,
            "lat_deg": e.lat_deg,
            "lon_deg": e.lon_deg,
            "radius_km": self.radius_km if self.radius_km is not None else e.radius_km,
            "value": self.value if self.value is not None else catalog_asset_value(e),
            "category": e.category,
            "tier": self.tier,
        }


def _one_line(prefix: str, exc: ValidationError) -> str:
    """First error of ``exc`` as ``prefix.field: message`` (unknown keys list the allowed)."""
    e = exc.errors(include_url=False)[0]
    loc = ".".join([prefix, *(str(p) for p in e["loc"])])
    if e["type"] == "extra_forbidden":
        allowed = sorted(CatalogAssetRef.model_fields)
        close = difflib.get_close_matches(str(e["loc"][-1]), allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{loc}: unknown field {e['loc'][-1]!r}{hint}; allowed: {', '.join(allowed)}"
    if e["type"] == "missing":
        return f"{loc}: required field is missing"
    return f"{loc}: {e['msg']}"


def _assets_json_schema(schema: dict[str, Any]) -> None:
    """Published JSON schema: an asset is explicit or a catalog reference (resolved on load)."""
    schema["items"] = {"anyOf": [schema["items"], CatalogAssetRef.model_json_schema()]}


def resolve_assets(data: dict[str, Any]) -> dict[str, Any]:
    """Scenario input with ``{catalog: ...}`` assets and ``asset_sets`` made explicit."""
    raw = data.get("assets")
    sets = data.get("asset_sets")
    if raw is None and not sets:
        return data
    items: list[Any] = list(raw) if isinstance(raw, list) else []
    if raw is not None and not isinstance(raw, list):
        return data  # let the field validation report the type
    out: list[Any] = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and "catalog" in item:
            try:
                ref = CatalogAssetRef.model_validate(item)
            except ValidationError as exc:
                raise ValueError(_one_line(f"assets.{i}", exc)) from None
            try:
                out.append(ref.resolve())
            except ValueError as exc:
                raise ValueError(f"assets.{i}.catalog: {exc}") from None
        else:
            out.append(item)
    if isinstance(sets, list):
        have = {x.get("name") for x in out if isinstance(x, dict)}
        for j, set_name in enumerate(sets):
            if not isinstance(set_name, str):
                continue
            try:
                members = asset_set_members(set_name)
            except ValueError as exc:
                raise ValueError(f"asset_sets.{j}: {exc}") from None
            for m in members:
                if m not in have:
                    have.add(m)
                    out.append(CatalogAssetRef(catalog=m).resolve())
    return {**data, "assets": out}


class RadarSensor(_CatalogTyped):
    """A ground radar at a site; ``type`` names a radar entry of the sensor catalog."""

    _catalog = "sensors"
    _what = "radar type"
    _kinds = ("radar",)

    kind: Literal["radar"] = "radar"
    lat_deg: Lat
    lon_deg: Lon
    alt_m: float = Field(default=0.0, ge=-500.0, le=10000.0)
    boresight_azimuth_deg: float | None = Field(default=None, ge=0.0, lt=360.0)


class GeoIrSensor(_CatalogTyped):
    """A geostationary infrared warning satellite at a sub-satellite longitude
    (layer ``space-warning``)."""

    _catalog = "sensors"
    _what = "infrared sensor type"
    _kinds = ("geo-ir",)

    kind: Literal["geo-ir"] = "geo-ir"
    lon_deg: Lon


class WarningIrSensor(_CatalogTyped):
    """Infrared missile-warning satellites of a catalog ``geo-ir`` type on every
    satellite of a declared constellation (e.g. Molniya-type HEO for the polar
    approaches, or a set of GEO slots); launch reports as for ``geo-ir`` (layer
    ``space-warning``)."""

    _catalog = "sensors"
    _what = "infrared sensor type"
    _kinds = ("geo-ir",)

    kind: Literal["warning-ir"] = "warning-ir"
    constellation: str = Field(min_length=1, description="name of a `constellations:` entry")


class LeoIrSensor(_CatalogTyped):
    """A LEO/MEO infrared tracking layer: one catalog sensor on every satellite of a
    constellation declared in ``constellations:`` (by name) (layer ``space-ir``)."""

    _catalog = "sensors"
    _what = "LEO IR tracking sensor type"
    _kinds = ("leo-ir-tracking",)

    kind: Literal["leo-ir"] = "leo-ir"
    constellation: str = Field(min_length=1, description="name of a `constellations:` entry")
    revisit_s: float | None = Field(
        default=None,
        gt=0.0,
        le=600.0,
        description="reporting interval of the layer to the tracker [s] (default: catalog frame)",
    )


class AirborneRadarSensor(_CatalogTyped):
    """An airborne surveillance radar on station (orbit centre and altitude)."""

    _catalog = "sensors"
    _what = "airborne radar type"
    _kinds = ("airborne-radar",)

    kind: Literal["airborne-radar"] = "airborne-radar"
    lat_deg: Lat
    lon_deg: Lon
    alt_m: float | None = Field(
        default=None, ge=100.0, le=25000.0, description="station altitude (default: catalog)"
    )


Sensor = Annotated[
    RadarSensor | GeoIrSensor | WarningIrSensor | LeoIrSensor | AirborneRadarSensor,
    Field(discriminator="kind"),
]


class InterceptorSite(_CatalogTyped):
    """A fire unit: interceptors of one catalog type at a site."""

    _catalog = "interceptors"
    _what = "interceptor type"
    _excluded = ("sbi",)

    lat_deg: Lat
    lon_deg: Lon
    inventory: int = Field(ge=0, le=100000)
    channels: int | None = Field(
        default=None,
        ge=1,
        le=10000,
        description="fire-control channels: most interceptors in flight at once (None: no limit)",
    )


def _default_boost_shapes() -> list[TrajectoryShape]:
    return ["minimum-energy"]


class Doctrine(_Model):
    """Battle-management rules of the skeleton battle manager."""

    shots_per_threat: int = Field(default=2, ge=1, le=8, description="salvo size per engagement")
    shoot_look_shoot: bool = Field(
        default=True, description="re-engage a surviving threat if time allows"
    )
    min_track_updates: int = Field(default=3, ge=1, le=100, description="updates before firing")
    kill_assessment_s: float = Field(
        default=30.0,
        ge=0.0,
        le=600.0,
        description=(
            "time after an intercept to assess the kill; with shoot_look_shoot a later "
            "layer holds its shot while it can still engage after that look"
        ),
    )
    decision_interval_s: float = Field(default=10.0, gt=0.0, le=600.0)
    value_function: Literal["expected-value", "tiered"] = Field(
        default="tiered",
        description=(
            "'tiered': lexicographic protection by asset priority tier (tier 1 first), "
            "'expected-value': plain asset values"
        ),
    )
    assignment: Literal["wta", "milp", "greedy"] = Field(
        default="wta",
        description=(
            "weapon-target assignment of a decision epoch: 'wta' minimises the expected "
            "surviving threat value (MMR + local search), 'milp' adds an exact MILP start "
            "(HiGHS), 'greedy' serves threats by value"
        ),
    )
    rv_confidence: float = Field(
        default=0.99,
        gt=0.0,
        lt=1.0,
        description=(
            "discrimination threshold: the fraction of RVs the battle manager accepts to "
            "declare RV (the decoys passing the same threshold are engaged too)"
        ),
    )
    fire_control_error_km: float = Field(
        default=1.0,
        gt=0.0,
        le=100.0,
        description="track position error of fire-control quality (custody metric) [km]",
    )
    rv_prior: float = Field(
        default=0.5,
        gt=0.0,
        le=1.0,
        description=(
            "threat assessment: prior share of RVs among the ballistic objects the "
            "defence tracks (the battle manager does not know the raid's true mix)"
        ),
    )
    level_lethal_prior: float = Field(
        default=1.0,
        gt=0.0,
        le=1.0,
        description="threat assessment: P(lethal) of a glide-vehicle or cruise-missile track",
    )
    boost_library: list[str] = Field(
        default_factory=list,
        description=(
            "threat assessment: the ballistic classes whose boost profiles the SBI fire "
            "control fits to plume tracks (catalog names; empty: every ballistic and MIRV "
            "class of the catalog)"
        ),
    )

    boost_shapes: list[TrajectoryShape] = Field(
        default_factory=_default_boost_shapes,
        min_length=1,
        description=(
            "threat assessment: the trajectory shapes of the SBI fire control's boost "
            "templates (each shape adds one flight of every class when the world is built)"
        ),
    )

    @field_validator("boost_library")
    @classmethod
    def _boost_classes(cls, v: list[str]) -> list[str]:
        entries = catalog.load("threats")
        allowed = sorted(n for n, e in entries.items() if e.get("kind") in ("ballistic", "mirv"))
        for name in v:
            if name not in allowed:
                raise ValueError(f"unknown ballistic class {name!r}; allowed: {', '.join(allowed)}")
        return v


def polygon_area_km2(polygon_deg: list[tuple[float, float]]) -> float:
    """Approximate area [km²] of a lat/lon polygon (shoelace in a local equirectangular plane).

    Longitudes are unwrapped along the ring so a polygon may cross the
    antimeridian; used to reject degenerate (zero-area) launch areas.
    """
    lat = [p[0] for p in polygon_deg]
    lon = [p[1] for p in polygon_deg]
    for i in range(1, len(lon)):  # unwrap: consecutive steps shorter than 180 deg
        lon[i] = lon[i - 1] + ((lon[i] - lon[i - 1] + 180.0) % 360.0 - 180.0)
    lat0 = sum(lat) / len(lat)
    km_per_deg = 111.195  # mean Earth radius 6371.0 km x pi/180
    x = [(lo - lon[0]) * km_per_deg * math.cos(math.radians(lat0)) for lo in lon]
    y = [la * km_per_deg for la in lat]
    n = len(x)
    twice = sum(x[i] * y[(i + 1) % n] - x[(i + 1) % n] * y[i] for i in range(n))
    return abs(twice) / 2.0


class RaidLaunchArea(_Model):
    """A launch region: a circle (``lat_deg, lon_deg, radius_km``) or a polygon (``polygon_deg``).

    ``kind``: ``land`` (silos, road-mobile), ``sea`` (submarine patrol areas),
    ``air`` (bomber stand-off areas). Polygon vertices are ``[lat, lon]``
    degrees, edges straight in latitude/longitude, the ring closed implicitly.
    """

    name: str = Field(min_length=1)
    kind: Literal["land", "sea", "air"]
    lat_deg: Lat | None = None
    lon_deg: Lon | None = None
    radius_km: float | None = Field(default=None, gt=0.0, le=3000.0)
    polygon_deg: list[tuple[Lat, Lon]] | None = Field(default=None, min_length=3, max_length=200)

    @field_validator("polygon_deg")
    @classmethod
    def _not_degenerate(
        cls, v: list[tuple[float, float]] | None
    ) -> list[tuple[float, float]] | None:
        if v is not None and polygon_area_km2(v) < 1.0:
            raise ValueError(
                "degenerate polygon (area below 1 km²); give >= 3 [lat, lon] points around an area"
            )
        return v

    @model_validator(mode="after")
    def _one_shape(self) -> RaidLaunchArea:
        circle = (self.lat_deg, self.lon_deg, self.radius_km)
        if self.polygon_deg is not None:
            if any(c is not None for c in circle):
                raise ValueError("give either lat_deg/lon_deg/radius_km (circle) or polygon_deg")
        elif any(c is None for c in circle):
            raise ValueError(
                "a circle needs lat_deg, lon_deg and radius_km (or give polygon_deg instead)"
            )
        return self


class RaidInventory(_Model):
    """``count`` missiles of one catalog type, from the named launch areas (default: all)."""

    count: int = Field(ge=1, le=100000)
    launch_areas: list[str] = Field(
        default_factory=list, description="launch area names (round-robin); empty: all areas"
    )
    payload_mass_kg: float | None = Field(
        default=None, gt=0.0, le=20000.0, description="override of the catalog payload mass"
    )
    shape: TrajectoryShape | None = Field(
        default=None,
        description="trajectory shape of a ballistic missile or MIRV booster "
        "(default minimum-energy; lofted and depressed fly the full burn)",
    )


class RaidTiming(_Model):
    """Salvo timing: all at once, a ripple, or waves of ripples.

    ``simultaneous``: every launch at ``start_s``; ``ripple``: launch i at
    ``start_s + i interval_s``; ``waves``: the launches split in ``waves``
    consecutive blocks, wave w starting at ``start_s + w wave_interval_s``
    and rippling by ``interval_s``. Each time then gets a uniform draw in
    ``[0, jitter_s)`` added.
    """

    mode: Literal["simultaneous", "ripple", "waves"] = "simultaneous"
    start_s: float = Field(default=0.0, ge=0.0, le=86400.0)
    interval_s: float = Field(default=0.0, ge=0.0, le=86400.0)
    waves: int = Field(default=1, ge=1, le=1000)
    wave_interval_s: float = Field(default=0.0, ge=0.0, le=86400.0)
    jitter_s: float = Field(default=0.0, ge=0.0, le=86400.0)

    @model_validator(mode="after")
    def _consistent(self) -> RaidTiming:
        if self.mode != "waves" and (self.waves != 1 or self.wave_interval_s != 0.0):
            raise ValueError("waves and wave_interval_s apply only to mode: waves")
        if self.mode == "simultaneous" and self.interval_s != 0.0:
            raise ValueError("interval_s does not apply to mode: simultaneous")
        return self


class RaidSection(_Model):
    """A threat assessment that :func:`shieldlab.threats.raid.expand_raid` turns into launches.

    Targeting: ``counterforce`` aims at deterrent, military and command
    assets; ``countervalue`` at population assets; ``mixed`` sends
    ``counterforce_fraction`` of the weapons (the first in inventory order) at
    counterforce targets and the rest at cities. Within each class, salvos of
    ``weapons_per_target`` weapons are apportioned to targets in proportion
    to asset value (D'Hondt highest averages: the highest-valued first).
    Aim points lie uniformly within ``aim_scatter_fraction`` of the target's
    radius around its centre (0: the centre).
    """

    adversary: Literal["peer", "near-peer", "rogue"]
    description: str = ""
    launch_areas: list[RaidLaunchArea] = Field(min_length=1)
    inventory: dict[str, RaidInventory] = Field(
        min_length=1, description="threat catalog name -> count and launch areas"
    )
    targeting: Literal["counterforce", "countervalue", "mixed"]
    counterforce_fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    weapons_per_target: int = Field(default=1, ge=1, le=100)
    aim_scatter_fraction: float = Field(default=0.0, ge=0.0, le=1.0)
    timing: RaidTiming = RaidTiming()

    @field_validator("inventory")
    @classmethod
    def _known_threats(cls, v: dict[str, RaidInventory]) -> dict[str, RaidInventory]:
        for name, item in v.items():
            _check_catalog("threats", name, "threat")
            _check_shape(name, item.shape, f"inventory.{name}.")
        return v

    @model_validator(mode="after")
    def _refs(self) -> RaidSection:
        names = [a.name for a in self.launch_areas]
        if len(set(names)) != len(names):
            raise ValueError("launch area names must be unique")
        for threat, item in self.inventory.items():
            for j, area in enumerate(item.launch_areas):
                if area not in names:
                    raise ValueError(
                        f"inventory.{threat}.launch_areas.{j}: {area!r} is not a launch area; "
                        f"allowed: {', '.join(names)}"
                    )
        if self.counterforce_fraction is not None and self.targeting != "mixed":
            raise ValueError("counterforce_fraction applies only to targeting: mixed")
        return self

    @property
    def cf_fraction(self) -> float:
        """Fraction of weapons aimed at counterforce targets (mixed default: 0.5)."""
        if self.targeting == "counterforce":
            return 1.0
        if self.targeting == "countervalue":
            return 0.0
        return 0.5 if self.counterforce_fraction is None else self.counterforce_fraction


class WalkerConstellation(_Model):
    """A Walker-delta constellation t/p/f of circular orbits (Walker 1984)."""

    kind: Literal["walker"] = "walker"
    name: str = Field(min_length=1)
    total: int = Field(ge=1, le=100000)
    planes: int = Field(ge=1, le=1000)
    phasing: int = Field(default=1, ge=0)
    altitude_km: float = Field(gt=100.0, le=50000.0)
    inclination_deg: float = Field(ge=0.0, le=180.0)

    @model_validator(mode="after")
    def _pattern(self) -> WalkerConstellation:
        if self.total % self.planes:
            raise ValueError(f"total {self.total} is not a multiple of planes {self.planes}")
        if self.phasing >= self.planes:
            raise ValueError(f"phasing must be in 0..{self.planes - 1}, got {self.phasing}")
        return self


class GeoConstellation(_Model):
    """Geostationary satellites at sub-satellite longitudes."""

    kind: Literal["geo"] = "geo"
    name: str = Field(min_length=1)
    lons_deg: list[Lon] = Field(min_length=1)


class HeoConstellation(_Model):
    """Molniya-type highly elliptical satellites with apogees over given longitudes."""

    kind: Literal["heo"] = "heo"
    name: str = Field(min_length=1)
    apogee_lons_deg: list[Lon] = Field(min_length=1)


ConstellationSpec = Annotated[
    WalkerConstellation | GeoConstellation | HeoConstellation, Field(discriminator="kind")
]


class LeftOfLaunch(_Model):
    """Defeat before launch: strikes on launchers before they fire.

    Each launch (one launcher firing one missile) is found with probability
    ``p_find`` and, once found, destroyed with ``p_kill`` — independently per
    launcher and per trial, so the raid that flies is smaller by the fraction
    p_find · p_kill on average. ``types`` limits the option to those threat
    types (empty: all), e.g. to silo or road-mobile missiles with a
    known basing.
    """

    p_find: float = Field(ge=0.0, le=1.0, description="probability a launcher is found")
    p_kill: float = Field(ge=0.0, le=1.0, description="probability a found launcher is destroyed")
    types: list[str] = Field(default_factory=list, description="threat types it applies to")

    @field_validator("types")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        for name in v:
            _check_catalog("threats", name, "threat")
        return v


class SpaceInterceptorLayer(_CatalogTyped):
    """Space-based boost-phase interceptors: carriers of a catalog ``kind: sbi`` type on
    every satellite of a declared (Walker) constellation."""

    _catalog = "interceptors"
    _what = "space-based interceptor type"
    _kinds = ("sbi",)

    constellation: str = Field(min_length=1, description="name of a `constellations:` entry")
    decision_delay_s: float = Field(
        default=30.0,
        ge=0.0,
        le=600.0,
        description=(
            "launch report of the warning layer → firing: track, decide, authorise [s]; "
            "from the launch itself when the scenario has no warning sensor"
        ),
    )
    pk: float = Field(
        default=0.8, gt=0.0, le=1.0, description="single-shot Pk against a boosting missile"
    )
    fire_control: Literal["plume-track", "truth-path"] = Field(
        default="plume-track",
        description=(
            "plume-track: predict the boost path from the warning layer's plume tracks and "
            "the threat library (doctrine.boost_library); truth-path: the named truth "
            "shortcut, the fire control flies the true boost path (for comparison)"
        ),
    )


class _DirectedEnergySite(_CatalogTyped):
    """A directed-energy weapon at a site. It engages what the fused picture holds
    (a confirmed track within the doctrine's ``fire_control_error_km`` of the
    object) and, without a cue, what its own sensor sees inside
    ``own_sensor_range_km``."""

    _catalog = "directed-energy"

    lat_deg: Lat
    lon_deg: Lon
    alt_m: float = Field(default=10.0, ge=-500.0, le=10000.0)
    own_sensor_range_km: float = Field(
        default=0.0,
        ge=0.0,
        le=100.0,
        description="range inside which the weapon's own sensor acquires targets without a cue",
    )


class LaserSite(_DirectedEnergySite):
    """A high-energy laser (catalog ``directed-energy`` entry of ``kind: laser``) at a
    site, defending against cruise missiles in its range (layer ``laser``)."""

    _what = "laser type"
    _kinds = ("laser",)

    visibility_km: float = Field(
        default=23.0, gt=0.0, le=200.0, description="horizontal visibility (23 km: clear air)"
    )


class HpmSite(_DirectedEnergySite):
    """A high-power microwave weapon (catalog ``directed-energy`` entry of ``kind: hpm``)
    at a site, against drones and cruise missiles (layer ``microwave``)."""

    _what = "high-power microwave type"
    _kinds = ("hpm",)


class EwCyber(_Model):
    """Non-kinetic effects of the defender on the adversary's launches, as stated
    probabilities per launch (electronic warfare, cyber): a launch fails outright
    with ``p_launch_failure``; a launched weapon's guidance is degraded with
    ``p_guidance_degraded`` and then impacts ``aim_miss_km`` from its nominal
    impact point at a random azimuth (layer ``ew-cyber``)."""

    p_launch_failure: float = Field(default=0.0, ge=0.0, le=1.0)
    p_guidance_degraded: float = Field(default=0.0, ge=0.0, le=1.0)
    aim_miss_km: float = Field(default=0.0, ge=0.0, le=5000.0)


SENSOR_LAYER_NAMES: tuple[str, ...] = ("space-ir", "ground-radar", "sea-radar", "airborne-radar")
"""Sensor layers that feed the tracker, in its layer-index order (kept equal to
``sim.world.SENSOR_LAYERS``; ``space-ir`` is the LEO/MEO IR tracking layer)."""
WARNING_LAYER_NAMES: tuple[str, ...] = ("space-warning",)
"""Sensor layers that report launches but feed no track: ``space-warning``, the GEO
IR sensors (``geo-ir``) and the ``warning-ir`` constellations (e.g. HEO)."""
DEFEAT_LAYER_NAMES: tuple[str, ...] = (
    "left-of-launch",
    "ew-cyber",
    "boost",
    "midcourse",
    "underlayer",
    "glide",
    "terminal",
    "cruise-defense",
    "laser",
    "microwave",
)
"""Defeat layers a scenario can switch off (interceptor catalog ``layer`` values and more):
``ew-cyber`` is the ``ew_cyber`` section (launch failures, guidance degradation),
``laser`` the ``lasers`` and ``microwave`` the ``hpm`` weapons."""
LAYER_NAMES: tuple[str, ...] = WARNING_LAYER_NAMES + SENSOR_LAYER_NAMES + DEFEAT_LAYER_NAMES
"""Every layer the engine simulates, credits and measures (``marginal``'s order)."""
LAYER_GROUPS: dict[str, tuple[str, ...]] = {"non-kinetic": ("laser", "microwave", "ew-cyber")}
"""Names ``disabled_layers`` also accepts, each switching off a group of layers
(``non-kinetic``: the layer name before lasers, microwaves and EW/cyber were split)."""
SWITCHABLE_LAYER_NAMES: tuple[str, ...] = LAYER_NAMES + tuple(LAYER_GROUPS)
"""Names ``disabled_layers`` accepts: the layers and the group names."""


def _plugin_value(spec: sections.PluginSection, value: Any) -> Any:
    """A plug-in section validated by its model (a list of them when ``many``);
    a one-line ValueError naming the key and field otherwise."""
    items = value if spec.many else [value]
    if spec.many and not isinstance(value, list):
        raise ValueError(f"{spec.key}: a list is required")
    out = []
    for i, item in enumerate(items):
        if isinstance(item, spec.model):
            out.append(item)
            continue
        try:
            out.append(spec.model.model_validate(item))
        except ValidationError as exc:
            e = exc.errors()[0]
            where = ".".join(
                str(x) for x in ([spec.key] + ([i] if spec.many else []) + list(e["loc"]))
            )
            raise ValueError(f"{where}: {e['msg']}") from None
    return out if spec.many else out[0]


class CoverageRegion(_Model):
    """Coverage question: a circular region, a target altitude band, k sensors, a time span."""

    lat_deg: Lat
    lon_deg: Lon
    radius_km: float = Field(gt=0.0, le=10000.0)
    spacing_km: float = Field(default=250.0, gt=10.0, le=2000.0)
    altitude_min_km: float = Field(default=0.0, ge=0.0, le=50000.0)
    altitude_max_km: float = Field(default=0.0, ge=0.0, le=50000.0)
    k: int = Field(default=1, ge=1, le=100)
    duration_h: float = Field(default=24.0, gt=0.0, le=240.0)
    step_s: float = Field(default=120.0, ge=1.0, le=3600.0)
    grazing_altitude_km: float = Field(
        default=0.0, ge=0.0, le=200.0, description="line of sight must clear this height"
    )

    @model_validator(mode="after")
    def _band(self) -> CoverageRegion:
        if self.altitude_max_km < self.altitude_min_km:
            raise ValueError("altitude_max_km must be >= altitude_min_km")
        return self


class Scenario(_Model):
    """A complete scenario: raid, defended assets, sensors, weapons and doctrine."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")
    description: str = ""
    epoch_utc: str = Field(default="2026-07-04T12:00:00Z", description="ISO-8601 UTC")
    seed: int = Field(default=0, ge=0, lt=2**63)
    trials: int = Field(default=100, ge=1, le=1_000_000)
    time_step_s: float = Field(
        default=1.0, ge=0.1, le=10.0, description="truth sampling step (finer: memory grows)"
    )
    threats: list[ThreatGroup] = Field(default_factory=list)
    raid: RaidSection | None = None
    asset_sets: list[str] = Field(
        default_factory=list, description=f"catalog asset groups: {', '.join(ASSET_SETS)}"
    )
    assets: list[Asset] = Field(
        min_length=1,
        description="explicit assets or {catalog: NAME, value?, radius_km?, name?} references",
        json_schema_extra=_assets_json_schema,
    )
    sensors: list[Sensor] = Field(default_factory=list)
    interceptor_sites: list[InterceptorSite] = Field(default_factory=list)
    doctrine: Doctrine = Doctrine()
    constellations: list[ConstellationSpec] = Field(default_factory=list)
    coverage: CoverageRegion | None = None
    left_of_launch: LeftOfLaunch | None = None
    ew_cyber: EwCyber | None = None
    space_interceptors: list[SpaceInterceptorLayer] = Field(default_factory=list)
    lasers: list[LaserSite] = Field(default_factory=list)
    hpm: list[HpmSite] = Field(default_factory=list)
    c2: C2Section | None = Field(
        default=None,
        description="command-and-control network, kill chain and degradation events",
    )
    coalition: CoalitionSection | None = Field(
        default=None,
        description="coalition forces, their data-sharing agreements and outages",
    )
    deterrent: DeterrentSection | None = None
    plugins: dict[str, Any] = Field(
        default_factory=dict,
        description="sections of layer plug-ins by key (written at the top level of a file)",
    )
    disabled_layers: list[str] = Field(
        default_factory=list,
        description=(
            "sensor or defeat layers switched off to show their marginal contribution: "
            + ", ".join(LAYER_NAMES)
            + "; non-kinetic switches off laser, microwave and ew-cyber together"
        ),
    )

    @field_validator("disabled_layers")
    @classmethod
    def _known_layers(cls, v: list[str]) -> list[str]:
        """Check the names and expand the groups (``non-kinetic`` → its three layers)."""
        extra = tuple(x for x in sections.layer_names() if x not in SWITCHABLE_LAYER_NAMES)
        allowed = SWITCHABLE_LAYER_NAMES + extra
        for name in v:
            if name not in allowed:
                raise ValueError(f"unknown layer {name!r}; allowed: {', '.join(allowed)}")
        return list(dict.fromkeys(x for name in v for x in LAYER_GROUPS.get(name, (name,))))

    @field_validator("epoch_utc")
    @classmethod
    def _epoch(cls, v: str) -> str:
        from shieldlab.core.time import parse_epoch

        parse_epoch(v)
        return v

    @model_validator(mode="before")
    @classmethod
    def _catalog_assets(cls, data: Any) -> Any:
        return resolve_deterrent(resolve_assets(data)) if isinstance(data, dict) else data

    @model_validator(mode="before")
    @classmethod
    def _plugin_sections(cls, data: Any) -> Any:
        """Move the top-level sections of layer plug-ins into ``plugins``, each
        validated by its plug-in's model (:mod:`shieldlab.scenario.sections`)."""
        known = sections.sections()
        if not isinstance(data, dict) or not (set(data) & set(known) or "plugins" in data):
            return data
        data = dict(data)
        raw = dict(data.pop("plugins", None) or {})
        raw.update({k: data.pop(k) for k in list(data) if k in known})
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in known:
                raise ValueError(
                    f"plugins.{key}: not a plug-in section; allowed: {', '.join(known) or '(none)'}"
                )
            out[key] = _plugin_value(known[key], value)
        data["plugins"] = out
        return data

    def section(self, key: str) -> Any:
        """The validated plug-in section ``key`` (None when the scenario has none)."""
        return self.plugins.get(key)

    @model_validator(mode="after")
    def _cross_refs(self) -> Scenario:
        if not self.threats and self.raid is None:
            raise ValueError("give `threats:` groups, a `raid:` section, or both")
        names = [a.name for a in self.assets]
        if len(set(names)) != len(names):
            raise ValueError("asset names must be unique")
        for i, group in enumerate(self.threats):
            for j, t in enumerate(group.targets):
                if t not in names:
                    raise ValueError(
                        f"threats.{i}.targets.{j}: {t!r} is not a defended asset; "
                        f"allowed: {', '.join(names)}"
                    )
        if self.raid is not None:
            self._check_raid_targets(self.raid)
        for what, items in (
            ("sensor", self.sensors),
            ("interceptor site", self.interceptor_sites),
            ("constellation", self.constellations),
        ):
            ns = [s.name for s in items]
            if len(set(ns)) != len(ns):
                raise ValueError(f"{what} names must be unique")
        if self.c2 is not None:
            self._check_c2(self.c2)
        self._check_forces()
        check_deterrent(self)
        const = [c.name for c in self.constellations]
        for i, sbi in enumerate(self.space_interceptors):
            if sbi.constellation not in const:
                raise ValueError(
                    f"space_interceptors.{i}.constellation: {sbi.constellation!r} is not a "
                    f"constellation; allowed: {', '.join(const) or '(none declared)'}"
                )
        for i, sensor in enumerate(self.sensors):
            if (
                isinstance(sensor, LeoIrSensor | WarningIrSensor)
                and sensor.constellation not in const
            ):
                raise ValueError(
                    f"sensors.{i}.constellation: {sensor.constellation!r} is not a "
                    f"constellation; allowed: {', '.join(const) or '(none declared)'}"
                )
        return self

    def force_items(self) -> list[tuple[str, str, str | None]]:
        """Every item that may belong to a coalition force: (scenario path, name, force)."""
        out: list[tuple[str, str, str | None]] = []
        for key, items in (
            ("sensors", self.sensors),
            ("interceptor_sites", self.interceptor_sites),
            ("space_interceptors", self.space_interceptors),
            ("lasers", self.lasers),
            ("hpm", self.hpm),
        ):
            out += [(f"{key}.{i}", x.name, x.force) for i, x in enumerate(items)]
        if self.c2 is not None:
            out += [(f"c2.nodes.{i}", n.name, n.force) for i, n in enumerate(self.c2.nodes)]
        return out

    def force_of(self, force: str | None) -> str:
        """The force an item belongs to (its ``force:``, else the coalition's lead)."""
        if force is not None:
            return force
        return self.coalition.lead_force if self.coalition is not None else ""

    def _check_forces(self) -> None:
        items = self.force_items()
        if self.coalition is None:
            for where, _, force in items:
                if force is not None:
                    raise ValueError(
                        f"{where}.force: {force!r} needs a `coalition:` section naming the forces"
                    )
            return
        names = self.coalition.names
        for where, _, force in items:
            if force is not None and force not in names:
                raise ValueError(
                    f"{where}.force: {force!r} is not a force; allowed: {', '.join(names)}"
                )
        fielded = {self.force_of(f) for _, _, f in items}
        for i, f in enumerate(self.coalition.forces):
            if f.name not in fielded:
                raise ValueError(
                    f"coalition.forces.{i}: {f.name!r} fields no sensor, shooter or C2 node "
                    "(give an item `force: " + f.name + "`)"
                )

    def _check_c2(self, c2: C2Section) -> None:
        known = {x.name for x in self.sensors} | {x.name for x in self.interceptor_sites}
        served: set[str] = set()
        for i, node in enumerate(c2.nodes):
            for j, name in enumerate(node.serves):
                if name not in known:
                    raise ValueError(
                        f"c2.nodes.{i}.serves.{j}: {name!r} is not a sensor or interceptor "
                        f"site; allowed: {', '.join(sorted(known))}"
                    )
                served.add(name)
        if c2.kill_chain["track"] in ("sensor", "shooter"):
            raise ValueError("c2.kill_chain.track: the engine needs a named fusion node")
        for k, site in enumerate(self.interceptor_sites):
            if site.name not in served:
                raise ValueError(
                    f"interceptor_sites.{k}: {site.name!r} is served by no c2 node "
                    "(add it to a node's `serves`)"
                )

    def _check_raid_targets(self, raid: RaidSection) -> None:
        cats = {a.category for a in self.assets}
        f = raid.cf_fraction
        if f > 0.0 and not cats & set(COUNTERFORCE_CATEGORIES):
            raise ValueError(
                f"raid.targeting: {raid.targeting} needs a deterrent, military or command asset"
            )
        if f < 1.0 and "population" not in cats:
            raise ValueError(f"raid.targeting: {raid.targeting} needs a population asset")
