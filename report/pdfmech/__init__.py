"""PDF mechanics: what the finishing stage and the preflight need to know about PDF, and
nothing about briefs, editions or layout (it imports pikepdf and the standard library only).

- :mod:`.save`: deterministic serialisation with unambiguous stream ends.
"""
