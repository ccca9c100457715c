"""Viewpoints: how each government draws a territorial dispute, read from
``geodata/viewpoints.toml`` (an input of the build, attached to the archive edition; a rebuild
reads the attached copy), and the words of a map that must agree with what it draws.

A map's ``viewpoint`` picks one convention. For each kind of annotation feature (the ``kind``
of a feature in an annotation layer) it gives the style role and legend words the feature is
drawn with, or ``omit``, and the sentence the alternative text gets about it; it names places
as that government's maps do (``[VIEWPOINT.names]``); and it gives the caption's sentence on
names. Every convention carries its sources.

Texts a reader sees next to the map (caption, alternative text, callouts, text boxes) name a
place as ``{place}``: it is written as the map's labels write it, so a callout on a Japanese
map says "Etorofu" and on a Russian one "Iturup". The caption gets a sentence on the schematic
lines the map draws, counted after the viewpoint has dropped what its government does not draw.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from geodata.spec import NAMING, LayerSpec

from . import schema
from .errors import BriefError


@dataclass(frozen=True)
class Convention:
    naming: str  # dual | japan | russia
    sentence: str  # the caption's sentence on names
    kinds: dict[str, dict] = field(default_factory=dict)  # feature kind -> {role, legend, alt} or {omit}
    names: dict[str, str] = field(default_factory=dict)  # place id -> its name on this government's maps


@dataclass(frozen=True)
class Conventions:
    path: Path
    viewpoints: dict[str, Convention]
    naming: dict[str, str]  # naming -> the caption's sentence where a map overrides its viewpoint's naming

    def sentence(self, viewpoint: str, naming: str) -> str:
        convention = self.viewpoints[viewpoint]
        return convention.sentence if naming == convention.naming else self.naming[naming]


def load(path: Path) -> Conventions:
    """The conventions file, checked: a malformed one is one error naming its line."""
    doc = schema.read(Path(path), "viewpoints file")
    data = dict(doc.data)

    def fail(msg: str, *keys: str) -> BriefError:
        return BriefError(msg, path, doc.line(*keys) if keys else None)

    naming = data.pop("naming", None)
    if not isinstance(naming, dict) or set(naming) != set(NAMING):
        raise fail(f"[naming] must give the caption's sentence for each of {', '.join(NAMING)}", "naming")
    out = {}
    for name, table in data.items():
        if not isinstance(table, dict) or table.get("naming") not in NAMING or not table.get("sentence"):
            raise fail(f"[{name}] needs naming (one of {', '.join(NAMING)}) and sentence", name)
        if not table.get("sources"):
            raise fail(f"[{name}] needs its sources: how that government's maps draw the dispute", name)
        kinds = table.get("kinds", {})
        for kind, rule in kinds.items():
            if not rule.get("omit") and not (rule.get("role") and rule.get("legend")):
                raise fail(f"[{name}.kinds.{kind}] needs role and legend, or omit = true", name, "kinds", kind)
        names = {}
        for pid, entry in table.get("names", {}).items():
            if not isinstance(entry, dict) or not entry.get("name") or not entry.get("source"):
                raise fail(f"[{name}.names.{pid}] needs name and source", name, "names", pid)
            names[pid] = str(entry["name"])
        out[name] = Convention(naming=table["naming"], sentence=str(table["sentence"]), kinds=kinds, names=names)
    return Conventions(path=Path(path), viewpoints=out, naming={k: str(v) for k, v in naming.items()})


@dataclass
class Drawn:
    """What the viewpoint left of a map's annotation features: the sentences the alternative
    text gets about them and the schematic lines (with their roles) the caption speaks of."""

    alt: list[str] = field(default_factory=list)
    schematic: list[str] = field(default_factory=list)  # the role of each schematic line drawn

    def caption_sentence(self) -> str:
        """"Both lines are schematic." where two are drawn, "The border is schematic." where one is."""
        n = len(self.schematic)
        if n == 0:
            return ""
        if n == 1:
            return f"The {'border' if self.schematic[0] in ('boundary', 'border') else 'line'} is schematic."
        return "Both lines are schematic." if n == 2 else "The lines are schematic."


def apply(layers: list[LayerSpec], convention: Convention, layer_files: dict) -> tuple[list[LayerSpec], Drawn]:
    """Draw each annotation feature the way the viewpoint's convention does: its role and legend
    by the feature's kind, or not at all where that convention omits it."""
    out, drawn = [], Drawn()
    for layer in layers:
        path = layer_files.get(layer.layer)
        if not path or not layer.features:
            out.append(layer)
            continue
        features = [f for f in json.loads(Path(path).read_text(encoding="utf-8"))["features"]
                    if f["properties"].get("id") in layer.features or f["properties"].get("name") in layer.features]
        found = {str(f["properties"].get("kind")) for f in features}
        rules = [convention.kinds[k] for k in found if k in convention.kinds]
        if len(rules) != 1 or len(found) != 1:
            out.append(layer)
            continue
        rule = rules[0]
        if rule.get("omit"):
            continue
        layer = replace(layer, role=str(rule.get("role", layer.role)), legend=rule.get("legend", layer.legend))
        out.append(layer)
        if rule.get("alt"):
            drawn.alt.append(str(rule["alt"]))
        drawn.schematic += [layer.role for f in features if f["properties"].get("schematic")
                            and "LineString" in str((f.get("geometry") or {}).get("type"))]
    return out, drawn


REF = re.compile(r"\{\{|\}\}|\{([^{}\n]+)\}")


def fill(text: str, name_of) -> str:
    """``text`` with each ``{place}`` replaced by ``name_of(place)`` (None leaves it as written:
    the caller has reported it); ``{{`` and ``}}`` are literal braces."""
    def one(m: re.Match) -> str:
        if m.group(1) is None:
            return m.group(0)[0]
        name = name_of(m.group(1).strip())
        return m.group(0) if name is None else name

    return REF.sub(one, text)


def refs(text: str) -> list[str]:
    """The place references a text writes as ``{place}``."""
    return [m.group(1).strip() for m in REF.finditer(text) if m.group(1) is not None]


def disagreements(text: str, places, naming: str, name_of) -> list[tuple[str, str, str]]:
    """Names in ``text`` that the map writes otherwise: (as written, as the map names it, place id) for each
    place whose other convention's name the text uses without the map's own (a Japanese map's
    callout saying "Iturup"). A dual-named map writes both, so nothing disagrees with it."""
    if naming == "dual":
        return []
    out = []
    for place in places:
        mine = name_of(place)
        for other in {place.names.get("en"), place.names.get("ja")} - {None, mine}:
            if re.search(rf"(?<!\w){re.escape(other)}(?!\w)", text) and mine not in text:
                out.append((other, mine, place.id))
    return out
