"""brief: typeset plain-text policy briefs as print, screen and archival PDFs."""

__version__ = "0.1.0"
TOOL = f"brief {__version__}"  # the Creator and Producer of every edition, and its build record's tool
