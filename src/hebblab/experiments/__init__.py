"""Experiments, one per file (DESIGN.md section 1)."""
