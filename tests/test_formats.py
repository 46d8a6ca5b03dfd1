"""Format readers (index/formats): what each file gives, and a clear reason for each bad file.

No model is loaded: these are unit tests of the readers on files built at test time
(tests/format_fixtures.py) and on the bundled articles.
"""

from __future__ import annotations

import io
import socket
import zipfile
from pathlib import Path

import pytest
from format_fixtures import (
    AD_TEXT,
    COMMENT_TEXT,
    CORPUS,
    FOOTER_TEXT,
    HYPHENATED_WORD,
    NAV_TEXT,
    PDF_HEADER,
    Fixture,
    encrypted_pdf,
    make_pdf,
    news_page,
    press_review_pdf,
    scanned_pdf,
    word_file,
)

from index.errors import ArticleReadError, FileTooLargeError, TooManyParagraphsError
from index.formats import (
    SUPPORTED_SUFFIXES,
    CorruptDocumentError,
    Document,
    EncryptedDocumentError,
    MainTextNotFoundError,
    NoTextLayerError,
    ReadLimits,
    TooManyPagesError,
    UnsupportedFormatError,
    read_document,
    safe_url,
)
from index.formats.base import SOURCE
from index.parse import CONTENT, TITLE, build_article, read_article, split_blocks

pytestmark = pytest.mark.unit

FIXTURES = {"html": news_page, "pdf": press_review_pdf, "docx": word_file}


@pytest.fixture(scope="module", params=sorted(FIXTURES))
def fixture(request: pytest.FixtureRequest) -> Fixture:
    return FIXTURES[request.param]()


def _blocks(document: Document) -> list[tuple[str, int | None]]:
    return [(" ".join(b.text.split()), b.page) for b in document.blocks]


# --- every format: expected blocks, title, URL; stable numbering ---------------------------


def test_each_format_gives_its_title_blocks_pages_and_metadata(fixture: Fixture) -> None:
    document = read_document(fixture.data, fixture.name)
    assert document.title == fixture.title
    assert _blocks(document) == list(fixture.blocks)
    assert document.metadata.url == fixture.url
    assert document.metadata.author == fixture.author


def test_numbering_is_stable_when_the_same_file_is_read_again(
    fixture: Fixture, tmp_path: Path
) -> None:
    path = fixture.write(tmp_path)
    first = read_document(path)
    again = read_document(path.read_bytes(), path.name)
    assert first == again
    article = build_article(fixture.article_id, first, path)
    assert article == build_article(fixture.article_id, read_document(path), path)
    assert [p.paragraph for p in article.paragraphs] == list(range(1, len(fixture.blocks) + 1))


def test_articles_built_from_each_format_flag_the_title_and_keep_the_body_citable(
    fixture: Fixture, tmp_path: Path
) -> None:
    path = fixture.write(tmp_path)
    article = build_article(fixture.article_id, read_document(path), path)
    assert article.title == fixture.title
    assert article.paragraphs[0].flag == TITLE
    assert len(article.content_paragraphs) >= 5
    for paragraph in article.paragraphs:
        assert paragraph.text == read_document(path).blocks[paragraph.paragraph - 1].text


def test_text_files_read_exactly_as_before() -> None:
    for path in sorted(CORPUS.glob("*.txt")):
        document = read_document(path)
        assert build_article(path.stem, document, path) == read_article(path)
        assert [b.text for b in document.blocks] == split_blocks(path.read_text("utf-8"))
        assert all(b.page is None for b in document.blocks)


def test_suffixes_are_matched_case_insensitively_and_others_refused(tmp_path: Path) -> None:
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}
    pdf = press_review_pdf()
    assert read_document(pdf.data, "REVIEW.PDF").format == "pdf"
    assert read_document(news_page().data, "page.htm").format == "html"
    with pytest.raises(UnsupportedFormatError, match=r"'slides\.pptx'.*\.pdf"):
        read_document(b"anything", "slides.pptx")
    with pytest.raises(UnsupportedFormatError):
        read_document(tmp_path / "old.doc")


def test_every_reader_error_is_an_article_read_error() -> None:
    """load_corpus and uploads catch ArticleReadError: a bad file never stops the folder."""
    for error in (
        CorruptDocumentError,
        EncryptedDocumentError,
        MainTextNotFoundError,
        NoTextLayerError,
        TooManyPagesError,
        UnsupportedFormatError,
    ):
        assert issubclass(error, ArticleReadError)


