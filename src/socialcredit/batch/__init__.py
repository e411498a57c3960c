"""Whole populations: one relational definition of scoring, several engines."""
