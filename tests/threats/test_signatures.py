"""RCS by aspect class: the class boundaries and the catalog RV values."""

from __future__ import annotations

import numpy as np

from shieldlab.core.constants import DEG
from shieldlab.threats import load_threat_specs
from shieldlab.threats.catalog import rv_rcs_by_aspect_m2
from shieldlab.threats.signatures import rcs_aspect_class_m2


def test_aspect_classes_and_boundaries() -> None:
    a = np.array([0.0, 44.9, 45.0, 90.0, 135.0, 135.1, 180.0]) * DEG
    got = rcs_aspect_class_m2(0.01, 1.0, 0.1, a)
    np.testing.assert_array_equal(got, [0.01, 0.01, 1.0, 1.0, 1.0, 0.1, 0.1])
    # symmetric in the sign of the aspect angle
    np.testing.assert_array_equal(rcs_aspect_class_m2(1, 2, 3, -a), rcs_aspect_class_m2(1, 2, 3, a))


def test_catalog_rv_broadside_exceeds_nose_on() -> None:
    spec = load_threat_specs()["generic-solid-icbm"]
    nose, side, tail = rv_rcs_by_aspect_m2(spec, np.array([0.0, 90.0, 180.0]) * DEG)
    assert nose == spec.rv_rcs_m2 == 10 ** (-20 / 10)
    assert side > nose and tail > nose  # a cone is smallest nose-on
