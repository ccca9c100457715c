"""Objects: who an object is, how it is named, and where resources are found.

- :func:`objgen` / :func:`identity` / :func:`label`: an object's number, a key for "the same
  object" (its number when indirect, else its Python id), and its name in messages
  (``obj 12 0``, :func:`label_of` for a number another tool reports);
- :func:`lookup` / :func:`page_resources`: a named resource, a page's (inherited) resources;
- :class:`Place`: where something is reached from (a page and the resource names on the way),
  named by object (``where``: ``obj 12 0``, or the page) or by path (``trail``:
  ``page 1 → form /Fig1 → pattern /H0``);
- :func:`owners` / :func:`resource_dicts`: every page, annotation appearance, Form XObject,
  tiling pattern and Type 3 font reached from the pages' resources, with its resources.
"""

from __future__ import annotations

from collections.abc import Iterator

from pikepdf import Array, Dictionary, Stream

MAX_PARENTS = 32  # a page tree deeper than this is broken (or a loop)


def objgen(obj) -> tuple[int, int] | None:
    """(number, generation) of an indirect object, else None."""
    try:
        if obj.is_indirect:
            return obj.objgen
    except Exception:
        pass
    return None


def identity(obj):
    """A key for "the same object": its object number when indirect, else its Python id."""
    return objgen(obj) or id(obj)


def label(obj) -> str | None:
    """``obj N G`` for an indirect object, else None."""
    og = objgen(obj)
    return label_of(*og) if og else None


def label_of(number: int, generation: int) -> str:
    """How messages name object ``number``: ``obj N G``."""
    return f"obj {number} {generation}"


def lookup(resources, category: str, name):
    """``resources[category][name]``, or None where any of it is missing."""
    try:
        cat = resources.get(category) if resources is not None else None
        return cat.get(name) if cat is not None else None
    except Exception:
        return None


def items(d) -> list:
    """The (key, value) pairs of a dictionary, or none of something else."""
    return list(d.items()) if isinstance(d, Dictionary) else []


def page_resources(page):
    """A page dictionary's resources, inherited from the page tree where it has none."""
    node = page
    for _ in range(MAX_PARENTS):
        if node is None:
            return None
        res = node.get("/Resources")
        if res is not None:
            return res
        node = node.get("/Parent")
    return None


def appearances(annot) -> list:
    """The appearance streams of an annotation (every state of /N, /R and /D)."""
    ap = annot.get("/AP") if isinstance(annot, Dictionary) else None
    if not isinstance(ap, Dictionary):
        return []
    out = []
    for key in ("/N", "/R", "/D"):
        ent = ap.get(key)
        if isinstance(ent, Stream):
            out.append(ent)
        elif isinstance(ent, Dictionary):
            out.extend(s for s in ent.values() if isinstance(s, Stream))
    return out


def annotations(page) -> list:
    """The annotation dictionaries of a page dictionary."""
    annots = page.get("/Annots")
    return [a for a in annots if isinstance(a, Dictionary)] if isinstance(annots, Array) else []


class Place:
    """Where something is reached from: ``step`` ("page 3", "form /Fm0", "pattern /P1", …)
    below ``parent``. ``where`` names the nearest indirect object on the way (the page for
    what a page holds directly); ``trail`` is the whole way."""

    __slots__ = ("step", "parent", "where", "_trail")

    def __init__(self, step: str, obj=None, parent: Place | None = None):
        self.step, self.parent, self._trail = step, parent, None
        self.where = label(obj) if obj is not None else None
        if self.where is None:
            self.where = parent.where if parent is not None else step

    @property
    def trail(self) -> str:
        if self._trail is None:
            self._trail = f"{self.parent.trail} → {self.step}" if self.parent is not None else self.step
        return self._trail


def owners(pdf) -> Iterator[tuple[object, object, Place]]:
    """(owner, its resources or None, place) for every page, annotation appearance stream and,
    reached from their resources, every Form XObject, tiling pattern and Type 3 font; each
    owner once. Resources are followed depth first, the last page's first."""
    seen: set = set()
    todo: list = []
    for i, page in enumerate(pdf.pages, start=1):
        top = Place(f"page {i}")
        todo.append((page.obj, page_resources(page.obj), top))
        for n, annot in enumerate(annotations(page.obj), start=1):
            for s in appearances(annot):
                todo.append((s, s.get("/Resources"), Place(f"annotation {n}", s, top)))
    while todo:
        owner, res, place = todo.pop()
        key = identity(owner)
        if key in seen:
            continue
        seen.add(key)
        yield owner, res, place
        if not isinstance(res, Dictionary):
            continue
        for cat, kind in (("/XObject", "form"), ("/Pattern", "pattern")):
            for name, x in items(res.get(cat)):
                if isinstance(x, Stream) and (cat == "/Pattern" or x.get("/Subtype") == "/Form"
                                              or "/Resources" in x):
                    todo.append((x, x.get("/Resources"), Place(f"{kind} {name}", x, place)))
        for name, f in items(res.get("/Font")):
            if isinstance(f, Dictionary) and "/Resources" in f:
                todo.append((f, f.Resources, Place(f"Type 3 font {name}", f, place)))


def resource_dicts(pdf) -> Iterator[tuple[object, str]]:
    """(resources, where) for each resources dictionary :func:`owners` reaches, once."""
    seen: set = set()
    for _, res, place in owners(pdf):
        if isinstance(res, Dictionary) and identity(res) not in seen:
            seen.add(identity(res))
            yield res, place.where
