"""Bundled geodata: Natural Earth base layers, the sourced gazetteer and annotation layers.

``geodata.load`` (clipped, projected GeoDataFrames) imports geopandas on first use only;
``geodata.places`` is pure Python, so looking up a place costs no GIS import.
"""

from __future__ import annotations


def load(*args, **kwargs):
    """See :func:`geodata.base.load`."""
    from .base import load as _load

    return _load(*args, **kwargs)
