"""Article files in every supported format, built at test time from the bundled articles.

- :func:`news_page`: article 001 as a saved web page, wrapped in navigation, an ad, a comment
  section and a footer that must not be read.
- :func:`press_review_pdf`: article 002 as a two-page PDF with a real text layer (fpdf2), a
  running header and footer on each page, one word hyphenated across a line break and a
  ``source:`` line.
- :func:`word_file`: article 003 as a DOCX (python-docx) with a Title paragraph, empty
  paragraphs and a ``source:`` line.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import docx
import matplotlib
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from index.parse import read_article

CORPUS = Path(__file__).resolve().parent.parent / "data" / "corpus"
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

HTML_ARTICLE = "001_8070831bbb14d085"
PDF_ARTICLE = "002_85cd408fc1a49feb"
DOCX_ARTICLE = "003_a146349f20264553"

PAGE_URL = "https://www.example.org/monde/plan-de-paix-28-points"
PAGE_AUTHOR = "Francesca Salvatore"
PDF_URL = "https://fr.businessam.be/trump-plan-de-paix-ukraine"
DOCX_URL = "https://www.example.com/ukraine/revelations"
PDF_HEADER = "Business AM — Revue de presse du 20 novembre"
# The word of ¶4 (of article 002) the PDF hyphenates across a line break.
HYPHENATED_WORD = "gouvernement"
PDF_FIRST_PAGE_PARAGRAPHS = 8  # article paragraphs 1..8 on page 1, the rest on page 2
NAV_TEXT = "Accueil Monde Économie Sport Culture Météo"
AD_TEXT = "Publicité : montres de luxe à moitié prix, livraison gratuite aujourd'hui seulement !"
COMMENT_TEXT = "Quel article passionnant, merci pour ce travail de fond remarquable sur le sujet"
FOOTER_TEXT = "Mentions légales · Contact · Plan du site"


@dataclass(frozen=True)
class Fixture:
    """A built file and what reading it must give."""

    name: str
    data: bytes
    article_id: str
    title: str
    # Expected blocks, in order: (text, page) with page None for unpaged formats.
    blocks: Sequence[tuple[str, int | None]]
    url: str | None = None
    author: str | None = None

    def write(self, folder: Path) -> Path:
        """Save the file into ``folder``; returns its path."""
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def article_blocks(article_id: str) -> list[str]:
    """The blocks of a bundled article, whitespace collapsed (as readers give them)."""
    article = read_article(CORPUS / f"{article_id}.txt")
    return [" ".join(p.text.split()) for p in article.paragraphs]


def news_page(*, canonical: str = PAGE_URL) -> Fixture:
    """Article 001 as a news web page with navigation, ads and comments around it."""
    blocks = article_blocks(HTML_ARTICLE)
    title, body = blocks[1], blocks[2:]  # ¶1 is the site's tagline
    paragraphs = "\n".join(f"<p>{html.escape(b)}</p>" for b in body)
    nav = "".join(f'<li><a href="/{w}">{w}</a></li>' for w in NAV_TEXT.split())
    page = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<title>{html.escape(title)} | Mena News</title>
<meta name="author" content="{PAGE_AUTHOR}">
<meta property="article:published_time" content="2025-11-19T08:00:00+01:00">
<link rel="canonical" href="{html.escape(canonical)}">
<link rel="stylesheet" href="/style.css"><script>window.dataLayer = [];</script>
</head><body>
<header class="site-header"><a href="/" class="logo">Mena News</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
</header>
<aside class="ad advertisement" id="ad-top"><p>{html.escape(AD_TEXT)}</p></aside>
<main><article class="post">
<h1 class="entry-title">{html.escape(title)}</h1>
<div class="byline">Par <span class="author">{PAGE_AUTHOR}</span></div>
<div class="entry-content">
{paragraphs}
</div></article>
<aside class="sidebar ad"><h3>Sponsorisé</h3><p>{html.escape(AD_TEXT)}</p></aside>
<section id="comments" class="comments"><h2>3 commentaires</h2>
<div class="comment"><p class="comment-author">Jean-Pierre</p>
<p>{html.escape(COMMENT_TEXT)}.</p></div>
<div class="comment">
<p>Je ne suis pas du tout d'accord avec cette analyse de la situation.</p></div>
<form class="comment-form"><textarea></textarea><button>Publier</button></form>
</section></main>
<footer class="site-footer"><p>{FOOTER_TEXT}</p><p>© 2025 Mena News</p></footer>
</body></html>"""
    return Fixture(
        name=f"{HTML_ARTICLE}.html",
        data=page.encode("utf-8"),
        article_id=HTML_ARTICLE,
        title=title,
        blocks=[(title, None)] + [(b, None) for b in body],
        url=PAGE_URL if canonical == PAGE_URL else None,
        author=PAGE_AUTHOR,
    )


