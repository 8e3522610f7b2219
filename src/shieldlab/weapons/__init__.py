"""weapons layer: interceptor classes, sites, fly-out feasibility and single-shot Pk."""

from shieldlab.weapons.catalog import load_interceptor_specs, make_site
from shieldlab.weapons.intercept import (
    InterceptPlan,
    arc_min_radius_m,
    earliest_launch_s,
    plan_intercepts,
    shot_pk,
)
from shieldlab.weapons.interceptor import InterceptorSite, InterceptorSpec

__all__ = [
    "InterceptPlan",
    "InterceptorSite",
    "InterceptorSpec",
    "arc_min_radius_m",
    "earliest_launch_s",
    "load_interceptor_specs",
    "make_site",
    "plan_intercepts",
    "shot_pk",
]
