"""battle layer."""
