"""battle layer: threat evaluation and weapon-target assignment (pure functions on arrays)."""

from shieldlab.battle.assign import Assignment, greedy_assign
from shieldlab.battle.threat_eval import threatened_asset

__all__ = ["Assignment", "greedy_assign", "threatened_asset"]
