"""Features of (question, candidate sentence) pairs for the reader.

Everything here is general language knowledge (French and English question words, a few
dozen nouns that name a kind of answer, month names) plus spaCy's French pipeline for lemmas
and named entities and regexes for dates and numbers. Nothing depends on the words of a
particular corpus.

A question is analysed once (:class:`QuestionInfo`: expected answer type, content lemmas, the
names and numbers it mentions); each candidate sentence of the retrieved paragraphs is
annotated once per text (:class:`Annotation`, kept in a bounded LRU cache), and
:func:`sentence_features` turns both into one row per candidate, columns named by
:data:`SENTENCE_FEATURES`.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.parse import fold
from index.sentences import citable_sentences, in_context
from rag.reader.lookups import fast_lookups
from rag.reader.regex_cache import RegexCache
from rag.text import stopwords
from rag.types import Passage

SPACY_MODEL = "fr_core_news_sm"
# Components the reader needs: lemmas (morphologizer + lemmatizer) and entities (ner).
SPACY_EXCLUDE = ("parser", "senter")

_WORD = re.compile(r"[\w’']+", re.UNICODE)
_TOKEN = re.compile(r"\w+", re.UNICODE)

# ---------------------------------------------------------------- dates and numbers (regex)
_MONTHS_FR = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre"
)
_WEEKDAYS_FR = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_DATE = re.compile(
    rf"\b(?:du\s+)?\d{{1,2}}(?:er)?\s+(?:au|-|–|et)\s+\d{{1,2}}(?:er)?\s+(?:{_MONTHS_FR})"
    rf"(?:\s+(?:19|20)\d{{2}})?\b"
    rf"|\b(?:(?:{_WEEKDAYS_FR})\s+)?(?:\d{{1,2}}(?:er)?\s+)?(?:{_MONTHS_FR})(?:\s+(?:19|20)\d{{2}})?\b"
    rf"|\b(?:{_WEEKDAYS_FR})(?:\s+(?:soir|matin|dernier|prochain))?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    # A time of day: "4 h 15", "16h30", "vers 3 heures" (not "3 heures" alone: a duration).
    r"|\b(?:[01]?\d|2[0-3])\s?h(?:\s?[0-5]\d)?\b"
    r"|\b(?:à|vers|entre|dès|avant|après|jusqu'à|jusqu’à)\s+"
    r"(?:(?:[01]?\d|2[0-3])\s?heures?(?:\s?[0-5]\d)?|midi|minuit)\b"
    r"|\b(?:en|depuis|dès|avant|après|jusqu'en)\s+(?:19|20)\d{2}\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b(?:hier|aujourd'hui|aujourd’hui|demain|cette semaine|la semaine (?:dernière|prochaine)"
    r"|le mois (?:dernier|prochain)|l'an dernier|l’an dernier|l'année dernière|l’année dernière"
    r"|cet été|l'été dernier|l’été dernier|cet automne|ce week-end)\b",
    re.I,
)
_NUMBER_WORDS = (
    "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|"
    "vingt|trente|quarante|cinquante|soixante|cent|cents|mille|dizaine|dizaines|douzaine|"
    "vingtaine|trentaine|centaine|centaines|millier|milliers|million|millions|milliard|milliards"
)
_NUMBER = re.compile(
    r"\b\d+(?:[\s\u00a0\u202f]\d{3})*(?:[.,]\d+)?(?:\s*(?:%|pour cent|milliards?|millions?|mille))?"
    rf"|\b(?:{_NUMBER_WORDS})\b",
    re.I,
)
_DIGITS = re.compile(r"\d+")
# « un train sur trois », « deux trains sur cinq », "one in four", "two out of five".
_RATIO_TERM = rf"(?:\d+|un|une|{_NUMBER_WORDS}|one|two|three|four|five|six|seven|eight|nine|ten)"
_RATIO = re.compile(
    rf"\b{_RATIO_TERM}\s+(?:[^\W\d_]+\s+)?(?:sur|in|out\s+of)\s+{_RATIO_TERM}\b"
    r"(?!\s+(?:ans?|années?|jours?|mois|semaines?|heures?|minutes?|km|kilomètres?|mètres?"
    r"|euros?|dollars?|points?|years?|days?|months?|weeks?|hours?|miles?)\b)",
    re.I,
)
# A street address: « rue des Remparts », « avenue Foch », « quai d'Orsay » (the name capitalised).
_STREET = re.compile(
    r"\b(?i:rue|avenue|boulevard|quai|impasse|allée|chemin)\s+"
    r"(?:(?:de\s+la|des|du|de)\s+|(?:de\s+l|d)['’])?"
    r"[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]*)*"
)

# ---------------------------------------------------------------- answer types of questions
PERSON, PLACE, ORG, DATE, NUMBER = "PER", "LOC", "ORG", "DATE", "NUMBER"
ANY_NAME = "NAME"  # what a question asking for a name of no known kind needs
ANSWER_TYPES = (PERSON, PLACE, ORG, DATE, NUMBER)
# Entity labels that satisfy each answer type (spaCy fr: PER LOC ORG MISC; regex: DATE NUMBER).
_SATISFIES = {
    PERSON: {"PER"},
    PLACE: {"LOC"},
    ORG: {"ORG", "MISC"},
    DATE: {"DATE"},
    NUMBER: {"NUMBER"},
}
# The small French model often tags a lone surname MISC (Ushakov) and a lone outlet name PER
# (Bloomberg): a one-word entity of these labels also satisfies the type.
_SATISFIES_ONE_WORD = {PERSON: {"MISC"}, ORG: {"PER"}}


def satisfies(entity: Entity, kind: str) -> bool:
    """Whether an entity can be the answer to a question of type ``kind``."""
    if entity.label in _SATISFIES[kind]:
        return True
    return entity.label in _SATISFIES_ONE_WORD.get(kind, set()) and " " not in entity.text


def tagged_as(entity: Entity, kind: str) -> bool:
    """Whether the model tagged an entity with a label of the asked type itself (not a lone
    name whose label :func:`satisfies` accepts only as a likely slip of the small model)."""
    return entity.label in _SATISFIES[kind]


# Who is named: a person, whose name only a person entity gives (a place or a court named in
# the sentence does not name "les deux hommes").
_NAMED_PERSON_WORDS = """homme femme personne responsable fonctionnaire gardien suspect maire
    directeur directrice policier juge procureur procureure magistrat magistrate porte-parole
    président présidente dirigeant dirigeante ministre envoyé émissaire négociateur conseiller
    journaliste auteur man woman person official watchman guard mayor director officer judge
    prosecutor spokesman spokeswoman spokesperson president leader minister envoy negotiator
    adviser advisor journalist author"""
# Nouns that name the kind of answer after "quel(le)" / "which" / "what".
_FOCUS_TYPES: dict[str, str] = {}
for _type, _nouns in {
    PERSON: "responsable responsables président présidente dirigeant dirigeante ministre homme "
    "femme personne personnes émissaire envoyé envoyée négociateur négociatrice chef conseiller "
    "conseillère diplomate porte-parole secrétaire ambassadeur ambassadrice général leader "
    "patron journaliste auteur député sénateur assistant assistante adjoint adjointe préfet "
    "préfète chancelier chancelière official officials president leader minister aide deputy "
    "chancellor prefect "
    "envoy person man woman negotiator adviser advisor spokesman spokeswoman spokesperson "
    "diplomat secretary ambassador general author journalist senator chief head "
    # People a question asks to be named (``asked_name``) are people when asked with quel/which.
    + _NAMED_PERSON_WORDS,
    PLACE: "pays ville capitale lieu endroit région territoire état hôtel bâtiment country city "
    "capital place region territory town state hotel building venue",
    ORG: "organisation organisme journal journaux média médias agence entreprise société "
    "institution alliance parti quotidien groupe gouvernement newspaper paper organisation "
    "organization agency company media outlet alliance party group institution",
    DATE: "date jour année mois moment période semaine heure day year month date week time hour",
    # Not "figure": "which Pentagon figure" asks a person as often as "what figure" a number.
    NUMBER: "nombre montant pourcentage proportion part taux chiffre somme quantité total âge "
    "distance number amount rate "
    "percentage proportion share total age",
}.items():
    for _noun in _nouns.split():
        _FOCUS_TYPES.setdefault(fold(_noun), _type)

_EN_MONTHS = {
    "january": "janvier", "february": "fevrier", "march": "mars", "april": "avril",
    "may": "mai", "june": "juin", "july": "juillet", "august": "aout",
    "september": "septembre", "october": "octobre", "november": "novembre",
    "december": "decembre", "monday": "lundi", "tuesday": "mardi", "wednesday": "mercredi",
    "thursday": "jeudi", "friday": "vendredi", "saturday": "samedi", "sunday": "dimanche",
}  # fmt: skip
# English names of places and bodies whose French name shares no prefix with them.
_EN_NAMES = {
    "united states": ("etats-unis", "americain", "washington"),
    "united kingdom": ("royaume-uni", "britannique", "londres"),
    "white house": ("maison blanche",),
    "european union": ("union europeenne", "ue", "europeen"),
    "kyiv": ("kiev",),
    "us": ("etats-unis", "americain", "washington"),
    "usa": ("etats-unis", "americain"),
    "uk": ("royaume-uni", "britannique"),
    "eu": ("ue", "europeen", "union europeenne"),
    "germany": ("allemagne", "allemand", "berlin"),
    "german": ("allemagne", "allemand"),
    "britain": ("britannique", "royaume-uni"),
    "british": ("britannique", "royaume-uni"),
    "gaza": ("gaza",),
    "turkey": ("turquie", "turc"),
    "turkish": ("turquie", "turc"),
    "switzerland": ("suisse",),
    "swiss": ("suisse",),
    "hungary": ("hongrie", "hongrois"),
    "poland": ("pologne", "polonais"),
    "spain": ("espagne", "espagnol"),
    "italy": ("italie", "italien"),
    "greece": ("grece", "grec"),
    "netherlands": ("pays-bas", "neerlandais"),
    "egypt": ("egypte", "egyptien"),
    "saudi": ("saoudite", "saoudien"),
    "arabia": ("arabie",),
}  # fmt: skip
# English acronyms (international bodies, common nouns) whose French form differs, with every
# form to look up (only when written in capitals: "UN" is not the French article "un", nor
# "WHO" "who"; not "PM", also a time of day).
_EN_ACRONYMS = {
    "nato": ("nato", "otan", "alliance atlantique"), "un": ("onu", "nations unies"),
    "imf": ("imf", "fmi"), "who": ("oms",), "wto": ("wto", "omc"), "ecb": ("ecb", "bce"),
    "iaea": ("iaea", "aiea"), "opec": ("opec", "opep"), "icc": ("icc", "cpi"),
    # Common nouns that English writes as acronyms, with the French words for them.
    "cctv": ("cctv", "videosurveillance", "video-surveillance", "camera"),
    "dna": ("dna", "adn"), "ceo": ("ceo", "pdg", "directeur", "directrice", "patron"),
    "gdp": ("gdp", "pib"), "vat": ("vat", "tva"), "ngo": ("ngo", "ong"), "ai": ("ai", "ia"),
    "mp": ("mp", "depute", "deputee"), "mep": ("mep", "eurodepute"), "hq": ("hq", "siege"),
    "tv": ("tv", "television", "tele"),
}  # fmt: skip
_FR_EXTRA_STOP = {
    "est-ce", "qu'est-ce", "est", "ce", "apres", "avant", "selon", "pourquoi", "comment",
    "quel", "quelle", "quels", "quelles", "lequel", "laquelle", "combien", "quand", "qui", "ou",
    "que", "quoi", "dans", "pour", "contre", "depuis", "entre", "chez", "sans", "sous", "sur",
    "vers", "avec", "par", "et", "mais", "donc", "or", "ni", "car", "le", "la", "les", "un",
    "une", "des", "du", "de", "au", "aux", "en", "il", "elle", "ils", "elles", "on", "nous",
    "vous", "je", "tu", "y", "a", "t", "l", "d", "s", "n", "m", "c", "j", "qu",
}  # fmt: skip
_EN_QUESTION = {
    "who", "whom", "whose", "what", "which", "when", "where", "why", "how", "is", "are", "was",
    "were", "does", "did", "do", "has", "have", "had", "according", "in", "on", "at", "to",
    "the", "a", "an", "and", "or", "of", "for", "with", "by", "from", "about", "after",
    "before", "during", "since", "i", "if", "can", "could", "would", "should", "will",
}  # fmt: skip


@lru_cache(maxsize=100_000)
def _fold(word: str) -> str:
    return fold(word)


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    lists = stopwords()
    return lists["fr"] | lists["en"] | frozenset(_FR_EXTRA_STOP) | frozenset(_EN_QUESTION)


# ---------------------------------------------------------------- candidates
@dataclass
class Candidate:
    """A sentence of a retrieved paragraph.

    Attributes:
        passage: The paragraph it belongs to.
        passage_rank: 0-based retrieval rank of that paragraph.
        position: 0-based index among the paragraph's candidate sentences.
        count: How many candidate sentences the paragraph has.
        text: The sentence (cleaned of leading markers, otherwise verbatim).
        start: Offset of the sentence in the paragraph's text.
        context: The sentence read with the one before it in its paragraph (who "il" is, what
            "ce plan" is; the first one alone): :func:`index.sentences.in_context`, the text
            the index embeds too.
    """

    passage: Passage
    passage_rank: int
    position: int
    count: int
    text: str
    start: int = 0
    context: str = ""

    @property
    def key(self) -> tuple[str, int]:
        """The paragraph it belongs to."""
        return self.passage.key


def candidate_sentences(passages: Sequence[Passage]) -> list[Candidate]:
    """Every citable sentence of the passages (:func:`index.sentences.citable_sentences`)."""
    found: list[Candidate] = []
    for rank, passage in enumerate(passages):
        sentences = citable_sentences(passage.text)
        contexts = in_context([text for _, text in sentences])
        found.extend(
            Candidate(passage, rank, position, len(sentences), text, start, context)
            for position, ((start, text), context) in enumerate(
                zip(sentences, contexts, strict=True)
            )
        )
    return found


def texts_to_embed(passages: Sequence[Passage]) -> list[str]:
    """Every text the reader embeds for these passages: sentences and sentence-in-context."""
    candidates = candidate_sentences(passages)
    texts = [c.text for c in candidates]
    texts += [c.context for c in candidates]
    return list(dict.fromkeys(texts))


# ---------------------------------------------------------------- annotation (spaCy + regex)
@dataclass(frozen=True)
class Entity:
    """A typed span of a text: PER/LOC/ORG/MISC (spaCy) or DATE/NUMBER (regex)."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Annotation:
    """What the reader knows about one text.

    Attributes:
        words: Folded word tokens, in order.
        lemmas: Folded lemmas of the content words.
        entities: Named entities, dates and numbers.
        nouns: Folded lemmas of nouns, in order (for the question's focus noun).
        pos: ``(folded token, POS)`` pairs in order.
    """

    words: tuple[str, ...]
    lemmas: frozenset[str]
    entities: tuple[Entity, ...]
    pos: tuple[tuple[str, str, int, int], ...] = ()


