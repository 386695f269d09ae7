"""Figures from result objects (matplotlib, PNG and SVG). Never computes a cost."""
