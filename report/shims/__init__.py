"""Shims of the libraries the engine drives: :mod:`.reportlab` (see :mod:`geodata.shims`)."""