_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV", "X"}


_ELIDED_HEAD = re.compile(r"^(?:[ldjnmsc]|qu)[’']", re.IGNORECASE)
_ELIDED_TAIL = re.compile(r"\s+(?:[ldjnmsc]|qu)[’']$", re.IGNORECASE)


def clean_entity(text: str, label: str, start: int) -> Entity | None:
    """A named entity without elided words stuck to it (``Axios qu’`` → ``Axios``).

    The small French model sometimes tags a lone ``d’`` or lower-case words: an entity must
    start with a capital letter and hold at least two letters.
    """
    head = _ELIDED_HEAD.match(text)
    if head:
        text, start = text[head.end() :], start + head.end()
    tail = _ELIDED_TAIL.search(text)
    if tail:
        text = text[: tail.start()]
    stripped = text.strip(' ,;:.«»"“”()')
    if not stripped:
        return None
    start += text.index(stripped)
    if not stripped[0].isupper() or sum(c.isalpha() for c in stripped) < 2:
        return None
    if _CALENDAR_WORD.fullmatch(stripped):
        return None  # « Jeudi, deux trains … » opens on a day, not a person
    return Entity(stripped, label, start, start + len(stripped))


# A word after a number that says when, not what the number counts (« porté à 40 mercredi »).
_WEEKDAYS_EN = "|".join(en for en, fr in _EN_MONTHS.items() if fr in _WEEKDAYS_FR.split("|"))
WHEN_WORD = re.compile(
    rf"(?:{_WEEKDAYS_FR}|{_WEEKDAYS_EN}|hier|aujourd['’]hui|demain|yesterday|today|tomorrow)",
    re.IGNORECASE,
)
# Days and months the small model tags as names ("May" left out: also a surname).
_CALENDAR_WORD = re.compile(
    rf"(?:{_MONTHS_FR}|{_WEEKDAYS_FR}|{'|'.join(w for w in _EN_MONTHS if w != 'may')})",
    re.IGNORECASE,
)


# A person's name right after one of these nouns names a place or a body after that person
# ("le musée Ferrand-Lacoste", "le lycée Victor-Hugo", "rue Jean-Jaurès"), not the person.
_NAMED_AFTER = re.compile(
    r"\b(?:musée|fondation|lycée|collège|école|université|institut|hôpital|clinique|stade|gare|"
    r"aéroport|rue|avenue|boulevard|place|quai|pont|centre|prix|salle|théâtre|galerie|parc|"
    r"museum|foundation|school|college|university|hospital|airport|street|square|prize|"
    r"gallery|park)\s+$",
    re.IGNORECASE,
)


# A name after one of these nouns and "de" is the town or area they serve ("le parquet de
# Lorvan", "le maire de Saint-Aurèle", "la gare de Vernay"), which the small model may tag as
# a person.
_TOWN_OF = re.compile(
    r"\b(?:parquet|tribunal|procureure?|préfecture|préfète?|mairie|maire|ville|commune|région|"
    r"département|diocèse|évêque|gare|port|aéroport|académie|rectorat|agglomération|"
    r"métropole)\s+(?:de\s+|d['’]\s*)$",
    re.IGNORECASE,
)


def named_after(text: str, entity: Entity) -> Entity:
    """A person's name (``PER``) of ``text`` relabelled when its context says it is not a
    person: an organisation (``ORG``) after a noun of :data:`_NAMED_AFTER`, a place (``LOC``)
    after one of :data:`_TOWN_OF`; any other entity unchanged."""
    if entity.label != "PER":
        return entity
    if _NAMED_AFTER.search(text, 0, entity.start):
        return Entity(entity.text, "ORG", entity.start, entity.end)
    if _TOWN_OF.search(text, 0, entity.start):
        return Entity(entity.text, "LOC", entity.start, entity.end)
    return entity


def regex_entities(text: str) -> list[Entity]:
    """Dates and numbers found by regex (a number inside a date is not a number); a ratio
    (« un train sur trois », "one in four") is one number."""
    dates = [Entity(m.group(0), DATE, m.start(), m.end()) for m in _DATE.finditer(text)]
    ratios = [Entity(m.group(0), NUMBER, m.start(), m.end()) for m in _RATIO.finditer(text)]
    numbers = [
        Entity(m.group(0).strip(), NUMBER, m.start(), m.start() + len(m.group(0).rstrip()))
        for m in _NUMBER.finditer(text)
        if not any(d.start <= m.start() < d.end for d in (*dates, *ratios))
    ]
    return dates + ratios + numbers


def with_streets(text: str, entities: list[Entity]) -> list[Entity]:
    """``entities`` with each street address of ``text`` (« rue des Remparts ») as a place,
    in place of the names spaCy found inside it (« Remparts » alone, or nothing)."""
    streets = [Entity(m.group(0), PLACE, m.start(), m.end()) for m in _STREET.finditer(text)]
    if not streets:
        return entities
    kept = [e for e in entities if not any(s.start < e.end and e.start < s.end for s in streets)]
    return kept + streets


def _import_spacy() -> Any:
    """``spacy``, imported without thinc's optional torch support unless torch is loaded.

    thinc (spaCy's ML library) imports torch, when installed, only to offer its PyTorch
    wrappers; the French pipeline never uses them, and importing torch is the largest part
    of importing spaCy (about 1.5 s of a cold start). So while torch is not imported yet,
    ``thinc.compat`` is imported with torch hidden (thinc then records ``has_torch = False``);
    torch is unhidden right after, so a later ``import torch`` works as usual. Runs in the
    caller's thread (see :func:`preload_pipeline`).
    """
    if "thinc.compat" not in sys.modules and "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # import torch -> ImportError
        try:
            import thinc.compat  # noqa: F401
        finally:
            if "torch" in sys.modules and sys.modules["torch"] is None:
                del sys.modules["torch"]
    import spacy

    return spacy


def _load_pipeline(model: str) -> Any:
    spacy = _import_spacy()
    with fast_lookups():  # the lemma tables as plain dicts: ~0.4 s less per load
        return spacy.load(model, exclude=list(SPACY_EXCLUDE))


_PRELOADED: dict[str, Future[Any]] = {}
_PRELOAD_LOCK = threading.Lock()


def preload_pipeline(model: str = SPACY_MODEL, *, regex_cache: Path | None = None) -> None:
    """Start loading the spaCy pipeline in a background thread; the next :class:`Annotator`
    of ``model`` takes it (waiting for the load to finish if needed).

    Loading takes seconds (mostly compiling the French tokenizer's exception pattern), so a
    process that will answer a question starts it first and opens the store, loads BM25 and
    embeds the question meanwhile. A failure is raised to the annotator that takes the
    pipeline, as a load on first use would. Calling it again while one preload is waiting does
    nothing.

    Args:
        model: The spaCy package.
        regex_cache: A folder for :class:`rag.reader.regex_cache.RegexCache`: the tokenizer's
            large pattern is compiled once and read back by later processes.
    """
    with _PRELOAD_LOCK:
        if model in _PRELOADED:
            return
        future: Future[Any] = Future()
        _PRELOADED[model] = future
    _import_spacy()  # here, not in the thread: torch is hidden only while no one imports it

    def load() -> None:
        try:
            if regex_cache is None:
                future.set_result(_load_pipeline(model))
                return
            with RegexCache(regex_cache).installed():
                future.set_result(_load_pipeline(model))
        except BaseException as exc:  # handed to the annotator that takes the pipeline
            future.set_exception(exc)

    threading.Thread(target=load, name="spacy-preload", daemon=True).start()


def _take_preloaded(model: str) -> Any | None:
    """The preloaded pipeline of ``model`` (once: each later annotator loads its own)."""
    with _PRELOAD_LOCK:
        future = _PRELOADED.pop(model, None)
    return None if future is None else future.result()


class Annotator:
    """spaCy's French pipeline (lemmas and entities only), with a bounded LRU cache by text.

    Args:
        model: The spaCy package name (its weights ship inside the wheel: loads offline).
        cache_size: How many texts' annotations to keep.
    """

    def __init__(self, model: str = SPACY_MODEL, *, cache_size: int = 20000) -> None:
        self.model = model
        self.cache_size = cache_size
        self._nlp: Any = None
        self._cache: OrderedDict[str, Annotation] = OrderedDict()
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        """The spaCy pipeline, loaded on first use."""
        if self._nlp is None:
            with self._load_lock:
                if self._nlp is None:
                    preloaded = _take_preloaded(self.model)
                    self._nlp = preloaded if preloaded is not None else _load_pipeline(self.model)
        return self._nlp

    def _build(self, text: str, doc: Any) -> Annotation:
        stop = _stop()
        words = tuple(_fold(w) for w in _TOKEN.findall(text))
        lemmas = frozenset(
            lemma
            for token in doc
            if token.pos_ in _CONTENT_POS
            for lemma in [fold(token.lemma_ or token.text).strip("'’-")]
            if lemma and lemma not in stop and (len(lemma) > 1 or lemma.isdigit())
        )
        entities = [
            named_after(text, entity)
            for e in doc.ents
            if e.label_ in {"PER", "LOC", "ORG", "MISC"} and not _opening_participle(e)
            for entity in [clean_entity(e.text, e.label_, e.start_char)]
            if entity is not None
        ]
        entities = with_streets(text, entities) + regex_entities(text)
        pos = tuple(
            (fold(t.text), t.pos_, t.idx, t.idx + len(t.text)) for t in doc if not t.is_space
        )
        return Annotation(words, lemmas, tuple(entities), pos)

    def annotate_many(self, texts: Sequence[str]) -> list[Annotation]:
        """Annotations of ``texts`` (cached ones reused; the others run through spaCy)."""
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            docs = [self.nlp(missing[0])] if len(missing) == 1 else self.nlp.pipe(missing)
            for text, doc in zip(missing, docs, strict=True):
                found[text] = self._build(text, doc)
            with self._lock:
                for text in missing:
                    self._cache[text] = found[text]
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return [found[t] for t in texts]

    def annotate(self, text: str) -> Annotation:
        """The annotation of one text."""
        return self.annotate_many([text])[0]


_PARTICIPLE_END = re.compile(r"(?:é|ée|és|ées|is|ie|ies|us|ue|ues)$")


def _opening_participle(span: Any) -> bool:
    """Whether a spaCy entity is a participle opening its sentence (« Réunis mercredi soir …,
    les grévistes … », « Interrogée, la municipalité … »), which the small model tags as a
    name: one word with a participle's ending, followed by a lower-case word that is no verb
    (a name opening a sentence is its subject: « Aimée a dit … »)."""
    if len(span) != 1 or (span.start > 0 and span.doc[span.start - 1].text not in ".!?"):
        return False  # (no sentence boundaries: the parser is not loaded)
    word = span[0]
    if len(word.text) < 6 or not _PARTICIPLE_END.search(word.text):
        return False
    following = word.nbor() if word.i + 1 < len(word.doc) else None
    return following is not None and (
        following.is_punct or (following.text.islower() and following.pos_ not in ("AUX", "VERB"))
    )


_CAPITALISED_WORD = re.compile(r"\b[A-ZÀ-Ý][\w-]+", re.UNICODE)


def with_known_persons(texts: Sequence[str], annotations: Sequence[Annotation]) -> list[Annotation]:
    """The annotations with each person's surname tagged wherever it stands alone.

    The small model finds « Kirill Dmitriev » in one sentence and misses the lone
    « Dmitriev » that opens another (« Dmitriev, PDG du Fonds … ») or calls it a place:
    the last word of a person named in full (two words or more) in any of ``texts`` (the
    sentences of the retrieved paragraphs) is a person wherever it appears capitalised,
    outside a longer entity; so is a one-word name the model tags PER in more of ``texts`` than
    it tags it anything else (« Trump » tagged ORG in « un envoyé de Trump »). Annotations stay
    shared (cached) objects: changed ones are copies.
    """
    surnames = {
        entity.text.split()[-1]
        for annotation in annotations
        for entity in annotation.entities
        if entity.label == "PER" and " " in entity.text
    }
    votes: Counter[tuple[str, bool]] = Counter(
        (entity.text, entity.label == "PER")
        for annotation in annotations
        for entity in annotation.entities
        if " " not in entity.text
    )
    surnames |= {name for (name, person), n in votes.items() if person and n > votes[name, False]}
    surnames = {name for name in surnames if len(name) > 2 and name[:1].isupper()}
    if not surnames:
        return list(annotations)
    found = []
    for text, annotation in zip(texts, annotations, strict=True):
        entities = list(annotation.entities)
        changed = False
        for match in _CAPITALISED_WORD.finditer(text):
            if match.group() not in surnames:
                continue
            start, end = match.span()
            inside = [e for e in entities if e.start <= start and end <= e.end]
            if any(e.label == "PER" or (e.end - e.start) > (end - start) for e in inside):
                continue
            entities = [e for e in entities if e not in inside]
            entities.append(Entity(match.group(), "PER", start, end))
            changed = True
        if changed:
            entities.sort(key=lambda e: e.start)
            annotation = dataclasses.replace(annotation, entities=tuple(entities))
        found.append(annotation)
    return found


# ---------------------------------------------------------------- question analysis
@dataclass
class QuestionInfo:
    """What the reader needs to know about the question.

    Attributes:
        text: The question.
        language: ``"fr"`` or ``"en"``.
        answer_type: PER, LOC, ORG, DATE, NUMBER or None (a why/how/what question).
        also_types: Types asked by interrogatives coordinated with the first ("Où et quand
            … ?": DATE; :func:`coordinated_types`): an answer of any of them will do.
        focus: The noun after quel/which/what, folded, if any.
        lemmas: Content lemmas (French questions) or content words (English ones).
        keys: Names and numbers to look up in the retrieved text, each as alternatives (folded).
        named: Every name and number the question mentions, each as alternatives (folded).
        annotation: The spaCy annotation of the question.
        measure: What a number or date question measures (:func:`asked_measure`): its answer
            must come with a unit of that measure (``41 ans``, ``trois jours``, ``6 millions
            d'euros``), for a year hold one, for a count of things have no unit of time or
            money.
        asks_name: The question asks for a name (:func:`asked_name`): ``PER`` (a person's)
            or ``NAME`` (any); its answer must hold one the question does not already name
            (:func:`new_names`).
        counted: For a count of things (``measure == "count"``), the first words of what is
            counted, folded (``trains`` in "Combien de trains ont été supprimés ?").
        speaker: For a question asking what a named person said or thinks, the last word of
            their name, folded (``zelensky`` in "Qu'a déclaré Zelensky …", :func:`asked_speaker`;
            for "What did he say?", the earlier question's person, :func:`pronoun_speaker`).
        asks_reason: A why-question (:func:`asks_reason`): its answer gives a cause or a
            purpose (:func:`gives_reason`).
        identity: For "Qui est Iouri Ouchakov ?" / "Who is Yuri Ushakov?", the last word of
            the name, folded (:func:`asked_identity`): its answer describes that person
            (:func:`describes`).
        asks_source: The question asks who said or reported something ("Qui a indiqué que
            … ?", "Who told Axios …?", :func:`asks_source`): its short answer is a person
            the sentence quotes (:func:`speaks`), not one it speaks of.
        role: For a question asking who holds a role (« Qui est le maire de … ? », « Qui
            la préside ? », "Who heads …?", « Quelle magistrate … ? », :func:`asked_role`),
            the first five letters of the role's French nouns: its answer is a person the
            sentence names with that role (:func:`role_holder`).
        role_of: What the asked role is of (« la région » in « Qui préside la région ? »), as
            folded content words (:func:`asked_role`); empty when the question does not
            say it in words (« Qui la préside ? », « le maire de la ville où … »).
        speaking_role: The role whose holder's words the question asks for ("What did the
            prosecutor say?", « Qu'a déclaré la procureure ? »), as French stems like
            :attr:`role` (:func:`asked_speaking_role`); empty when a name is given.
    """

    text: str
    language: str
    answer_type: str | None
    focus: str | None
    lemmas: frozenset[str]
    keys: list[tuple[str, ...]] = field(default_factory=list)
    named: list[tuple[str, ...]] = field(default_factory=list)
    annotation: Annotation | None = None
    measure: str | None = None
    asks_name: str | None = None
    counted: tuple[str, ...] = ()
    speaker: str | None = None
    asks_reason: bool = False
    identity: str | None = None
    asks_source: bool = False
    also_types: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    role_of: tuple[str, ...] = ()
    speaking_role: tuple[str, ...] = ()
    source: tuple[str, ...] = ()

    @property
    def asked_types(self) -> tuple[str, ...]:
        """Every type an answer may have: :attr:`answer_type`, then :attr:`also_types`."""
        return () if self.answer_type is None else (self.answer_type, *self.also_types)


