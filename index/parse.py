"""Read article files, number their paragraphs and flag the blocks that are not article text.

Paragraph numbers follow the project contract: the 1-based index of the non-empty,
blank-line-separated blocks of the source file, counted before any filtering, so ``¶5`` is
always the fifth block of that file. Flagged blocks keep their number and stay in the store,
but are never cited as evidence.

``.html``/``.htm``, ``.pdf`` and ``.docx`` files are read by :mod:`index.formats` into blocks
(what a paragraph is in each format is documented there and in the README); from then on they
are numbered, flagged, checked and indexed exactly like text files (:func:`build_article`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field, fields, replace
from pathlib import Path

from index.chunk import Chunk, chunk_article
from index.config import IndexSettings
from index.errors import (
    ArticleReadError,
    CorpusNotFoundError,
    EmptyCorpusError,
    FileTooLargeError,
    NoRunningTextError,
    RepetitiveContentError,
    TooManyChunksError,
    TooManyParagraphsError,
)
from index.formats import (
    SOURCE,
    SUPPORTED_SUFFIXES,
    Block,
    Document,
    DocumentMetadata,
    ReadLimits,
    is_source_line,
    reader_for,
    source_url,
)
from index.ids import id_key

# Every suffix a reader exists for: .txt, .md, .html, .htm, .pdf, .docx.
ARTICLE_SUFFIXES = SUPPORTED_SUFFIXES
# The repetition rule (see check_repetition): texts of at least this many bytes that compress
# more than this many times are one passage repeated.
REPETITION_MIN_BYTES = 4096
MAX_COMPRESSION_RATIO = 40

# Flags: "" marks article text; anything else explains why a block is not evidence.
CONTENT = ""
TITLE = "title"
HEADING = "heading"
NAVIGATION = "navigation"
BOILERPLATE = "boilerplate"
CAPTION = "caption"
MARKUP = "markup"
# A block that is only a ``source: URL`` line: it gives the article's URL, is never cited.
SOURCE_LINE = SOURCE

_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_SENTENCE_END = re.compile(r"[.!?…»\"”')\]]\s*$")
# Calls to action and site furniture that news exports carry (FR/EN/DE/IT/ES); only applied to
# short blocks, so an article paragraph that merely mentions a newsletter is not flagged.
_BOILERPLATE = re.compile(
    r"newsletter|abonnez|s'abonner|s’abonner|abonnement|subscribe|sign up|inscrivez|"
    r"suivez[- ]nous|suivez également|follow us|cookies?\b|politique de confidentialité|"
    r"privacy policy|conditions d'utilisation|conditions d’utilisation|terms of (use|service)|"
    r"à lire (aussi|également|sur)|lire aussi|read more|related articles|partager|share this|"
    r"google (actualités|news)|tous droits réservés|all rights reserved|publicité|advertisement|"
    r"recevez (notre|une)|mode (foncé|clair|sombre)|dark mode|cliquez|click here|"
    r"abonnieren|iscriviti|suscríbete",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^\d+\s*/\s*\d+\s|\b(photo|image|foto|crédit|credit|bild)\s*:\s*[^.!?:]{1,60}$", re.I
)
_ISO_DATE = re.compile(r"\b(20\d{2}|19\d{2})-(0[1-9]|1[0-2])-([0-2]\d|3[01])\b")
_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "january": 1, "february": 2, "march": 3, "april": 4,
    "may": 5, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10,
    "november": 11, "december": 12,
}  # fmt: skip
_DATELINE = re.compile(
    r"(?:^\(|^[^.]{0,40}?\b(?:publié|mis à jour|published|updated)\b[^.]{0,15}?)"
    r"[^()]{0,40}?\b(\d{1,2})(?:er)?\s+(" + "|".join(_MONTHS) + r")\s+(\d{4})",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+", re.UNICODE)
# Unicode category Cc (C0, DEL, C1) but tab, newline, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Active content a web page would run or embed: such a block is stored as text, never cited.
_ACTIVE_MARKUP = re.compile(
    r"<\s*/?\s*(script|style|iframe|object|embed|form|svg|meta|link)\b|javascript:|"
    r"<[^<>]*\son[a-z]+\s*=",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[^<>]{1,200}>")


@dataclass(frozen=True)
class Paragraph:
    """One numbered block of an article file."""

    article_id: str
    paragraph: int
    text: str
    flag: str = CONTENT
    # The PDF page this block starts on; None for formats without pages.
    page: int | None = None

    @property
    def is_content(self) -> bool:
        """Whether this block is article text that may be cited."""
        return self.flag == CONTENT

    @property
    def content_hash(self) -> str:
        """sha256 of the block text."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """A parsed article: id, headline, optional date, URL and author, its numbered paragraphs.

    ``url`` is always an http(s) URL (from the page, the PDF or DOCX text, or a ``source:``
    line) or None; ``author`` comes from the page or the file's properties.
    """

    article_id: str
    title: str
    source: Path
    paragraphs: tuple[Paragraph, ...]
    date: str | None = None
    encoding: str = "utf-8"
    url: str | None = None
    author: str | None = None

    @property
    def content_paragraphs(self) -> list[Paragraph]:
        """Paragraphs that may be cited."""
        return [p for p in self.paragraphs if p.is_content]


@dataclass(frozen=True)
class FileIssue:
    """A file that was skipped (``level="error"``) or read with a caveat (``"warning"``)."""

    path: Path
    message: str
    level: str = "error"


@dataclass(frozen=True)
class FileOutcome:
    """What reading one file's bytes gave, so a later load can skip reading the same bytes.

    Everything :func:`load_corpus` needs to place the file among the others without parsing
    it: the check result (``error``) or the content fingerprint, the counts the index report
    gives, and whether the load indexed the file (``indexed``: its rows are in the store).
    """

    sha256: str
    fingerprint: str | None = None
    error: str | None = None
    encoding: str = "utf-8"
    paragraphs: int = 0
    chunks: int = 0
    content_chunks: int = 0
    indexed: bool = False

    def to_json(self) -> list[object]:
        """A compact JSON form (see :meth:`from_json`)."""
        return list(astuple(self))

    @classmethod
    def from_json(cls, row: Sequence[object]) -> FileOutcome:
        """The outcome :meth:`to_json` wrote.

        Raises:
            ValueError: not such a row.
        """
        if not isinstance(row, list | tuple) or len(row) != len(fields(cls)):
            raise ValueError(f"not a file outcome: {row!r}")
        sha256, fingerprint, error, encoding, paragraphs, chunks, content_chunks, indexed = row
        return cls(
            str(sha256),
            None if fingerprint is None else str(fingerprint),
            None if error is None else str(error),
            str(encoding),
            int(str(paragraphs)),
            int(str(chunks)),
            int(str(content_chunks)),
            bool(indexed),
        )


@dataclass
class CorpusLoad:
    """What :func:`load_corpus` read: the articles and every problem met on the way."""

    folder: Path
    articles: list[Article] = field(default_factory=list)
    issues: list[FileIssue] = field(default_factory=list)
    # Article ids whose file exists but could not be read: their indexed copy must be kept.
    unreadable_ids: set[str] = field(default_factory=set)
    # Skipped duplicate article id -> the article id it duplicates.
    duplicates: dict[str, str] = field(default_factory=dict)
    # The chunks of each loaded article (cut once, by check_article).
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    # Articles indexed as they are without being read (bytes unchanged since the last load
    # that indexed them): article id -> outcome. Their rows in the store stay as they are.
    kept: dict[str, FileOutcome] = field(default_factory=dict)
    # The outcome of every file read or kept, by resolved path (for the next load).
    outcomes: dict[str, FileOutcome] = field(default_factory=dict)
    # How many files were read and parsed.
    parsed: int = 0

    @property
    def article_ids(self) -> list[str]:
        """Every article the load indexes, read or kept, sorted."""
        return sorted([a.article_id for a in self.articles] + list(self.kept))

    @property
    def paragraph_count(self) -> int:
        """Numbered blocks of every article the load indexes, read or kept."""
        read = sum(len(a.paragraphs) for a in self.articles)
        return read + sum(o.paragraphs for o in self.kept.values())


class _CombiningMarks(dict[int, int | None]):
    """``str.translate`` table that deletes combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_DROP_COMBINING = _CombiningMarks()