def test_oversized_files_are_refused_before_being_read(tmp_path: Path) -> None:
    path = press_review_pdf().write(tmp_path)
    with pytest.raises(FileTooLargeError, match="RAG_MAX_FILE_BYTES"):
        read_document(path, limits=ReadLimits(max_file_bytes=1000))
    with pytest.raises(FileTooLargeError):
        read_document(path.read_bytes(), path.name, ReadLimits(max_file_bytes=1000))


def test_block_limits_apply_to_every_format() -> None:
    pdf = press_review_pdf()
    with pytest.raises(TooManyParagraphsError, match="RAG_MAX_PARAGRAPHS_PER_FILE"):
        read_document(pdf.data, pdf.name, ReadLimits(max_blocks=5))
    with pytest.raises(TooManyParagraphsError):
        read_document(news_page().data, "page.html", ReadLimits(max_blocks=5))


def test_limits_come_from_the_settings() -> None:
    from index.config import IndexSettings

    settings = IndexSettings(max_file_bytes=1234, max_paragraphs_per_file=56, max_pdf_pages=7)
    limits = ReadLimits.from_settings(settings)
    assert (limits.max_file_bytes, limits.max_blocks, limits.max_pages) == (1234, 56, 7)


# --- text files: the source line ---------------------------------------------------------


def test_a_source_line_gives_the_url_and_keeps_its_paragraph_number(tmp_path: Path) -> None:
    original = (CORPUS / "000_91bb73b3830eaf78.txt").read_text("utf-8")
    blocks = split_blocks(original)
    url = "https://www.example.ch/ukraine/plan-de-paix"
    text = "\n\n".join([blocks[0], f"source: {url}", *blocks[1:]])
    path = tmp_path / "000_with_source.txt"
    path.write_text(text, "utf-8")
    document = read_document(path)
    assert document.metadata.url == url
    assert document.blocks[1] == type(document.blocks[1])(f"source: {url}", flag=SOURCE)
    article = build_article(path.stem, document, path)
    assert article.paragraphs[1].flag == SOURCE  # counted, never cited
    assert [p.text for p in article.paragraphs] == split_blocks(text)
    reference = read_article(CORPUS / "000_91bb73b3830eaf78.txt")
    assert article.title == reference.title
    # the other blocks keep their flags, one number further
    assert [p.flag for p in article.paragraphs[2:]] == [p.flag for p in reference.paragraphs[1:]]


@pytest.mark.parametrize(
    "line",
    [
        "source: javascript:alert(document.cookie)",
        "source: data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "source: file:///etc/passwd",
        "source: //evil.example/x",
        "source: https://",
    ],
)
def test_unsafe_source_urls_are_dropped(line: str) -> None:
    text = f"Un titre d'article assez long pour compter\n\n{line}\n\nUn paragraphe de texte."
    assert read_document(text.encode(), "a.txt").metadata.url is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://example.org/a?b=c#d", "https://example.org/a?b=c#d"),
        ("  http://example.org/  ", "http://example.org/"),
        ("HTTPS://Example.org/x", "HTTPS://Example.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox", None),
        ("https://exa mple.org/", None),
        ("https://example.org/\u202eevil", None),
        ("http://example.org:99999/", None),
        ("/relative/path", None),
        ("https://" + "a" * 3000 + ".org", None),
        (None, None),
    ],
)
def test_safe_url_keeps_only_absolute_http_links(value: str | None, expected: str | None) -> None:
    assert safe_url(value) == expected


# --- HTML ---------------------------------------------------------------------------------


def test_html_leaves_out_navigation_ads_comments_and_footer() -> None:
    page = news_page()
    document = read_document(page.data, page.name)
    text = "\n".join(b.text for b in document.blocks)
    for furniture in (AD_TEXT, COMMENT_TEXT, FOOTER_TEXT, "Je ne suis pas du tout d'accord"):
        assert furniture not in page.blocks[0][0]
        assert furniture not in text
    assert NAV_TEXT not in text and "Sponsorisé" not in text
    assert document.metadata.date == "2025-11-19"
    assert document.title_block == 0 and document.blocks[0].flag == "heading"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,hello"])