# "Comment s'appelle …", "quel est le nom de …", "what is the name of …": the answer is a name;
# group 1 is what is named.
_ASKS_NAME = re.compile(
    r"\bcomment (?:s['’]appel(?:le|lent|ait|aient|lera)|se nomm(?:e|ent|ait|aient))\s+(.*)"
    r"|\bquels? (?:est|sont|était|étaient) (?:le |les )?noms? (?:de |du |des |d['’])?(.*)"
    r"|\bsous quel nom\b(.*)"
    r"|\bwhat (?:is|was|are|were) (?:the |his |her |their |its )?names? (?:of )?(.*)"
    r"|\bwhat (?:is|was|are|were) ((?:he|she|it|they|the \w+(?: \w+)?)) called\b"
    r"|\bwhat(?:['’]s| is| was| are| were) (?:the |his |her |their |its )?((?:[\w-]+ ){0,2}[\w-]+)"
    r"['’]s? names?\b",
    re.I,
)
_NAMED_PERSONS = frozenset(fold(noun) for noun in _NAMED_PERSON_WORDS.split())
_ELISION = re.compile(r"^[a-z]{1,2}['’]")


def asked_name(text: str) -> str | None:
    """What a question asking for a name needs in its answer: ``PER`` when it names a person
    (``Comment s'appellent les deux hommes … ?``), ``NAME`` (any name) otherwise; None for a
    question that asks no name.

    >>> asked_name("Comment s'appellent les deux hommes interpellés ?")
    'PER'
    >>> asked_name("Quel est le nom du musée ?")
    'NAME'
    >>> asked_name("Qui a appelé Witkoff ?") is None
    True
    """
    match = _ASKS_NAME.search(text)
    if match is None:
        return None
    named = next((group for group in match.groups() if group is not None), "")
    for word in _WORD.findall(named)[:5]:  # "the museum's night watchman", "le haut fonctionnaire"
        folded = _ELISION.sub("", fold(word))
        if folded in _NAMED_PERSONS or folded.rstrip("sx") in _NAMED_PERSONS:
            return PERSON
    return ANY_NAME


# A follow-up may open on a conjunction ("Et pourquoi … ?", "So what did … say?"): skipped
# before reading what the question asks.
_LEADING_CONJUNCTION = r"(?:et|and|so|mais|but)\b[\s,]*"

# "Qu'a déclaré Zelensky …", "Que pense Dmitriev …", "What did Zelensky say …": the words of a
# named person are asked; group "who" starts with (French) or is (English) the speaker.
_SAY_PAST_WORDS = (
    r"dit|déclaré|affirmé|estimé|expliqué|annoncé|répondu|indiqué|assuré|confié|souligné"
    r"|précisé|pensé|jugé|ajouté|écrit|confirmé|révélé|raconté|reconnu|avoué|suggéré"
)
_SAY_PAST = rf"(?:{_SAY_PAST_WORDS})"
_SAY_PRESENT = r"(?:dit|disent|pense|pensent|déclare|déclarent|affirme|affirment|estime|estiment"
_SAY_PRESENT += r"|répond|répondent|explique|expliquent|juge|jugent)"
_SAY_EN = (
    r"(?:say|said|tell|told|declare|declared|state|stated|think|thought|believe|believed|claim"
    r"|claimed|explain|explained|announce|announced|write|wrote|reply|replied|answer|answered"
    r"|add|added|reveal|revealed|admit|admitted)"
)
_REACTED = r"(?:réagi|répondu|commenté)"
_REACT_EN = r"(?:react|respond|reply|replie|answer|comment)(?:ed|d)?"
# "What is Umerov's position?" asks for his post; "… position on the plan?" for his stance.
_STANCE_ON_EN = r"(?:on|about|towards?|regarding|concerning|over)"
_STANCE_EN = rf"(?:view|views|stance|opinion|reaction|response|position(?=\s+{_STANCE_ON_EN}\b))"
_STANCE_FR = r"(?:position|réaction|avis|opinion|point de vue)"
_STANCE_ON_FR = r"(?:sur|à propos|au sujet|concernant|quant|face|vis-à-vis|envers)"
# (pattern, whole): with ``whole``, the name must be the whole subject ("who" ends before the
# verb); without it, the speaker opens "who" and the rest of the question follows.
_ASKS_SPEECH = (
    (re.compile(rf"^qu['’]\s*(?:a|ont|avait|avaient|aurait)(?:-t-(?:il|elle|on))?\s+{_SAY_PAST}"
                r"\s+(?P<who>.+)", re.I), False),
    (re.compile(rf"^que\s+{_SAY_PRESENT}\s+(?P<who>.+)", re.I), False),
    (re.compile(rf"^qu['’]est-ce qu(?:e\s+|['’]\s*)(?P<who>.+?)\s+(?:a|avait|ont)\s+{_SAY_PAST}\b",
                re.I), True),
    (re.compile(rf"^que\s+(?P<who>.+?)\s+(?:a|avait|ont)-t-(?:il|elle|ils|elles)\s+{_SAY_PAST}\b",
                re.I), True),
    (re.compile(rf"^what\s+(?:did|does|do|has|have|had)\s+(?P<who>.+?)\s+{_SAY_EN}\b", re.I), True),
    # How someone reacted, or whether they did: "Comment Macron a-t-il réagi ?", "Steve
    # Witkoff a-t-il réagi à … ?", "How did Zelensky react?", "Did Witkoff respond?"
    (re.compile(rf"^comment\s+(?P<who>.+?)\s+(?:a|ont|avait)-t-(?:il|elle|ils|elles)\s+{_REACTED}\b",
                re.I), True),
    (re.compile(rf"^(?P<who>[^?]+?)\s+(?:a|avait)-t-(?:il|elle)\s+{_REACTED}\b", re.I), True),
    (re.compile(rf"^how\s+(?:did|does|has|have|had)\s+(?P<who>.+?)\s+{_REACT_EN}\b", re.I), True),
    (re.compile(rf"^(?:did|has|have|had)\s+(?P<who>.+?)\s+{_REACT_EN}\b", re.I), True),
    # A named person's position: "What is Zelensky's position on the plan?", « Quelle est la
    # position de Zelensky sur le plan ? »
    (re.compile(rf"^what\s+(?:is|was|are|were)\s+(?P<who>.+?)['’]s?\s+{_STANCE_EN}\b", re.I),
     True),
    (re.compile(rf"^what\s+(?:is|was)\s+the\s+{_STANCE_EN}\s+of\s+(?P<who>.+?)"
                rf"(?:\s+(?:on|about|to|towards|regarding)\b|\s*\?|$)", re.I), True),
    (re.compile(r"^what\s+(?:is|was)\s+the\s+position\s+of\s+(?P<who>.+?)"
                rf"\s+{_STANCE_ON_EN}\b", re.I), True),
    (re.compile(r"^quel(?:le)?\s+(?:est|était|a été)\s+(?:la\s+|le\s+|l['’]\s*)"
                rf"{_STANCE_FR}\s+(?:de\s+|d['’]\s*)(?P<who>.+?)"
                rf"(?:\s+{_STANCE_ON_FR}\b|\s*\?|$)", re.I), True),
)  # fmt: skip
# The speaker: an optional article, at most two lower-case words with no preposition among
# them ("le chancelier", "the Ukrainian"), then a capitalised name ("Friedrich Merz").
_SPEAKER = re.compile(
    r"^(?:(?:le|la|les|l['’]|the)\s+)?(?P<title>(?:[a-zà-ÿ][\w-]*\s+){0,2}?)"
    r"(?P<name>[A-ZÀ-Ý][\w-]*(?:\s+[A-ZÀ-Ý][\w-]*)*)(?P<rest>.*)$"
)
_NOT_TITLE_WORDS = "de du des au aux à a en sur pour par avec of to for from in on at by about with"
_NOT_TITLES = frozenset(_NOT_TITLE_WORDS.split())
_HIMSELF = re.compile(r"^\s+(?:himself|herself|themselves|lui-même|elle-même)\b", re.I)


def asked_speaker(text: str) -> str | None:
    """The named person whose words a question asks for, as the last word of their name,
    folded; None when the question asks no one's words or names the speaker by a role.

    >>> asked_speaker("Qu'a déclaré Zelensky lorsqu'il a reçu le texte du plan ?")
    'zelensky'
    >>> asked_speaker("What did the US official say about the timing?") is None
    True
    """
    question = re.sub(rf"^{_LEADING_CONJUNCTION}", "", text.strip(), flags=re.I)
    for pattern, whole in _ASKS_SPEECH:
        match = pattern.search(question)
        if match is None:
            continue
        speaker = _SPEAKER.match(match.group("who").strip())
        if speaker is None or _NOT_TITLES & set(speaker.group("title").lower().split()):
            return None
        rest = speaker.group("rest")
        if whole and rest.strip() and not _HIMSELF.match(rest):
            return None  # "the US official": the name is not the whole subject
        if not whole and rest[:1].isalnum():
            return None
        return fold(speaker.group("name").split()[-1])
    return None


def asked_speaking_role(text: str, language: str) -> tuple[str, ...]:
    """The role whose holder's words a question asks for, as French stems (see
    :func:`asked_role`); () when it names the speaker or asks no one's words.

    >>> asked_speaking_role("What did the museum director say?", "en")
    ('direc',)
    >>> asked_speaking_role("Qu'a déclaré Zelensky ?", "fr")
    ()
    """
    if asked_speaker(text) is not None:
        return ()
    question = re.sub(rf"^{_LEADING_CONJUNCTION}", "", text.strip(), flags=re.I)
    for pattern, _ in _ASKS_SPEECH:
        match = pattern.search(question)
        if match is None:
            continue
        for word in _WORD.findall(match.group("who"))[:4]:
            if word[:1].isupper() and word.lower() not in ("le", "la", "les", "the"):
                return ()  # a name
            if stems := _role_stems(_ELIDED_HEAD.sub("", word), language):
                return stems
        return ()
    return ()


def role_speaks(sentence: str, annotation: Annotation, stems: tuple[str, ...]) -> bool:
    """Whether a sentence reports what the holder of a role says (« … », estime la directrice
    du musée »; « a déclaré la procureure de Lorvan »): it names the role (one of ``stems``)
    and reports speech (quotation marks or a verb of saying)."""
    if not stems:
        return False
    tokens = [fold(m.group()) for m in _SPEECH_TOKEN.finditer(sentence)]
    names_role = any(
        token.startswith(stems) and token.rstrip("s") in _ROLE_NOUNS for token in tokens
    )
    return names_role and any(
        token in _QUOTE_MARKS or token in _SPEECH_WORDS or token.startswith(_SPEECH_STEMS)
        for token in tokens
    )


# "What did he say …", « Qu'a-t-elle déclaré … », « Comment a-t-il réagi ? »: a pronoun speaks.
_PRONOUN_SPEAKS = re.compile(
    rf"^(?:{_LEADING_CONJUNCTION})?(?:"
    rf"what\s+(?:did|does|has|had)\s+(?:he|she)\s+{_SAY_EN}\b"
    rf"|how\s+(?:did|does|has|had)\s+(?:he|she)\s+{_REACT_EN}\b"
    rf"|qu['’]\s*(?:a|avait|aurait)-t-(?:il|elle)\s+{_SAY_PAST}\b"
    rf"|que\s+{_SAY_PRESENT}-(?:t-)?(?:il|elle)\b"
    rf"|comment\s+(?:a|avait)-t-(?:il|elle)\s+{_REACTED}\b)",
    re.I,
)


def pronoun_speaker(text: str, annotation: Annotation) -> str | None:
    """For a follow-up asking what "he" / « elle » said ("What did he say about the leak? (Who
    is Yuri Ushakov?)"), the one person the earlier question in brackets names, as the last word
    of their name, folded (as :func:`asked_speaker`); None otherwise.

    >>> pronoun_speaker("What did he say? (Who is Yuri Ushakov?)", Annotation((), frozenset(), ()))
    'ushakov'
    """
    own, _, earlier = text.partition(" (")
    if not earlier or not _PRONOUN_SPEAKS.search(own.strip()):
        return None
    if (identity := asked_identity(earlier)) is not None:
        return identity  # "Who is Yuri Ushakov?": spaCy's French model misses English names
    people = {
        fold(entity.text.split()[-1])
        for entity in annotation.entities
        if satisfies(entity, PERSON) and entity.start > len(own)
    }
    return people.pop() if len(people) == 1 else None


_ASKS_SOURCE = re.compile(
    rf"^(?:{_LEADING_CONJUNCTION})?(?:"
    r"(?:selon|d['’]après)\s+qui\b|according\s+to\s+whom\b"
    rf"|qui\s+(?:l['’]\s*|les?\s+|leur\s+|lui\s+)?(?:a|ont|avait|avaient|aurait)\s+"
    rf"(?:fait\s+savoir|rapporté|{_SAY_PAST_WORDS})\b"
    rf"|qui\s+{_SAY_PRESENT}\b"
    r"|who\s+(?:has\s+|had\s+|first\s+)?(?:said|told|stated|declared|explained|announced|"
    r"reported|confirmed|revealed|claimed|added|wrote|made\s+it\s+known|let\s+it\s+be\s+known"
    r"|says|tells|claims)\b)",
    re.I,
)


