"""Object classes shared by truth and the defence's beliefs (int8 codes).

The threat model labels each truth object with its kind; the battle manager
labels each track with the class it *believes* (from kinematics and
discrimination features). Both use these codes, which is why they live in
``core`` and not with the truth arrays: the decision code may name a class
without importing truth.
"""

from __future__ import annotations

OBJECT_RV, OBJECT_BUS, OBJECT_HEAVY_DECOY, OBJECT_LIGHT_DECOY = 0, 1, 2, 3
OBJECT_BALLOON, OBJECT_CHAFF, OBJECT_GLIDE, OBJECT_CRUISE = 4, 5, 6, 7
OBJECT_NAMES = {
    OBJECT_RV: "rv",
    OBJECT_BUS: "bus",
    OBJECT_HEAVY_DECOY: "heavy-decoy",
    OBJECT_LIGHT_DECOY: "light-decoy",
    OBJECT_BALLOON: "balloon",
    OBJECT_CHAFF: "chaff",
    OBJECT_GLIDE: "glide-vehicle",
    OBJECT_CRUISE: "cruise-missile",
}
LETHAL_KINDS = (OBJECT_RV, OBJECT_GLIDE, OBJECT_CRUISE)
"""Object kinds that carry a warhead."""
