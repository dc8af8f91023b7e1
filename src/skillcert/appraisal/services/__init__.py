"""Appraisal use cases, one module per step of the procedure (seed 004)."""