# "selon la direction", "d'après SUD-Rail", "according to the unions": whose figure or claim
# is meant. In a sentence the source ends at a clause break or a quote.
_SOURCE_MARK = r"(?:selon|d['’]apr[eè]s|according\s+to)"
_ASKED_SOURCE = re.compile(rf"\b{_SOURCE_MARK}\s+([^,?;.]+)", re.I)
_CITED_SOURCE = re.compile(rf"\b{_SOURCE_MARK}\s+([^,;.:«»“”()]+)", re.I)
# « L'intersyndicale affirme que 263 trains … »: the subject of a verb of saying before « que ».
_SAYS_THAT = re.compile(
    rf"^([^,;:«»]{{2,80}}?)\s+(?:{_SAY_PRESENT}|affirment?|annoncent?|indiquent?|assurent?"
    rf"|précisent?|rapportent?|reconnaît|reconnaissent|(?:a|ont)\s+{_SAY_PAST})\s+qu", re.I,
)  # fmt: skip
# « …, a annoncé l'intersyndicale SUD-Rail », « », aurait déclaré une source au portail Axios »:
# the source after a verb of saying that follows what it said.
_SAID_BY = re.compile(
    rf"[,»”]\s*(?:a|ont|aurait|auraient|avait)\s+(?:{_SAY_PAST}|rapporté)\s+([^,;.:()]+)", re.I
)
_SAME_SOURCE = frozenset({"meme", "source", "memes", "sources"})


def _source_words(text: str) -> tuple[str, ...]:
    """The first three content words of a source, folded (« la direction régionale de SNCF
    Voyageurs » → direction, regionale, sncf)."""
    words = [_ELISION.sub("", fold(w)) for w in _WORD.findall(text)]
    return tuple(w for w in words if len(w) > 2 and w not in _stop())[:3]


def asked_source_words(text: str) -> tuple[str, ...]:
    """Whose figure or claim a question asks for (« Combien de trains ont été supprimés selon la
    direction ? », "According to SUD-Rail, …"), as folded words; () when it names no source.

    >>> asked_source_words("Combien de trains ont été supprimés selon la direction ?")
    ('direction',)
    """
    match = _ASKED_SOURCE.search(text)
    return _source_words(match.group(1)) if match else ()


def cited_sources(sentence: str) -> list[tuple[int, int, tuple[str, ...]]]:
    """The sources a sentence cites, as ``(start, end, words)``: « selon X », « d'après X »,
    "according to X", and the subject of « X affirme que … » (not « d'après la même source »,
    which names no one)."""
    found = []
    for match in _CITED_SOURCE.finditer(sentence):
        words = _source_words(match.group(1))
        if words and not set(words) <= _SAME_SOURCE:
            found.append((match.start(), match.end(), words))
    if says := _SAYS_THAT.match(sentence):
        found.append((says.start(), says.end(), _source_words(says.group(1))))
    for said in _SAID_BY.finditer(sentence):
        if words := _source_words(said.group(1)):
            found.append((said.start(), said.end(), words))
    return sorted(found)


def same_source(words: tuple[str, ...], asked: tuple[str, ...]) -> bool:
    """Whether a cited source is the asked one: a word shares its first five letters with an
    asked word, or holds it (« intersyndicale » holds « syndi(cats) »)."""
    return any(
        w[:5] in c or c[:5] in w
        for w in asked
        for c in words
        if min(len(w), len(c)) > 3 and not {w, c} & _SAME_SOURCE  # "source" names no one
    )


def cites_asked_source(sentence: str, question: QuestionInfo) -> bool:
    """Whether a sentence cites the source a question asks for (``question.source``)."""
    return any(same_source(words, question.source) for _, _, words in cited_sources(sentence))


def source_of(sentence: str, annotation: Annotation, entity: Entity) -> tuple[str, ...] | None:
    """Whose figure a number of a sentence is: the source cited between it and the next number
    (« 78 % … selon SUD-Rail, 54 % selon la direction »), else the nearest one before it
    (« Selon la direction, 212 trains … », « L'intersyndicale affirme que 263 trains … »);
    None when the sentence cites no source."""
    sources = cited_sources(sentence)
    if not sources:
        return None
    later = [e.start for e in annotation.entities if e.start > entity.start and e.label == NUMBER]
    bound = min(later, default=len(sentence))
    after = [words for start, _, words in sources if entity.end <= start < bound]
    if after:
        return after[0]
    before = [words for _, end, words in sources if end <= entity.start]
    return before[-1] if before else None


def asks_source(text: str) -> bool:
    """Whether a question asks who said or reported something: « Qui a indiqué que … ? »,
    « Selon qui … ? », "Who told Axios …?" (the answer is the speaker, often a role such as
    « un fonctionnaire ukrainien », not a person the quoted words are about).

    >>> asks_source("Qui a fait savoir que le voyage est reporté ?"), asks_source("Qui a-t-il vu ?")
    (True, False)
    """
    return _ASKS_SOURCE.search(text.strip()) is not None


# A sentence quoting someone: a verb of saying or thinking (prefixes of folded words), or
# quotation marks. A word taken for one by mistake only lets the answer through.
_SPEECH_FORMS = """dit dits dite dites dis disent disait disaient dira diront dirait dire say
    says said saying tell tells told thinks thought"""
_SPEECH_WORDS = frozenset(_SPEECH_FORMS.split())
_SPEECH_STEM_WORDS = """declar affirm estim expliqu annonc repond repondu indiqu assur confie confia
    soulign precis pens juge jugea ajout rappel reconn confirm revel denonc avert insist admet admis
    dement qualifi reagi ecri racont promet promis critiqu salu regrett felicit deplor plaid
    reclam exig accus souhait esper evoqu martel previen prevenu temoign comment interrog
    repet conced suggere suggera avou laiss fait-savoir state declared added adds explain
    announc think believ claim warn argu noted notes denied denies deny repli reply
    respond urge urged wrote write stress suggest predict describ admit acknowledg conseill
    recommand propos demand exhort invit appel ordonn menac object retorqu repliqu protest
    nuanc signal mention cit pretend soutien soutenu soutenai maintien maintenu advis
    recommend ask call order threaten retort cite maintain"""
_SPEECH_STEMS = tuple(_SPEECH_STEM_WORDS.split())
_QUOTE_MARKS = frozenset('«»“”"')
_QUOTATION = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
_SPEECH_TOKEN = re.compile(r"\w[\w-]*|[«»“”\",;:()]", re.UNICODE)
# Before a name, a word that makes it a source ("selon Dmitriev") or a complement ("de Zelensky").
_SOURCE_BEFORE = frozenset({"selon", "pour"})
_COMPLEMENTS = "de d du des avec a au aux contre chez entre sur of with to from about against at"
_COMPLEMENT_BEFORE = frozenset(_COMPLEMENTS.split())
_AUXILIARIES = frozenset({"a", "ont", "avait", "avaient", "aurait", "has", "had", "have"})
_ARTICLE_WORDS = frozenset({"l", "le", "la", "les", "the"})
_BEFORE_WORDS = _SOURCE_BEFORE | _COMPLEMENT_BEFORE | {"apres", "according"}


def speaks(sentence: str, annotation: Annotation, speaker: str) -> bool | None:
    """Whether ``speaker`` (a folded last name) is the one a sentence quotes: named as a
    person and as a source ("selon Dmitriev", "pour Karim Benhaddou"), or, in a sentence that
    reports speech, neither as a complement ("le conseiller de Zelensky", "avec Kirill
    Dmitriev") nor as the object of another verb ("il a rencontré Rustem Umerov").
    None when the sentence does not name them as a person (a pronoun or a role may).
    """
    persons = [e for e in annotation.entities if satisfies(e, PERSON)]  # "Ushakov" may be MISC
    tokens = [(m.group(), m.start()) for m in _SPEECH_TOKEN.finditer(sentence)]
    folded = [fold(token) for token, _ in tokens]
    # Matched as the question's other names are: an English question's "Ushakov" is the
    # article's « Ouchakov ».
    name = WordSet([speaker])
    places = [
        i
        for i, (word, (_, start)) in enumerate(zip(folded, tokens, strict=True))
        if name.has(word) and any(e.start <= start < e.end for e in persons)
    ]
    if not places:
        return None
    # Named inside the quoted words (« Le président Trump pense … », explique ce fonctionnaire):
    # the words are someone else's.
    quotes = [m.span() for m in _QUOTATION.finditer(sentence)]
    places = [i for i in places if not any(a < tokens[i][1] < b for a, b in quotes)]
    if not places:
        return False
    speech = [
        token in _QUOTE_MARKS or word in _SPEECH_WORDS or word.startswith(_SPEECH_STEMS)
        for (token, _), word in zip(tokens, folded, strict=True)
    ]
    verbs = {start for _, pos, start, _ in annotation.pos if pos == "VERB"}
    for i in places:
        j = i - 1
        while j >= 0 and tokens[j][0][:1].isupper() and folded[j] not in _BEFORE_WORDS:
            j -= 1  # first names, "M." (not "Selon" opening the sentence)
        while j >= 1 and folded[j] in _ARTICLE_WORDS:
            j -= 1  # "de l'Ukraine", "selon le Kremlin": the word before the article
        before = folded[j] if j >= 0 else ""
        if before in _SOURCE_BEFORE or (
            j >= 1 and (folded[j - 1], before) in {("d", "apres"), ("according", "to")}
        ):
            return True
        if any(speech) and _passive_agent(tokens, folded, j):
            return True  # "… a été exposé à Axios par l'envoyé spécial russe Kirill Dmitriev"
        if before in _COMPLEMENT_BEFORE or (j >= 0 and tokens[j][1] in verbs and not speech[j]):
            continue  # "le conseiller de Zelensky", "il a rencontré Rustem Umerov"
        if before == "," and not _apposition_speaks(tokens, folded, speech, verbs, j, i):
            continue  # "… avec le conseiller de Zelensky, Roustem Oumierov, lors d'une réunion"
        if j >= 0 and speech[j] and not _inverted(tokens, j):
            continue  # "Witkoff conseille Ushakov": the one spoken to
        if any(speech[:i]) and _acts_otherwise(sentence, annotation, tokens[i][1]):
            continue  # "… a indiqué que Witkoff avait discuté du plan": a reported clause's subject
        if any(speech):
            return True
    return False


def _acts_otherwise(sentence: str, annotation: Annotation, start: int) -> bool:
    """Whether the name at ``start`` is the subject of a verb other than one of saying: the
    first word after it, past the rest of the name, auxiliaries and adverbs, is such a verb
    (« … la manière dont Poutine devrait aborder … », « … que Witkoff avait discuté … »)."""
    for word, pos, begin, _ in annotation.pos:
        if (
            begin <= start
            or pos in ("PROPN", "AUX", "ADV")
            or sentence[begin : begin + 1].isupper()
        ):
            continue
        return pos == "VERB" and not (word in _SPEECH_WORDS or word.startswith(_SPEECH_STEMS))
    return False


# How many lower-case words of a role may stand between "par"/"by" and a name.
_AGENT_ROLE_WORDS = 4


def _passive_agent(tokens: Sequence[tuple[str, int]], folded: Sequence[str], j: int) -> bool:
    """Whether the words before a name (up to ``tokens[j]``) are "par"/"by" and at most
    :data:`_AGENT_ROLE_WORDS` lower-case words of a role: the agent of a passive verb, who
    made the statement « exposé à Axios par l'envoyé spécial russe Kirill Dmitriev »."""
    for k in range(j, max(-1, j - _AGENT_ROLE_WORDS - 1), -1):
        if folded[k] in {"par", "by"}:
            return True
        if not tokens[k][0][:1].islower():
            return False
    return False


# Words that open a clause or a complement between a speech verb and a role: the role after
# them is not the speaker (« a indiqué que Witkoff avait discuté avec le conseiller de … »).
_CLAUSE_WORDS = frozenset({"que", "qu", "that", "avec", "with", "de", "du", "des", "of"})
# How far back from an apposition's comma its role may begin after an inverted speech verb
# (« a déclaré le porte-parole du Kremlin, Dmitri Peskov »).
_ROLE_TOKENS = 8


def _apposition_speaks(
    tokens: Sequence[tuple[str, int]],
    folded: Sequence[str],
    speech: Sequence[bool],
    verbs: set[int],
    comma: int,
    name: int,
) -> bool:
    """Whether a name after a comma (``tokens[comma]``) may be the speaker: it opens a clause
    (a word other than a comma follows it: « Selon Bloomberg, Witkoff conseille … »), a
    speech verb follows it (« le porte-parole du Kremlin, Dmitri Peskov, a déclaré ») or its
    role comes right after an inverted one (« …, a déclaré le porte-parole du Kremlin, Dmitri
    Peskov »); else it names someone spoken of (« … avec le conseiller de Zelensky, Roustem
    Oumierov, lors d'une réunion »). ``verbs``: where the sentence's verbs start (the noun
    « conseiller » is no speech verb)."""

    def says(k: int) -> bool:
        return speech[k] and tokens[k][1] in verbs

    k = name + 1
    if k < len(tokens) and tokens[k][0] != ",":
        return True  # no apposition: the name opens a clause (« Selon X, Witkoff conseille »)
    k += 1
    if k < len(tokens) and folded[k] in _AUXILIARIES:
        k += 1
    if k < len(tokens) and says(k):
        return True
    for v in range(comma - 1, max(-1, comma - 1 - _ROLE_TOKENS), -1):
        if says(v):
            return not any(word in _CLAUSE_WORDS for word in folded[v + 1 : v + 3])
    return False


def _inverted(tokens: Sequence[tuple[str, int]], verb: int) -> bool:
    """Whether the speech verb at ``verb`` follows its quote, its subject after it ("», a
    déclaré Zelensky", ", explique Dmitriev"): a comma or quotation mark right before it or
    before its auxiliary."""
    j = verb - 1
    if j >= 0 and tokens[j][0].lower() in _AUXILIARIES:
        j -= 1
    return j >= 0 and (tokens[j][0] in _QUOTE_MARKS or tokens[j][0] == ",")


_ASKS_REASON = re.compile(
    rf"^\W*(?:{_LEADING_CONJUNCTION})?(?:pourquoi|pour quelle(?:s)? raisons?|why|for what"
    r" reasons?|how come)\b",
    re.I,
)
# What gives a cause or a purpose, as folded words and word pairs: conjunctions (car, parce
# que, because), nouns (raison, cause), a present participle (« … ayant été mis en attente »),
# "pour" or "to" before a verb. Generous on purpose: a word taken for a cause by mistake only
# lets the answer through.
_REASON_WORD_LIST = """car puisque puisqu raison raisons cause causes motif motifs afin ayant
    etant donc pourquoi explique expliquent expliquant justifie justifiant faute because
    since as due owing thanks therefore hence reason reasons caused why explains explained
    explaining given amid following so after"""
_REASON_WORDS = frozenset(_REASON_WORD_LIST.split())
_REASON_PAIR_LIST = """parce+que parce+qu raison+de cause+de grace+a fait+de vu+que ce+qui
    suite+a effet+, compte+tenu vue+de but+de pour+que sorte+que depuis+que tant+que
    si+bien in+order so+that as+a result+of sert+a servent+a servir+a vise+a visent+a
    visant+a destine+a destinee+a serves+to serve+to aims+to aimed+at meant+to designed+to"""
