"""Citation verification: parse what a generator wrote, keep only what the given paragraphs support.

Whatever a generator writes, an answer sentence keeps a citation only when the cited paragraph is
one of the paragraphs the generator was given *and* the support judge says the paragraph supports
the sentence. Everything else is dropped and counted in a :class:`VerificationReport`:

- citation markers naming no given paragraph (hallucinated ids, positions such as ``[2]``, ids in
  an unreadable format) are dropped;
- a cited paragraph that does not support its sentence is dropped from that sentence;
- a sentence left with no supporting citation gets the best supporting given paragraph, or is
  removed (``unsupported_policy="remove"``) or kept visibly marked without citation (``"mark"``);
- when no supported sentence remains, the assistant refuses.

Parsing never raises on odd model output: it works on any string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from index.parse import fold
from index.sentences import is_abbreviation, sentence_spans
from rag.refs import format_ref, neutralise_refs
from rag.support import is_quote
from rag.types import AnswerSentence, Citation, Passage, VerificationReport

Key = tuple[str, int]

# A bracketed group is always read as a citation attempt; a parenthesised one only when it looks
# like one (a ¶/§ sign or an article-id-like token), since prose uses parentheses.
_BRACKET = r"\[[^\[\]\n]{0,160}\]|【[^【】\n]{0,160}】"
_PAREN_CITE = r"\((?=[^()\n]{0,160}(?:¶|§|\b\d{3}_[0-9a-fA-F]{4}))[^()\n]{0,160}\)"
CITE_GROUP = re.compile(rf"{_BRACKET}|{_PAREN_CITE}")
_CITE_RUN = re.compile(rf"(?:[ \t]*(?:{_BRACKET}|{_PAREN_CITE}))+[.!?…]*")
_TOKEN = re.compile(r"[A-Za-z0-9](?:[\w.-]*[A-Za-z0-9])?")
_END = re.compile(r"[.!?…]+[\"»”’)]*")
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")
_WORD = re.compile(r"\w{2,}", re.UNICODE)
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]{0,200})?/?>")
MIN_CLAIM_WORDS = 3
_MARKUP_ECHO = re.compile(r"\w\s*=\s*[\"']|[\"']\s*/?>|</|/>|<\w")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?…])")

MARKER = {"fr": "⚠ non vérifié", "en": "⚠ unverified"}


class Judge(Protocol):
    """What verification needs from the support judge (``rag.support.SupportJudge``)."""

    def judge_many(self, pairs: Sequence[tuple[str, str]]) -> Sequence[Any]:
        """One verdict (``.supported``, ``.score``, ``.reason``) per (sentence, paragraph)."""
        ...


@dataclass(frozen=True)
class ParsedUnit:
    """One sentence of generated text with what its citation markers resolved to."""

    raw: str
    claim: str
    keys: list[Key]
    dropped: list[str]


class CitationParser:
    """Resolve citation markers to the given paragraphs; never raises.

    A reference resolves when its article token is a given article id or a prefix of exactly one
    (at least 5 characters, so ``[1]`` or ``[doc 2]`` never resolve) and its paragraph number is
    one of that article's given paragraphs::

        parser = CitationParser([("003_a146349f20264553", 4)])
        parser.parse("Il a appelé [003_a146 ¶4] [7].")  # keys [("003_a146349f20264553", 4)],
                                                         # dropped ["[7]"]
    """

    MIN_PREFIX = 5

    def __init__(self, keys: Iterable[Key]) -> None:
        self.keys = set(keys)
        self.articles = sorted({article for article, _ in self.keys})

    def _article(self, token: str) -> str | None:
        if token in self.articles:
            return token
        folded = token.casefold()
        if len(folded) < self.MIN_PREFIX:
            return None
        matches = [a for a in self.articles if a.casefold().startswith(folded)]
        return matches[0] if len(matches) == 1 else None

    def resolve_group(self, group: str) -> tuple[list[Key], list[str]]:
        """Keys a citation group names; the group itself is dropped if any part names none.

        Tokens are read in order: an article token (a given id or a unique prefix of one) sets
        the current article, a number cites that article's paragraph; words such as
        ``paragraph`` are ignored, any other id-like token is an unknown article.
        """
        keys: list[Key] = []
        failed = False
        article: str | None = None
        for token in _TOKEN.findall(group[1:-1]):
            if token.isdigit():
                key = (article, int(token)) if article is not None else None
                if key is not None and key in self.keys:
                    if key not in keys:
                        keys.append(key)
                else:
                    failed = True
                continue
            resolved = self._article(token)
            if resolved is not None:
                article = resolved
            elif any(c.isdigit() for c in token) or "_" in token:
                article, failed = None, True
        if failed or not keys:
            return keys, [group]
        return keys, []

    def parse(self, unit: str) -> ParsedUnit:
        """Split ``unit`` into its claim (citation markers removed) and resolved citations."""
        keys: list[Key] = []
        dropped: list[str] = []
        for match in CITE_GROUP.finditer(unit):
            found, lost = self.resolve_group(match.group(0))
            keys.extend(k for k in found if k not in keys)
            dropped.extend(lost)
        claim = _TAG.sub(" ", CITE_GROUP.sub(" ", unit))
        claim = _BULLET.sub("", re.sub(r"[\[\]【】¶]", " ", claim))
        claim = claim.replace("**", "").replace("__", "")
        claim = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(claim.split())).strip()
        return ParsedUnit(raw=unit, claim=claim, keys=keys, dropped=dropped)


def is_statement(claim: str) -> bool:
    """Whether a claim can be an answer sentence at all.

    Not: a fragment of fewer than ``MIN_CLAIM_WORDS`` words ("Oui.", "<documents>"), a
    question (it asserts nothing), or an echo of the prompt's markup (``title="…"``, ``">``,
    ``</…``) — such text may even be found verbatim in a paragraph, yet says nothing.
    """
    text = claim.strip().strip("\"'«»“”").strip()
    return (
        has_words(text, MIN_CLAIM_WORDS)
        and not text.endswith("?")
        and not _MARKUP_ECHO.search(claim)
    )


def has_words(text: str, minimum: int = 1) -> bool:
    """Whether ``text`` has at least ``minimum`` words (of two characters or more)."""
    return len(_WORD.findall(text)) >= minimum


def split_units(text: str, *, final: bool) -> tuple[list[str], str]:
    """Split generated text into sentence units (each with its citation markers).

    Returns the complete units and the unfinished rest (``""`` when ``final``). A unit ends at a
    line break, after a run of citation markers, or after sentence punctuation followed by a
    capitalised word, unless citation markers follow.
    """
    units: list[str] = []
    start = 0
    i = 0
    n = len(text)

    def cut(at: int) -> None:
        nonlocal start
        piece = text[start:at].strip()
        if piece:
            units.append(piece)
        start = at

    while i < n:
        char = text[i]
        if char == "\n":
            following = text[i:].lstrip()
            if following and not CITE_GROUP.match(following):
                cut(i)
            i += 1
            continue
        run = _CITE_RUN.match(text, i) if char in " \t[(【" else None
        if run and CITE_GROUP.search(run.group(0)):
            i = run.end()
            following = text[i:].lstrip(" \t")
            if (
                following
                and (following[0] == "\n" or not following[0].islower())
                and following[0] not in ",;:"
            ):
                cut(i)
            continue
        end = _END.match(text, i) if char in ".!?…" else None
        if end:
            i = end.end()
            following = text[i:]
            stripped = following.lstrip(" \t")
            if (
                stripped
                and len(stripped) < len(following)
                and (stripped[0].isupper() or stripped[0] in '«"“-*•')
                and not CITE_GROUP.match(stripped)
                and not (text[end.start()] == "." and is_abbreviation(text, end.start()))
            ):
                cut(i)
            continue
        i += 1
    if final:
        cut(n)
        return units, ""
    return units, text[start:]


def best_quote(claim: str, paragraph: str) -> str:
    """The paragraph sentence sharing most words with ``claim`` (verbatim), for the citation."""
    words = set(_WORD.findall(fold(claim)))
    best, best_overlap = paragraph.strip(), -1.0
    for start, end in sentence_spans(paragraph):
        sentence = paragraph[start:end].strip()
        if not sentence:
            continue
        theirs = set(_WORD.findall(fold(sentence)))
        overlap = len(words & theirs) / (len(theirs) ** 0.5 or 1.0)
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    return best


@dataclass
class Checked:
    """The verdict on one generated unit."""

    status: Literal["supported", "unsupported", "empty"]
    sentence: AnswerSentence | None
    text: str


class Verifier:
    """Check generated sentences against the paragraphs a generator was given.

    Args:
        passages: The paragraphs given to the generator (the only citable ones).
        judge: The support judge (``rag.support.SupportJudge``), or a function loading it on
            first need; a sentence found verbatim in a paragraph is supported without asking.
        report: Where to record what was dropped, reassigned, removed or marked.
        language: ``"fr"`` or ``"en"``, for the unverified marker.
    """

    def __init__(
        self,
        passages: Sequence[Passage],
        judge: Judge | Callable[[], Judge] | None,
        report: VerificationReport,
        *,
        language: str = "fr",
    ) -> None:
        self.passages = {p.key: p for p in passages}
        self._judge = judge
        self.report = report
        self.language = language
        self.parser = CitationParser(self.passages)

    @property
    def judge(self) -> Judge | None:
        """The support judge (loaded on first use)."""
        if callable(self._judge) and not hasattr(self._judge, "judge_many"):
            self._judge = self._judge()
        return self._judge

    def _verdicts(self, claim: str, keys: Sequence[Key]) -> list[tuple[bool, float]]:
        results: list[tuple[bool, float] | None] = []
        pending: list[int] = []
        for i, key in enumerate(keys):
            if is_quote(claim, self.passages[key].text):
                results.append((True, 1.0))
            else:
                results.append(None)
                pending.append(i)
        if pending and self.judge is not None:
            verdicts = self.judge.judge_many(
                [(claim, self.passages[keys[i]].text) for i in pending]
            )
            for i, verdict in zip(pending, verdicts, strict=True):
                results[i] = (bool(verdict.supported), float(verdict.score))
        return [r if r is not None else (False, 0.0) for r in results]

    def _citation(self, key: Key, claim: str) -> Citation:
        passage = self.passages[key]
        return Citation.of(passage, best_quote(claim, passage.text))

    def check_unit(self, unit: str) -> Checked:
        """Verify one generated unit (a sentence with its markers)."""
        parsed = self.parser.parse(unit)
        self.report.dropped_ids.extend(parsed.dropped)
        claim = parsed.claim
        if not has_words(claim):
            return Checked("empty", None, "")
        if not is_statement(claim):
            self.report.removed.append(claim)
            return Checked("unsupported", None, "")
        verdicts = self._verdicts(claim, parsed.keys)
        kept = [(k, s) for k, (ok, s) in zip(parsed.keys, verdicts, strict=True) if ok]
        for key, (ok, _) in zip(parsed.keys, verdicts, strict=True):
            if not ok:
                self.report.unsupported_citations.append(
                    {"sentence": claim, "ref": format_ref(key[0], key[1])}
                )
        if not kept:
            others = [k for k in self.passages if k not in parsed.keys]
            scored = [
                (k, s)
                for k, (ok, s) in zip(others, self._verdicts(claim, others), strict=True)
                if ok
            ]
            if scored:
                best = max(scored, key=lambda ks: ks[1])
                kept = [best]
                self.report.reassigned.append(
                    {"sentence": claim, "ref": format_ref(best[0][0], best[0][1])}
                )
        if kept:
            sentence = AnswerSentence(
                text=claim,
                citations=[self._citation(k, claim) for k, _ in kept],
                support=max(s for _, s in kept),
            )
            return Checked("supported", sentence, sentence.render())
        return self._unsupported(claim)

    def check(self, unit: str | AnswerSentence) -> Checked:
        """Verify one answer unit: raw generated text, or a sentence carrying its citations."""
        if isinstance(unit, AnswerSentence):
            return self.check_sentence(unit)
        return self.check_unit(unit)

    def check_sentence(self, sentence: AnswerSentence) -> Checked:
        """Verify an already structured sentence (the extractive answerer's verbatim quotes).

        Its citations are kept as they are (quotes and support included) when they name a
        given paragraph that supports the sentence; the others are dropped.
        """
        given: list[Key] = []
        for citation in sentence.citations:
            key = (citation.article_id, citation.paragraph)
            if key in self.passages:
                given.append(key)
            else:
                self.report.dropped_ids.append(f"[{citation.ref}]")
        verdicts = dict(zip(given, self._verdicts(sentence.text, given), strict=True))
        for key, (ok, _) in verdicts.items():
            if not ok:
                self.report.unsupported_citations.append(
                    {"sentence": sentence.text, "ref": format_ref(key[0], key[1])}
                )
        kept = [
            c
            for c in sentence.citations
            if verdicts.get((c.article_id, c.paragraph), (False, 0.0))[0]
        ]
        if kept:
            checked = AnswerSentence(
                text=sentence.text,
                citations=kept,
                support=sentence.support,
                corroborates=sentence.corroborates,
                differs_from=sentence.differs_from,
            )
            return Checked("supported", checked, checked.render())
        return self._unsupported(sentence.text)

    def _unsupported(self, claim: str) -> Checked:
        if self.report.policy == "mark":
            self.report.marked.append(claim)
            marked = AnswerSentence(text=claim, citations=[], support=0.0)
            return Checked(
                "unsupported", marked, f"{neutralise_refs(claim)} [{MARKER[self.language]}]"
            )
        self.report.removed.append(claim)
        return Checked("unsupported", None, "")


def stream_units(chunks: Iterable[str]) -> Iterator[str]:
    """Complete sentence units of a stream of text chunks, as soon as each is complete."""
    buffer = ""
    for chunk in chunks:
        if not isinstance(chunk, str) or not chunk:
            continue
        buffer += chunk
        units, buffer = split_units(buffer, final=False)
        yield from units
    units, _ = split_units(buffer, final=True)
    yield from units
