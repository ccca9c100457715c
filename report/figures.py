"""Stage 2, figures: rendered, cached figure PDFs for the layout.

Each figure is drawn once per distinct input: the cache key covers the spec's text and
resolved places, the bundled and brief-specific geodata, the figure look from the style,
and the code that draws. A cache hit is decided from those bytes alone, so a warm build
imports neither geopandas, matplotlib nor pyproj. Misses render in parallel processes.
The warnings a render gives (a dropped label, a layer without data) are kept with the cached
figure and printed again by every build that uses it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from geodata.frame import FRAME_INSET_MM
from geodata.look import FigureError, Look

from . import cache
from . import workers as workers_
from .errors import BriefError, several
from .figspec import FigureDef, with_width
from .model import Brief
from .style import MM, Style

ROOT = Path(__file__).resolve().parent.parent
CODE = [ROOT / "geodata" / n for n in ("maps.py", "drawn.py", "labels.py", "candidates.py", "costs.py", "obstacles.py", "placer.py",
                                       "scalebar.py", "graticule.py", "georef.py", "frame.py", "symbols.py", "look.py", "base.py",
                                       "spec.py", "shims/matplotlib.py")] + [
    ROOT / "report" / "charts.py", ROOT / "report" / "style.py", ROOT / "report" / "figures.py",
    ROOT / "report" / "cidfonts.py",
    ROOT / "report" / "pdfmech" / "content.py", ROOT / "report" / "pdfmech" / "objects.py",  # cidfonts' walk
    ROOT / "report" / "pdfmech" / "viewports.py"]
DATA = [ROOT / "geodata" / "MANIFEST.json"]
DATA_ROLES = ("gazetteer", "places", "layer", "bundled-layer")  # inputs a figure may draw from



@dataclass(frozen=True)
class Figure:
    id: str
    kind: str  # "map" | "chart"
    title: str
    caption: str
    source: str
    pdf: Path  # one page, width_pt x height_pt
    width_pt: float
    height_pt: float
    full_width: bool
    spec_path: Path
    spec_line: int | None = None
    drawn: Path | None = None  # a map's base-layer extract (geodata/drawn.py), attached to the archive edition


def look_from(style: Style) -> Look:
    f = style.figure
    if f is None:
        raise BriefError("the style has no [figure] section, so it cannot draw figures", style.path)
    return Look(fonts=dict(style.fonts[f.font]), colours={k: c.hex for k, c in style.colours.items()},
                roles=f.roles, cjk_font=f.cjk_font, simplify_mm=f.simplify_mm, frame_width=f.frame_width,
                margin_mm=f.margin)


def widths(style: Style) -> tuple[float, float, float]:
    """(column width, full width, column height) in mm."""
    p = style.page
    return p.column, p.full, p.height - p.margin_top - p.margin_bottom


def prepare(brief: Brief, style: Style, cache_dir: Path | None = None,
            progress=None, warn=None) -> dict[str, Figure]:
    """Every figure the brief references, rendered or taken from the cache."""
    if not brief.figures:
        return {}
    cache_dir = Path(cache_dir or cache.root() / "figures")
    look = look_from(style)
    column, full, height = widths(style)
    code_and_data = _digest_files(CODE + [p for p in DATA if p.is_file()]) + _data_digest(brief)
    problems = [p for fig in brief.figures.values() for p in _role_problems(fig, look, style.path)]
    if problems:
        raise several(problems)
    jobs, result = [], {}
    for fid, fig in brief.figures.items():
        if fig.height_mm > height - 20:
            raise BriefError(f"figure is {fig.height_mm:g} mm tall; its column holds at most "
                             f"{height - 20:g} mm with a caption", fig.path, fig.doc.line("height"))
        width = column if fig.size == "column" else full
        fig = with_width(fig, width, _bbox_height(fig, width, look, height - 20, cache_dir))
        key = _key(fig, look, code_and_data)
        pdf = cache_dir / f"{fid}-{key[:20]}.pdf"
        drawn = _drawn(fig, pdf)
        result[fid] = Figure(id=fid, kind=fig.kind, title=fig.title, caption=fig.caption, source=fig.source,
                             pdf=pdf, width_pt=fig.spec.width_mm * MM, height_pt=fig.height_mm * MM,
                             full_width=fig.size == "full", spec_path=fig.path, spec_line=1, drawn=drawn)
        stored = _cached(fig, pdf, "rendering it again")
        if stored is None:
            jobs.append((fig, pdf))
        elif warn:
            for w in stored:
                warn(_warning(fig, w))
    if jobs:
        cache_dir.mkdir(parents=True, exist_ok=True)
        _render_all(jobs, look, progress, warn)
    return result


def _cached(fig: FigureDef, pdf: Path, remedy: str | None) -> list[tuple[str, tuple]] | None:
    """The warnings of a cached figure whose entries are all intact (its PDF, its warnings and,
    for a map drawn from the installed base layers, its extract), else None."""
    drawn = _drawn(fig, pdf)
    if not cache.intact(pdf, remedy) or (drawn == _drawn_path(pdf) and not cache.intact(drawn, remedy)):
        return None
    return _stored_warnings(pdf, remedy)


def _bbox_height(fig: FigureDef, width_mm: float, look: Look, limit_mm: float, cache_dir: Path) -> float | None:
    """The height of a map framed by a ``bbox`` that shows the bbox as written, when the column
    holds it (:func:`geodata.frame.bbox_height`); None for any other figure, or when the column
    does not hold it. Kept in the cache, so that a warm build imports no pyproj."""
    if fig.kind != "map" or not fig.spec.bbox_given:
        return None
    margin = look.margin_mm if fig.spec.graticule else FRAME_INSET_MM
    args = [list(fig.spec.bbox), fig.spec.projection, width_mm, margin, limit_mm]
    h = hashlib.sha256(json.dumps(args).encode() + _digest_files([ROOT / "geodata" / "frame.py"]).encode())
    memo = cache_dir / f"height-{h.hexdigest()[:20]}.json"
    data = cache.read(memo, None)
    if data is not None:
        return json.loads(data)
    from geodata.frame import bbox_height

    found = bbox_height(*args)
    memo.parent.mkdir(parents=True, exist_ok=True)
    cache.write_atomically(memo, json.dumps(found).encode())
    return found


def _warnings_path(pdf: Path) -> Path:
    return pdf.with_name(f"{pdf.stem}.warnings.json")


def _drawn_path(pdf: Path) -> Path:
    return pdf.with_name(f"{pdf.stem}.drawn.json")


def _drawn(fig: FigureDef, pdf: Path) -> Path | None:
    """The extract of what a map draws from the base layers: the one the spec draws from (an
    archive's, on a rebuild), else the one its render keeps beside it in the cache."""
    if fig.kind != "map":
        return None
    return Path(fig.spec.drawn) if fig.spec.drawn else _drawn_path(pdf)


def _stored_warnings(pdf: Path, remedy: str | None) -> list[tuple[str, tuple]] | None:
    """The warnings the render of a cached figure gave, kept beside it, each (message, key path
    in the spec); None when the entry is absent or damaged (one warning naming it and
    ``remedy``), so the figure is rendered again."""
    data = cache.read(_warnings_path(pdf), remedy)
    if data is None:
        return None
    found = json.loads(data)
    if not isinstance(found, list) or not all(isinstance(w, list) and len(w) == 2 and isinstance(w[1], list)
                                              for w in found):
        return None
    return [(str(message), tuple(key)) for message, key in found]


def _warning(fig: FigureDef, warning: tuple[str, tuple]) -> str:
    """A render's warning as printed: the spec's file and the line of what it is about."""
    message, key = warning
    return f"warning: {fig.path}:{fig.doc.line(*key) or 1}: {message}"


def _render_all(jobs, look: Look, progress, warn) -> None:
    # slowest first, so that the workers finish together: maps before charts, bigger first
    jobs = sorted(jobs, key=lambda j: (j[0].kind != "map", -j[0].spec.width_mm * j[0].height_mm))
    calls = [(fig, str(pdf)) for fig, pdf in jobs]
    render = functools.partial(_render_job, look=look)
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    try:
        outcomes = [render(call) for call in calls] if workers == 1 else workers_.run(render, calls, workers)
    except BaseException:  # a killed worker leaves its temporary files: remove them
        for _, pdf in jobs:
            _clear_scraps(pdf)
        raise
    for (fig, _), (error, warnings, rendered) in zip(jobs, outcomes):
        _raise_for(fig, error)
        for w in warnings:
            if warn:
                warn(_warning(fig, w))
        if progress:
            progress(f"figure {fig.id}: {'rendered' if rendered else 'rendered by another build'}")


def _render_job(job: tuple[FigureDef, str], look: Look) \
        -> tuple[tuple[str, tuple] | None, list[tuple[str, tuple]], bool]:
    """Render into a temporary file and rename it into the cache: (error or None, warnings,
    whether this process rendered it); an error is (message, the key path in the spec it concerns).

    A lock per figure key: builds that share the cache and need the same figure at the same
    time render it once; the others wait for it and take the cached file."""
    import fcntl

    fig, out = job[0], Path(job[1])
    with open(_lock_path(out), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (stored := _cached(fig, out, None)) is not None:
            return None, stored, False
        _clear_scraps(out, locked=True)
        return (*_render_locked(fig, out, look), True)


def _lock_path(out: Path) -> Path:
    return out.with_name(f".{out.stem}.lock")


def _clear_scraps(out: Path, locked: bool = False) -> None:
    """Remove the temporary files of a render of ``out`` that was killed. Only the holder of
    the figure's lock renders it, so what is there while we hold the lock is nobody's."""
    if not locked:
        import fcntl

        try:
            with open(_lock_path(out), "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build renders it: leave it
                _clear_scraps(out, locked=True)
        except OSError:
            pass
        return
    for scrap in out.parent.glob(f".{out.stem}.*"):
        if scrap.suffix in (".pdf", ".json"):
            scrap.unlink(missing_ok=True)


def _render_locked(fig: FigureDef, out: Path, look: Look) \
        -> tuple[tuple[str, tuple] | None, list[tuple[str, tuple]]]:
    sidecar = None  # a map's report, beside its PDF
    try:
        with cache.entry(out, suffix=".pdf") as tmp:
            sidecar = tmp.with_suffix(".json")
            if fig.kind == "map":
                from geodata.drawn import Recorder, Replay
                from geodata.maps import render_map

                drawn = Recorder(fig.id, Replay(fig.spec.drawn) if fig.spec.drawn else None)
                report = render_map(fig.spec, look, tmp, drawn)
                sidecar.replace(out.with_suffix(".json"))
                _georeference(tmp, report.georef)
                if not fig.spec.drawn:
                    cache.write_atomically(_drawn_path(out), drawn.dump())
            else:
                from .charts import render_chart

                report = render_chart(fig.spec, look, tmp)
            from .cidfonts import normalise_file

            normalise_file(tmp)
            # the warnings first: a figure in the cache always has its warnings beside it
            cache.write_atomically(_warnings_path(out), json.dumps([[m, list(k)] for m, k in report.warnings]).encode())
        return None, list(report.warnings)
    except FigureError as exc:
        return (str(exc), exc.key), []
    except Exception as exc:  # a GEOS or PROJ failure is the spec's problem: one line, not a traceback
        origin = type(exc).__module__.split(".")[0]
        if origin not in ("shapely", "pyproj"):
            raise
        detail = (str(exc).strip().splitlines() or ["no detail given"])[0]
        if origin == "pyproj":
            return (f"the map's projection cannot be computed ({detail}); check the projection", ("projection",)), []
        return (f"the map's geometry cannot be computed ({detail}); check extent and projection", ("extent",)), []
    finally:
        if sidecar is not None:
            sidecar.unlink(missing_ok=True)


def _georeference(path: Path, georef: dict | None) -> None:
    """Make a map's one-page PDF a GeoPDF: its frame a geospatial viewport, from what the map
    engine measured (:func:`geodata.georef.frame_georef`); composition carries it onto the page."""
    if not georef:
        return
    import pikepdf

    from .pdfmech import viewports

    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        bbox = [v * 72 / 25.4 for v in georef["frame_mm"]]
        viewports.add(pdf.pages[0], viewports.geo_viewport(
            pdf, bbox, georef["name"], georef["wkt"], georef["corners"], georef["geographic"], georef["epsg"]))
        pdf.save(path, deterministic_id=True)


def _raise_for(fig: FigureDef, error: tuple[str, tuple] | None) -> None:
    if error:
        message, key = error
        raise BriefError(message, fig.path, fig.doc.line(*key))


def _role_problems(fig: FigureDef, look: Look, style_path: Path) -> list[BriefError]:
    """Every role the figure names must be in the style, and one that sets a label's text
    must give its colour (without one, the role would change nothing)."""
    problems = []
    for role, line in fig.roles:
        try:
            props = look.role(role)
        except FigureError as exc:
            problems.append(BriefError(str(exc), fig.path, line))
            continue
        if (role, line) in fig.text_roles and "colour" not in props:
            table = role if role.replace("_", "").replace("-", "").isalnum() else f'"{role}"'
            problems.append(BriefError(
                f"role '{role}' sets a label's text, but [figure.roles.{table}] in {style_path} gives it no "
                f"colour; name a text role (such as 'label') or give this one a colour", fig.path, line))
    return problems


def _data_digest(brief: Brief) -> str:
    """The gazetteers and annotation layers the brief used, by project path and content (so
    the same data extracted elsewhere, e.g. by an archive rebuild, hits the same entries)."""
    h = hashlib.sha256()
    for item in sorted((i for i in brief.inputs if i.role in DATA_ROLES), key=lambda i: i.name):
        h.update(item.name.encode() + b"\0" + item.path.read_bytes())
    return h.hexdigest()


def _digest_files(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(set(paths)):
        h.update(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _key(fig: FigureDef, look: Look, code_and_data: str) -> str:
    h = hashlib.sha256()
    h.update(fig.text.encode())
    # layer files and a drawn extract by content, not by where they lie
    spec = fig.spec
    if getattr(spec, "layer_files", None) or getattr(spec, "drawn", None):
        spec = replace(spec, layer_files={}, drawn=None)
        if fig.spec.drawn:
            h.update(b"drawn\0" + Path(fig.spec.drawn).read_bytes())
    h.update(repr(spec).encode())
    h.update(json.dumps(asdict(look), sort_keys=True, default=str).encode())
    for font in sorted({*look.fonts.values(), *( [look.cjk_font] if look.cjk_font else [])}):
        h.update(Path(font).name.encode())
        h.update(str(Path(font).stat().st_size).encode())
    h.update(code_and_data.encode())
    return h.hexdigest()