_REASON_PAIRS = frozenset(tuple(pair.split("+")) for pair in _REASON_PAIR_LIST.split())
_REASON_TOKEN = re.compile(r"\w+|,", re.UNICODE)


def asks_reason(text: str) -> bool:
    """Whether a question asks why (``pourquoi``, ``pour quelle raison``, ``why``).

    >>> asks_reason("Pourquoi le voyage a-t-il été reporté ?"), asks_reason("Who went?")
    (True, False)
    """
    return _ASKS_REASON.search(text) is not None


def gives_reason(sentence: str, annotation: Annotation) -> bool:
    """Whether a sentence gives a cause or a purpose: a causal word or phrase (``car``, ``parce
    que``, ``en raison de``, ``ce qui``, ``because``, ``due to``), a present participle
    (``ayant``, ``étant``), or ``pour``/``afin de``/``to`` before a verb.
    """
    words = [fold(token) for token in _REASON_TOKEN.findall(sentence)]
    if any(word in _REASON_WORDS for word in words):
        return True
    if any(pair in _REASON_PAIRS for pair in itertools.pairwise(words)):
        return True
    verbs = [start for _, pos, start, _ in annotation.pos if pos in ("VERB", "AUX")]
    for match in re.finditer(r"\b(?:pour|to)\s+(?:ne\s+pas\s+|not\s+)?(\w)", sentence, re.I):
        if match.start(1) in verbs:
            return True
    return False


# How-old, how-long and how-much-money questions ask for a number with a unit of age, time or
# currency, what-year questions for a date with a year; a number of something else ("trois
# jours" for "quel âge a-t-il ?", "28 points" for "how long …") does not answer them.
_MEASURES = (
    ("age", re.compile(r"\bquel [âa]ge\b|\b[âa]g[ée]e?s? de combien\b|\bhow old\b|\bwhat age\b",
                       re.I)),
    # "How long" asks for a duration or a length ("17 kilomètres de bouchons").
    ("long", re.compile(r"\bhow long\b", re.I)),
    ("length", re.compile(r"\bhow far\b|\b(?:à |sur )?quelle distance\b", re.I)),
    ("duration", re.compile(r"\bcombien de temps\b|\bquelle (?:est |était |a été )?la durée\b"
                            r"|\bfor how many (?:days|hours|weeks|months|years)\b", re.I)),
    ("money", re.compile(r"\bcombien d['’]argent\b|\bcombien (?:co[uû]te|co[uû]tait|co[uû]tera"
                         r"|a co[uû]t[ée])\b|\bquel (?:montant|prix|budget|co[uû]t)\b"
                         r"|\bquelle somme\b|\bhow much (?:money|cash|funding)\b"
                         r"|\bhow much\b.*\b(?:cost|costs|pay|paid|spend|spent|worth|earn|earned"
                         r"|raise|raised|invest|invested)\b|\bwhat (?:amount|sum|price)\b", re.I)),
    ("year", re.compile(r"\b(?:en )?quelle année\b|\b(?:in )?(?:what|which) year\b", re.I)),
)  # fmt: skip
_YEARS = "an ans annee annees year years"
_MEASURE_UNITS = {
    "age": frozenset(_YEARS.split()),
    "duration": frozenset(
        f"""{_YEARS} seconde secondes minute minutes heure heures jour jours journee journees
        semaine semaines mois second seconds hour hours day days week weeks month months""".split()
    ),
    "length": frozenset(
        {"km", "kilometre", "kilometres", "metre", "metres", "m", "cm", "centimetre",
         "centimetres", "mile", "miles", "kilometer", "kilometers", "meter", "meters"}
    ),
    "money": frozenset(
        {"euro", "euros", "€", "dollar", "dollars", "$", "livre", "livres", "sterling", "franc",
         "francs", "rouble", "roubles", "hryvnia", "hryvnias", "yuan", "yen", "pound", "pounds",
         "usd", "eur"}
    ),
}  # fmt: skip
# Words between a number and its currency: "6 millions d'euros", "5 billion dollars".
_SCALE_WORDS = frozenset(
    {"de", "d", "d'", "d’", "of", "million", "millions", "milliard", "milliards", "billion",
     "billions", "mille", "thousand"}
)  # fmt: skip
_CURRENCY_SIGNS = frozenset("$€£")
_MEASURE_UNITS["long"] = _MEASURE_UNITS["duration"] | _MEASURE_UNITS["length"]
_TIME_OR_MONEY = _MEASURE_UNITS["duration"] | _MEASURE_UNITS["money"]
_YEAR = re.compile(r"\b(?:1[0-9]|20)\d{2}\b")


# "Combien de trains", "how many times": a count of things; group 1 is what is counted.
_COUNT = re.compile(r"\bcombien (?:de |d['’])(.*)|\bhow many (.*)", re.I)


def asked_measure(text: str, kind: str | None) -> str | None:
    """What a number or date question measures: ``"age"`` (how old), ``"duration"`` (combien
    de temps), ``"long"`` (how long: a duration or a length), ``"money"`` (how much money, what
    amount) for a number; ``"year"`` (what year) for a date; ``"count"`` for a number of things
    that are neither time nor money (``combien de trains``, ``how many times``); else None."""
    if kind not in (NUMBER, DATE):
        return None
    for name, pattern in _MEASURES:
        if (name == "year") == (kind == DATE) and pattern.search(text):
            return name
    count = _COUNT.search(text) if kind == NUMBER else None
    if count is not None:
        counted = [fold(w) for w in _WORD.findall(count.group(1) or count.group(2))[:3]]
        if not any(w in _TIME_OR_MONEY or w.rstrip("s") in _TIME_OR_MONEY for w in counted):
            return "count"
    return None


def _unit_after(
    annotation: Annotation, entity: Entity, skip: frozenset[str] = frozenset()
) -> str | None:
    """The folded word right after a number (its unit: ``jours`` in ``trois jours``), past the
    words of ``skip`` (``millions d'`` before ``euros``)."""
    for word, _, start, _ in annotation.pos:
        if start >= entity.end and word not in skip:
            return word
    return None


def _bare_scale(annotation: Annotation, entity: Entity) -> bool:
    """Whether a number ends on a scale word (``3,2 millions``) that no noun follows: the unit
    is left out."""
    words = entity.text.split()
    if len(words) < 2 or fold(words[-1]) not in _SCALE_WORDS:
        return False
    after = next(((w, pos) for w, pos, start, _ in annotation.pos if start >= entity.end), None)
    return after is None or (after[0] not in _SCALE_WORDS and after[1] not in ("NOUN", "PROPN"))


def _has_measure(annotation: Annotation, entity: Entity, measure: str) -> bool:
    """Whether a number or date of a sentence is of the asked measure: a year holds one, an
    amount of money has its currency after it or a currency sign before it, an age or a
    duration has its unit after it."""
    if measure == "year":
        return bool(_YEAR.search(entity.text))
    if measure == "money":
        before = [word for word, _, _, end in annotation.pos if end <= entity.start]
        if before and before[-1] in _CURRENCY_SIGNS:
            return True
        if _unit_after(annotation, entity, _SCALE_WORDS) in _MEASURE_UNITS["money"]:
            return True
        # « 4,5 millions d'euros, dont 3,2 millions pour le seul tableau »: an amount in
        # millions with no unit of its own is in the currency of the sentence's other amount.
        return _bare_scale(annotation, entity) and any(
            other is not entity
            and _unit_after(annotation, other, _SCALE_WORDS) in _MEASURE_UNITS["money"]
            for other in annotation.entities
        )
    if measure == "count":  # "trois jours", "6 millions d'euros" count no trains
        return _unit_after(annotation, entity, _SCALE_WORDS) not in _TIME_OR_MONEY
    return _unit_after(annotation, entity) in _MEASURE_UNITS[measure]


def counted_words(text: str, measure: str | None) -> tuple[str, ...]:
    """The first words (at most three, stop words aside) of what a how-many question counts,
    folded: ``("trains",)`` for "Combien de trains ont été supprimés ?"; empty unless
    ``measure`` is ``"count"``."""
    count = _COUNT.search(text) if measure == "count" else None
    if count is None:
        return ()
    words = [fold(w) for w in _WORD.findall(count.group(1) or count.group(2))[:3]]
    return tuple(w for w in words if len(w) > 2 and w not in _stop())


def counts_asked_thing(annotation: Annotation, question: QuestionInfo, entity: Entity) -> bool:
    """Whether a number of a sentence counts what the question counts: the word after it (past
    scale words) is one of ``question.counted`` or shares its stem (``212 trains``), or the
    sentence says earlier that it gives the number of it (« le nombre d'autocars … 40 »)."""
    unit = _unit_after(annotation, entity, _SCALE_WORDS)
    if unit is not None and any(_prefix_match(unit, word) for word in question.counted):
        return True
    # « Le nombre d'autocars …, qui était de 28, a été porté à 40 »: what the sentence says
    # the number of comes before its numbers.
    tokens = [t for t in annotation.pos if t[3] <= entity.start]
    for i, (word, _, _, _) in enumerate(tokens[:-2]):
        if word in ("nombre", "number") and tokens[i + 1][0] in ("de", "d'", "d’", "of"):
            counted = tokens[i + 2][0]
            if any(_prefix_match(counted, word) for word in question.counted):
                return True
    return False


# How many words after a number its counted noun may come (« 61 % des contrôleurs »).
_COUNTED_NOUN_WINDOW = 3


def counts_other_thing(annotation: Annotation, question: QuestionInfo, entity: Entity) -> bool:
    """Whether a number of a sentence counts something other than what the question counts:
    the first noun after it (within :data:`_COUNTED_NOUN_WINDOW` words) is none of
    ``question.counted`` and shares no stem with them (« 263 trains » or « 61 % des
    contrôleurs » for "Combien d'autocars … ?"). False when nothing is counted or no noun
    follows; only for a question in the articles' language, since the words are compared
    as they are (an English "coaches" against a French « autocars » would always differ)."""
    if not question.counted or question.language == "en":
        return False
    seen = 0
    for word, pos, start, _ in annotation.pos:
        if start < entity.end:
            continue
        if pos in ("NOUN", "PROPN"):
            return not any(_prefix_match(word, counted) for counted in question.counted)
        seen += 1
        if seen >= _COUNTED_NOUN_WINDOW:
            break
    return False


_FR_TYPE_RULES = (
    (re.compile(r"\bcombien\b|\bquel âge\b", re.I), NUMBER),
    (re.compile(r"\bquand\b|\bà quelle (?:date|époque|heure)\b|\bdepuis quand\b", re.I), DATE),
    (re.compile(r"\ben quelle année\b|\bquel jour\b|\bquelle année\b", re.I), DATE),
    (re.compile(r"(?:^|\s|d['’])où\b|\bd['’]où\b", re.I), PLACE),
    (re.compile(r"^\s*(?:(?:à|a|par|pour|avec|de|chez|contre|selon|auprès de)\s+)?qui\b", re.I),
     PERSON),
    (re.compile(r"\bqui (?:est|sont|était|étaient) (?:le|la|les|l['’])\b", re.I), PERSON),
    (re.compile(r"\bqui est-ce qui\b|\bqui a\b|\bqui ont\b", re.I), PERSON),
)  # fmt: skip
_EN_TYPE_RULES = (
    (re.compile(r"\bhow (?:many|much|long|old|far)\b", re.I), NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bwhich (?:date|day|year|month)\b",
                re.I), DATE),
    (re.compile(r"\bwhere\b", re.I), PLACE),
    (re.compile(r"\bwho(?:m|se)?\b", re.I), PERSON),
)  # fmt: skip
# "Qui est Kirill Dmitriev ?" / "Who is Yuri Ushakov?" ask who that person is (a role, a
# description), not for a person: the only person in the answer is the one already named.
# Anchored at the start: a follow-up's query ends with the previous question in brackets.
_IDENTITY = re.compile(
    r"^\s*(?i:(?:et|and|mais|but|alors|so),?\s+)?"
    r"(?i:qui\s+(?:est|était|sont|étaient)(?:-(?:il|elle|ce))?|who\s+(?:is|was|are|were))\s+"
    r"(?:(?:[A-ZÀ-Ý][\w'’.-]*|de|du|van|von|al|bin|ben)\s*)*(?P<last>[A-ZÀ-Ý][\w'’.-]*)\s*(?:[?,]|$)"
)


def asked_identity(text: str) -> str | None:
    """For "Qui est Iouri Ouchakov ?" / "Who is Yuri Ushakov?", the last word of the name,
    folded (``ouchakov``); None for any other question.

    >>> asked_identity("Qui est Iouri Ouchakov ?"), asked_identity("Qui a signé ?")
    ('ouchakov', None)
    """
    match = _IDENTITY.match(text)
    return fold(match.group("last")).strip(".'’") if match else None


_FR_FOCUS = re.compile(r"\b(?:quel|quelle|quels|quelles|lequel|laquelle)\s+(.*)", re.I)
_EN_FOCUS = re.compile(r"\b(?:which|what)\s+(.*)", re.I)
_FR_ADJ_BEFORE = {
    "haut", "haute", "grand", "grande", "principal", "principale", "autre", "seul", "seule",
    "nouveau", "nouvelle", "premier", "premiere", "dernier", "derniere", "ancien", "ancienne",
    "petit", "petite", "type", "sorte", "genre",
}  # fmt: skip
_EN_ADJ_BEFORE = {"senior", "top", "other", "new", "former", "main", "first", "last", "kind",
                  "sort", "type", "of", "us", "american", "russian", "ukrainian", "european",
                  "high", "ranking", "high-ranking", "key"}  # fmt: skip


_EN_AUXILIARIES = frozenset(
    {"is", "was", "are", "were", "be", "been", "do", "does", "did", "have", "has", "had", "can",
     "could", "will", "would", "should", "may", "might", "must"}
)  # fmt: skip


# A focus noun that opens an idiom names no kind of answer: « quel état d'esprit » asks a
# mood, not a state; "what state of mind" neither.
_FOCUS_IDIOM = re.compile(
    r"^(?:[ée]tat\s+(?:d['’]\s*esprit|de\s+sant[ée]|d['’]\s*[âa]me)|state\s+of\s+(?:mind|health))\b",
    re.I,
)


_FR_COPULA = {"est", "sont", "etait", "etaient", "sera", "seront", "serait", "seraient"}
_FOCUS_COPULAS = _FR_COPULA | {"is", "are", "was", "were"}
_FOCUS_ARTICLES = {"le", "la", "les", "the"}


def _focus(match: re.Match[str] | None, language: str) -> str | None:
    """The focus noun after a quel/which/what (``match``: :data:`_FR_FOCUS`/:data:`_EN_FOCUS`)."""
    if not match or _FOCUS_IDIOM.match(match.group(1)):
        return None
    words = _WORD.findall(match.group(1))[:6]
    if len(words) >= 2 and fold(words[0]) in _FOCUS_COPULAS:
        # « Quel est le montant … », « Quel est l'âge … », "What was the date …": the noun
        # after the verb and its article, when it names a kind of answer.
        elided = re.match(r"l['’](\w+)$", words[1], re.I)
        noun = elided.group(1) if elided else words[2] if len(words) >= 3 else ""
        if (elided or fold(words[1]) in _FOCUS_ARTICLES) and _singular(fold(noun)) in _FOCUS_TYPES:
            return fold(noun)
    return _noun_focus(words[:4], language)


