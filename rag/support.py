"""The support judge: does a paragraph state what an answer sentence says?

No NLI model ships offline here, so support is decided by rules that can be defended and
measured (see ``evals/data/support_pairs.jsonl`` and the Evaluation section of the README):

1. **quote**: the sentence, without its citation markers, is contained word for word in the
   paragraph (case, accents and punctuation ignored) → supported.
2. **similar**: otherwise the sentence must be close in meaning to the paragraph (cosine of the
   embeddings of the sentence and of the paragraph or of its closest sentence, above a bar that
   is lower when the two are in different languages) **and** every number and every name of the
   sentence must occur in the paragraph (accent/case folded; names also match a close spelling
   or a known translation such as ``Ushakov``/``Ouchakov``, ``NATO``/``OTAN``).

Embeddings say "same topic"; numbers and names catch the hard negatives (same topic, wrong
date, wrong person), which is where embeddings alone fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from index.embed import Embedder
from index.parse import fold
from index.sentences import split_sentences
from rag.config import Settings
from rag.text import EN_MONTHS, detect_language, stopwords
from rag.vectors import SentenceVectors

# "[001_abc ¶5]", "[001_abc ¶5; 002_def ¶3]", "[1]", "[1, 2]"
_MARKER = re.compile(r"\[[^\[\]]*¶[^\[\]]*\]|\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_WORD = re.compile(r"\w+", re.UNICODE)
_NAME = re.compile(r"\b[^\W\d_][\w'’-]*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
NAME_MIN_LENGTH = 3

# Number words (folded) → digits, so "three days" and "trois jours" match "3" and each other.
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "vingt": 20, "trente": 30,
    "first": 1, "second": 2, "third": 3, "premier": 1, "premiere": 1, "deuxieme": 2,
    "troisieme": 3,
}  # fmt: skip
# Proper names whose French and English forms share too few letters to match by spelling.
_ALIASES = {
    **EN_MONTHS,
    "nato": "otan", "kyiv": "kiev", "turkey": "turquie", "britain": "britannique",
    "british": "britannique", "uk": "britannique", "us": "unis", "usa": "unis",
    "united": "unis", "states": "etats", "american": "americain", "americans": "americains",
    "white": "blanche", "house": "maison", "germany": "allemagne", "german": "allemand",
    "english": "anglais", "french": "francais", "france": "france", "qatar": "qatarie",
    "qatari": "qatarie", "doha": "doha", "ankara": "ankara", "italian": "italien",
    "italy": "italie", "rome": "rome", "eu": "europeenne", "european": "europeen",
    "europeans": "europeens", "ukrainian": "ukrainien", "ukrainians": "ukrainiens",
    "russian": "russe", "russians": "russes", "kremlin": "kremlin", "pentagon": "pentagone",
    "army": "armee", "council": "conseil", "national": "national", "security": "securite",
}  # fmt: skip


@dataclass(frozen=True)
class Verdict:
    """The judge's decision for one (sentence, paragraph) pair.

    Attributes:
        supported: the paragraph states what the sentence says.
        score: 0..1 confidence that it does (1.0 for a quote).
        reason: short machine-readable reason: ``"quote"``, ``"similar"``,
            ``"missing: 28, Umerov"`` (numbers or names absent from the paragraph),
            ``"dissimilar: 0.812"`` (embedding similarity under the bar) or ``"empty"``.
    """

    supported: bool
    score: float
    reason: str


def strip_markers(sentence: str) -> str:
    """The sentence without its citation markers (``[article ¶n]``, ``[1]``)."""
    return re.sub(r"\s+", " ", _MARKER.sub(" ", sentence)).strip()


def _tokens(text: str) -> list[str]:
    return [fold(w) for w in _WORD.findall(text.replace("’", "'"))]


def _numbers(text: str) -> set[str]:
    found = {n.replace(",", ".") for n in _NUMBER.findall(text)}
    found |= {str(_NUMBER_WORDS[t]) for t in _tokens(text) if t in _NUMBER_WORDS}
    return found


# Capitalised at the start of a sentence or as titles, yet not names (folded).
_NOT_NAMES = frozenset(
    """he she we you i also however meanwhile moreover still yet thus therefore instead earlier
    later finally despite although though while since after before during both either neither
    today yesterday tomorrow here there now so but and or nor if when where which who what how
    why according yes no not president vice minister prime secretary general envoy special chief
    spokesman spokesperson adviser advisor mr mrs ms dr sir toutefois cependant ainsi neanmoins
    pourtant enfin alors apres avant pendant depuis lors puis mais donc car aussi encore deja
    hier aujourd demain ici president vice ministre premier secretaire envoye special conseiller
    porte parole selon d'apres m mme""".split()  # noqa: SIM905 (a word list reads better)
)


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    lists = stopwords()
    return lists["fr"] | lists["en"] | frozenset(_NUMBER_WORDS) | _NOT_NAMES


def names(sentence: str) -> list[str]:
    """Capitalised words of the sentence that are not common words (as written, in order).

    A sentence-initial word counts too unless it is a stop word: "Witkoff met..." names
    Witkoff, "The plan..." names nothing. Acronyms (``NATO``) count.
    """
    common = _common_words()
    found: list[str] = []
    for match in _NAME.finditer(sentence):
        word = match.group(0)
        if not word[0].isupper():
            continue
        for part in re.split(r"['’-]", word):
            folded = fold(part)
            if len(folded) >= NAME_MIN_LENGTH and folded not in common and part not in found:
                found.append(part)
    return found


