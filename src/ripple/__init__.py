"""Ripple: exact models of event-driven and classic DNN accelerator dataflows."""

__version__ = "0.1.0"