def _noun_focus(words: Sequence[str], language: str) -> str | None:
    """The focus noun among the first words after quel/which/what."""
    skip = _EN_ADJ_BEFORE if language == "en" else _FR_ADJ_BEFORE
    for i, word in enumerate(words):
        folded = fold(word)
        if word[:1].isupper():
            continue  # a name ("which Axios journalist"): the focus noun comes after
        if language == "en" and folded in _EN_AUXILIARIES:
            return None  # "what did …", "which have …": no noun names the answer's kind
        if folded in skip:
            continue
        if language == "en" and _singular(folded) not in _FOCUS_TYPES:
            # An English compound names its kind last: "which news agency", "media outlet".
            for following in words[i + 1 : i + 3]:
                head = fold(following)
                if head in _stop():
                    break
                if _singular(head) in _FOCUS_TYPES:
                    return head
        return folded
    return None


def _singular(noun: str) -> str:
    """The singular of a plural focus noun (``countries`` → ``country``), else ``noun``."""
    if noun.endswith("ies") and noun[:-3] + "y" in _FOCUS_TYPES:
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and noun[:-1] in _FOCUS_TYPES else noun


def answer_type(text: str, language: str) -> tuple[str | None, str | None]:
    """The expected answer type of a question and its focus noun.

    ``qui``/``who`` → PER, ``quand``/``when`` → DATE, ``combien``/``how many`` → NUMBER,
    ``où``/``where`` → LOC, ``quel pays``/``which newspaper`` → the focus noun's type; none for
    "qui est <nom> ?" / "who is <name>?", which asks for a description of the person named.
    """
    focus_match = (_EN_FOCUS if language == "en" else _FR_FOCUS).search(text)
    focus = _focus(focus_match, language)
    if asked_identity(text) is not None:
        return None, focus
    typed_focus = None
    if focus is not None:
        typed_focus = _FOCUS_TYPES.get(_singular(focus))
    matched = _type_matches(text, language)
    untyped = _untyped_start(text, language, focus_match, focus, typed_focus)
    if untyped is not None and all(untyped < start for start, _, _ in matched):
        return None, focus  # "Pourquoi ne sait-on pas quand …": the type asks why, not when
    if typed_focus is not None:
        return typed_focus, focus
    # The interrogative that comes first is what is asked: in "Qui est le maire de la ville où
    # …", « où » opens a relative clause.
    return (matched[0][2], focus) if matched else (None, focus)


def _type_matches(text: str, language: str) -> list[tuple[int, int, str]]:
    """``(start, end, type)`` of each typed interrogative rule that matches, by position (rule
    order on ties)."""
    rules = _EN_TYPE_RULES if language == "en" else _FR_TYPE_RULES
    found = [(m.start(), m.end(), kind) for pattern, kind in rules if (m := pattern.search(text))]
    return sorted(found, key=lambda match: match[0])


_COORDINATION = re.compile(r"\s*(?:,|et|and|ou|or)\s*", re.I)


def coordinated_types(text: str, language: str) -> tuple[str, ...]:
    """The types asked by interrogatives coordinated with the question's first one ("Où et
    quand …", "When and where …": a date), which :func:`answer_type` does not return.

    >>> coordinated_types("Où et quand aura lieu la réunion ?", "fr")
    ('DATE',)
    >>> coordinated_types("Qui est le maire de la ville où se trouve le musée ?", "fr")
    ()
    """
    matched = _type_matches(text, language)
    if not matched:
        return ()
    found: list[str] = []
    end, first = matched[0][1], matched[0][2]
    for start, stop, kind in matched[1:]:
        if start < end:
            continue  # overlapping rules on the same words
        if not _COORDINATION.fullmatch(text[end:start]):
            break
        if kind != first and kind not in found:
            found.append(kind)
        end = stop
    return tuple(found)


# Interrogatives that ask no typed answer; a "quand"/"where" after one opens a clause of the
# question ("Pourquoi ne sait-on pas quand …", "Did Ushakov know where …"), not what it asks.
_FR_UNTYPED = re.compile(r"\b(?:pourquoi|comment)\b|^\s*est-ce que\b", re.I)
_EN_UNTYPED = re.compile(
    r"\b(?:why|how)\b(?!\s+(?:many|much|long|old|far|often|soon)\b)"
    rf"|^\s*(?:{'|'.join(sorted(_EN_AUXILIARIES))})\b",  # a yes/no question
    re.I,
)


def _untyped_start(
    text: str,
    language: str,
    focus_match: re.Match[str] | None,
    focus: str | None,
    typed_focus: str | None,
) -> int | None:
    """Where the question's first interrogative asking no typed answer starts, if any: why,
    how, a yes/no opening, or which/quel + a noun of no answer type (``quel stade``)."""
    starts = [m.start() for m in (_EN_UNTYPED if language == "en" else _FR_UNTYPED).finditer(text)]
    # English "which/what" without a noun ("what did …") asks nothing typed either; French
    # "quel est/sont …" names its noun after the verb, which is not read here.
    no_noun = language == "en" if focus is None else focus not in _FR_COPULA
    if focus_match and typed_focus is None and no_noun:
        starts.append(focus_match.start())
    return min(starts) if starts else None


def _is_name(annotation: Annotation | None, start: int) -> bool:
    """Whether spaCy reads the token at ``start`` as a proper noun or inside an entity."""
    if annotation is None:
        return False
    if any(
        e.start <= start < e.end and e.label in {"PER", "LOC", "ORG"} for e in annotation.entities
    ):
        return True
    return any(s == start and pos == "PROPN" for _, pos, s, _ in annotation.pos)


# Capitals named for their country's government ("la proposition de Londres").
_METONYMS = {
    "londres": ("britannique", "royaume-uni"), "london": ("londres", "britannique", "royaume-uni"),
    "washington": ("americain", "etats-unis"), "moscou": ("russe", "russie", "kremlin"),
    "moscow": ("moscou", "russe", "russie", "kremlin"), "kiev": ("kyiv", "ukrainien", "ukraine"),
    "kyiv": ("kiev", "ukrainien", "ukraine"), "paris": ("francais", "france"),
    "berlin": ("allemand", "allemagne"), "pekin": ("chinois", "chine"),
    "beijing": ("pekin", "chinois", "chine"), "bruxelles": ("europeen", "ue"),
    "brussels": ("bruxelles", "europeen", "ue"), "ankara": ("turc", "turquie"),
}  # fmt: skip
# English nationality adjectives ("the Italian press"): a name of the question only in English.
_EN_DEMONYM = re.compile(r"(?:ian|ese|ish|ean)$")
_CLAUSE_END = re.compile(r"[.!?:;]\s*$")


