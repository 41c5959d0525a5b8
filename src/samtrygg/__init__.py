"""Samtrygg: shared system for local crime prevention in Swedish municipalities."""

__version__ = "0.1.0"