def test_html_canonical_urls_that_are_not_http_are_dropped(url: str) -> None:
    page = news_page(canonical=url)
    document = read_document(page.data, page.name)
    assert document.metadata.url is None
    assert _blocks(document) == list(page.blocks)  # the article itself is still read


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"", CorruptDocumentError, "empty HTML"),
        (b"  \n\t ", CorruptDocumentError, "empty HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", CorruptDocumentError, "binary"),
        (b"<html><body><div><<<>>></</ div>", MainTextNotFoundError, "article text|too short"),
        (
            b"<html><head><title>x</title></head><body></body></html>",
            MainTextNotFoundError,
            "no article text",
        ),
        (
            b"<html><body><nav><a href='/'>Accueil</a></nav><article><h1>Titre</h1>"
            b"<p>Une phrase courte, pas un article.</p></article></body></html>",
            MainTextNotFoundError,
            "too short",
        ),
    ],
)
def test_bad_html_gets_a_clear_reason(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        read_document(data, "page.html")


def test_html_main_text_length_limit_is_configurable() -> None:
    page = (
        "<html><body><article><h1>Titre de la brève</h1>"
        "<p>Une brève de deux phrases. Elle est courte mais c'est un vrai texte.</p>"
        "</article></body></html>"
    ).encode()
    with pytest.raises(MainTextNotFoundError):
        read_document(page, "breve.html")
    document = read_document(page, "breve.html", ReadLimits(min_main_text_chars=20))
    assert any("Une brève de deux phrases" in b.text for b in document.blocks)


def test_reading_html_touches_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    page = news_page()
    assert _blocks(read_document(page.data, page.name)) == list(page.blocks)
    assert attempts == []


# --- PDF ----------------------------------------------------------------------------------


def test_pdf_drops_running_headers_footers_and_page_numbers() -> None:
    pdf = press_review_pdf()
    document = read_document(pdf.data, pdf.name)
    assert document.pages == 2
    text = "\n".join(b.text for b in document.blocks)
    assert PDF_HEADER not in text
    assert "Page 1" not in text and "Page 2" not in text
    assert {b.page for b in document.blocks} == {1, 2}


def test_pdf_rejoins_a_word_hyphenated_across_lines() -> None:
    pdf = press_review_pdf()
    document = read_document(pdf.data, pdf.name)
    paragraph = document.blocks[3].text
    assert paragraph.startswith(f"Le {HYPHENATED_WORD} de Trump")
    assert "gouverne-" not in "\n".join(b.text for b in document.blocks)
    assert "\n" not in paragraph  # the lines are joined into one paragraph


def test_pdf_keeps_the_hyphen_of_a_compound_word_broken_at_its_hyphen() -> None:
    data = make_pdf(
        [
            ("Le porte-\nparole du gouvernement a parlé hier soir devant la presse.", False),
            ("Le porte-parole a ensuite précisé sa pensée sur la réforme des retraites.", False),
        ],
        pages_at=set(),
        running=False,
    )
    blocks = read_document(data, "a.pdf").blocks
    assert blocks[0].text == "Le porte-parole du gouvernement a parlé hier soir devant la presse."


def test_pdf_paragraph_cut_by_a_page_break_is_one_block_on_its_first_page() -> None:
    data = make_pdf(
        [
            ("Titre du rapport annuel de la commission", True),
            ("Ce paragraphe commence sur la première page et il", False),
            ("continue sur la deuxième page, où il se termine enfin.", False),
            ("Un autre paragraphe, entier, sur la deuxième page.", False),
        ],
        pages_at={2},
    )
    blocks = read_document(data, "a.pdf").blocks
    assert [(b.text, b.page) for b in blocks] == [
        ("Titre du rapport annuel de la commission", 1),
        (
            "Ce paragraphe commence sur la première page et il continue sur la deuxième page, "
            "où il se termine enfin.",
            1,
        ),
        ("Un autre paragraphe, entier, sur la deuxième page.", 2),
    ]


def test_encrypted_pdf_is_refused_with_a_clear_reason() -> None:
    with pytest.raises(EncryptedDocumentError, match="password"):
        read_document(encrypted_pdf(), "protected.pdf")


def test_pdf_without_text_layer_asks_for_ocr() -> None:
    with pytest.raises(NoTextLayerError, match="no text layer: OCR it first"):
        read_document(scanned_pdf(), "scan.pdf")


def test_pdf_over_the_page_limit_is_refused() -> None:
    pdf = press_review_pdf()
    with pytest.raises(TooManyPagesError, match="2 pages, the limit is 1"):
        read_document(pdf.data, pdf.name, ReadLimits(max_pages=1))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is a text file named .pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref",
        b"PK\x03\x04 a zip named .pdf",
    ],
)
def test_corrupt_pdf_gets_a_clear_reason(data: bytes) -> None:
    with pytest.raises(CorruptDocumentError, match="PDF"):
        read_document(data, "broken.pdf")


