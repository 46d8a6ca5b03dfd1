"""Cut paragraphs into embedding chunks bounded in tiktoken ``cl100k_base`` tokens.

The paragraph stays the unit of citation: a long paragraph becomes several chunks that all keep
its number, cut at sentence boundaries when possible.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from index.offline import seed_tiktoken_cache

if TYPE_CHECKING:
    import tiktoken

    from index.parse import Article

ENCODING_NAME = "cl100k_base"
ABBREVIATION_WINDOW = 32
_ABBREVIATION = re.compile(
    r"(?:\b[A-ZÀ-Þ]|\b(?:M|MM|Mme|Mlle|Dr|Pr|St|Ste|Mr|Mrs|Ms|Jr|Sr|Prof|Gen|Gén|etc|av|cf|vs|No|n°))\.$"
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…»”])\s+(?=[«“\"(A-ZÀ-ÖØ-Þ0-9•])|\n+")


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The ``cl100k_base`` encoding, loaded from the offline cache."""
    seed_tiktoken_cache()
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Number of ``cl100k_base`` tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` offsets of the sentences of ``text``, stripped of outer whitespace.

    A break is end punctuation followed by a capital, or a line break; a period after an
    initial or a title (``J.D. Vance``, ``M. Ouchakov``) is not a break.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_BREAK.finditer(text):
        # Only the few characters before the break can hold an abbreviation: searching from 0
        # made one huge paragraph quadratic (a 300 kB block took minutes).
        window = max(0, match.start() - ABBREVIATION_WINDOW)
        if _ABBREVIATION.search(text, window, match.start()) and "\n" not in match.group(0):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    stripped = []
    for begin, end in spans:
        piece = text[begin:end]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            stripped.append((begin + lead, begin + len(piece.rstrip())))
    return stripped


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each an exact substring of it."""
    return [text[begin:end] for begin, end in sentence_spans(text)]


@dataclass(frozen=True)
class Chunk:
    """One embedded piece of a paragraph, with everything the store keeps about it."""

    article_id: str
    paragraph: int
    part: int
    text: str
    title: str
    flag: str
    date: str | None
    source: str
    paragraph_hash: str

    @property
    def chunk_id(self) -> str:
        """Stable store id ``{article_id}:{paragraph}:{part}``."""
        return f"{self.article_id}:{self.paragraph}:{self.part}"

    @property
    def embed_text(self) -> str:
        """What is embedded: the chunk with its article title as context."""
        return f"{self.title}\n{self.text}"

    @property
    def embed_hash(self) -> str:
        """sha256 of :attr:`embed_text`: equal hashes mean the stored vector is still right."""
        return hashlib.sha256(self.embed_text.encode("utf-8")).hexdigest()

    @property
    def is_content(self) -> bool:
        """Whether the chunk belongs to a citable paragraph."""
        return not self.flag

    def metadata(self) -> dict[str, str | int | bool]:
        """Chroma metadata (scalars only; no ``None``)."""
        return {
            "article_id": self.article_id,
            "paragraph": self.paragraph,
            "part": self.part,
            "title": self.title,
            "flag": self.flag,
            "is_content": self.is_content,
            "date": self.date or "",
            "source": self.source,
            "content_hash": self.paragraph_hash,
            "embed_hash": self.embed_hash,
        }


def _pack(pieces: Iterable[str], max_tokens: int) -> list[str]:
    """Greedily join pieces into chunks of at most ``max_tokens`` tokens."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in pieces:
        n = count_tokens(piece)
        if n > max_tokens:  # a single over-long sentence: cut it on token boundaries
            if current:
                chunks.append(" ".join(current))
                current, size = [], 0
            tokens = encoding().encode(piece, disallowed_special=())
            for start in range(0, len(tokens), max_tokens):
                chunks.append(encoding().decode(tokens[start : start + max_tokens]).strip())
            continue
        if current and size + n + 1 > max_tokens:
            chunks.append(" ".join(current))
            current, size = [], 0
        current.append(piece)
        size += n + 1
    if current:
        chunks.append(" ".join(current))
    return [c for c in chunks if c]


def split_paragraph(text: str, max_tokens: int) -> list[str]:
    """The chunks of one paragraph: itself when short enough, else sentence-packed pieces."""
    if count_tokens(text) <= max_tokens:
        return [text]
    return _pack(split_sentences(text), max_tokens)


def chunk_article(article: Article, max_tokens: int) -> list[Chunk]:
    """All chunks of an article, flagged blocks included (they are stored, never cited)."""
    chunks: list[Chunk] = []
    for paragraph in article.paragraphs:
        for part, text in enumerate(split_paragraph(paragraph.text, max_tokens)):
            chunks.append(
                Chunk(
                    article_id=article.article_id,
                    paragraph=paragraph.paragraph,
                    part=part,
                    text=text,
                    title=article.title,
                    flag=paragraph.flag,
                    date=article.date,
                    source=str(article.source),
                    paragraph_hash=paragraph.content_hash,
                )
            )
    return chunks
