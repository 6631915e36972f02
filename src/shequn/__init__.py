"""shequn."""
