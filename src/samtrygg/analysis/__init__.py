"""Samtrygg's analysis library: pure numpy / scipy / shapely / pyproj, no Django.

Takes arrays and plain values, returns arrays and dataclasses, so that it can be tested against
published references and benchmarked on its own (DESIGN.md rule 3).
"""
