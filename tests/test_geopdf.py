"""[cartography-3] GeoPDF: every map frame of the screen and archive editions is a georeferenced
viewport (ISO 32000-2 12.10), read by a GIS as it is drawn; the print edition (PDF/X-1a:2003,
PDF 1.4) carries none."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pikepdf
import pytest
from pyproj import CRS

from conftest import ROOT, SAMPLE, run_brief
from maps_ink import geo_frames

TASMAN = ROOT / "tests" / "briefs" / "tasman-sea"
PT_PER_MM = 72 / 25.4
MAPS = {"islands", "yamal", "vostok"}


def _reports() -> dict[str, dict]:
    """The sample's maps as the map engine measured them (from the build cache; rendered if absent)."""
    from report.figures import prepare
    from report.pipeline import load

    brief, style = load(SAMPLE)
    return {fid: json.loads(f.pdf.with_suffix(".json").read_text())
            for fid, f in prepare(brief, style).items() if fid in MAPS}


def test_map_frames_are_georeferenced_in_screen_and_archive_not_in_print(sample_build):
    """One viewport per map, on its page, over its frame: a GEO measure in the map's own
    projection (WKT), four corners that fit it exactly; the file says PDF 1.7 with Adobe's
    extension level 3. The print edition stays PDF 1.4 with no viewport."""
    reports = _reports()
    for edition in ("screen", "archive"):
        path = sample_build / f"{SAMPLE.name}-{edition}.pdf"
        frames = [f for page in geo_frames(path).values() for f in page]
        assert sorted(f.name for f in frames) == sorted(MAPS), (edition, [f.name for f in frames])
        for f in frames:
            rep = reports[f.name]
            assert f.crs.equals(CRS.from_wkt(rep["crs"])), (edition, f.name, f.crs.name)
            assert f.residual < 0.01, (edition, f.name, f.residual)  # metres: four corners, one affine map
            x0, y0, x1, y1 = f.bbox
            fx0, fy0, fx1, fy1 = rep["georef"]["frame_mm"]
            assert abs((x1 - x0) - (fx1 - fx0) * PT_PER_MM) < 0.01 and abs((y1 - y0) - (fy1 - fy0) * PT_PER_MM) < 0.01
        with pikepdf.open(path) as pdf:
            assert pdf.pdf_version == "1.7" and pdf.extension_level == 3, (edition, pdf.pdf_version)
            assert pdf.Root.Extensions.ADBE.ExtensionLevel == 3
    path = sample_build / f"{SAMPLE.name}-print.pdf"
    assert all(not page for page in geo_frames(path).values())
    with pikepdf.open(path) as pdf:
        assert pdf.pdf_version == "1.4" and "/Extensions" not in pdf.Root


gdal = pytest.mark.skipif(shutil.which("gdalinfo") is None, reason="GDAL's gdalinfo (Debian: gdal-bin) is absent")


@gdal
def test_gdal_reads_each_map_frame_with_its_projection_and_extent(sample_build):
    """`gdalinfo` on each page with a map: the map's projection, and a georeferencing that puts
    the frame's corners (page points of the viewport) on the corners of the map's view in that
    projection within 0.05 mm on paper; its neatline is the frame."""
    reports = _reports()
    path = sample_build / f"{SAMPLE.name}-screen.pdf"
    with pikepdf.open(path) as pdf:
        media = {i: [float(v) for v in p.mediabox] for i, p in enumerate(pdf.pages)}
    for page, frames in geo_frames(path).items():
        if not frames:
            continue
        [frame] = frames
        rep = reports[frame.name]
        out = subprocess.run(["gdalinfo", "-json", f"PDF:{page + 1}:{path}"], capture_output=True, text=True,
                             check=True)
        info = json.loads(out.stdout)
        assert CRS.from_wkt(info["coordinateSystem"]["wkt"]).equals(CRS.from_wkt(rep["crs"])), frame.name
        gt = info["geoTransform"]
        width, height = info["size"]
        mx0, my0, mx1, my1 = media[page]
        metres_per_mm = (rep["view"][2] - rep["view"][0]) / ((frame.bbox[2] - frame.bbox[0]) / PT_PER_MM)
        x0, y0, x1, y1 = frame.bbox
        for (px, py), (vx, vy) in zip([(x0, y0), (x0, y1), (x1, y1), (x1, y0)],
                                      [(0, 1), (0, 3), (2, 3), (2, 1)]):
            col = (px - mx0) / (mx1 - mx0) * width
            row = (my1 - py) / (my1 - my0) * height
            gx = gt[0] + col * gt[1] + row * gt[2]
            gy = gt[3] + col * gt[4] + row * gt[5]
            off = np.hypot(gx - rep["view"][vx], gy - rep["view"][vy]) / metres_per_mm
            assert off < 0.05, (frame.name, off)
        neatline = info["metadata"][""]["NEATLINE"]
        xs = [float(p.split()[0]) for p in neatline[neatline.index("((") + 2:neatline.index("))")].split(",")]
        assert abs(min(xs) - rep["view"][0]) / metres_per_mm < 0.05, (frame.name, neatline)
        assert abs(max(xs) - rep["view"][2]) / metres_per_mm < 0.05, (frame.name, neatline)


def test_a_bbox_is_honoured_or_the_change_is_reported(tmp_path):
    """The Tasman Sea brief frames its map by a bbox. Whatever height its spec writes, the figure
    takes the height that shows the bbox, with no warning, and the frame holds the bbox with at
    most 5 % to spare; a bbox whose shape the column cannot hold (tall and narrow across a full
    page) is widened and the build says so, with what the map shows instead."""
    brief = tmp_path / "tasman-sea"
    shutil.copytree(TASMAN, brief)
    spec = brief / "figures" / "tasman.toml"
    env = {"BRIEF_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    spec.write_text(spec.read_text().replace("height = 102", "height = 80").replace("[140, -48, 180, -30]",
                                                                                    "[150, -48, 153, -30]"))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen", env=env)
    assert proc.returncode == 0, proc.stderr
    [line] = [ln for ln in proc.stderr.splitlines() if "bbox" in ln]
    assert line.startswith(f"warning: {spec}") and "bbox [150, -48, 153, -30] is not the shape of the frame" in line
    assert "wider than the bbox; it would show as written in a figure" in line and "more than its column holds" in line
    spec.write_text(spec.read_text().replace("[150, -48, 153, -30]", "[140, -48, 180, -30]"))
    proc = run_brief("build", brief, "--out", tmp_path / "out", "-q", "--variant", "screen", env=env)
    assert proc.returncode == 0 and "bbox" not in proc.stderr, proc.stderr
    [frame] = [f for page in geo_frames(tmp_path / "out" / "tasman-sea" / "tasman-sea-screen.pdf").values()
               for f in page]
    x0, y0, x1, y1 = frame.bbox
    lons = np.concatenate([np.linspace(140, 180, 41), np.full(19, 180), np.linspace(180, 140, 41), np.full(19, 140)])
    lats = np.concatenate([np.full(41, -48), np.linspace(-48, -30, 19), np.full(41, -30), np.linspace(-30, -48, 19)])
    px, py = frame.page_of(lons, lats)
    assert (px >= x0 - 0.1).all() and (px <= x1 + 0.1).all() and (py >= y0 - 0.1).all() and (py <= y1 + 0.1).all()
    spare = max((x1 - x0) / (px.max() - px.min()), (y1 - y0) / (py.max() - py.min())) - 1
    assert spare <= 0.05, spare
