"""Helpers of the example pipeline: synthetic ride-hailing trips and a small duration model."""
