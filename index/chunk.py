"""Cut paragraphs into embedding chunks bounded in tiktoken ``cl100k_base`` tokens.

Sentences come from :mod:`index.sentences` (``sentence_spans``/``split_sentences`` are
re-exported here).

The paragraph stays the unit of citation: a long paragraph becomes several chunks that all keep
its number, cut at sentence boundaries when possible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from index.offline import seed_tiktoken_cache
from index.sentences import sentence_spans, split_sentences

if TYPE_CHECKING:
    import tiktoken

    from index.parse import Article

ENCODING_NAME = "cl100k_base"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The ``cl100k_base`` encoding, loaded from the offline cache."""
    seed_tiktoken_cache()
    import tiktoken

    return tiktoken.get_encoding(ENCODING_NAME)


def count_tokens(text: str) -> int:
    """Number of ``cl100k_base`` tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))


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
    # Where the article comes from, when its file says so; stored only when known, so the
    # rows of text files without a source line are unchanged.
    url: str | None = None
    author: str | None = None
    page: int | None = None

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
        """Chroma metadata (scalars only; no ``None``): ``url``, ``author`` and ``page`` only
        when known."""
        found: dict[str, str | int | bool] = {
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
        if self.url:
            found["url"] = self.url
        if self.author:
            found["author"] = self.author
        if self.page is not None:
            found["page"] = self.page
        return found


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
                    url=article.url,
                    author=article.author,
                    page=paragraph.page,
                )
            )
    return chunks


__all__ = [
    "Chunk",
    "chunk_article",
    "count_tokens",
    "encoding",
    "sentence_spans",
    "split_paragraph",
    "split_sentences",
]