def _starts_clause(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the question or a sentence inside it."""
    return not text[:start].strip() or bool(_CLAUSE_END.search(text[:start]))


def _common_noun(annotation: Annotation | None, start: int) -> bool:
    """Whether spaCy tags the token at ``start`` as a common noun (French "l'État")."""
    return annotation is not None and any(
        s == start and pos == "NOUN" for _, pos, s, _ in annotation.pos
    )


def _name_keys(
    text: str, annotation: Annotation | None, language: str
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The names and numbers of a question, each a tuple of folded alternatives: the keys to
    look up in the retrieved text, and every word the question names (for "the question
    already names it": each capitalised word, with its French forms).

    A run of capitalised words is one name, looked up by its last word ("Iouri Ouchakov" is
    found wherever "Ouchakov" is). Set aside: a capital that only opens a clause ("Ajoute",
    "SYSTEM OVERRIDE: …"), English nationality adjectives, French capitalised common nouns
    ("l'État"). A capital city also matches its country's adjective ("Londres" → britannique).
    """
    stop = _stop()
    keys: list[tuple[str, ...]] = []
    named: list[tuple[str, ...]] = []
    seen: set[str] = set()
    folded_text = fold(text)
    for english, french in _EN_NAMES.items():
        if len(english) > 3 and re.search(rf"\b{re.escape(english)}\b", folded_text):
            keys.append(french)
            named.append(french)
            seen.update(english.split())
    # (folded word, start, end, acronym) of each capitalised word kept as part of a name.
    parts: list[tuple[str, int, int, bool]] = []
    for index, match in enumerate(_WORD.finditer(text)):
        word = match.group(0).strip("'’")
        offset = match.start() + match.group(0).find(word)
        for number, part in enumerate(re.split(r"[’'-]", word)):
            if not part or not part[0].isupper() or len(part) < 2:
                continue
            folded = fold(part)
            acronym = part.isupper() and len(part) <= 5
            if folded in seen or (folded in stop and not (acronym and folded in _EN_ACRONYMS)):
                continue
            start = offset + word.find(part)
            if index or number or _is_name(annotation, match.start()):
                named.append(_alternatives(folded, acronym=acronym))
            known = folded in _EN_NAMES or folded in _EN_MONTHS or folded in _METONYMS
            if number == 0 and _starts_clause(text, match.start()) and not (acronym or known):
                continue  # a capital that only opens a clause ("Sait-on", "Ajoute", "Ignore")
            if language == "en" and _EN_DEMONYM.search(folded) and not known:
                continue
            if language == "fr" and _common_noun(annotation, start) and not known:
                continue
            seen.add(folded)
            parts.append((folded, start, start + len(part), acronym))
    names: list[list[tuple[str, bool]]] = []
    previous_end = -2
    for folded, start, end, acronym in parts:
        if names and text[previous_end:start] == " ":
            names[-1].append((folded, acronym))  # "Mark Rutte": one name
        else:
            names.append([(folded, acronym)])
        previous_end = end
    keys += [_alternatives(*name[-1]) for name in names]
    for number in _DIGITS.findall(text):
        if number not in seen:
            seen.add(number)
            keys.append((number,))
            named.append((number,))
    return keys, named


def _alternatives(word: str, acronym: bool = False) -> tuple[str, ...]:
    """A folded name and its French forms (English month, country, capital city, or the
    acronym of an international body when written in capitals: NATO → OTAN)."""
    if acronym and word in _EN_ACRONYMS:
        return _EN_ACRONYMS[word]
    if word in _EN_MONTHS:
        return (_EN_MONTHS[word],)
    if word in _EN_NAMES:
        return (word, *_EN_NAMES[word])
    if word in _METONYMS:
        return (word, *_METONYMS[word])
    return (word,)


def analyze_question(
    text: str, language: str, annotator: Annotator, *, asked: str | None = None
) -> QuestionInfo:
    """Answer type, focus noun, content lemmas and names/numbers of a question.

    ``asked``: the question in its own words when ``text`` is a follow-up completed with the
    earlier questions it leans on ("Et où sont-ils retenus ? (Combien de suspects ont été
    arrêtés ?)"): what is asked (a place, not a number) is read from it alone; the lemmas and
    names from the whole ``text``.
    """
    own = asked or text
    kind, focus = answer_type(own, language)
    annotation = annotator.annotate(text)
    if language == "en":
        stop = _stop()
        lemmas = frozenset(w for w in annotation.words if w not in stop and len(w) > 2)
    else:
        lemmas = annotation.lemmas
    keys, named = _name_keys(text, annotation, language)
    role, role_of = asked_role(own, language, focus) if kind == PERSON else ((), ())
    return QuestionInfo(
        text=text,
        language=language,
        answer_type=kind,
        focus=focus,
        lemmas=lemmas,
        keys=keys,
        named=named,
        annotation=annotation,
        measure=(measure := asked_measure(own, kind)),
        asks_name=asked_name(own),
        counted=counted_words(own, measure),
        speaker=asked_speaker(own) or pronoun_speaker(text, annotation),
        asks_reason=asks_reason(own),
        identity=asked_identity(own),
        asks_source=asks_source(own),
        also_types=coordinated_types(own, language) if kind is not None else (),
        role=role,
        role_of=role_of,
        speaking_role=asked_speaking_role(own, language),
        source=asked_source_words(own),
    )


# ---------------------------------------------------------------- matching helpers
def _prefix_match(a: str, b: str) -> bool:
    """Same word or the same stem across languages (``ukrainian``/``ukrainien``)."""
    if a == b:
        return True
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    return shared >= 4 and shared >= 0.6 * min(len(a), len(b))


# Cognates spelt a letter apart after a shared start: negotiations/négociations,
# organization/organisation, independence/indépendance (long words only).
_SPELLING_MIN = 7


@lru_cache(maxsize=100_000)
def _one_spelling_apart(a: str, b: str) -> bool:
    """Whether two long words are one letter substituted, inserted or deleted apart."""
    if len(b) < _SPELLING_MIN or abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


_SKELETON_RULES = (("tch", "ch"), ("ch", "sh"), ("ou", "u"), ("y", "i"), ("w", "v"), ("k", "c"))


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """A transliteration-blind key of a name: Ouchakov/Ushakov, Poutine/Putin, Zelenski/Zelensky.

    French and English spellings of one foreign name differ in ``ou``/``u``, ``ch``/``sh``,
    ``i``/``y``: rewrite those, drop doubled letters and every vowel after the first letter.
    """
    text = word
    for old, new in _SKELETON_RULES:
        text = text.replace(old, new)
    squeezed = "".join(c for i, c in enumerate(text) if i == 0 or c != text[i - 1])
    return squeezed[:1] + "".join(c for c in squeezed[1:] if c not in "aeiou")


class WordSet:
    """Folded words of a text, indexed by their first four letters for cognate look-ups."""

    def __init__(self, words: Sequence[str], text: str | None = None) -> None:
        self.words = set(words)
        # Words in order, space-padded, for multi-word names ("maison blanche").
        self.text = text if text is not None else " " + " ".join(words) + " "
        self.by_prefix: dict[str, list[str]] = {}
        for word in self.words:
            self.by_prefix.setdefault(word[:4], []).append(word)
        self._skeletons: set[str] | None = None

    def skeletons(self) -> set[str]:
        """Transliteration-blind keys of the longer words (built on first use)."""
        if self._skeletons is None:
            self._skeletons = {skeleton(w) for w in self.words if len(w) >= 5}
        return self._skeletons

    def has(self, word: str) -> bool:
        """The word itself or a word sharing its stem (see :func:`_prefix_match`)."""
        if word in self.words:
            return True
        if len(word) < 4:
            return False
        bucket = self.by_prefix.get(word[:4], ())
        if any(_prefix_match(word, w) for w in bucket):
            return True
        if len(word) >= _SPELLING_MIN and any(_one_spelling_apart(word, w) for w in bucket):
            return True
        key = skeleton(word) if len(word) >= 5 else ""
        return len(key) >= 3 and key in self.skeletons()


def key_found(alternatives: tuple[str, ...], words: WordSet, text: str) -> bool:
    """Whether one of a key's alternatives occurs in a text (its word set and folded words)."""
    for alternative in alternatives:
        if " " in alternative or "-" in alternative:
            if " " + alternative.replace("-", " ") + " " in text:
                return True
            continue
        if alternative.isdigit():
            if alternative in words.words:
                return True
            continue
        if words.has(alternative):
            return True
    return False


def _cognate_coverage(question_words: Iterable[str], words: WordSet) -> float:
    """Share of the question's long words that share a stem with a word of the text."""
    long_words = [w for w in set(question_words) if len(w) >= 5]
    if not long_words:
        return 0.0
    return sum(words.has(w) for w in long_words) / len(long_words)


@lru_cache(maxsize=4096)
def _paragraph_words(text: str) -> WordSet:
    return WordSet([_fold(w) for w in _TOKEN.findall(text)])


def _span_words(text: str) -> set[str]:
    return {_fold(w) for w in _TOKEN.findall(text)}


# ---------------------------------------------------------------- features
SENTENCE_FEATURES = (
    "cos", "cos_gap", "cos_margin", "cos_rank", "cos_z",
    "stem_cov", "lemma_cov", "lemma_cov_par", "cognate_cov",
    "novelty", "new_entities",
    "type_match", "type_match_par", "type_any",
    "key_sent", "key_par",
    "p_rank", "p_dense", "p_score", "first", "neigh_cos", "par_best", "ctx_cos", "ctx_gain",
    "en_cos", "en_cognate", "en_key_sent",
)  # fmt: skip
QUESTION_FEATURES = (
    "best", "best_margin", "best_cos", "best_lemma_cov", "best_cognate",
    "key_pool", "missing_keys", "has_keys", "type_pool", "has_type", "top_type_match",
    "p_dense_top", "is_en", "lemma_pool", "cognate_par", "top_key_par", "best_lemma_par",
    "best_support", "extractive_margin",
)  # fmt: skip


@dataclass
class CandidateSet:
    """Candidates of one question with their features (one row each)."""

    question: QuestionInfo
    candidates: list[Candidate]
    features: np.ndarray  # (n, len(SENTENCE_FEATURES))
    annotations: list[Annotation]
    cosines: np.ndarray
    key_pool: float = 1.0
    missing_keys: int = 0
    type_pool: float = 0.0
    lemma_pool: float = 0.0
    cognate_par: float = 0.0
    # Today's extractive answerer's best support minus its refusal bar (IDF-weighted term
    # coverage, per-language bar), when the caller has it.
    extractive_margin: float = 0.0

    def column(self, name: str) -> np.ndarray:
        """One feature column by name."""
        return self.features[:, SENTENCE_FEATURES.index(name)]


# Prepositions that make a place the location of an event ("en Alaska", "à Miami", "in Geneva").
_LOCATIVE = frozenset({"a", "en", "au", "aux", "dans", "chez", "in", "at"})
_ARTICLES = frozenset({"l'", "l’", "le", "la", "les", "the"})
_OF = frozenset({"de", "du", "des", "d'", "d’", "of"})
# Nouns after « à », « au », « en » that make no place: « au nom de », « à la suite de ».
_NOT_PLACE_HEAD_WORDS = (
    "nom sujet appel tete suite propos cours faveur part cote cause raison demande initiative "
    "occasion issue fin debut moment lumiere egard instar instigation merci detriment "
    "name behalf request"
)
_NOT_PLACE_HEADS = frozenset(_NOT_PLACE_HEAD_WORDS.split())


def is_locative(annotation: Annotation, entity: Entity) -> bool:
    """Whether ``entity`` follows a locative preposition (an article in between is allowed)."""
    before = [token for token, _, _, end in annotation.pos if end <= entity.start]
    if before and before[-1] in _ARTICLES:
        before.pop()
    return (bool(before) and before[-1] in _LOCATIVE) or _located_complement(annotation, entity)


def _located_complement(annotation: Annotation, entity: Entity) -> bool:
    """Whether a place is the complement of a noun after a locative preposition (« dans les
    locaux de la police judiciaire de Rennes », « à l'hôpital de Vernay »), not of an idiom
    (« au nom de la Russie »)."""
    before = [(token, pos) for token, pos, _, end in annotation.pos if end <= entity.start]
    hops, head = 0, None
    for token, pos in reversed(before[-10:]):
        if token in _OF:
            hops += 1
        elif pos in ("NOUN", "PROPN"):
            head = token
        elif pos not in ("DET", "ADJ") and token not in _ARTICLES:
            located = pos == "ADP" and token in _LOCATIVE
            return located and hops > 0 and head is not None and head not in _NOT_PLACE_HEADS
    return False


def new_typed_entities(
    annotation: Annotation, question: QuestionInfo, kind: str | None
) -> list[Entity]:
    """Entities of the expected type in a sentence that the question does not already name.

    A question that asks a measure (``question.measure``: an age, a duration, an amount of
    money, a year) takes only numbers or dates of that measure.

    For a plain where-question (``où``/``where``, no focus noun) a place counts only where the
    sentence locates something there (after ``à``/``en``/``dans``/``in``/``at``…): in "la
    Russie s'est montrée ouverte", Russia is an actor, not where the event took place.
    """
    if kind is None:
        return []
    where = kind == PLACE and question.focus is None
    found = []
    for entity in annotation.entities:
        year = question.measure == "year" and bool(_YEAR.fullmatch(entity.text))
        if not satisfies(entity, kind) and not year:
            continue
        if where and not is_locative(annotation, entity) and not _STREET.fullmatch(entity.text):
            continue  # a street address locates by itself (« garé rue des Remparts »)
        if question.measure and not _has_measure(annotation, entity, question.measure):
            continue
        if not _named_by(question, entity):
            found.append(entity)
    return found


def _named_words(question: QuestionInfo, words: set[str]) -> set[str]:
    return {w for w in words if any(key_found(k, WordSet([w]), f" {w} ") for k in question.named)}


def _named_by(question: QuestionInfo, entity: Entity) -> bool:
    """Whether the question already names an entity (its names, numbers or words)."""
    words = _span_words(entity.text)
    if words and _named_words(question, words) == words:
        return True
    return bool(words) and words <= question.lemmas


def names_person(question: QuestionInfo, entity: Entity) -> bool:
    """Whether the question names a person entity by any of their names ("Zelensky" names
    "Volodymyr Zelensky")."""
    if entity.label != "PER":
        return False
    return any(len(word) > 2 for word in _named_words(question, _span_words(entity.text)))


def new_persons(annotation: Annotation, question: QuestionInfo) -> list[Entity]:
    """The persons of a sentence that the question does not name by any of their names
    (« Rustem Umerov » is named by "Qui a rencontré Oumierov ?")."""
    return [
        entity
        for entity in new_typed_entities(annotation, question, PERSON)
        if not names_person(question, entity)
    ]


_NAME_LABELS = frozenset({"PER", "LOC", "ORG", "MISC"})


# What may follow a name and a comma in an apposition that says who they are (« Rustem Umerov,
# secrétaire du Conseil … », « Dmitriev, PDG du Fonds … »), not a verb (« …, a déclaré »).
_APPOSITION_POS = frozenset({"DET", "NOUN", "ADJ", "PROPN"})
_TITLE_BEFORE_POS = frozenset({"NOUN", "ADJ"})
_COPULAS = frozenset({"est", "etait", "is", "was"})
_NOT_APPOSITION = _AUXILIARIES | _COPULAS | {"qui", "who", "selon", "according"}
_HONORIFICS = frozenset({"m", "m.", "mme", "mlle", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr"})


# A verb or phrase asking who holds a role, and the role's nouns (French stems, 5 letters).
_HEAD_ROLES = ("direc", "dirig", "chef", "patro", "pdg", "presi")
_ROLE_VERBS = (
    (re.compile(r"\bqui\s+(?:la |le |les |l['’])?(?:dirige|dirigeait|dirigera|est à la tête de|"
                r"était à la tête de)\b|\bwho\s+(?:heads|headed|leads|led|runs|ran|directs|"
                r"directed|is (?:in charge|at the head) of|was (?:in charge|at the head) of)\b",
                re.I), _HEAD_ROLES),
    (re.compile(r"\bqui\s+(?:la |le |les |l['’])?(?:préside|présidait|présidera)\b"
                r"|\bwho\s+(?:chairs|chaired|presides(?: over)?)\b", re.I), ("presi",)),
)  # fmt: skip
# A complement that says what the role is of by a clause (« la ville où se trouve le musée »)
# or a pronoun (« Qui la préside ? ») gives no words to compare with a sentence's.
_RELATIVE = re.compile(r"\b(?:où|qui|que|qu['’]|dont|lequel|laquelle|where|which|that|who|whose)\b",
                       re.I)  # fmt: skip
_POSSESSIVES = frozenset({"sa", "son", "ses", "leur", "leurs", "its", "his", "her", "their"})
# "Qui est le maire de …", "Who is the mayor of …", "Who is the museum's director?".
_ROLE_NOUN = re.compile(
    r"\bqui\s+(?:est|était|sera)\s+(?:le |la |l['’])\s*(?P<fr>[\w-]+)"
    r"|\bwho\s+(?:is|was|will be)\s+(?:the\s+(?:[\w-]+['’]s\s+)?|[\w-]+['’]s\s+)(?P<en>[\w-]+)",
    re.I,
)
# English role nouns whose French noun starts otherwise.
_EN_ROLES = {
    "mayor": ("maire",), "prosecutor": ("procu",), "spokesman": ("porte",),
    "spokeswoman": ("porte",), "spokesperson": ("porte",), "chairman": ("presi",),
    "chairwoman": ("presi",), "chair": ("presi",), "head": _HEAD_ROLES, "chief": _HEAD_ROLES,
    "boss": _HEAD_ROLES, "leader": ("dirig", "chef"), "ceo": ("pdg", "direc"),
    "watchman": ("gardi",), "guard": ("gardi",), "judge": ("juge",), "lawyer": ("avoca",),
    "aide": ("assis", "conse", "colla"), "deputy": ("adjoi",), "prefect": ("prefe",),
}  # fmt: skip
# Person nouns that name no role ("quel homme", "which official").
_NO_ROLE = frozenset(
    {"homme", "femme", "personne", "personnes", "responsable", "responsables", "fonctionnaire",
     "suspect", "man", "woman", "person", "people", "official", "officials"}
)  # fmt: skip


# The nouns of a person's role a sentence may name them with (folded, singular).
_ROLE_NOUNS = (
    frozenset(noun for noun, kind in _FOCUS_TYPES.items() if kind == PERSON)
    | _NAMED_PERSONS
    | {"pdg", "patronne", "cheffe", "procureure", "gouverneur", "gouverneure", "commandant",
       "administrateur", "administratrice", "conservateur", "conservatrice", "dirigeante",
       "avocat", "avocate"}
) - _NO_ROLE  # fmt: skip


def opens_on_person_noun(annotation: Annotation) -> bool:
    """Whether a sentence opens on a noun of a person, after its determiner (« Le gardien de
    nuit, seul en poste, n'a rien entendu », « La procureure a précisé … »)."""
    for word, pos, _, _ in annotation.pos:
        if pos == "DET":
            continue
        return pos == "NOUN" and (word in _ROLE_NOUNS or word.rstrip("s") in _ROLE_NOUNS)
    return False


def _role_stems(noun: str, language: str) -> tuple[str, ...]:
    folded = fold(noun).rstrip("s") if language == "en" else fold(noun)
    if folded in _NO_ROLE or (folded not in _NAMED_PERSONS and _FOCUS_TYPES.get(folded) != PERSON):
        return ()
    if language == "en" and folded in _EN_ROLES:
        return _EN_ROLES[folded]
    return (folded[:5],)


def asked_role(
    text: str, language: str, focus: str | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The role a question asks the holder of, as French stems (see :attr:`QuestionInfo.role`),
    and what that role is of, as folded content words (:attr:`QuestionInfo.role_of`).

    « Qui dirige le musée ? » → directeur, dirigeant, chef… of ``musee``; "Who is the mayor of
    …?" → ``maire``; "Who is the museum's director?" → ``direc`` of ``museum``; « Quelle
    magistrate … ? » → ``magis``. The complement is () when the question gives it by a pronoun
    or a clause (« Qui la préside ? », « le maire de la ville où … »), or not at all; both are
    () for a question that asks no role.

    >>> asked_role("Qui préside la région ?", "fr", None), asked_role("Qui a signé ?", "fr", None)
    ((('presi',), ('region',)), ((), ()))
    """
    role: tuple[str, ...] = ()
    rest = ""
    verb = next(((m, stems) for p, stems in _ROLE_VERBS if (m := p.search(text))), None)
    if verb is not None:
        role, rest = verb[1], text[verb[0].end() :]
    elif match := _ROLE_NOUN.search(text):
        role = _role_stems(match.group("fr") or match.group("en"), language)
        owner = re.search(r"([\w-]+)['’]s\s+[\w-]+\s*$", match.group())
        rest = owner.group(1) if owner else text[match.end() :]
        if not owner and not re.match(r"\s*(?:de|du|des|d['’]|à|au|aux|of)\b", rest, re.I):
            rest = ""  # « le secrétaire à l'Armée », « le ministre aux Armées » give it too
    elif focus is not None and _FOCUS_TYPES.get(_singular(focus)) == PERSON:
        role = _role_stems(_singular(focus), language)
    rest = rest.split("?")[0].split("(")[0]
    if not role or _RELATIVE.search(rest):
        return role, ()
    stop = _stop()
    words = (_ELIDED_HEAD.sub("", fold(token)) for token in _WORD.findall(rest))
    return role, tuple(word for word in words if len(word) >= 3 and word not in stop)


def _same_owner(question: QuestionInfo, owner: Sequence[tuple[str, str, int, int]]) -> bool:
    """Whether the words a sentence gives the role to (``owner``: its tokens, « de la région »,
    « Sa ») may be what the question asks about (``question.role_of``): anything when the
    question does not say it in words, else a shared word (a stem across languages), or no
    owner at all (« Le maire, François Kerbrat »); a possessive (« Sa présidente ») is someone
    else's then."""
    if not question.role_of:
        return True
    if owner and owner[0][0] in _POSSESSIVES:
        return False
    words = _owner_words(owner)
    return not words.words or any(words.has(w) for w in question.role_of)


def _owner_words(owner: Sequence[tuple[str, str, int, int]]) -> WordSet:
    return WordSet([w for w, pos, _, _ in owner if pos in ("NOUN", "PROPN", "ADJ", "X")])


def role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """The person a sentence names with the role the question asks about
    (``question.role``), the question not naming them: in apposition after the role and its
    complement (« la directrice du musée, Anne-Sophie Rival », « Sa présidente, Claire
    Dumoulin »), right after it (« la procureure Isabelle Carré ») or before it (« Alain
    Mercier, président de la chambre »). None when the sentence names no such person."""
    found = _role_persons(annotation, question)
    return next((p for p, owner in found if _same_owner(question, owner)), None)


def named_role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """:func:`role_holder` when the sentence also says, in a word of the question's, what the
    role is of (« le président de la région, Olivier Fabre » for "Who is the president of the
    region?"), not by a possessive or not at all."""
    if not question.role_of:
        return None
    for person, owner in _role_persons(annotation, question):
        words = _owner_words(owner)
        if _same_owner(question, owner) and any(words.has(w) for w in question.role_of):
            return person
    return None


def other_role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """A person the sentence gives the asked role **of something else** than the question
    says (« Rustem Umerov, secrétaire du Conseil national de sécurité … » for « Qui est le
    secrétaire à l'Armée américaine ? »), when it names no holder of the asked one. A
    possessive does not say whose role it is (« Son président » may be the chamber's)."""
    found = list(_role_persons(annotation, question))
    if any(_same_owner(question, owner) for _, owner in found):
        return None
    return next((p for p, owner in found if not owner or owner[0][0] not in _POSSESSIVES), None)


def _role_persons(
    annotation: Annotation, question: QuestionInfo
) -> Iterator[tuple[Entity, list[tuple[str, str, int, int]]]]:
    """Each person a sentence names next to the asked role (see :func:`role_holder`), with
    the tokens that say what the role is of (« de la région », « Sa », none)."""
    if not question.role:
        return
    persons = new_persons(annotation, question)
    if not persons:
        return
    tokens = annotation.pos
    for index, (word, _, start, end) in enumerate(tokens):
        if word.rstrip("s") not in _ROLE_NOUNS or not word.startswith(question.role):
            continue  # not « dirige » (a verb the small model may tag as a noun)
        before = tokens[index - 1 : index] if index else ()
        for person in persons:
            if person.start >= end:  # after the role: next to it, or after its complement's comma
                between = [t for t in tokens[index + 1 :] if t[3] <= person.start]
                if not between or (
                    len(between) <= _ROLE_COMPLEMENT_TOKENS
                    and between[-1][0] == ","
                    and all(t[0] != "," for t in between[:-1])
                ):
                    yield person, [*before, *between[:-1]]
                elif len(between) <= _ROLE_COMPLEMENT_TOKENS and all(
                    t[1] in _COMPLEMENT_POS for t in between
                ):  # « l'assistant du président russe pour les affaires internationales Yuri
                    # Ushakov »: a complement of nouns and adjectives, the name right after
                    yield person, [*before, *between]
            elif person.end <= start:  # « Alain Mercier, président de … »
                between = [t for t in tokens[:index] if t[2] >= person.end]
                following = tokens[index + 1 : index + 1 + _ROLE_COMPLEMENT_TOKENS]
                after = list(itertools.takewhile(lambda t: t[0] not in ",;:.()", following))
                if between and between[0][0] == "," and all(t[1] == "DET" for t in between[1:]):
                    yield person, [*between[1:], *after]


# Parts of speech of a role's complement that the holder's name may follow with no comma.
_COMPLEMENT_POS = frozenset({"DET", "ADP", "NOUN", "ADJ"})
# How many tokens a role's complement may take before the comma of its apposition
# (« la procureure de la République de Lorvan, Isabelle Carré »).
_ROLE_COMPLEMENT_TOKENS = 8


def describes(annotation: Annotation, question: QuestionInfo) -> bool:
    """Whether a sentence says who the person a "Qui est … ?" question names is
    (``question.identity``): the name with an apposition (« Rustem Umerov, secrétaire du
    Conseil … »), a title right before it (« l'assistant du président russe pour les affaires
    internationales Yuri Ushakov », « le porte-parole Dmitri Peskov ») or a copula after it
    (« Witkoff est un promoteur … », « …, qui est … »). The last name is matched as the
    question's other names are ("Ouchakov" finds "Yuri Ushakov"); « M. Ouchakov a déclaré … »
    does not describe him.
    """
    if question.identity is None:
        return False
    name = _alternatives(question.identity)
    tokens = annotation.pos
    for entity in annotation.entities:
        if entity.label not in _NAME_LABELS:
            continue
        words = _paragraph_words(entity.text)
        if not key_found(name, words, words.text):
            continue
        before = [t for t in tokens if t[3] <= entity.start]
        after = [t for t in tokens if t[2] >= entity.end]
        if before and before[-1][0] not in _BEFORE_WORDS | _HONORIFICS:
            word, pos = before[-1][0], before[-1][1]
            if pos in _TITLE_BEFORE_POS or word in _NAMED_PERSONS:
                return True
        if len(after) >= 2 and after[0][0] == ",":
            word, pos = after[1][0], after[1][1]
            if pos in _APPOSITION_POS and word not in _NOT_APPOSITION:
                return True
            if word in ("qui", "who") and len(after) >= 3 and after[2][0] in _COPULAS:
                return True
        if len(after) >= 2 and after[0][0] in _COPULAS and after[1][1] == "DET":
            return True
    return False


# Indefinite quantifiers, and what opens a list of the things counted.
_VAGUE_QUANTIFIER_WORDS = """plusieurs certains certaines quelques divers diverses autres
    nombreux nombreuses several some other others various many numerous"""
_VAGUE_QUANTIFIERS = frozenset(_VAGUE_QUANTIFIER_WORDS.split())
_LIST_OPENERS = frozenset({"dont", "notamment", "comme", "including", "such", "namely", ":", "("})
_VAGUE_TOKEN = re.compile(r"\w+|[:(]", re.UNICODE)


def leaves_focus_vague(sentence: str, focus: str | None) -> bool:
    """Whether a sentence names the kind of thing a which-question asks for (its focus noun:
    « Dans quels lycées … ? ») only as an indefinite number of them (« dans plusieurs lycées de
    Vernay », « d'autres membres de l'équipe », "several schools") and lists none: it says
    there are some, not which. False when it does not name them at all.

    >>> leaves_focus_vague("Les épreuves ont lieu dans plusieurs lycées de Vernay.", "lycees")
    True
    >>> leaves_focus_vague("Plusieurs lycées, dont Jean-Moulin, sont concernés.", "lycees")
    False
    """
    if not focus or len(focus) < 4 or focus in _FOCUS_COPULAS:
        return False
    tokens = [fold(token) for token in _VAGUE_TOKEN.findall(sentence)]
    places = [i for i, word in enumerate(tokens) if len(word) >= 4 and word[:5] == focus[:5]]
    return bool(places) and all(
        any(word in _VAGUE_QUANTIFIERS for word in tokens[max(0, i - 2) : i])
        and not any(word in _LIST_OPENERS for word in tokens[i + 1 : i + 6])
        for i in places
    )


def new_names(annotation: Annotation, question: QuestionInfo) -> list[Entity]:
    """Names in a sentence that the question does not already name, of the kind it asks
    (``question.asks_name``): a person's (``PER``) or any (persons, places, organisations)."""
    if question.asks_name == PERSON:
        return new_typed_entities(annotation, question, PERSON)
    return [
        entity
        for entity in annotation.entities
        if entity.label in _NAME_LABELS and not _named_by(question, entity)
    ]


def sentence_features(
    question: QuestionInfo,
    candidates: Sequence[Candidate],
    cosines: np.ndarray,
    annotations: Sequence[Annotation],
    stem_coverage: Sequence[float] | None = None,
    context_cosines: np.ndarray | None = None,
    article_notes: Mapping[str, str] | None = None,
) -> CandidateSet:
    """The feature rows of one question's candidates (see :data:`SENTENCE_FEATURES`).

    ``article_notes`` (article id → the text of its non-citable blocks: title, footer,
    ``source:`` line) widens only the pool-level look-up of the question's names
    (``key_pool``, ``missing_keys``): a publisher named only in the footer of a retrieved
    article is not missing from the retrieved text.
    """
    n = len(candidates)
    features = np.zeros((n, len(SENTENCE_FEATURES)), dtype=np.float64)
    result = CandidateSet(question, list(candidates), features, list(annotations), cosines)
    if n == 0:
        return result
    col = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    is_en = 1.0 if question.language == "en" else 0.0
    order = np.argsort(-cosines, kind="stable")
    ranks = np.empty(n, dtype=int)
    ranks[order] = np.arange(n)
    sorted_cos = cosines[order]
    best = float(sorted_cos[0])
    spread = float(cosines.std()) or 1.0
    # Paragraph-level aggregates.
    by_paragraph: dict[tuple[str, int], list[int]] = {}
    for i, c in enumerate(candidates):
        by_paragraph.setdefault(c.key, []).append(i)
    paragraph_words: dict[tuple[str, int], WordSet] = {}
    paragraph_lemmas: dict[tuple[str, int], set[str]] = {}
    paragraph_typed: dict[tuple[str, int], int] = {}
    typed = [new_typed_entities(a, question, question.answer_type) for a in annotations]
    for key, members in by_paragraph.items():
        paragraph_words[key] = _paragraph_words(candidates[members[0]].passage.text)
        paragraph_lemmas[key] = set().union(*(annotations[i].lemmas for i in members))
        paragraph_typed[key] = sum(bool(typed[i]) for i in members)
    pool_sets = list(paragraph_words.values())
    if article_notes:
        articles = dict.fromkeys(c.passage.article_id for c in candidates)
        pool_sets += [_paragraph_words(article_notes[a]) for a in articles if article_notes.get(a)]
    pool_words = WordSet(
        sorted(set().union(*(w.words for w in pool_sets))), "".join(w.text for w in pool_sets)
    )
    pool_text = pool_words.text
    keys, named = question.keys, question.named
    if keys:
        in_pool = [key_found(k, pool_words, pool_text) for k in keys]
        result.key_pool = sum(in_pool) / len(keys)
        result.missing_keys = len(keys) - sum(in_pool)
    top_score = max((c.passage.score for c in candidates), default=0.0) or 1.0
    q_lemmas = question.lemmas
    q_words = [w for w in (question.annotation.words if question.annotation else ())
               if w not in _stop()]  # fmt: skip
    q_known = set(q_words) | q_lemmas
    for i, (c, a) in enumerate(zip(candidates, annotations, strict=True)):
        row = features[i]
        cos = float(cosines[i])
        rank = int(ranks[i])
        row[col["cos"]] = cos
        row[col["cos_gap"]] = cos - best
        below = sorted_cos[rank + 1] if rank + 1 < n else sorted_cos[rank] - 0.05
        row[col["cos_margin"]] = cos - float(below)
        row[col["cos_rank"]] = 1.0 / (1 + rank)
        row[col["cos_z"]] = (cos - float(cosines.mean())) / spread
        row[col["stem_cov"]] = stem_coverage[i] if stem_coverage is not None else 0.0
        if q_lemmas:
            row[col["lemma_cov"]] = len(q_lemmas & a.lemmas) / len(q_lemmas)
            row[col["lemma_cov_par"]] = len(q_lemmas & paragraph_lemmas[c.key]) / len(q_lemmas)
        words = WordSet(a.words)
        row[col["cognate_cov"]] = _cognate_coverage(q_words, words)
        if a.lemmas:
            row[col["novelty"]] = len(a.lemmas - q_lemmas) / len(a.lemmas)
        fresh = [e for e in a.entities if not _span_words(e.text) <= q_known]
        row[col["new_entities"]] = min(len(fresh), 4) / 4
        if question.answer_type is not None:
            row[col["type_match"]] = 1.0 if typed[i] else 0.0
            row[col["type_match_par"]] = 1.0 if paragraph_typed[c.key] else 0.0
            kind = question.answer_type
            row[col["type_any"]] = 1.0 if any(satisfies(e, kind) for e in a.entities) else 0.0
        # Sentence level: every name the question mentions; pool level (above): the keys.
        if named:
            row[col["key_sent"]] = sum(key_found(k, words, words.text) for k in named) / len(named)
            par = paragraph_words[c.key]
            row[col["key_par"]] = sum(key_found(k, par, par.text) for k in named) / len(named)
        else:
            row[col["key_sent"]] = row[col["key_par"]] = 1.0
        row[col["p_rank"]] = 1.0 / (1 + c.passage_rank)
        row[col["p_dense"]] = c.passage.dense_score or 0.0
        row[col["p_score"]] = c.passage.score / top_score
        row[col["first"]] = 1.0 if c.position == 0 else 0.0
        members = by_paragraph[c.key]
        neighbours = [
            float(cosines[j]) for j in members if abs(candidates[j].position - c.position) == 1
        ]
        row[col["neigh_cos"]] = (max(neighbours) - cos) if neighbours else 0.0
        row[col["par_best"]] = max(float(cosines[j]) for j in members) - cos
        if context_cosines is not None:
            row[col["ctx_cos"]] = float(context_cosines[i]) - float(context_cosines.max())
            row[col["ctx_gain"]] = float(context_cosines[i]) - cos
        row[col["en_cos"]] = is_en * cos
        row[col["en_cognate"]] = is_en * row[col["cognate_cov"]]
        row[col["en_key_sent"]] = is_en * row[col["key_sent"]]
    result.type_pool = float(features[:, col["type_match"]].max())
    pool_lemmas = set().union(*paragraph_lemmas.values())
    if question.language == "en":
        result.lemma_pool = _cognate_coverage(q_words, pool_words)
    elif q_lemmas:
        result.lemma_pool = len(q_lemmas & (pool_lemmas | pool_words.words)) / len(q_lemmas)
    result.cognate_par = max(_cognate_coverage(q_words, w) for w in paragraph_words.values())
    return result


def question_features(candidate_set: CandidateSet, scores: np.ndarray) -> np.ndarray:
    """The answerability row of one question (see :data:`QUESTION_FEATURES`).

    Args:
        candidate_set: The question's candidates and their features.
        scores: The sentence model's score of each candidate.
    """
    row = np.zeros(len(QUESTION_FEATURES), dtype=np.float64)
    col = {name: i for i, name in enumerate(QUESTION_FEATURES)}
    question = candidate_set.question
    row[col["is_en"]] = 1.0 if question.language == "en" else 0.0
    row[col["has_keys"]] = 1.0 if question.keys else 0.0
    row[col["has_type"]] = 1.0 if question.answer_type else 0.0
    row[col["key_pool"]] = candidate_set.key_pool
    row[col["missing_keys"]] = min(candidate_set.missing_keys, 3)
    if len(scores) == 0:
        row[col["best"]] = -5.0
        row[col["key_pool"]] = 0.0
        return row
    order = np.argsort(-scores, kind="stable")
    top = int(order[0])
    row[col["best"]] = float(scores[top])
    row[col["best_margin"]] = float(scores[top] - scores[order[1]]) if len(scores) > 1 else 1.0
    row[col["best_cos"]] = float(candidate_set.cosines.max())
    row[col["best_lemma_cov"]] = float(candidate_set.column("lemma_cov")[order[:3]].max())
    row[col["best_cognate"]] = float(candidate_set.column("cognate_cov")[order[:3]].max())
    row[col["type_pool"]] = candidate_set.type_pool
    row[col["top_type_match"]] = float(candidate_set.column("type_match")[top])
    row[col["p_dense_top"]] = float(candidate_set.column("p_dense").max())
    row[col["lemma_pool"]] = candidate_set.lemma_pool
    row[col["cognate_par"]] = candidate_set.cognate_par
    row[col["top_key_par"]] = float(candidate_set.column("key_par")[top])
    row[col["best_lemma_par"]] = float(candidate_set.column("lemma_cov_par").max())
    # Today's answerer's evidence: cosine plus a fifth of the stem coverage.
    row[col["extractive_margin"]] = candidate_set.extractive_margin
    row[col["best_support"]] = float(
        (candidate_set.column("cos") + 0.2 * candidate_set.column("stem_cov")).max()
    )
    return row