def fold(text: str) -> str:
    """Lower-case and strip accents, for matching that ignores both."""
    return unicodedata.normalize("NFKD", text.casefold()).translate(_DROP_COMBINING)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Decode article bytes: UTF-8 (with or without BOM), else Windows-1252, else Latin-1.

    Raises:
        ArticleReadError: the bytes look binary.
    """
    if b"\x00" in raw[:8192]:
        raise ArticleReadError("binary file (contains NUL bytes), not a text article")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = len(_CONTROL.findall(text))
        if controls > max(2, len(text) // 100):
            raise ArticleReadError("binary file (control characters), not a text article")
        return text, "utf-8" if encoding == "utf-8-sig" else encoding
    raise ArticleReadError(
        "cannot decode the file as text"
    )  # pragma: no cover - latin-1 never fails


def split_blocks(text: str) -> list[str]:
    """Split text into its non-empty blank-line-separated blocks, stripped."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    return [block.strip() for block in _BLOCK_SPLIT.split(normalized) if block.strip()]


def classify_block(block: str) -> str:
    """Return the flag of one block: ``""`` for article text, else why it is not evidence."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if _ACTIVE_MARKUP.search(block) or sum(map(len, _TAG.findall(block))) > len(block) / 2:
        return MARKUP
    words = _WORD.findall(block)
    if len(lines) >= 2 and not any(_SENTENCE_END.search(line) for line in lines):
        return NAVIGATION
    # A short block with a call to action, or a longer one made of several, is site furniture.
    calls = len(_BOILERPLATE.findall(block)) if len(words) <= 45 else 0
    if (calls and len(words) <= 15) or (calls >= 2 and len(words) <= 45):
        return BOILERPLATE
    if len(words) <= 60 and _CAPTION.search(block):
        return CAPTION
    if len(lines) == 1 and (
        len(words) <= 3 or (len(words) <= 30 and not _SENTENCE_END.search(block))
    ):
        return HEADING
    return CONTENT


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold(text)) if len(w) > 3}


def pick_title(blocks: list[str], flags: list[str]) -> int | None:
    """Index of the headline: the early heading that shares most words with the article body."""
    body = _content_words(" ".join(b for b, f in zip(blocks, flags, strict=True) if f == CONTENT))
    candidates = [
        i for i, f in enumerate(flags[:8]) if f == HEADING and len(_WORD.findall(blocks[i])) >= 4
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda i: (len(_content_words(blocks[i]) & body), -i))


def find_date(blocks: list[str]) -> str | None:
    """The publication date stated near the top of the file, as ``YYYY-MM-DD``, if any."""
    for block in blocks[:4]:
        head = block[:200]
        if match := _ISO_DATE.search(head):
            return match.group(0)
        if match := _DATELINE.search(head):
            day, month, year = int(match.group(1)), _MONTHS[match.group(2).lower()], match.group(3)
            if 1 <= day <= 31:
                return f"{year}-{month:02d}-{day:02d}"
    return None


def text_document(text: str, encoding: str = "utf-8") -> Document:
    """The blocks of a text article, with the URL of its ``source:`` line and its date.

    A block that is only a ``source: https://...`` line keeps its number and is flagged
    ``source`` (never cited); the title is picked by :func:`build_article`.
    """
    blocks = tuple(
        Block(b, flag=SOURCE_LINE if is_source_line(b) else None) for b in split_blocks(text)
    )
    metadata = DocumentMetadata(url=source_url(text), date=find_date([b.text for b in blocks]))
    return Document(title="", blocks=blocks, metadata=metadata, format="text", encoding=encoding)


def build_article(article_id: str, document: Document, source: Path) -> Article:
    """Number and flag a document's blocks: ``¶n`` is ``document.blocks[n - 1]``.

    A block's own flag (from the file's structure: a heading style, a ``source:`` line) is kept,
    the others are classified from their text (:func:`classify_block`). The headline block is
    flagged ``title``: the one the reader names, else the early heading that shares most words
    with the body (:func:`pick_title`). Page, URL, author and date come with the document.

    Raises:
        ArticleReadError: the document holds no block at all.
    """
    if not document.blocks:
        raise ArticleReadError("empty file: no paragraph to index")
    texts = [b.text for b in document.blocks]
    flags = [b.flag if b.flag is not None else classify_block(b.text) for b in document.blocks]
    title_index = document.title_block
    title = document.title
    if title_index is None and not title:
        title_index = pick_title(texts, flags)
    if title_index is not None:
        flags[title_index] = TITLE
        title = title or texts[title_index]
    if not title:
        first = next((t for t, f in zip(texts, flags, strict=True) if f == CONTENT), texts[0])
        title = " ".join(first.split())[:120]
    paragraphs = tuple(
        Paragraph(article_id=article_id, paragraph=n, text=block.text, flag=flag, page=block.page)
        for n, (block, flag) in enumerate(zip(document.blocks, flags, strict=True), start=1)
    )
    return Article(
        article_id=article_id,
        title=title,
        source=source,
        paragraphs=paragraphs,
        date=document.metadata.date,
        encoding=document.encoding,
        url=document.metadata.url,
        author=document.metadata.author,
    )


def parse_article(article_id: str, text: str, source: Path, encoding: str = "utf-8") -> Article:
    """Number and flag the blocks of one article's text.

    Raises:
        ArticleReadError: the text holds no block at all.
    """
    return build_article(article_id, text_document(text, encoding), source)


def size_text(size: int) -> str:
    """A byte count for people: MB are 10^6 bytes, kB 10^3 (the one unit of every message)."""
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def check_size(size: int, settings: IndexSettings) -> None:
    """The one size limit of an article file, for indexing and uploads alike.

    Raises:
        FileTooLargeError: ``size`` is over ``settings.max_file_bytes``.
    """
    limit = settings.max_file_bytes
    if size > limit:
        raise FileTooLargeError(
            f"file too large: {size:,} bytes, the limit is {limit:,} bytes "
            f"({size_text(limit)}, RAG_MAX_FILE_BYTES); the file is {size_text(size)}"
        )


def check_file(path: Path | str, settings: IndexSettings) -> int:
    """Check that a file may be ingested as an article, without reading it.

    The size comes from the file system, so an oversized file is never loaded into memory.

    Returns:
        The file size in bytes.

    Raises:
        ArticleReadError: not a regular file, not a supported format (``ARTICLE_SUFFIXES``),
            or not accessible.
        FileTooLargeError: larger than ``settings.max_file_bytes``.
    """
    path = Path(path)
    reader_for(path.name)  # UnsupportedFormatError names the accepted suffixes
    try:
        info = path.stat()
    except OSError as exc:
        raise ArticleReadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise ArticleReadError(f"not a regular file: '{path.name}'")
    check_size(info.st_size, settings)
    return info.st_size


def read_limited(path: Path, settings: IndexSettings) -> bytes:
    """The bytes of an article file, never reading more than the size limit allows.

    Raises:
        ArticleReadError: not an article file or unreadable.
        FileTooLargeError: over ``settings.max_file_bytes`` (checked before and while reading).
    """
    check_file(path, settings)
    try:
        with path.open("rb") as handle:
            raw = handle.read(settings.max_file_bytes + 1)  # it may have grown since the stat
    except OSError as exc:
        raise ArticleReadError(f"cannot read file: {exc.strerror or exc}") from exc
    check_size(len(raw), settings)
    return raw


def check_blocks(text: str, settings: IndexSettings) -> int:
    """Bound the work one file can cause: its block count.

    Counting stops at the limit, so a huge file of tiny blocks costs no more than the limit.

    Returns:
        The number of blocks.

    Raises:
        TooManyParagraphsError: more blocks than ``settings.max_paragraphs_per_file``.
    """
    return count_blocks(text, settings.max_paragraphs_per_file)


def count_blocks(text: str, limit: int) -> int:
    """The number of blocks of ``text``, counting no further than ``limit``.

    Raises:
        TooManyParagraphsError: more than ``limit`` blocks.
    """
    count = 0
    start = 0
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    for match in _BLOCK_SPLIT.finditer(normalized + "\n\n"):
        block = normalized[start : match.start()].strip()
        start = match.end()
        if not block:
            continue
        count += 1
        if count > limit:
            raise TooManyParagraphsError(
                f"too many paragraphs: more than {limit} blocks (RAG_MAX_PARAGRAPHS_PER_FILE)"
            )
    return count


def check_repetition(text: str) -> None:
    """The one repetition rule: a text of ``REPETITION_MIN_BYTES`` or more that zlib compresses
    more than ``MAX_COMPRESSION_RATIO`` times is one passage repeated over and over.

    Real articles compress 2-4 times; a ratio over 40 needs a passage copied dozens of times,
    whether as many identical paragraphs or inside one block.

    Raises:
        RepetitiveContentError: the text is mostly copies of itself.
    """
    data = text.encode("utf-8")
    if len(data) < REPETITION_MIN_BYTES:
        return
    ratio = len(data) / len(zlib.compress(data))
    if ratio <= MAX_COMPRESSION_RATIO:
        return
    blocks = split_blocks(text)
    distinct = len(set(blocks))
    detail = (
        f"{len(blocks)} blocks but only {distinct} distinct, " if distinct < len(blocks) else ""
    )
    raise RepetitiveContentError(
        f"repetitive content: {detail}the text compresses {ratio:.0f} times; one passage "
        "repeated over and over, not an article"
    )


def _parse_checked(raw: bytes, source: Path, settings: IndexSettings) -> Article:
    """The file-level checks and the reading, by the reader of the file's suffix."""
    reader = reader_for(source.name)
    check_size(len(raw), settings)
    document = reader(raw, source.name, ReadLimits.from_settings(settings))
    if document.format != "text":  # the text reader applies it to the text as it is
        check_repetition("\n\n".join(b.text for b in document.blocks))
    return build_article(source.stem, document, source)


