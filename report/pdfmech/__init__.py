"""PDF mechanics: what the finishing stage and the preflight need to know about PDF, and
nothing about briefs, editions or layout (it imports pikepdf and the standard library only).

- :mod:`.objects`: object ids and labels, resource lookup, the walk over every resources
  dictionary a document's pages reach;
- :mod:`.content`: the content-stream interpreter, with read-only and rewriting visitors;
- :mod:`.save`: deterministic serialisation with unambiguous stream ends.
"""