# --- DOCX ---------------------------------------------------------------------------------


def test_docx_counts_non_empty_paragraphs_and_flags_the_source_line() -> None:
    word = word_file()
    document = read_document(word.data, word.name)
    assert document.title_block == 0
    assert document.blocks[1].flag == SOURCE
    article = build_article(word.article_id, document, Path(word.name))
    assert [p.flag for p in article.paragraphs[:2]] == [TITLE, SOURCE]
    assert all(p.flag == CONTENT for p in article.paragraphs[2:])


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def _damaged_docx() -> bytes:
    """A real DOCX whose main part is not XML any more."""
    source = zipfile.ZipFile(io.BytesIO(word_file().data))
    files = {n: source.read(n) for n in source.namelist()}
    files["word/document.xml"] = b"<w:document><w:body><w:p>unclosed"
    return _zip(files)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"just some text saved as .docx", "not a readable ZIP"),
        (word_file().data[:2000], "not a readable ZIP"),
        (_zip({"hello.txt": b"not a Word file"}), "no word/document.xml"),
        (_damaged_docx(), "corrupt DOCX"),
    ],
)
def test_corrupt_docx_gets_a_clear_reason(data: bytes, message: str) -> None:
    with pytest.raises(CorruptDocumentError, match=message):
        read_document(data, "broken.docx")


def test_docx_that_unpacks_too_large_is_refused() -> None:
    word = word_file()
    with pytest.raises(CorruptDocumentError, match="unpacks to"):
        read_document(word.data, word.name, ReadLimits(max_unpacked_bytes=10_000))


def test_pdf_keeps_long_page_top_lines_that_differ_only_by_their_numbers() -> None:
    """Running headers are short; body lines that merely look alike are text and stay."""
    endings = ["selon Axios.", "a dit le Kremlin.", "écrit Reuters.", "conclut l'envoyé."]
    blocks = [
        (f"Paragraphe {i} : " + "un texte assez long pour remplir plusieurs lignes. " * 6 + end,
         False)
        for i, end in enumerate(endings, start=1)
    ]  # fmt: skip
    data = make_pdf(blocks, pages_at={1, 2, 3})
    document = read_document(data, "a.pdf")
    assert [(b.text, b.page) for b in document.blocks] == [
        (" ".join(text.split()), n) for n, (text, _) in enumerate(blocks, start=1)
    ]


# --- uploads: the same gate -----------------------------------------------------------------


def test_uploads_accept_each_format_and_refuse_bad_files_with_the_reason(tmp_path: Path) -> None:
    from rag.config import Settings
    from rag.uploads import save_uploads

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path / "data")
    good = [news_page(), press_review_pdf(), word_file()]
    bad = [
        ("locked.pdf", encrypted_pdf()),
        ("scan.pdf", scanned_pdf()),
        ("broken.docx", b"PK\x03\x04 not a zip"),
        ("menu.html", b"<html><body><nav>Accueil</nav></body></html>"),
    ]
    result = save_uploads([(f.name, f.data) for f in good] + bad, settings)
    assert sorted(p.name for p in result.saved) == sorted(f.name for f in good)
    reasons = dict(result.rejected)
    assert "password" in reasons["locked.pdf"]
    assert "no text layer: OCR it first" in reasons["scan.pdf"]
    assert "not a readable ZIP" in reasons["broken.docx"]
    assert "no article text" in reasons["menu.html"]
    # a saved file is read back to the same blocks: the index numbers what the reader saw
    for fixture in good:
        saved = settings.upload_dir / fixture.name
        assert _blocks(read_document(saved)) == list(fixture.blocks)