def make_pdf(
    blocks: list[tuple[str, bool]], *, title: str = "", pages_at: set[int], running: bool = True
) -> bytes:
    """A PDF of (text, is_heading) blocks; a new page starts before each index in pages_at.

    With ``running``, each page has a header line and a "Page n / N" footer.
    """

    class _Pdf(FPDF):
        def header(self) -> None:
            if not running:
                return
            self.set_font("dejavu", size=8)
            self.cell(0, 6, PDF_HEADER, align="C")
            self.ln(12)

        def footer(self) -> None:
            if not running:
                return
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 6, f"Page {self.page_no()} / {{nb}}", align="C")

    pdf = _Pdf(format="A4")
    pdf.set_title(title)
    pdf.set_author("Business AM")
    pdf.add_font("dejavu", "", str(FONT))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for index, (text, heading) in enumerate(blocks):
        if index in pages_at:
            pdf.add_page()
        pdf.set_font("dejavu", size=14 if heading else 10)
        pdf.multi_cell(0, 5.5, text)
        pdf.ln(4)
    return bytes(pdf.output())


def press_review_pdf() -> Fixture:
    """Article 002 as a two-page PDF: header and footer on each page, one hyphenated word, a
    ``source:`` line at the end."""
    article = read_article(CORPUS / f"{PDF_ARTICLE}.txt")
    blocks = [" ".join(p.text.split()) for p in article.paragraphs][:17]  # no site furniture
    flags = [p.flag for p in article.paragraphs][:17]
    assert HYPHENATED_WORD in blocks[3]
    shown = list(blocks)
    # Break the word where a typesetter would: "gouverne-" at a line end, "ment" on the next.
    shown[3] = blocks[3].replace(HYPHENATED_WORD, "gouverne-\nment", 1)
    blocks.append(f"source: {PDF_URL}")
    shown.append(blocks[-1])
    flags.append("")
    data = make_pdf(
        [(t, f in {"title", "heading"}) for t, f in zip(shown, flags, strict=True)],
        title=blocks[0],
        pages_at={PDF_FIRST_PAGE_PARAGRAPHS},
    )
    return Fixture(
        name=f"{PDF_ARTICLE}.pdf",
        data=data,
        article_id=PDF_ARTICLE,
        title=blocks[0],
        blocks=[(b, 1 if i < PDF_FIRST_PAGE_PARAGRAPHS else 2) for i, b in enumerate(blocks)],
        url=PDF_URL,
        author="Business AM",
    )


def encrypted_pdf(password: str = "secret") -> bytes:
    """The press review PDF protected by a user password."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(press_review_pdf().data)))
    writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A two-page PDF with no text layer: a drawn image on one page, nothing on the other."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(40, 40, 40)
    for row in range(30):  # grey bars that look like lines of a scanned page
        pdf.rect(20, 20 + row * 8, 170 - (row % 3) * 20, 3, style="F")
    pdf.add_page()
    return bytes(pdf.output())


def word_file() -> Fixture:
    """Article 003 as a DOCX: Title paragraph, empty paragraphs, a ``source:`` line."""
    blocks = article_blocks(DOCX_ARTICLE)
    title, body = blocks[1], blocks[2:7]  # ¶1 is site furniture, ¶8-9 a newsletter form
    document = docx.Document()
    document.core_properties.author = "Rédaction Euractiv"
    document.add_paragraph(title, style="Title")
    document.add_paragraph("")
    document.add_paragraph(f"source: {DOCX_URL}")
    for text in body:
        document.add_paragraph(text)
        document.add_paragraph("   ")  # empty paragraphs are not counted
    out = io.BytesIO()
    document.save(out)
    return Fixture(
        name=f"{DOCX_ARTICLE}.docx",
        data=out.getvalue(),
        article_id=DOCX_ARTICLE,
        title=title,
        blocks=[(title, None), (f"source: {DOCX_URL}", None)] + [(b, None) for b in body],
        url=DOCX_URL,
        author="Rédaction Euractiv",
    )
