"""threats layer."""