def read_article(path: Path, settings: IndexSettings | None = None) -> Article:
    """Read and parse one file; the article id is the file stem.

    Applies the file-level checks of :func:`check_article` (size, decoding, binary, block cap,
    repetition) but not the article-level ones (running text, chunk cap, duplicates).

    Args:
        path: The file.
        settings: Limits (size, blocks); defaults to ``IndexSettings()``.

    Raises:
        ArticleReadError: the file is unreadable, too large, too repetitive, empty or binary.
    """
    settings = settings or IndexSettings()
    return _parse_checked(read_limited(path, settings), path, settings)


@dataclass(frozen=True)
class CheckedArticle:
    """An article that passed :func:`check_article`, with its chunks and content fingerprint."""

    article: Article
    chunks: tuple[Chunk, ...]
    fingerprint: str


def check_article(raw: bytes, source: Path, settings: IndexSettings) -> CheckedArticle:
    """The one gate an article file passes, when it is uploaded and when it is indexed.

    In order: size (``settings.max_file_bytes``, in bytes), not empty, decoding (UTF-8, else
    Windows-1252, else Latin-1) and binary content, block cap
    (``settings.max_paragraphs_per_file``), repetition (:func:`check_repetition`), at least one
    paragraph of running text, chunk cap (``settings.max_chunks_per_file``). The content
    fingerprint (:func:`content_fingerprint`) is returned for the duplicate rule; the id rules
    (see :mod:`index.ids`) depend on the other articles and are applied by the caller.

    Args:
        raw: The file's bytes.
        source: Its path (the article id is the stem).
        settings: The limits.

    Raises:
        ArticleReadError: the first check that failed (a subclass says which), with the reason.
    """
    article = _parse_checked(raw, source, settings)
    if not article.content_paragraphs:
        raise NoRunningTextError(
            "no paragraph of running text was found (only headings, menus, captions or markup)"
        )
    chunks = tuple(chunk_article(article, settings.max_chunk_tokens))
    if len(chunks) > settings.max_chunks_per_file:
        raise TooManyChunksError(
            f"too many chunks ({len(chunks)} > {settings.max_chunks_per_file}, "
            "RAG_MAX_CHUNKS_PER_FILE)"
        )
    return CheckedArticle(article, chunks, content_fingerprint(article))


