"""The reader: which sentence answers the question, whether any does, and the short answer.

::

    reader = Reader(embedder=embedder)             # model from rag/reader/model.json
    reading = reader.read(question, "fr", query_vector, passages)
    reading.answerable, reading.answerability       # refuse or not
    reading.best.candidate.text, reading.best.score # the answering sentence
    reading.short_answer                            # « 28 points », a span of that sentence

Sentences are scored by a linear model over general features (:mod:`rag.reader.features`):
e5 similarity and its rank and margin, lemma and cross-lingual stem overlap, answer-type
match, novelty, coverage of the question's names and numbers, retrieval rank and score,
neighbouring sentences. A second linear model reads the question-level evidence (best score,
names of the question absent from every retrieved paragraph, …) into an answerability
probability. Both are trained by :mod:`rag.reader.train` and stored as JSON.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.parse import fold
from rag.reader.annotate import (
    DATE,
    EVENT_TIME,
    NUMBER,
    ORG,
    PERSON,
    PLACE,
    TITLE,
    WHEN_WORD,
    Annotation,
    Annotator,
    Candidate,
    Entity,
    candidate_sentences,
    with_known_persons,
)
from rag.reader.features import (
    ARTICLES,
    OF_WORDS,
    QUESTION_FEATURES,
    SENTENCE_FEATURES,
    CandidateSet,
    foreign_persons,
    new_persons,
    new_titles,
    new_typed_entities,
    other_role_holder,
    question_features,
    role_holder,
    sentence_features,
)
from rag.reader.matching import WordSet
from rag.reader.model import DEFAULT_MODEL, ReaderModel, ReaderModelError
from rag.reader.questions import (
    QuestionInfo,
    analyze_question,
    answer_type,
    asked_bound,
    asked_preposition,
    asks_who_did,
    bounds_date,
    counts_asked_thing,
    counts_other_thing,
    same_source,
    source_of,
    speaks,
)
from rag.text import CALENDAR_NAME, EN_MONTHS, MONTHS_EN, MONTHS_FR, Analyzer
from rag.types import Passage

VectorSource = Callable[[Sequence[str]], np.ndarray]
# A short answer is given only when its entity beats the next candidate by this much.
# The language of the articles the reader reads: its spaCy pipeline, stemmer and rules are
# French; questions in another language read them across languages.
READER_LANGUAGE = "fr"
AMBIGUITY_MARGIN = 0.25
# The longest span a two-part short answer may cover (« 2 juillet à la salle des fêtes de
# Castelbrenne » for « Où et quand … ? »); farther apart, the first part is given alone.
MAX_JOINED_SHORT_ANSWER = 80
# How much a follow-up's own words weigh in the vector its sentences are compared with (the
# completed query weighs the rest; 0.5, the only value tried).
FOLLOW_UP_OWN_WEIGHT = 0.5
# How a runner-up naming the question's day must be rated, against a best sentence naming
# another day, to be read first (:func:`days_as_asked`).
OTHER_DAY_SHARE = 0.25
# A runner-up saying the asked deed stands for a best sentence that does not when rated at
# least this share of it (:func:`deed_as_asked`).
DEED_SHARE = 0.25
# A follow-up's runner-up holding its own words replaces a best sentence holding none if rated at
# least this share of it (:func:`own_words_first`).
OWN_WORDS_SHARE = 0.25
_WORD_AFTER = re.compile(r"[\s\u00a0\u202f]*([^\W\d][\w’'-]*)", re.UNICODE)


@dataclass
class ShortAnswer:
    """The person, date, number, place or organisation answering a factoid question.

    ``text`` is ``sentence[start:end]`` of the chosen sentence.
    """

    text: str
    kind: str
    start: int
    end: int


@dataclass
class ScoredSentence:
    """A candidate sentence with the reader's score and its share of the question's mass."""

    candidate: Candidate
    score: float
    probability: float
    cosine: float
    annotation: Annotation


@dataclass
class Reading:
    """What the reader made of one question and its retrieved passages.

    Attributes:
        question: The analysed question.
        sentences: Every candidate sentence, best first.
        answerability: Probability that the retrieved text answers the question.
        threshold: The model's refusal threshold.
        short_answer: The short answer in the best sentence (factoid questions), or None.
        candidate_set: The features behind the scores.
    """

    question: QuestionInfo
    sentences: list[ScoredSentence]
    answerability: float
    threshold: float
    short_answer: ShortAnswer | None
    candidate_set: CandidateSet

    @property
    def answerable(self) -> bool:
        """Whether the reader thinks the passages answer the question."""
        return bool(self.sentences) and self.answerability >= self.threshold

    @property
    def best(self) -> ScoredSentence | None:
        """The best sentence, if any."""
        return self.sentences[0] if self.sentences else None


class Reader:
    """Scores candidate sentences and the question's answerability with a trained model.

    Args:
        model: The trained model (default: the committed ``rag/reader/model.json``).
        embedder: Embeds candidate sentences (anything with ``encode_passages``); not needed
            when ``read`` is given a vector source.
        annotator: spaCy annotator to share (created if None).
        cache_size: Sentence vectors kept in memory (LRU by text).
    """

    def __init__(
        self,
        model: ReaderModel | None = None,
        *,
        embedder: Any = None,
        annotator: Annotator | None = None,
        cache_size: int = 20000,
    ) -> None:
        self.model = model or ReaderModel.load(DEFAULT_MODEL)
        self.embedder = embedder
        self.annotator = annotator or Annotator(cache_size=cache_size)
        self.analyzer = Analyzer(READER_LANGUAGE)
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of sentences (cached by text)."""
        if self.embedder is None:
            raise ReaderModelError("the reader has no embedder: pass vectors= to read()")
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            vectors = self.embedder.encode_passages(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._vectors[text] = np.asarray(vector, dtype=np.float32)
                while len(self._vectors) > self._cache_size:
                    self._vectors.popitem(last=False)
        with self._lock:
            return np.stack([self._vectors[t] for t in texts])

    def candidate_set(
        self,
        question: str,
        language: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        *,
        vectors: VectorSource | None = None,
        extractive_margin: float = 0.0,
        article_notes: Mapping[str, str] | None = None,
        asked: str | None = None,
        asked_vector: np.ndarray | None = None,
        translation: str | None = None,
    ) -> CandidateSet:
        """The candidates of the passages and their feature rows.

        ``extractive_margin`` is the extractive answerer's best support minus its refusal bar
        (:class:`rag.answer.ExtractiveAnswerer`), an answerability feature. ``article_notes``:
        per article, the text of its non-citable blocks, where the question's names are also
        looked up (see :func:`rag.reader.features.sentence_features`). ``asked``: a follow-up
        in its own words, without the earlier questions ``question`` was completed with
        (:func:`rag.reader.questions.analyze_question`); ``asked_vector``: its own query
        embedding, mixed into ``query_vector`` (:func:`own_words_vector`).
        """
        info = analyze_question(
            question, language, self.annotator, asked=asked, translation=translation
        )
        candidates = candidate_sentences(passages)
        if not candidates:
            empty = sentence_features(info, [], np.zeros(0), [])
            empty.extractive_margin = extractive_margin
            return empty
        if asked_vector is not None:
            query_vector = own_words_vector(query_vector, asked_vector)
        texts = [c.text for c in candidates]
        contexts = [c.context for c in candidates]
        unique = list(dict.fromkeys([*texts, *contexts]))
        matrix = np.asarray((vectors or self.sentence_vectors)(unique), dtype=np.float64)
        similarity = dict(zip(unique, matrix @ np.asarray(query_vector, np.float64), strict=True))
        cosines = np.array([similarity[t] for t in texts])
        context_cosines = np.array([similarity[t] for t in contexts])
        annotations = with_known_persons(texts, self.annotator.annotate_many(texts))
        if foreign := foreign_persons(annotations, info):
            info = dataclasses.replace(info, foreign_persons=foreign)
        query_terms = set(self.analyzer.terms(question))
        stem_coverage = [
            len(query_terms & self.analyzer.term_set(t)) / len(query_terms) if query_terms else 0
            for t in texts
        ]
        found = sentence_features(
            info, candidates, cosines, annotations, stem_coverage, context_cosines, article_notes
        )
        found.extractive_margin = extractive_margin
        return found

    def read(
        self,
        question: str,
        language: str,
        query_vector: np.ndarray,
        passages: Sequence[Passage],
        *,
        vectors: VectorSource | None = None,
        extractive_margin: float = 0.0,
        article_notes: Mapping[str, str] | None = None,
        asked: str | None = None,
        asked_vector: np.ndarray | None = None,
        translation: str | None = None,
    ) -> Reading:
        """Score every candidate sentence of ``passages`` and the question's answerability.

        Args:
            question: The (cleaned, standalone) question.
            language: ``"fr"`` or ``"en"``.
            query_vector: The question's e5 query embedding.
            passages: The retrieved paragraphs, best first.
            vectors: Embeds sentences (default: the reader's embedder, cached).
            extractive_margin: The extractive answerer's best support minus its bar.
            article_notes: Per article, the text of its non-citable blocks (title, footer).
            asked: The question in its own words when ``question`` is a follow-up completed
                with earlier questions: what it asks for is read from it.
            asked_vector: The query embedding of ``asked``: sentences are then compared with
                the follow-up's own words as much as with the completed question.
            translation: An English question translated into French (the assistant's
                ``terms_query``): what was done is also read in the articles' words.
        """
        cset = self.candidate_set(
            question,
            language,
            query_vector,
            passages,
            vectors=vectors,
            extractive_margin=extractive_margin,
            article_notes=article_notes,
            asked=asked,
            asked_vector=asked_vector,
            translation=translation,
        )
        return self.reading(cset)

    def reading(self, cset: CandidateSet) -> Reading:
        """Apply the model to a candidate set."""
        n = len(cset.candidates)
        scores = self.model.sentence.score(cset.features, SENTENCE_FEATURES) if n else np.zeros(0)
        row = question_features(cset, scores)
        answerability = float(self.model.answerability(row[None, :], QUESTION_FEATURES)[0])
        order = np.argsort(-scores, kind="stable") if n else np.zeros(0, dtype=int)
        if n:
            shifted = np.exp(scores - scores.max())
            probabilities = shifted / shifted.sum()
        else:
            probabilities = np.zeros(0)
        sentences = [
            ScoredSentence(
                candidate=cset.candidates[i],
                score=float(scores[i]),
                probability=float(probabilities[i]),
                cosine=float(cset.cosines[i]),
                annotation=cset.annotations[i],
            )
            for i in order
        ]
        sentences = days_as_asked(cset.question, verbs_first(cset.question, sentences))
        sentences = deed_as_asked(cset.question, sentences)
        sentences = own_words_first(cset.question, actor_deed_first(cset.question, sentences))
        short = (
            extract_short_answer(
                cset.question, sentences[0].candidate.text, sentences[0].annotation
            )
            if sentences
            else None
        )
        return Reading(cset.question, sentences, answerability, self.model.threshold, short, cset)


def own_words_vector(query_vector: np.ndarray, asked_vector: np.ndarray) -> np.ndarray:
    """The vector a follow-up's sentences are compared with: its completed query's and its own
    words', weighted ``FOLLOW_UP_OWN_WEIGHT``, renormalised. The completed query (« Comment le
    Kremlin a-t-il réagi ? (Qu'a publié Bloomberg ?) ») alone rates the earlier question's
    answer (« Bloomberg a publié … ») above what the follow-up asks."""
    own = FOLLOW_UP_OWN_WEIGHT
    mixed = (1 - own) * np.asarray(query_vector, np.float64) + own * np.asarray(
        asked_vector, np.float64
    )
    norm = float(np.linalg.norm(mixed))
    return mixed / norm if norm else mixed


def own_words_first(
    question: QuestionInfo, sentences: list[ScoredSentence]
) -> list[ScoredSentence]:
    """``sentences`` (best first), where for a follow-up asking in words of its own
    (``question.own_words``: « Et combien les syndicats en réclament-ils ? » after « Combien de
    contrôleurs la direction propose-t-elle d'embaucher ? ») a best sentence holding none of
    them gives way to the runner-up rated at least ``OWN_WORDS_SHARE`` of it that holds the most
    of them, at least half (« Les deux syndicats réclament l'embauche de 45 contrôleurs … »; on a
    tie, the one holding more words of the completed query, what the earlier question was about:
    « le vol n'a duré que sept minutes », not « la grève … avait duré cinq jours », for « Et
    combien de temps a-t-il duré ? » after « Quand le vol a-t-il été commis ? »; then the better
    rated); the best one comes second. The earlier question's words, which the
    completed query repeats, had rated its own answer best (« Vingt recrutements … »)."""
    own = question.own_words
    if not own or not sentences:
        return sentences
    best = sentences[0]

    def held(scored: ScoredSentence) -> int:
        words = WordSet(scored.annotation.words)
        return sum(1 for word in own if word in scored.annotation.lemmas or words.has(word))

    if held(best):
        return sentences

    def about(scored: ScoredSentence) -> int:
        return len(question.lemmas & scored.annotation.lemmas)

    rated = [
        (held(scored), about(scored), -rank, scored)
        for rank, scored in enumerate(sentences[1:])
        if scored.probability >= OWN_WORDS_SHARE * best.probability
    ]
    count, _, _, instead = max(rated, key=lambda item: item[:3], default=(0, 0, 0, best))
    if 2 * count < len(own):
        return sentences
    return [instead, *(other for other in sentences if other is not instead)]


def verbs_first(question: QuestionInfo, sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """``sentences`` (best first) with, for a question asking for no type nor name, every
    sentence that has a verb before those that have none, and those before a sentence that
    announces what follows it (« … peuvent être répartis en quatre catégories: »): a verbless
    fragment (a dateline, « (Rome, 19 novembre 2025). ») states no fact for a what/why/how
    question, and an announcement leaves its fact to the blocks after it. A question asking
    for a place, a date or a number may still be answered by either."""
    if question.answer_type is not None or question.asks_name:
        return sentences
    return sorted(
        sentences,
        key=lambda scored: (
            not _has_verb(scored.annotation),
            scored.candidate.text.rstrip().endswith(":"),
        ),
    )


def _question_verbs(question: QuestionInfo) -> frozenset[str]:
    """The first four letters of the question's verbs (« appe » for « Qui a appelé … ? »), in
    the articles' words: an English question's are read in its translation ("Who called the
    strike?" → « Qui a appelé la grève ? »), none without one."""
    annotation = question.annotation if question.language == READER_LANGUAGE else None
    annotation = annotation or question.translation
    if annotation is None:
        return frozenset()
    return frozenset(
        token[:4] for token, pos, _, _ in annotation.pos if pos == "VERB" and len(token) > 3
    )


def says_deed(question: QuestionInfo, annotation: Annotation) -> bool:
    """Whether a sentence has a word sharing its first four letters with a verb of the question
    (« l'appel » for « Qui a appelé … ? », « les négociations » for « Qui a négocié … ? »)."""
    return _shares_verb(_question_verbs(question), annotation)


def says_deed_by_agent(question: QuestionInfo, annotation: Annotation) -> bool:
    """Whether a sentence says the question's deed in the passive with its agent: a word of the
    question's verb followed, within a few words, by « par » and a noun phrase (« … créés vers
    1900 par l'atelier nantais Morvan » for « Qui a créé les bijoux ? »). The agent did it,
    whether or not the tagger calls it a person or a body."""
    verbs = _question_verbs(question)
    words = annotation.words
    return any(
        words[at] == "par" and at + 1 < len(words)  # « par » and what follows it
        for index, word in enumerate(words)
        if word[:4] in verbs
        for at in range(index + 1, min(index + 1 + AGENT_WINDOW, len(words)))
    )


# How many words after the deed's verb « par » may come (« créés vers 1900 par … »).
AGENT_WINDOW = 4


def _shares_verb(verbs: frozenset[str], annotation: Annotation) -> bool:
    """:func:`says_deed` for the question's verbs read once (:func:`_question_verbs`)."""
    return any(word[:4] in verbs for word in annotation.words)


def deed_as_asked(question: QuestionInfo, sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """``sentences`` (best first), where for a question asking who did something (« Qui a
    appelé à la grève ? », or in English with its translation) a best sentence that does not
    say the deed (no word sharing the first four letters of the question's verb: « Ce n'est
    pas une grève pour les salaires ») gives way to the best runner-up rated at least
    ``DEED_SHARE`` of it that says it and names someone or some body the question does not
    (« une grève lancée à l'appel de SUD-Rail et de la CGT-Cheminots »); the best one comes
    second. Else ``sentences`` as they are."""
    if not asks_who_did(question.text) or not sentences:
        return sentences
    return _deed_first(
        sentences,
        _question_verbs(question),
        lambda scored: bool(
            new_persons(scored.annotation, question)
            or new_typed_entities(scored.annotation, question, ORG)
        ),
    )


def _deed_first(
    sentences: list[ScoredSentence],
    verbs: frozenset[str],
    names: Callable[[ScoredSentence], bool],
) -> list[ScoredSentence]:
    """``sentences`` (best first) with the best runner-up rated at least ``DEED_SHARE`` of the
    best that says one of ``verbs`` (:func:`_shares_verb`) and ``names`` whom the question
    asks about read first, the best second; as they are when the best says the deed or no
    runner-up does."""
    best = sentences[0]
    if not verbs or _shares_verb(verbs, best.annotation):
        return sentences
    instead = next(
        (
            scored
            for scored in sentences[1:]
            if scored.probability >= DEED_SHARE * best.probability
            and _shares_verb(verbs, scored.annotation)
            and names(scored)
        ),
        None,
    )
    if instead is None:
        return sentences
    return [instead, best, *(scored for scored in sentences[1:] if scored is not instead)]


# Verbs that say nothing of a deed by themselves (first four letters): « faire », « pouvoir » …
_LIGHT_VERBS = frozenset({"fair", "pouv", "devo", "voul", "alle", "etre", "avoi"})


def actor_deed_first(
    question: QuestionInfo, sentences: list[ScoredSentence]
) -> list[ScoredSentence]:
    """``sentences`` (best first), where for a question about what a named person did
    (``question.actor``: « Qu'est-ce que Trump s'est engagé à faire ? », « Zelensky a-t-il
    approuvé le plan ? ») a best sentence that does not say the question's verb (« Le président
    Trump pense qu'il est possible … ») gives way to the best runner-up rated at least
    ``DEED_SHARE`` of it that says it and names that person (« Alors que Trump s'est engagé à
    geler le cours du front … »); the best one comes second. Else ``sentences`` as they are."""
    actor = question.actor
    if actor is None or not sentences:
        return sentences
    return _deed_first(
        sentences,
        _question_verbs(question) - _LIGHT_VERBS,
        lambda scored: WordSet(scored.annotation.words).has(actor),
    )


def calendar_names(text: str) -> frozenset[str]:
    """The days of the week and the months a text names, as folded French words.

    >>> sorted(calendar_names("Mercredi, 78 % … en mars")), sorted(calendar_names("on Tuesday"))
    (['mars', 'mercredi'], ['mardi'])
    """
    names = set()
    for match in CALENDAR_NAME.finditer(text):
        folded = fold(match.group(0))
        names.add(EN_MONTHS.get(folded, folded))
    return frozenset(names)


_DATED_DAY = re.compile(
    rf"\b(?:(?P<day>\d{{1,2}}|1er)\s+(?P<month>(?i:{MONTHS_FR})|{MONTHS_EN})"
    rf"|(?P<month_en>{MONTHS_EN})\s+(?P<day_en>\d{{1,2}})(?:st|nd|rd|th)?)\b"
)


def dated_days(text: str) -> frozenset[str]:
    """The days of a month a text names, as « 29 octobre » (folded, French month).

    >>> sorted(dated_days("le 29 octobre, puis le 1er novembre"))
    ['1 novembre', '29 octobre']
    >>> sorted(dated_days("on October 14"))
    ['14 octobre']
    """
    days = set()
    for match in _DATED_DAY.finditer(text):
        day = (match.group("day") or match.group("day_en")).replace("1er", "1")
        month = fold(match.group("month") or match.group("month_en"))
        days.add(f"{int(day)} {EN_MONTHS.get(month, month)}")
    return frozenset(days)


def days_as_asked(question: QuestionInfo, sentences: list[ScoredSentence]) -> list[ScoredSentence]:
    """``sentences`` (best first), where a best sentence naming a day or a month, but none the
    question names (« Mercredi, 78 % des contrôleurs … » for « … en grève mardi midi ? »),
    gives way to the best runner-up rated at least ``OTHER_DAY_SHARE`` of it that names the
    asked day, else to the best one that names no day (« En milieu de journée, 61 % … »), and
    goes last: it is no second answer either. A best sentence naming another day of the month
    than the question's (« datée du 14 octobre » for « … le 29 octobre ? ») gives way the same
    way to a runner-up naming that day. Else ``sentences`` as they are."""
    asked = calendar_names(question.text)
    if not asked or not sentences:
        return sentences
    best = sentences[0]
    runners_up = [
        scored
        for scored in sentences[1:]
        if scored.probability >= OTHER_DAY_SHARE * best.probability
    ]

    def first_and_best_last(instead: ScoredSentence) -> list[ScoredSentence]:
        return [instead, *(scored for scored in sentences[1:] if scored is not instead), best]

    asked_days = dated_days(question.text)
    best_days = dated_days(best.candidate.text)
    if asked_days and best_days and not best_days & asked_days:
        dated = next((s for s in runners_up if dated_days(s.candidate.text) & asked_days), None)
        if dated is not None:
            return first_and_best_last(dated)
    best_names = calendar_names(best.candidate.text)
    if not best_names or best_names & asked:
        return sentences
    rated = [(scored, calendar_names(scored.candidate.text)) for scored in runners_up]
    named = [scored for scored, names in rated if names & asked]
    unnamed = [scored for scored, names in rated if not names]
    instead = next(iter(named or unnamed), None)
    return sentences if instead is None else first_and_best_last(instead)


def _has_verb(annotation: Annotation) -> bool:
    """Whether a sentence has a verb or an auxiliary (spaCy's part-of-speech tags)."""
    return any(pos in ("VERB", "AUX") for _, pos, _, _ in annotation.pos)


_RATIO = re.compile(r"\s(?:sur|out of)\s", re.I)


# A number that is a noun itself, whose noun follows after « de ».
_COLLECTIVE = re.compile(r"(?:millions?|milliards?|aines?|milliers?)$", re.I)


def _number_unit(sentence: str, entity: Entity, annotation: Annotation | None = None) -> int:
    """End offset of a number plus the noun that follows it (``28 points``); not a verb (by
    ``annotation``'s tags), and nothing after a ratio (« deux trains sur cinq »)."""
    if entity.label != NUMBER or entity.text.endswith("%") or _RATIO.search(entity.text):
        return entity.end  # « deux trains sur cinq » holds its noun
    match = _WORD_AFTER.match(sentence, entity.end)
    if not match:
        return entity.end
    word = match.group(1)
    if WHEN_WORD.fullmatch(word):
        return entity.end  # « porté à 40 mercredi »: when, not what is counted
    if annotation is not None and any(
        start == match.start(1) and pos in ("VERB", "AUX") for _, pos, start, _ in annotation.pos
    ):
        return entity.end
    if word.lower() in {"de", "d", "des", "du", "et", "à", "a", "en", "le", "la", "les", "sur"}:
        # "2 millions de personnes": keep the quantity's noun after "de".
        after = _WORD_AFTER.match(sentence, match.end())
        if word.lower() in {"de", "d"} and after and _COLLECTIVE.search(entity.text):
            return after.end(1)  # « une trentaine de trains », « 2 millions de personnes »
        return entity.end
    return match.end(1)


# Between the part and the whole of a partitive (« Quatre des six bijoux »).
_PARTITIVE = re.compile(r"[\s\u00a0\u202f]+(?:des|d['’]entre (?:les|eux|elles)|parmi les|of the)"
                        r"[\s\u00a0\u202f]+", re.IGNORECASE)  # fmt: skip


def partitives(sentence: str, annotation: Annotation) -> dict[Entity, Entity]:
    """Each whole of a partitive mapped to its part: « six » to « Quatre » in « Quatre des six
    bijoux ont été retrouvés ». The part is what the sentence's verb counts; the whole is a
    complement."""
    numbers = [e for e in annotation.entities if e.label == NUMBER]
    found = {}
    for part, whole in itertools.pairwise(numbers):
        if _PARTITIVE.fullmatch(sentence[part.end : whole.start]):
            found[whole] = part
    return found


# Prepositions inside an organisation's name (« Office central de lutte contre le trafic … »).
_NAME_LINKS = OF_WORDS | {"contre", "pour"}
# At most this many tokens of a name after the small model's entity.
_NAME_TAIL_TOKENS = 12


def _name_tail(sentence: str, annotation: Annotation, entity: Entity) -> int:
    """End offset of an organisation's name with the complement the small model cuts off:
    lower-case adjectives, then "de" (or « contre », « pour », and an article) and lower-case
    nouns and adjectives, again (« Fonds russe » + « d'investissement direct », « Office » +
    « central de lutte contre le trafic des biens culturels »)."""
    if entity.label not in ("ORG", "MISC"):  # the small model tags « Office » MISC
        return entity.end
    after = [token for token in annotation.pos if token[2] >= entity.end][:_NAME_TAIL_TOKENS]
    end = entity.end
    position = 0
    while position < len(after):
        word, pos, start, stop = after[position]
        lower = sentence[start : start + 1].islower()
        if CALENDAR_NAME.fullmatch(word):
            break  # « … de la région mardi »: when, not the name
        if pos in ("NOUN", "ADJ") and lower and (pos == "ADJ" or end > entity.end):
            end = stop  # « central », or a noun after a preposition
            position += 1
            continue
        if word not in _NAME_LINKS:
            break
        position += 1  # « de », then maybe « la »: a noun must follow
        if position < len(after) and after[position][0] in ARTICLES:
            position += 1
        following = after[position] if position < len(after) else None
        if following is None or following[1] != "NOUN":
            break
        if not sentence[following[2] : following[2] + 1].islower():
            break
        end = following[3]
        position += 1
    return end


def _question_anchors(question: QuestionInfo, annotation: Annotation) -> list[int]:
    """Offsets of the sentence's tokens that are words or names of the question, or share the
    first five letters of one of its lemmas (``précisé`` for ``préciser``)."""
    wanted = set(question.lemmas) | {alt for key in question.named for alt in key}
    stems = {lemma[:5] for lemma in question.lemmas if len(lemma) >= 5}
    return [
        start
        for word, _, start, _ in annotation.pos
        if len(word) > 2 and (word in wanted or (len(word) >= 5 and word[:5] in stems))
    ]


# « de » and its contractions, French only (the articles' language).
_FRENCH_OF = OF_WORDS - {"of"}
# How many nouns and adjectives of a role may stand between « de » and the name it completes.
_ROLE_WORDS = 3


def _completes_noun(annotation: Annotation, entity: Entity) -> bool:
    """Whether a name completes a noun: « de », maybe with a role between (« Le tableau de
    Théodore Gaillac », « un tableau du peintre Théodore Gaillac »), comes right before it."""
    before = annotation.tokens_before(entity.start)
    skipped = 0
    for word, pos, _, _ in reversed(before):
        if pos in ("NOUN", "ADJ", "DET") and skipped < _ROLE_WORDS:
            skipped += 1
            continue
        return pos == "ADP" and word in _FRENCH_OF
    return False


# Names between a noun and the « de » its complement opens (« le musée Ferrand-Lacoste de »).
_NAMED_NOUN_TOKENS = 2


def _completes_anchor(annotation: Annotation, entity: Entity, anchors: list[int]) -> bool:
    """Whether a name completes, after « de », a word the sentence shares with the question,
    maybe past its own name: « le musée Ferrand-Lacoste de Saint-Aurèle » says where the
    museum the question asks about is."""
    before = annotation.tokens_before(entity.start)
    if not before or before[-1][0] not in _FRENCH_OF:
        return False
    for _, pos, start, _ in reversed(before[-2 - _NAMED_NOUN_TOKENS : -1]):
        if start in anchors:
            return True
        if pos not in ("PROPN", "NOUN"):
            return False
    return False


def _names_asked_deed(annotation: Annotation, entity: Entity, question: QuestionInfo) -> bool:
    """Whether a noun just before a name says it did what the question asks: the painter for
    « Qui a peint … ? » (« un tableau du peintre Théodore Gaillac »), the negotiator for « Qui a
    négocié … ? ». The noun and a verb of the question share their first four letters."""
    verbs = _question_verbs(question)
    before = annotation.tokens_before(entity.start)[-_ROLE_WORDS:]
    return any(pos == "NOUN" and word[:4] in verbs for word, pos, _, _ in before)


# How many tokens an apposition between a subject and its verb may take (« Steve Witkoff, un
# envoyé de Trump, dirige … »).
_APPOSITION_TOKENS = 8


def _subject_of(annotation: Annotation, entity: Entity, anchors: list[int]) -> bool:
    """Whether the entity is followed, past auxiliaries, adverbs and an apposition between
    commas, by a verb of the question: its subject (``Dmitriev a précisé`` for "Qui a précisé
    … ?", « Steve Witkoff, un envoyé de Trump, dirige … » for « Qui dirige … ? »)."""
    following = [token for token in annotation.pos if token[2] >= entity.end]
    verbs: tuple[str, ...] = ("VERB",)
    if following and following[0][0] == ",":
        closing = next(
            (i for i, t in enumerate(following[1 : _APPOSITION_TOKENS + 2], 1) if t[0] == ","),
            None,
        )
        if closing is not None and all(t[1] not in ("VERB", "AUX") for t in following[1:closing]):
            following = following[closing + 1 :]
            # The small model tags a verb after the comma as a noun (« , dirige le … »); no
            # determiner there, it is the verb.
            verbs = ("VERB", "NOUN")
    for _, pos, start, _ in following:
        if pos in ("AUX", "ADV"):
            continue
        return pos in verbs and start in anchors
    return False


# How many tokens of a noun phrase may stand between a preposition and the name it introduces
# (« avec le conseiller à la sécurité nationale de Zelensky, Roustem Oumierov »).
_PREPOSITION_TOKENS = 10
_NOUN_PHRASE_POS = frozenset({"DET", "NOUN", "ADJ", "ADP", "PROPN"})


def _after_preposition(
    annotation: Annotation, entity: Entity, prepositions: tuple[str, ...]
) -> bool:
    """Whether a name comes after one of ``prepositions`` (folded), maybe past a noun phrase
    describing them (« avec le conseiller … de Zelensky, Roustem Oumierov »)."""
    before = annotation.tokens_before(entity.start)[-_PREPOSITION_TOKENS:]
    for word, pos, _, _ in reversed(before):
        if fold(word) in prepositions:
            return True
        if pos not in _NOUN_PHRASE_POS and word != ",":
            return False
    return False


def _quoted(sentence: str, annotation: Annotation, entity: Entity) -> bool:
    """Whether the sentence quotes the person ``entity`` names (:func:`speaks`)."""
    words = entity.text.split()
    return bool(words) and speaks(sentence, annotation, fold(words[-1])) is True


def extract_short_answer(
    question: QuestionInfo, sentence: str, annotation: Annotation
) -> ShortAnswer | None:
    """The span of ``sentence`` answering a factoid question (None for other questions).

    See :func:`_typed_short_answer`; a question asking two things (« Où et quand … ? »,
    ``question.also_types``) gets the span from one answer to the other when the sentence
    gives both close together (« 2 juillet à la salle des fêtes de Castelbrenne »).
    """
    short = _typed_short_answer(question, sentence, annotation)
    if short is None and question.answer_type is None and question.asks_name == PERSON:
        # « Quel est le nom du conseiller … de Zelensky ? »: the person nearest the question's
        # words; a work's title is the quoted one (the painter's name is not the painting's).
        # A name of any other kind is left without one.
        as_person = dataclasses.replace(question, answer_type=PERSON)
        return _typed_short_answer(as_person, sentence, annotation)
    if short is None and question.answer_type is None and question.asks_name == TITLE:
        title = next(iter(new_titles(sentence, question)), None)
        return None if title is None else ShortAnswer(title.text, TITLE, title.start, title.end)
    if short is None or not question.also_types:
        return short
    for kind in question.asked_types:
        if kind == short.kind:
            continue
        alone = dataclasses.replace(question, answer_type=kind, also_types=())
        other = _typed_short_answer(alone, sentence, annotation)
        if other is not None:
            start, end = min(short.start, other.start), max(short.end, other.end)
            if end - start <= MAX_JOINED_SHORT_ANSWER:
                return ShortAnswer(sentence[start:end], short.kind, start, end)
    return short


def _typed_short_answer(
    question: QuestionInfo, sentence: str, annotation: Annotation
) -> ShortAnswer | None:
    """The span of ``sentence`` answering a factoid question (None for other questions).

    The candidates are the sentence's entities of the expected type that the question does not
    already name, the nearest to the question's words first; a person's full name stands for
    a lone surname of the same person, a date with a day beats a bare month, a number is given
    with the noun it counts. For "Où et quand … ?" a date answers when no place does
    (``question.also_types``).
    """
    entities: list[Entity] = []
    for kind in question.asked_types:  # the first type that the sentence holds
        if entities := new_typed_entities(annotation, question, kind):
            break
    if not entities:
        return None
    focus = question.focus
    anchors = _question_anchors(question, annotation)
    if kind == PLACE:
        fresh = set(entities)
        # « … demandé par le Kremlin »: who asked, not where (the small model tags it a place)
        entities = [e for e in entities if not _AGENT_BEFORE.search(sentence, 0, e.start)]
        # « … la guerre à Gaza et … la guerre en Ukraine » for "Which countries helped mediate
        # in Gaza?": a place completing the same noun as a place the question names is a
        # parallel of it, not what is asked.
        named_heads = {
            _noun_before(annotation, e)
            for e in annotation.entities
            if e.label == PLACE and e not in fresh
        } - {None}
        entities = [e for e in entities if _noun_before(annotation, e) not in named_heads]
        if not entities:
            return None
    if kind == PERSON:  # "Kirill Dmitriev … Dmitriev": one person, named in full
        entities = new_persons(annotation, question)
        last_names = {e.text.split()[-1] for e in entities if " " in e.text}
        entities = [e for e in entities if " " in e.text or e.text not in last_names]
        if question.asks_source:  # "Qui a indiqué … ?": the one who speaks, often a role
            entities = [e for e in entities if _quoted(sentence, annotation, e)]
        if asks_who_did(question.text):
            # « Le tableau de Théodore Gaillac » does not say who stole it: a name only after
            # « de » (« … de Zelensky ») completes a noun; it does nothing.
            entities = [
                e
                for e in entities
                if not _completes_noun(annotation, e) or _names_asked_deed(annotation, e, question)
            ]
        if not entities:
            return None
    scored: list[tuple[float, Entity, int]] = []
    wholes = partitives(sentence, annotation) if kind == NUMBER else {}
    stems = {lemma[:4] for lemma in question.lemmas if lemma}
    for whole in list(wholes):
        # « Quatre des six bijoux volés » for "Combien de bijoux ont été volés ?": the words
        # after the whole say what the question asks of it.
        after = _WORD_AFTER.match(sentence, _number_unit(sentence, whole, annotation))
        if after and fold(after.group(1))[:4] in stems:
            del wholes[whole]
    parts = {part: whole for whole, part in wholes.items()}
    holder = role_holder(annotation, question) if kind == PERSON else None
    bound = asked_bound(question.text) if kind == DATE else None
    preposition = asked_preposition(question.text) if kind == PERSON else ()
    asked_source = question.source if kind == NUMBER else ()
    # « Rustem Umerov, secrétaire du Conseil … » is no answer to « Qui est le secrétaire à
    # l'Armée ? »: he holds the role of something else.
    elsewhere = other_role_holder(annotation, question) if kind == PERSON else None
    anchor_clauses = {_clause_of(sentence, a) for a in anchors}
    for order, entity in enumerate(entities):
        if elsewhere is not None and entity.start == elsewhere.start:
            continue
        end = (
            _number_unit(sentence, entity, annotation)
            if kind == NUMBER
            else _name_tail(sentence, annotation, entity)
        )
        value = -0.01 * order  # earlier first
        if anchors:  # near the words the sentence shares with the question
            distance = min(abs(entity.start - a) for a in anchors)
            value -= 0.3 * min(distance / 80, 2.0)
            if _clause_of(sentence, entity.start) not in anchor_clauses:
                # « M. Ouchakov a déclaré … qu'ils n'avaient pas donné leur accord … ; M.
                # Dmitriev a qualifié … »: a semicolon closes the statement the question is of
                value -= 0.5
        span = sentence[entity.start : end]
        if kind == PERSON and holder is not None and entity.start == holder.start:
            value += 1.0  # « le maire de Saint-Aurèle, François Kerbrat » for "Qui est le maire ?"
        if kind == PERSON and entity.label == PERSON:
            value += 0.1  # « Francesca Salvatore » before « Axios » (a lone name tagged MISC)
        if kind == PERSON and _subject_of(annotation, entity, anchors):
            value += 0.5  # "Dmitriev a précisé …" for "Qui a précisé … ?"
        if (
            kind == PERSON
            and preposition
            and _after_preposition(annotation, entity, preposition)
            and not _completes_noun(annotation, entity)  # not « avec le conseiller de Zelensky »
        ):
            value += 0.5  # « … avec Kirill Dmitriev » for « Avec qui a-t-il discuté ? »
        if kind in (DATE, PLACE) and _follows_asked_verb(annotation, entity, anchors):
            value += 1.0  # « interpellés jeudi matin » before « le vol commis … du 3 au 4 octobre »
        if kind == DATE:
            value += 0.1 * len(entity.text.split()) + (0.5 if re.search(r"\d", span) else 0.0)
            if bound is not None and bounds_date(sentence, entity.start, bound):
                value += 1.5  # « jusqu'à lundi » for « Jusqu'à quand … ? »
            if entity.label == EVENT_TIME:
                value -= 1.0  # « au mois d'août » before « lors de leur rencontre en Alaska »
        elif kind == PLACE:
            before = sentence[max(0, entity.start - 5) : entity.start].lower()
            if re.search(r"(?:\bà|\ben|\bau|\baux|\bdans)\s+(?:l['’])?$", before):
                value += 0.5  # "à Miami", "en Turquie": a place where something happens
            if _completes_anchor(annotation, entity, anchors):
                # « le musée Ferrand-Lacoste de Saint-Aurèle » for « Où est le musée ? »
                value += 1.0
        elif kind == NUMBER:
            counted = parts.get(entity, entity)  # « Quatre des six bijoux » counts bijoux
            if counted is not entity:
                end = _number_unit(sentence, counted, annotation)
                span = sentence[entity.start : end]
            unit = fold(sentence[counted.end : end].strip())  # « catégories » as « categories »
            if entity in wholes:
                unit = ""  # the whole of a partitive counts nothing the verb says
                value -= 0.3  # « Quatre des six bijoux … retrouvés »: the verb counts the part
            elif focus and unit and unit[:4] == focus[:4]:
                value += 1.0
            elif counts_asked_thing(annotation, question, counted):
                value += 1.0  # « quatre catégories » for "Combien de catégories … ?"
            if unit and unit[:4] in stems:
                value += 0.5
            if re.fullmatch(r"(?:19|20)\d{2}", entity.text):
                value -= 0.5
            if _dated_as_asked(question, sentence, entity, end):
                value += 0.3  # « porté à 40 mercredi » for « … depuis mercredi ? »
            if _PART_OF.search(sentence[max(0, entity.start - 20) : entity.start]):
                value -= 0.2  # « 4,5 millions d'euros, dont 3,2 millions … »: a part of it
            if _VOTES_AGAINST.search(sentence[max(0, entity.start - 20) : entity.start]):
                # « par 118 voix contre 37 »: 37 voted against, 118 for
                value += 2.0 if _ASKS_AGAINST.search(question.text) else -0.5
            if asked_source and (source := source_of(sentence, annotation, entity)) is not None:
                # « 78 % … selon SUD-Rail, 54 % selon la direction » for "… selon la direction ?"
                value += 1.0 if same_source(source, asked_source) else -1.0
        if kind in (PLACE, ORG) and focus and _named_by_focus(sentence, entity, focus):
            value += 1.0  # « l'agence Reuters » for « Quelle agence … ? »
        scored.append((value, entity, end))
    if not scored:
        return None
    scored.sort(key=lambda item: -item[0])
    _, entity, end = scored[0]
    joined = _coordinated(sentence, [(e, e_end) for _, e, e_end in scored], entity, kind)
    if joined is not None:  # « âgés de 29 et 41 ans », "Witkoff and Kushner": both answer
        start, end = joined
        text = sentence[start:end].strip(" ,;:.")
        start = sentence.index(text, start)
        return ShortAnswer(text=text, kind=kind, start=start, end=start + len(text))
    if len(scored) > 1 and scored[0][0] - scored[1][0] < AMBIGUITY_MARGIN:
        return None  # two candidates nearly tie: a wrong short answer in bold misleads
    if kind == NUMBER and counts_other_thing(annotation, question, entity):
        return None  # "Combien d'autocars … ?" is not answered by « 263 trains »
    text = sentence[entity.start : end].strip(" ,;:.")
    start = sentence.index(text, entity.start)
    return ShortAnswer(text=text, kind=kind, start=start, end=start + len(text))


def _noun_before(annotation: Annotation, entity: Entity) -> str | None:
    """The noun an entity completes, right before it past prepositions and articles (« guerre »
    for « Ukraine » in « la guerre en Ukraine »); None when another word comes first."""
    for token, pos, _, _ in reversed(annotation.tokens_before(entity.start)):
        if pos in ("ADP", "DET"):
            continue
        return token if pos == "NOUN" else None
    return None


def _clause_of(sentence: str, offset: int) -> int:
    """Which of a sentence's clauses separated by semicolons holds ``offset`` (0 for the
    first)."""
    return sentence.count(";", 0, offset)


# « par le », "by the" right before a name: the agent of a passive, not a place.
_AGENT_BEFORE = re.compile(r"\b(?:par|by)\s+(?:(?:le|la|les|the)\s+|l['’]\s*)?$", re.IGNORECASE)
# How many words may stand between a verb and the date or place that completes it.
_VERB_COMPLEMENT_WORDS = 3


def _follows_asked_verb(annotation: Annotation, entity: Entity, anchors: Sequence[int]) -> bool:
    """Whether a date or place completes a verb of the question's, right after it, past at most
    :data:`_VERB_COMPLEMENT_WORDS` words and no other verb or punctuation (« ont été interpellés
    jeudi matin à Nantes » for « Quand les deux hommes ont-ils été interpellés ? »): the time
    or place of what is asked, not of another event the sentence tells (« le vol commis dans la
    nuit du 3 au 4 octobre »)."""
    starts = set(anchors)
    before = annotation.tokens_before(entity.start)
    for back, (_, pos, start, _) in enumerate(reversed(before)):
        if back > _VERB_COMPLEMENT_WORDS:
            return False
        if pos in ("VERB", "AUX", "PUNCT"):
            return pos == "VERB" and start in starts
    return False


def _dated_as_asked(question: QuestionInfo, sentence: str, entity: Entity, end: int) -> bool:
    """Whether a number has right next to it (a few characters either side) a day the question
    names, in either language: of « qui était de 28 …, a été porté à 40 mercredi », « 40 » for
    « … depuis mercredi ? » and "… since Wednesday?"."""
    asked = {_day(m.group()) for m in WHEN_WORD.finditer(question.text)}
    if not asked:
        return False
    around = sentence[max(0, entity.start - 15) : entity.start] + " " + sentence[end : end + 15]
    return any(_day(m.group()) in asked for m in WHEN_WORD.finditer(around))


def _day(word: str) -> str:
    """A day's name in French, folded (``wednesday`` → ``mercredi``)."""
    folded = fold(word)
    return EN_MONTHS.get(folded, folded)


# Before a number that is a part of the one said before it.
_PART_OF = re.compile(r"(?:\bdont|\bincluding|\bof which)\s+(?:\w+\s+)?$", re.I)
# The count of a vote's noes, after the ayes (« par 118 voix contre 37 », "by 118 votes to 37").
_VOTES_AGAINST = re.compile(r"\b(?:voix\s+contre|votes?\s+(?:to|against))\s+$", re.I)
# A question asking how many voted against (« Combien de voix contre … ? », "… against …?").
_ASKS_AGAINST = re.compile(r"\b(?:contre|against)\b", re.I)


def _named_by_focus(sentence: str, entity: Entity, focus: str) -> bool:
    """Whether the word right before an entity (past an article or « de ») is the question's
    focus noun: « l'agence Reuters », « la ville de Nantes » for « Quelle agence / ville … ? »;
    an English focus by its French cognate's first letters (agency / agence)."""
    before = sentence[max(0, entity.start - 40) : entity.start]
    words = [fold(w).strip("'’") for w in re.findall(r"\w+", before)]
    while words and words[-1] in _FOCUS_LINKS:
        words.pop()
    return bool(words) and words[-1][:4] == focus[:4] and len(words[-1]) > 2


_FOCUS_LINKS = frozenset({"l", "le", "la", "les", "de", "du", "des", "d", "the", "of"})


_COORDINATION = re.compile(r"\s*(?:,\s*|,?\s*(?:et|and|ou|or)\s+)", re.I)
_CONJUNCTION = re.compile(r"\b(?:et|and|ou|or)\b", re.I)
# « Trump et le dirigeant russe Vladimir Poutine »: a second person after their role.
_PERSON_AND_ROLE = re.compile(
    r"\s*,?\s*(?:et|and)\s+(?:le|la|l['’]|the|son|sa|his|her)\s*(?:[a-zà-ÿ'’-]+\s+){1,3}"
)
# A day and its time of day: « le 19 novembre à 15 h », « vendredi 13 mars à 14 heures ».
_DATE_AND_TIME = re.compile(r"\s*(?:,\s*)?(?:(?:à|at|vers)\s+)?", re.I)


def _coordinated(
    sentence: str, candidates: Sequence[tuple[Entity, int]], chosen: Entity, kind: str
) -> tuple[int, int] | None:
    """The span of ``chosen`` and the candidates coordinated with it (« 29 et 41 ans »,
    « Witkoff, Kushner et Rubio »): entities of the asked type that only a comma, « et »,
    « ou », "and" or "or" separate from the next one, a conjunction among them; for a date, a
    day and its time of day too (« vendredi 13 mars à 14 heures »). None when ``chosen``
    stands alone."""
    if chosen.label == EVENT_TIME:
        return None
    ordered = sorted(
        (item for item in candidates if item[0].label != EVENT_TIME), key=lambda i: i[0].start
    )
    index = next(i for i, (e, _) in enumerate(ordered) if e is chosen)

    def joins(left: int) -> bool:
        start, end = ordered[left][0].end, ordered[left + 1][0].start
        return bool(
            _COORDINATION.fullmatch(sentence, start, end)
            or (kind == DATE and _DATE_AND_TIME.fullmatch(sentence, start, end))
            or (kind == PERSON and _PERSON_AND_ROLE.fullmatch(sentence, start, end))
        )

    first = last = index
    while first > 0 and joins(first - 1):
        first -= 1
    while last + 1 < len(ordered) and joins(last):
        last += 1
    gaps = [sentence[ordered[i][0].end : ordered[i + 1][0].start] for i in range(first, last)]
    if first == last or (kind != DATE and not any(_CONJUNCTION.search(g) for g in gaps)):
        return None  # commas alone: an apposition (« de Zelensky, Roustem Oumierov »), no list
    start, end = ordered[first][0].start, max(e_end for _, e_end in ordered[first : last + 1])
    return (start, end) if end - start <= MAX_JOINED_SHORT_ANSWER else None


__all__ = [
    "DEFAULT_MODEL",
    "Reader",
    "ReaderModel",
    "ReaderModelError",
    "Reading",
    "ScoredSentence",
    "ShortAnswer",
    "actor_deed_first",
    "answer_type",
    "extract_short_answer",
    "own_words_first",
    "own_words_vector",
    "verbs_first",
]


def model_path() -> Path:
    """Where the committed model lives."""
    return DEFAULT_MODEL
