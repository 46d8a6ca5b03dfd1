"""A PDF written by another producer (matplotlib) is read into the same paragraphs.

Marked integration, not unit: matplotlib's first import builds its font cache by running
fc-list, a subprocess, which unit tests may not start.
"""

from __future__ import annotations

import io

import pytest
from format_fixtures import CORPUS

from index.formats import read_document
from index.parse import read_article

pytestmark = pytest.mark.integration


def _lines(text: str, width: int = 80) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current]


def test_pdf_made_by_another_producer_is_read_too() -> None:
    """matplotlib writes Type 3 fonts and places each line itself (no paragraph operators)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    article = read_article(CORPUS / "000_91bb73b3830eaf78.txt")
    paragraphs = [" ".join(p.text.split()) for p in article.content_paragraphs[:4]]
    out = io.BytesIO()
    with PdfPages(out) as pages:
        for page in (0, 1):
            figure = plt.figure(figsize=(8.27, 11.69))
            top = 0.9
            for paragraph in paragraphs[2 * page : 2 * page + 2]:
                for line in _lines(paragraph):
                    figure.text(0.08, top, line, fontsize=10)
                    top -= 0.018
                top -= 0.02
            pages.savefig(figure)
            plt.close(figure)
    document = read_document(out.getvalue(), "rapport.pdf")
    assert [(b.text, b.page) for b in document.blocks] == [
        (text, 1 + i // 2) for i, text in enumerate(paragraphs)
    ]
