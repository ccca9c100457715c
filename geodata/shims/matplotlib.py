"""matplotlib shim (written for matplotlib 3.11): letter-spaced text in PDF.

matplotlib has no letter spacing. After :func:`install` (called by
:func:`geodata.look.setup_matplotlib`), the PDF renderer draws a text artist whose ``tc``
attribute is not 0 with that many points of PDF character spacing (``Tc``), set inside each
of its text objects right after ``BT`` and reset to 0 after it: one text object, whose
letters a reader's search and copy still find as one word. It relies on
``RendererPdf.draw_text`` (and the artist it passes as ``mtext``), ``PdfFile.output``,
``Op.begin_text`` and ``Verbatim``; ``tests/test_maps.py`` checks the spaced labels.
"""

from __future__ import annotations

from . import check_version

WRITTEN_FOR = (3, 11)

_installed = False


def install() -> None:
    """Install the letter spacing (once per process)."""
    global _installed
    if _installed:
        return
    import matplotlib
    from matplotlib.backends.backend_pdf import Op, RendererPdf, Verbatim

    check_version(__name__, "matplotlib", matplotlib.__version__, WRITTEN_FOR, "tests/test_maps.py")
    draw_text = RendererPdf.draw_text

    def spaced_draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        tc = getattr(mtext, "tc", 0.0)
        if not tc:
            return draw_text(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        pdf = self.file
        output = pdf.output

        def spaced(*data):  # the spacing goes inside the text object, after BT and the font
            output(*data)
            if data and data[0] is Op.begin_text:
                output(Verbatim(b"%.3f Tc" % tc))

        pdf.output = spaced
        try:
            draw_text(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        finally:
            del pdf.output
        output(Verbatim(b"0 Tc"))

    RendererPdf.draw_text = spaced_draw_text
    _installed = True
