"""brief: typeset plain-text policy briefs as print, screen and archival PDFs."""

__version__ = "0.1.0"