def _name_present(name: str, words: set[str], proper: set[str], fuzz: float) -> bool:
    """``name`` (folded) is a word of the paragraph, its known translation, or a close
    spelling of one of the paragraph's own names (Ushakov/Ouchakov, Russia/Russie)."""
    if name in words:
        return True
    alias = _ALIASES.get(name)
    if alias and any(w == alias or w.startswith(alias) for w in words):
        return True
    return any(
        abs(len(w) - len(name)) <= 3 and SequenceMatcher(None, name, w).ratio() >= fuzz
        for w in proper
    )


def missing_facts(sentence: str, paragraph: str, *, fuzz: float = 0.75) -> list[str]:
    """Numbers and names of ``sentence`` that ``paragraph`` does not contain."""
    paragraph_numbers = _numbers(paragraph)
    missing = sorted(_numbers(sentence) - paragraph_numbers, key=lambda n: (len(n), n))
    words = set(_tokens(paragraph))
    proper = {fold(n) for n in names(paragraph)}
    missing += [n for n in names(sentence) if not _name_present(fold(n), words, proper, fuzz)]
    return missing


def is_quote(sentence: str, paragraph: str) -> bool:
    """Whether the sentence's words occur contiguously in the paragraph (folded)."""
    words = _tokens(sentence)
    if not words:
        return False
    return f" {' '.join(words)} " in f" {' '.join(_tokens(paragraph))} "


class SupportJudge:
    """Decide whether a paragraph supports an answer sentence.

    ::

        from rag.config import Settings
        from index.embed import Embedder
        from rag.support import SupportJudge

        settings = Settings()
        judge = SupportJudge(Embedder.from_settings(settings), settings)
        judge.judge("Le plan compte 28 points.", "Un plan en 28 points a été élaboré.")
        # Verdict(supported=True, score=0.9..., reason='similar')
        judge.judge("The plan has 30 points.", "Un plan en 28 points a été élaboré.")
        # Verdict(supported=False, score=..., reason='missing: 30')

    The bars are Settings fields: ``support_min_similarity`` (same language),
    ``support_min_similarity_cross_lingual`` and ``support_name_match`` (spelling similarity
    for a name to count as present).
    """

    def __init__(
        self,
        embedder: Embedder,
        settings: Settings,
        *,
        vectors: SentenceVectors | None = None,
    ) -> None:
        if not isinstance(settings, Settings):
            raise ValueError("settings must be a rag.Settings")
        if not hasattr(embedder, "encode_passages"):
            raise ValueError("embedder must be an index.embed.Embedder")
        self.embedder = embedder
        self.settings = settings
        self.vectors = vectors if vectors is not None else SentenceVectors(embedder)

    def judge(self, sentence: str, paragraph: str) -> Verdict:
        """The verdict for one pair (see :meth:`judge_many`)."""
        return self.judge_many([(sentence, paragraph)])[0]

    def judge_many(self, pairs: Sequence[tuple[str, str]]) -> list[Verdict]:
        """Verdicts for many (sentence, paragraph) pairs, embedding everything in one batch."""
        cleaned = [(strip_markers(s), p) for s, p in pairs]
        verdicts: dict[int, Verdict] = {}
        to_embed: list[int] = []
        for i, (sentence, paragraph) in enumerate(cleaned):
            if not _tokens(sentence) or not _tokens(paragraph):
                verdicts[i] = Verdict(False, 0.0, "empty")
            elif is_quote(sentence, paragraph):
                verdicts[i] = Verdict(True, 1.0, "quote")
            else:
                to_embed.append(i)
        if to_embed:
            pieces = {i: [p, *split_sentences(p)] for i in to_embed for p in [cleaned[i][1]]}
            texts = list(dict.fromkeys(t for i in to_embed for t in (cleaned[i][0], *pieces[i])))
            vectors = dict(zip(texts, self.vectors.encode(texts), strict=True))
            for i in to_embed:
                sentence, paragraph = cleaned[i]
                query = vectors[sentence]
                similarity = max(float(np.dot(query, vectors[t])) for t in pieces[i])
                verdicts[i] = self._decide(sentence, paragraph, similarity)
        return [verdicts[i] for i in range(len(cleaned))]

    def _decide(self, sentence: str, paragraph: str, similarity: float) -> Verdict:
        cross = detect_language(sentence) != detect_language(paragraph)
        bar = (
            self.settings.support_min_similarity_cross_lingual
            if cross
            else self.settings.support_min_similarity
        )
        missing = missing_facts(sentence, paragraph, fuzz=self.settings.support_name_match)
        # Confidence: how far above a floor of "unrelated" the similarity sits, halved per
        # missing fact.
        floor = bar - 0.1
        score = float(np.clip((similarity - floor) / (1.0 - floor), 0.0, 1.0))
        if missing:
            penalised = round(score / 2 ** len(missing), 4)
            return Verdict(False, penalised, "missing: " + ", ".join(missing))
        if similarity < bar:
            return Verdict(False, round(score, 4), f"dissimilar: {similarity:.3f}")
        return Verdict(True, round(score, 4), "similar")