def content_fingerprint(article: Article) -> str:
    """The one duplicate rule: sha256 of the article's words, in order, folded.

    Words are runs of letters and digits after NFKD case folding with accents removed, so two
    files hold the same article when they have the same words in the same order, whatever
    their names, encodings, line endings, spacing, paragraph breaks, case, accents, punctuation
    or Unicode forms. Used when indexing (a duplicate is skipped with a warning) and on upload
    (a duplicate is refused).
    """
    words = _WORD.findall(fold(" ".join(p.text for p in article.paragraphs)))
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def article_files(folder: Path) -> list[Path]:
    """The article files of a folder (not recursive, any supported suffix), sorted by name."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.startswith(".")
    )


def load_corpus(
    folder: Path | str | Sequence[Path | str],
    settings: IndexSettings | None = None,
    *,
    known: Mapping[str, FileOutcome] | None = None,
) -> CorpusLoad:
    """Read every article file of a folder (or of several folders, in order): ``.txt``, ``.md``,
    ``.html``, ``.htm``, ``.pdf``, ``.docx``.

    Files that cannot be used (an encrypted or scanned PDF, a corrupt DOCX, a page without an
    article...) are reported in :attr:`CorpusLoad.issues` with the reason and skipped; the other
    files are still read. Every file passes :func:`check_article`, the same gate as uploads. An
    article id (file stem) met a second time, or one that looks like an earlier id (see
    :mod:`index.ids`), is skipped. A file whose content duplicates an earlier file (by folder,
    then name order; see :func:`content_fingerprint`) is skipped with a warning, so the article
    is indexed and cited once.

    Args:
        folder: The corpus folder, or several.
        settings: The limits; defaults to ``IndexSettings()``.
        known: Outcomes of files whose bytes are unchanged since the load that gave them
            (:attr:`CorpusLoad.outcomes`, by resolved path), under the same settings. Such a
            file is not read: its recorded check result and fingerprint take part in the id
            and duplicate rules exactly as a fresh read would, and an article indexed then and
            still indexed now goes to :attr:`CorpusLoad.kept`. A known file is read only when
            it becomes indexed without having been (the article it duplicated changed or left).

    Raises:
        CorpusNotFoundError: a folder does not exist.
        EmptyCorpusError: the folders hold no readable article.
    """
    folders = [folder] if isinstance(folder, str | Path) else list(folder)
    roots = [Path(f).expanduser() for f in folders]
    if not roots:
        raise CorpusNotFoundError("no corpus folder given")
    for root in roots:
        if not root.is_dir():
            raise CorpusNotFoundError(f"corpus folder not found: {root} (pass an existing folder)")
    root = roots[0]
    settings = settings or IndexSettings()
    known = known or {}
    load = CorpusLoad(folder=root.resolve())
    seen: dict[str, Path] = {}  # id_key -> file
    fingerprints: dict[str, Path] = {}
    for path in (p for r in roots for p in article_files(r)):
        key = id_key(path.stem)
        if key in seen:
            other = seen[key]
            alike = "" if other.stem == path.stem else f" looks like '{other.stem}', which is"
            load.issues.append(
                FileIssue(path, f"skipped: article id '{path.stem}'{alike} already used by {other}")
            )
            continue
        seen[key] = path
        resolved = str(path.resolve())
        outcome = known.get(resolved)
        checked: CheckedArticle | None = None
        if outcome is None or (
            outcome.fingerprint is not None
            and not outcome.indexed
            and outcome.fingerprint not in fingerprints
        ):
            try:
                raw = read_limited(path, settings)
            except ArticleReadError as exc:  # not recorded: the next load tries again
                load.issues.append(FileIssue(path, f"skipped: {exc}"))
                load.unreadable_ids.add(path.stem)
                continue
            load.parsed += 1
            digest = hashlib.sha256(raw).hexdigest()
            try:
                checked = check_article(raw, path, settings)
            except ArticleReadError as exc:
                outcome = FileOutcome(digest, error=f"skipped: {exc}")
            else:
                article = checked.article
                outcome = FileOutcome(
                    digest,
                    fingerprint=checked.fingerprint,
                    encoding=article.encoding,
                    paragraphs=len(article.paragraphs),
                    chunks=len(checked.chunks),
                    content_chunks=sum(1 for c in checked.chunks if c.is_content),
                )
        if outcome.error is not None or outcome.fingerprint is None:
            load.issues.append(FileIssue(path, outcome.error or "skipped: unreadable"))
            load.unreadable_ids.add(path.stem)
            load.outcomes[resolved] = replace(outcome, indexed=False)
            continue
        if outcome.fingerprint in fingerprints:
            load.issues.append(
                FileIssue(
                    path,
                    f"skipped: duplicate of {fingerprints[outcome.fingerprint].name} (same "
                    "content); indexed once as that article",
                    level="warning",
                )
            )
            load.duplicates[path.stem] = fingerprints[outcome.fingerprint].stem
            load.outcomes[resolved] = replace(outcome, indexed=False)
            continue
        fingerprints[outcome.fingerprint] = path
        if outcome.encoding != "utf-8":
            load.issues.append(
                FileIssue(path, f"not UTF-8: decoded as {outcome.encoding}", level="warning")
            )
        load.outcomes[resolved] = replace(outcome, indexed=True)
        if checked is None:  # known, indexed then and now: its rows stay
            load.kept[path.stem] = outcome
            continue
        load.articles.append(checked.article)
        load.chunks[checked.article.article_id] = list(checked.chunks)
    if not load.articles and not load.kept:
        detail = "; ".join(f"{i.path.name}: {i.message}" for i in load.issues) or "no article file"
        where = ", ".join(str(r) for r in roots)
        raise EmptyCorpusError(f"no readable article in {where} ({detail})")
    return load


def iter_content(articles: Iterable[Article]) -> Iterable[Paragraph]:
    """Every citable paragraph of the given articles."""
    for article in articles:
        yield from article.content_paragraphs
