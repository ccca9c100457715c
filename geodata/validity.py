"""OGC validity of annotation-layer polygons, by shapely (imported only when a layer file
is checked for the first time; geodata.places stays pure Python)."""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import shape


def polygon_problem(geometry: Any) -> str | None:
    """Why a GeoJSON Polygon/MultiPolygon is invalid ("Self-intersection[150 45]"), or None."""
    if not geometry or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    reason = shapely.is_valid_reason(shape(geometry))
    return None if reason == "Valid Geometry" else reason
