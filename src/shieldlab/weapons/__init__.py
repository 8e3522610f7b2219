"""weapons layer."""
