"""What a label position costs, and what rules it out: every weight named, with its unit.

The placer (:mod:`geodata.placer`) charges each :class:`geodata.candidates.Candidate` the sum
of these costs and takes the cheapest one allowed; the limits below are hard constraints, not
costs: a position that breaks one is never taken, whatever it would save. Costs are unitless
penalty points; each weight says what one point is charged for (after QGIS's PAL, whose
candidates carry a cost and whose obstacles add to it: src/core/pal/costcalculator.cpp).
"""

from __future__ import annotations

# --- hard limits: association of a label with what it names ------------------------------------
NEAR_MM = 3.0  # a label without a leader stands this close to its feature (type edge to symbol edge)
SEA_NEAR_MM = 15.0  # ... a sea's, an ocean's or a region's name to its label point (they are wide: the point is a hint)
COVER_MM = 0.0  # ... a narrow area's name (a gulf, a strait, a peninsula) to its point: it covers it
AMBIGUITY_MM = 1.0  # a label stands at least this much nearer its own feature than any other of its class
AMBIGUITY_RATIO = 1.5  # ... and any other stands at least this many times as far from it as its own
SAME_LAND_MM = 0.5  # land this close to a place's own land reads as the same land (a seam of the data, a river's mouth)
LEADER_LAND_MM = 1.2  # a leader crosses the land its place stands on only to reach the water, this far at most
LEADER_LAND_SLACK_MM = 0.25  # land a leader may graze at its ends (coasts are simplified to 0.1 mm)
MIN_INSIDE = 0.92  # share of an area name's box that lies inside its area (countries, islands, peninsulas)
WATER_WAY_MM = 1.0  # the way from a water's name to its label point keeps this far from land
MAX_LAND_UNDER_WATER_NAME = 0.35  # share of a sea's name that may lie on land
MAX_LAND_UNDER_NARROW_WATER = 0.08  # share of a gulf's or strait's name, set in it, that may lie on land
MAX_LAND_UNDER_OUTSIDE = 0.15  # share of a name set outside its land area (with a leader) that may lie on land
ELONGATED = 1.8  # an area this many times longer than wide has an axis a name may follow
ALONGSIDE_MM = 0.8  # a narrow water's name set alongside it keeps this close to the water

# --- hard limits: legibility ------------------------------------------------------------------
GAP_PT = 1.2  # clearance between a label and another label, a box or the frame (points)
CLEAR_MM = 0.35  # clearance between a label and hard ink, beyond the line's half width
KNOCK_MM = 0.3  # margin of the knockout around a label (less than CLEAR_MM: never covers hard ink)
LEADER_GAP_PT = 1.2  # a leader stops this short of its label (points)

# --- candidate positions ------------------------------------------------------------------------
NEAR_GAPS_MM = (0.5, 0.9, 1.6, 2.4)  # type edge to symbol edge, without a leader (all within NEAR_MM)
ALONGSIDE_STEP_MM = 0.3  # a narrow water's name alongside it: tried at this step out from the axis through its point
LEADER_GAPS_MM = (3.6, 5.0, 7.0, 9.5, 13.0)  # ... with a leader
RING_ANGLES = 16  # directions tried around an area name's anchor
WITHIN_STEP_MM = 0.5  # a narrow water's name in it away from its point: centres tried this far apart
WITHIN_NAMES = 2.0  # ... within this many name lengths of its point
WITHIN_MM = 6.0  # ... and at least this far
SHORES = 1.5  # ... between shores this many times its width at its point (or a line's height) away, square to it
WITHIN_CENTRES = 900  # ... or an island's name along it: at most about this many centres tried
OUTLINE_STEP_MM = 2.5  # an island's name is tried beside points this far apart along its coast
OPEN_MM = 4.0  # a sea's name keeps this far from land where it can

# --- costs (penalty points, per the unit named) -------------------------------------------------
RANK = 0.6  # per step down the preferred order of positions around a point (right, left, the diagonals, above, below)
GAP_PER_MM = 1.2  # per millimetre between the type and its feature's symbol
SHIFT_PER_MM = 0.35  # per millimetre an area name stands off its anchor (its pole of inaccessibility or label point)
BESIDE = 3.0  # an island's name set beside it rather than inside
OFF_MIDDLE_PER_MM = 0.5  # per millimetre between such a name's centre and the island's middle
ALONGSIDE = 3.0  # a narrow water's name set alongside it, on the shore, rather than in it
WITHIN = 4.0  # a narrow water's name in it but off its point, after one alongside it (plus SHIFT_PER_MM by the distance)
ROTATED = 1.0  # a name set along its area's axis rather than level
LEADER = 12.0  # drawing a leader at all
LEADER_PER_MM = 0.6  # per millimetre of leader
WORDING = 2.0  # per step down the list of wordings (a dual name stacked on two lines)
LINE_PER_PT = 1.0  # per point of a line a knockout clears under the label
LINE_TOUCHED = 0.5  # per piece of line touched at all
GRATICULE_PER_PT = 0.05  # per point of graticule cleared (it yields to any label)
LAND_UNDER_WATER_NAME = 40.0  # per share (0 to 1) of a water name's box on land
LAND_NEAR_SEA_NAME = 12.0  # per share of land within OPEN_MM around a sea's name
OUTSIDE_AREA = 40.0  # per share of an area name's box outside its area
FRAME_EDGE = 4.0  # a name of water beyond the frame squeezed against the frame (at 0 mm; less further in)
BEYOND_DISTANCE = 8.0  # per frame diagonal between such a name and its label point


def px(mm_: float, dpi: float) -> float:
    """Millimetres in display units (pixels at ``dpi``)."""
    return mm_ / 25.4 * dpi


def line_weight(role: str) -> float:
    """Cost per point of a role's line that a knockout clears."""
    return GRATICULE_PER_PT if role == "graticule" else LINE_PER_PT
