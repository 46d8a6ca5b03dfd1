"""Candidate sentences and what the reader knows of them: entities, dates and numbers.

The answer types a question can ask for (:data:`PERSON`, :data:`PLACE`, :data:`ORG`,
:data:`DATE`, :data:`NUMBER`), the entities that satisfy each, the candidate sentences of the
retrieved passages (:class:`Candidate`), and their annotation (:class:`Annotation`: spaCy's
French pipeline for lemmas and named entities, regexes for dates and numbers), cached per text
by :class:`Annotator`. General language knowledge only: nothing depends on a corpus's words.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.parse import fold
from index.sentences import citable_sentences, in_context
from rag.reader.lookups import fast_lookups
from rag.reader.regex_cache import RegexCache
from rag.text import (
    EN_MONTHS,
    MONTHS_EN,
    MONTHS_FR,
    WEEKDAYS_EN,
    WEEKDAYS_FR,
    WORD_OR_INVERTED_VERB_END,
    in_lower_case,
    stopwords,
)
from rag.types import Passage

if TYPE_CHECKING:
    from rag.reader.annotation_store import AnnotationStore

SPACY_MODEL = "fr_core_news_sm"
# Components the reader needs: lemmas (morphologizer + lemmatizer) and entities (ner).
SPACY_EXCLUDE = ("parser", "senter")

WORD_RE = re.compile(r"[\w’']+", re.UNICODE)
TOKEN_RE = re.compile(r"\w+", re.UNICODE)


# ---------------------------------------------------------------- dates and numbers (regex)
# English dates, for articles in English: month and day names as written (capitalised), so
# that "may" or "march" as a verb is no date.
_MONTHS_EN = f"(?-i:{MONTHS_EN})"
_CAPITALISED_WEEKDAYS_EN = "(?-i:" + "|".join(d.capitalize() for d in WEEKDAYS_EN.split("|")) + ")"
_ORDINAL_EN = r"\d{1,2}(?:st|nd|rd|th)?"
# A month alone is a date after one of these ("in March"; "March" alone may be the verb).
_BARE_MONTH_EN = "|".join(
    rf"(?<=\b{word} )" for word in ("in", "by", "since", "until", "from", "early", "late")
)
_DATE_EN = (
    rf"\b(?:{_CAPITALISED_WEEKDAYS_EN},?\s+)?{_ORDINAL_EN}\s+{_MONTHS_EN}(?:,?\s+(?:19|20)\d{{2}})?\b"
    rf"|\b(?:{_CAPITALISED_WEEKDAYS_EN},?\s+)?{_MONTHS_EN}\s+{_ORDINAL_EN}(?:,?\s+(?:19|20)\d{{2}})?\b"
    rf"|\b{_MONTHS_EN}\s+(?:19|20)\d{{2}}\b"
    rf"|(?:{_BARE_MONTH_EN}){_MONTHS_EN}(?:\s+(?:19|20)\d{{2}})?\b"
    rf"|\b{_CAPITALISED_WEEKDAYS_EN}(?:\s+(?-i:morning|afternoon|evening|night))?\b"
)
_DATE = re.compile(
    rf"{_DATE_EN}|"
    rf"\b(?:du\s+)?\d{{1,2}}(?:er)?\s+(?:au|-|–|et)\s+\d{{1,2}}(?:er)?\s+(?:{MONTHS_FR})"
    rf"(?:\s+(?:19|20)\d{{2}})?\b"
    rf"|\b(?:(?:{WEEKDAYS_FR})\s+)?(?:\d{{1,2}}(?:er)?\s+)?(?:{MONTHS_FR})(?:\s+(?:19|20)\d{{2}})?\b"
    rf"|\b(?:{WEEKDAYS_FR})(?:\s+(?:soir|matin|dernier|prochain))?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    # A time of day: "4 h 15", "16h30", "vers 3 heures" (not "3 heures" alone: a duration).
    r"|\b(?:[01]?\d|2[0-3])\s?h(?:\s?[0-5]\d)?\b"
    r"|\b(?:à|vers|entre|dès|avant|après|jusqu'à|jusqu’à)\s+"
    r"(?:(?:[01]?\d|2[0-3])\s?heures?(?:\s?[0-5]\d)?|midi|minuit)\b"
    r"|\b(?:en|depuis|dès|avant|après|jusqu'en)\s+(?:19|20)\d{2}\b"
    # An earlier year after its preposition (« peinte en 1887 »); alone, 1887 may count things.
    r"|\b(?:en|depuis|dès|vers|avant|après|jusqu'en|jusqu’en|in|since|around)\s+1[0-8]\d{2}\b"
    r"|\b(?:19|20)\d{2}\b"
    r"|\b(?:hier|aujourd'hui|aujourd’hui|demain|cette semaine|la semaine (?:dernière|prochaine)"
    r"|le mois (?:dernier|prochain)|l'an dernier|l’an dernier|l'année dernière|l’année dernière"
    r"|cet été|l'été dernier|l’été dernier|cet automne|ce week-end)\b",
    re.I,
)
# A time given by an event: « avant une prochaine rencontre entre Trump et Poutine », « lors de
# leur rencontre en Alaska », « avant la réouverture du musée » (label EVENT: it answers
# "when", not "on what date").
_EVENT_TIME = re.compile(
    r"\b(?:avant|après|lors|dès|d['’]ici|jusqu['’]à|pendant)\s+(?:de\s+|d['’]|à\s+)?"
    r"(?:(?:la|le|les|l['’]|une|un|sa|son|ses|leur|leurs|ce|cette|du|des|au)\s*)?"
    r"(?:(?:prochaine?|nouvelle|nouveau|premier|première|dernière?)\s+)?"
    r"(?:rencontre|sommet|réunion|visite|élections?|vote|rentrée|réouverture|ouverture|voyage"
    r"|conférence|séance|assemblée|négociations?|entretiens?|discussions|sortie|signature)"
    r"(?:\s+(?-i:[A-ZÀ-ÖØ-Þ])[\w’'-]+|\s+(?:entre|de|du|des|à|en)\s+(?!\d|(?:un|une|deux|trois"
    r"|quatre|cinq|six|sept|huit|neuf|dix)\b)[\w’'-]+(?:\s+et\s+[\w’'-]+)?)?",
    re.I,
)
_NUMBER_WORDS = (
    "deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|"
    "vingt|trente|quarante|cinquante|soixante|cent|cents|mille|dizaine|dizaines|douzaine|"
    "vingtaine|trentaine|centaine|centaines|millier|milliers|million|millions|milliard|milliards"
)
# A number of about so many, with its article: « une trentaine », « des milliers ».
_ABOUT_NUMBER = (
    r"\b(?:(?:une?|des|quelques|plusieurs)\s+)?"
    r"(?:dizaines?|douzaines?|vingtaines?|trentaines?|centaines?|milliers?)\b"
)
_NUMBER = re.compile(
    r"\b\d+(?:[\s\u00a0\u202f]\d{3})*(?:[.,]\d+)?(?:\s*(?:%|pour cent|milliards?|millions?|mille))?"
    rf"|{_ABOUT_NUMBER}|\b(?:{_NUMBER_WORDS})\b",
    re.I,
)
DIGITS_RE = re.compile(r"\d+")
# « un train sur trois », « deux trains sur cinq », "one in four", "two out of five".
_RATIO_TERM = rf"(?:\d+|un|une|{_NUMBER_WORDS}|one|two|three|four|five|six|seven|eight|nine|ten)"
_RATIO = re.compile(
    rf"\b{_RATIO_TERM}\s+(?:[^\W\d_]+\s+)?(?:sur|in|out\s+of)\s+{_RATIO_TERM}\b"
    r"(?!\s+(?:ans?|années?|jours?|mois|semaines?|heures?|minutes?|km|kilomètres?|mètres?"
    r"|euros?|dollars?|points?|years?|days?|months?|weeks?|hours?|miles?)\b)",
    re.I,
)
# A street address: « rue des Remparts », « avenue Foch », « quai d'Orsay » (the name capitalised).
STREET_RE = re.compile(
    r"\b(?i:rue|avenue|boulevard|quai|impasse|allée|chemin)\s+"
    r"(?:(?:de\s+la|des|du|de)\s+|(?:de\s+l|d)['’])?"
    r"[A-ZÀ-ÖØ-Þ][\w'’-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]*)*"
)
# A French place named after a saint (« Saint-Aurèle », « Sainte-Foy-la-Grande »): the small
# model often leaves an unknown one untagged.
SAINT_PLACE_RE = re.compile(r"(?<![\w-])Saint(?:e)?-[A-ZÀ-ÖØ-Þ][\w'’]*(?:-[\w'’]+)*")

# ---------------------------------------------------------------- answer types of questions
PERSON, PLACE, ORG, DATE, NUMBER = "PER", "LOC", "ORG", "DATE", "NUMBER"
EVENT_TIME = "EVENT"  # a time given by an event (« avant le prochain sommet »): a date
ANY_NAME = "NAME"  # what a question asking for a name of no known kind needs
TITLE = "TITLE"  # what a question asking for the title of a work needs: a quoted title
ANSWER_TYPES = (PERSON, PLACE, ORG, DATE, NUMBER)
# Entity labels that satisfy each answer type (spaCy fr: PER LOC ORG MISC; regex: DATE NUMBER).
_SATISFIES = {
    PERSON: {"PER"},
    PLACE: {"LOC"},
    ORG: {"ORG", "MISC"},
    DATE: {"DATE", EVENT_TIME},
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
NAMED_PERSON_WORDS = """homme femme personne responsable fonctionnaire gardien suspect maire
    directeur directrice policier juge procureur procureure magistrat magistrate porte-parole
    président présidente dirigeant dirigeante ministre envoyé émissaire négociateur conseiller
    journaliste auteur man woman person official watchman guard mayor director officer judge
    prosecutor spokesman spokeswoman spokesperson president leader minister envoy negotiator
    adviser advisor journalist author"""
NAMED_PERSONS = frozenset(fold(noun) for noun in NAMED_PERSON_WORDS.split())
# Nouns that name the kind of answer after "quel(le)" / "which" / "what".
FOCUS_TYPES: dict[str, str] = {}
for _type, _nouns in {
    PERSON: "responsable responsables président présidente dirigeant dirigeante ministre homme "
    "femme personne personnes émissaire envoyé envoyée négociateur négociatrice chef conseiller "
    "conseillère diplomate porte-parole secrétaire ambassadeur ambassadrice général leader "
    "patron journaliste auteur député sénateur assistant assistante adjoint adjointe préfet "
    "préfète chancelier chancelière official officials president leader minister aide deputy "
    "chancellor prefect membre membres member members politicien politicienne politician élu "
    "élue vice-président vice-présidente vice-president "
    "envoy person man woman negotiator adviser advisor spokesman spokeswoman spokesperson "
    "diplomat secretary ambassador general author journalist senator chief head "
    "peintre artiste écrivain écrivaine architecte sculpteur photographe avocat avocate médecin "
    "infirmier infirmière enseignant professeur painter artist writer architect sculptor "
    "photographer lawyer doctor nurse teacher " + NAMED_PERSON_WORDS,
    # People a question asks to be named (``asked_name``) are people when asked with quel/which.
    PLACE: "pays ville capitale lieu endroit région territoire état hôtel bâtiment commune village "
    "country city capital place region territory town state hotel building venue village",
    ORG: "organisation organisme journal journaux média médias agence entreprise société syndicat "
    "union institution alliance parti quotidien groupe gouvernement newspaper paper organisation "
    "organization agency company media outlet alliance party group institution",
    DATE: "date jour année mois moment période semaine heure day year month date week time hour",
    # Not "figure": "which Pentagon figure" asks a person as often as "what figure" a number.
    NUMBER: "nombre montant pourcentage proportion part taux chiffre somme quantité total âge "
    "distance prix coût salaire tarif loyer rémunération number amount rate "
    "percentage proportion share total age price cost salary wage fee",
}.items():
    for _noun in _nouns.split():
        FOCUS_TYPES.setdefault(fold(_noun), _type)

# English names of places and bodies whose French name shares no prefix with them.
EN_NAMES = {
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
EN_ACRONYMS = {
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


def en_names_in(folded: str) -> list[tuple[str, tuple[str, ...]]]:
    """The English place and body names of :data:`EN_NAMES` (four letters or more: not "us")
    that a folded text holds, each with its French forms."""
    return [
        (english, french)
        for english, french in EN_NAMES.items()
        if len(english) > 3 and re.search(rf"\b{re.escape(english)}\b", folded)
    ]


def french_name_forms(text: str) -> list[str]:
    """The French form of each place, body and month name of an English text, for a search
    of French articles: "NATO" → otan; "the White House" → maison blanche; "August" → août
    (one form a name, so that a name weighs as one word). Short names and acronyms count only
    in capitals ("US", not "us"), longer acronyms typed in lower case too ("nato").

    >>> french_name_forms("Did the US and the White House mention NATO in August?")
    ['maison blanche', 'etats-unis', 'otan', 'aout']
    """
    folded = fold(text)
    words = set(re.findall(r"[\w-]+", folded))
    names = [french for _, french in en_names_in(folded)]
    # In capitals, or typed in lower case when four letters or more ("nato", not "us").
    for match in re.finditer(r"\b[A-Z]{2,5}\b|\b[a-z]{4,5}\b", text):
        word = match.group().lower()
        names.append(EN_ACRONYMS.get(word) or EN_NAMES.get(word) or ())
    for match in re.finditer(r"\b[A-Z][a-z]+\b", text):
        month = match.group().lower()
        if month in EN_MONTHS and month not in ("may", "march"):
            names.append((EN_MONTHS[month],))
    forms = (next((f for f in name if f not in words), None) for name in names)
    return list(dict.fromkeys(form for form in forms if form is not None))


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
def fold_word(word: str) -> str:
    return fold(word)


def text_words(text: str) -> tuple[str, ...]:
    """The folded word tokens of ``text``, in order (:attr:`Annotation.words`)."""
    return tuple(fold_word(w) for w in TOKEN_RE.findall(text))


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
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


# A sentence opening on a subject pronoun ("Il a rejeté …"), not an impersonal "il".
SUBJECT_PRONOUN = re.compile(
    r"(?:il|elle|ils|elles|he|she|they)\b(?!\s+(?:s['’]agit|y a|faut|semble|para[iî]t|"
    r"a (?:également |aussi |déjà )?été|est (?:possible|probable|clair|question))\b)",
    re.IGNORECASE,
)
# A cleft whose subject is a pronoun: « C'est lors de sa ronde, à 4 h 15, qu'il a découvert … ».
_CLEFT_PRONOUN = re.compile(r"^c['’]est\b[^.]*?\bqu['’](?:il|elle|ils|elles)\b", re.IGNORECASE)


def pronoun_subject(text: str) -> bool:
    """Whether a sentence's subject is a personal pronoun (« Il a rejeté … », « C'est … qu'il a
    découvert … »)."""
    return bool(SUBJECT_PRONOUN.match(text) or _CLEFT_PRONOUN.match(text))


@dataclass(frozen=True)
class Annotation:
    """What the reader knows about one text.

    Attributes:
        words: Folded word tokens, in order.
        lemmas: Folded lemmas of the content words.
        entities: Named entities, dates and numbers.
        nouns: Folded lemmas of nouns, in order (for the question's focus noun).
        pos: ``(folded token, POS)`` pairs in order.
        verbs: Folded lemmas of the verbs among :attr:`lemmas`, but auxiliaries, modals and
            other :data:`LIGHT_VERBS` (« peindre » in « Quand le tableau a-t-il été peint ? »).
    """

    words: tuple[str, ...]
    lemmas: frozenset[str]
    entities: tuple[Entity, ...]
    pos: tuple[tuple[str, str, int, int], ...] = ()
    verbs: frozenset[str] = frozenset()

    def tokens_before(self, start: int) -> list[tuple[str, str, int, int]]:
        """The tagged tokens (:attr:`pos`) that end at or before offset ``start`` (an entity's
        start), in order."""
        return [token for token in self.pos if token[3] <= start]


# Verbs that say little of what a sentence reports (auxiliaries, modals, « il faut »).
LIGHT_VERBS = frozenset({
    "etre", "avoir", "faire", "pouvoir", "devoir", "vouloir", "aller", "venir", "falloir",
    "sembler", "rester",
})  # fmt: skip
_CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM", "ADV", "X"}


ELIDED_HEAD_RE = re.compile(r"^(?:[ldjnmsc]|qu)[’']", re.IGNORECASE)
_ELIDED_TAIL = re.compile(r"\s+(?:[ldjnmsc]|qu)[’']$", re.IGNORECASE)


def clean_entity(text: str, label: str, start: int) -> Entity | None:
    """A named entity without elided words stuck to it (``Axios qu’`` → ``Axios``).

    The small French model sometimes tags a lone ``d’`` or lower-case words: an entity must
    start with a capital letter and hold at least two letters.
    """
    head = ELIDED_HEAD_RE.match(text)
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
WHEN_WORD = re.compile(
    rf"(?:{WEEKDAYS_FR}|{WEEKDAYS_EN}|hier|aujourd['’]hui|demain|yesterday|today|tomorrow)",
    re.IGNORECASE,
)
# Days and months the small model tags as names ("May" left out: also a surname).
_CALENDAR_WORD = re.compile(
    rf"(?:{MONTHS_FR}|{WEEKDAYS_FR}|{'|'.join(w for w in EN_MONTHS if w != 'may')})",
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
    dates += [
        Entity(m.group(0), EVENT_TIME, m.start(), m.end())
        for m in _EVENT_TIME.finditer(text)
        if not any(d.start < m.end() and m.start() < d.end for d in dates)
    ]
    ratios = [Entity(m.group(0), NUMBER, m.start(), m.end()) for m in _RATIO.finditer(text)]
    numbers = [
        Entity(m.group(0).strip(), NUMBER, m.start(), m.start() + len(m.group(0).rstrip()))
        for m in _NUMBER.finditer(text)
        if not any(d.start <= m.start() < d.end for d in (*dates, *ratios) if d.label != EVENT_TIME)
    ]
    return dates + ratios + numbers


def with_streets(text: str, entities: list[Entity]) -> list[Entity]:
    """``entities`` with each street address of ``text`` (« rue des Remparts ») as a place,
    in place of the names spaCy found inside it (« Remparts » alone, or nothing), and each
    place named after a saint (« Saint-Aurèle ») that spaCy left untagged."""
    streets = [Entity(m.group(0), PLACE, m.start(), m.end()) for m in STREET_RE.finditer(text)]
    if streets:
        entities = [
            e for e in entities if not any(s.start < e.end and e.start < s.end for s in streets)
        ] + streets
    saints = [
        Entity(m.group(0), PLACE, m.start(), m.end())
        for m in SAINT_PLACE_RE.finditer(text)
        if not any(m.start() < e.end and e.start < m.end() for e in entities)
    ]
    return entities + saints


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


# The entity labels of spaCy's French pipeline: persons, places, organisations, other names.
NAME_LABELS = frozenset({"PER", "LOC", "ORG", "MISC"})
# Questions whose truecased form is kept (the assistant and the reader both ask for it).
TRUECASE_CACHE = 2048


class Annotator:
    """spaCy's French pipeline (lemmas and entities only), with a bounded LRU cache by text.

    Texts not in the cache are looked up in ``stored`` (the annotations computed at index time,
    :mod:`rag.reader.annotation_store`) before spaCy runs, so a question over an indexed corpus
    runs spaCy on itself only.

    Args:
        model: The spaCy package name (its weights ship inside the wheel: loads offline).
        cache_size: How many texts' annotations to keep.
        stored: Index-time annotations of the same pipeline, read first.
    """

    def __init__(
        self,
        model: str = SPACY_MODEL,
        *,
        cache_size: int = 20000,
        stored: AnnotationStore | None = None,
    ) -> None:
        self.model = model
        self.cache_size = cache_size
        self.stored = stored
        self._nlp: Any = None
        self._cache: OrderedDict[str, Annotation] = OrderedDict()
        self._truecased: OrderedDict[str, str] = OrderedDict()
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
        stop = stop_words()
        words = text_words(text)
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
            if e.label_ in NAME_LABELS and not _opening_participle(e)
            for entity in [clean_entity(e.text, e.label_, e.start_char)]
            if entity is not None
        ]
        entities = with_streets(text, entities) + regex_entities(text)
        pos = tuple(
            (fold(t.text), t.pos_, t.idx, t.idx + len(t.text)) for t in doc if not t.is_space
        )
        entities = [_titled_person(entity, pos) for entity in entities]
        verbs = frozenset(
            lemma
            for token in doc
            # a participle after an article is a noun the small model tags VERB (« l'envoyé »)
            if token.pos_ == "VERB" and not (token.i and doc[token.i - 1].pos_ == "DET")
            for lemma in [fold(token.lemma_ or token.text).strip("'’-")]
            # and only an infinitive is a verb's lemma (the small model tags « russe » VERB)
            if lemma in lemmas and lemma not in LIGHT_VERBS and lemma.endswith(("er", "ir", "re"))
        )
        return Annotation(words, lemmas, tuple(entities), pos, verbs)

    def annotate_many(self, texts: Sequence[str]) -> list[Annotation]:
        """Annotations of ``texts`` (cached or stored ones reused; the others run through
        spaCy)."""
        with self._lock:
            found = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        fresh = [t for t in dict.fromkeys(texts) if t not in found]
        if fresh and self.stored is not None:
            found.update(self.stored.get(fresh))
        if unknown := [t for t in fresh if t not in found]:
            found.update(zip(unknown, self.annotate_uncached(unknown), strict=True))
        if fresh:
            with self._lock:
                for text in fresh:
                    self._cache[text] = found[text]
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return [found[t] for t in texts]

    def annotate_uncached(self, texts: Sequence[str]) -> list[Annotation]:
        """Annotations of ``texts`` from spaCy, neither read from nor kept in the cache."""
        if not texts:
            return []
        docs = [self.nlp(texts[0])] if len(texts) == 1 else self.nlp.pipe(texts)
        return [self._build(text, doc) for text, doc in zip(texts, docs, strict=True)]

    def annotate(self, text: str) -> Annotation:
        """The annotation of one text."""
        return self.annotate_many([text])[0]

    def reaccent(self, text: str) -> str:
        """``text`` typed without any accent, with each word's accents restored where the
        pipeline's vocabulary knows one accented spelling of a word it does not know unaccented
        (« qui preside » → « qui préside », « lorsqu'il a recu » → « … reçu »); of several,
        the one ending as typed (« declare » → « déclare »). Words it knows stay as typed
        (« ou », « a », « ne »: both spellings are words). A text holding an accent, or longer
        than ``MAX_REACCENT_CHARS`` (a question, not a document), is returned as is."""
        if _ACCENTED.search(text) or len(text) > MAX_REACCENT_CHARS:
            return text
        known = self.nlp.vocab.strings
        lemmatized = self._lemmatizer_words

        def restored(match: re.Match[str]) -> str:
            word = match.group()
            lower = word.lower()
            if len(lower) < 3:
                return word
            participle = bool(_AFTER_AUXILIARY.search(text, 0, match.start()))
            if lower in known:
                if lemmatized is None:
                    return word
                # After « a », « est », « a-t-il »…, a participle in « -é » the lemmatizer
                # knows (« a signe » → « signé »; not « a prises » → « prisés »); else a
                # string of the vocabulary that the lemmatizer does not know as a word, with
                # one accented spelling it does know (« ete » → « été »).
                spellings = [s for s in _accented_spellings(lower) if lemmatized(s)]
                if (
                    participle
                    and lower.endswith("e")
                    and (found := [s for s in spellings if s.endswith("é")])
                ):
                    spellings = found
                elif lemmatized(lower):
                    return word
                if len(spellings) != 1:
                    return word
                return _cased_as(word, spellings[0])
            spellings = [s for s in _accented_spellings(lower) if s in known]
            if len(spellings) > 1 and participle:
                # « qu'a declare », « a ete redige »: a past participle (« déclaré »)
                spellings = [s for s in spellings if _PARTICIPLE_END.search(s)] or spellings
            if len(spellings) > 1 and lemmatized is not None:
                spellings = [s for s in spellings if lemmatized(s)] or spellings
            if len(spellings) > 1:
                spellings = [s for s in spellings if s[-1] == lower[-1]]
            if len(spellings) != 1:
                return word
            return _cased_as(word, spellings[0])

        return _WHERE_BEFORE_SE.sub(r"\1ù", _PLAIN_WORD.sub(restored, text))

    def knows_word(self, word: str) -> bool:
        """Whether the language's lexicon (the lemmatizer's tables) has ``word``, in lower
        case; True when the pipeline has no such tables (nothing to tell a typo by)."""
        lemmatized = self._lemmatizer_words
        return lemmatized is None or lemmatized(word.lower())

    @cached_property
    def _lemmatizer_words(self) -> Callable[[str], bool] | None:
        """Whether the lemmatizer knows a word (its word -> lemma table or its lists of lemmas
        per part of speech); None when the pipeline has no such tables. Read once."""
        if not self.nlp.has_pipe("lemmatizer"):
            return None
        lookups = self.nlp.get_pipe("lemmatizer").lookups
        if not (lookups.has_table("lemma_lookup") and lookups.has_table("lemma_index")):
            return None
        table = lookups.get_table("lemma_lookup")
        index = lookups.get_table("lemma_index")
        lists = [index[part] for part in index]
        return lambda word: word in table or any(word in forms for forms in lists)

    def truecase(self, text: str) -> str:
        """``text`` with the names the tagger finds capitalised, when it was typed in lower
        case (« quel est le rôle de la chine » → « … la Chine »): names are found by their
        capitals everywhere else. A text holding a capital after its first letter, or with no
        name found, is returned as is."""
        if not in_lower_case(text):
            return text
        with self._lock:
            cased = self._truecased.get(text)
        if cased is not None:
            return cased
        stop = stop_words()
        chars = list(text)
        for entity in self.nlp(text).ents:
            if entity.label_ not in NAME_LABELS:
                continue
            if any(fold_word(token.text) in _ASKING for token in entity):
                continue  # « Combien de temps … », tagged MISC: the question, not a name
            for token in entity:
                if token.text[:1].isalpha() and fold_word(token.text) not in stop:
                    chars[token.idx] = chars[token.idx].upper()
        cased = "".join(chars[:1]).upper() + "".join(chars[1:])
        with self._lock:
            self._truecased[text] = cased
            while len(self._truecased) > TRUECASE_CACHE:
                self._truecased.popitem(last=False)
        return cased


# French question words, folded (« où » as « ou »).
FR_QUESTION_WORDS = frozenset(
    {"combien", "quel", "quelle", "quels", "quelles", "qui", "quand", "comment", "pourquoi", "ou"}
)
# An entity holding one of these is the tagger's slip on the question's own phrase.
_ASKING = FR_QUESTION_WORDS | {"lequel", "laquelle", "lesquels", "lesquelles", "quoi"}


_ACCENTED = re.compile(r"[àâäçéèêëîïôöûùüÿœæ]", re.I)
# A longer text is left as typed: each unknown word may try up to 4**6 spellings.
MAX_REACCENT_CHARS = 500
# A word of unaccented letters alone, or the verb of an inversion (« esperent-ils »).
_PLAIN_WORD = re.compile(r"(?<![\w-])[a-zA-Z]+" + WORD_OR_INVERTED_VERB_END)
# « ou » before « se » and a conjugated verb is « où » (« la ville ou se trouve le musée »);
# before an infinitive it may be « or » (« partir ou se cacher »).
_WHERE_BEFORE_SE = re.compile(r"\b([Oo])u(?=\s+(?:se\s+|s['’]\s*)[a-z]+(?<!er|ir|re)\b)")
# A form of « avoir » or « être » (typed without accents too) right before a word, inverted
# (« a-t-il ») or not, maybe with a negation or an adverb between: the word is a participle.
_AFTER_AUXILIARY = re.compile(
    r"(?:^|[\s'’])(?:a|ai|as|avons|avez|ont|avait|avaient|aurait|auraient|aura|auront|est|sont"
    r"|[eé]tait|[eé]taient|[eé]t[eé]|sera|seront|serait|seraient)(?:-t)?"
    r"(?:-(?:il|elle|ils|elles|on))?\s+(?:(?:pas|jamais|d[eé]j[aà]|bien|encore|aussi)\s+)?$",
    re.I,
)
_PARTICIPLE_END = re.compile(r"é(?:e|s|es)?$")


def _cased_as(typed: str, word: str) -> str:
    """``word`` capitalised when ``typed`` was."""
    return word[:1].upper() + word[1:] if typed[:1].isupper() else word


# The accented letters an unaccented one may stand for, in French.
_ACCENTS = {"a": "aàâ", "e": "eéèê", "i": "iîï", "o": "oô", "u": "uùû", "c": "cç"}
# Up to this many letters that may be accented, every spelling is tried; a longer word gets at
# most ``_MAX_ACCENTED_LETTERS`` of them accented (« negociations »: 7 such letters, one accent;
# French words seldom carry more than three), up to ``_MAX_ACCENTABLE_LONG`` such letters.
_MAX_ACCENTABLE = 6
_MAX_ACCENTED_LETTERS = 3
_MAX_ACCENTABLE_LONG = 12


def _accented_spellings(word: str) -> list[str]:
    """Every spelling of ``word`` with some of its letters accented (the word itself aside);
    for a long word, those with at most ``_MAX_ACCENTED_LETTERS`` accented letters."""
    slots = [i for i, letter in enumerate(word) if letter in _ACCENTS]
    if not slots or len(slots) > _MAX_ACCENTABLE_LONG:
        return []
    if len(slots) <= _MAX_ACCENTABLE:
        choices = [(slots, itertools.product(*(_ACCENTS[word[i]] for i in slots)))]
    else:
        choices = [
            (list(chosen), itertools.product(*(_ACCENTS[word[i]][1:] for i in chosen)))
            for count in range(1, _MAX_ACCENTED_LETTERS + 1)
            for chosen in itertools.combinations(slots, count)
        ]
    found = []
    for positions, spellings in choices:
        for letters in spellings:
            chars = list(word)
            for i, letter in zip(positions, letters, strict=True):
                chars[i] = letter
            spelling = "".join(chars)
            if spelling != word:
                found.append(spelling)
    return found


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


_PERSON_TITLES = NAMED_PERSONS | {
    "assistant", "assistante", "secretaire", "porte-parole", "chef", "patron", "patronne",
}  # fmt: skip
# How many tokens of a title's complement may stand between a person's noun and their name
# (« l'assistant du président russe pour les affaires internationales Yuri Ushakov »).
_TITLE_TOKENS = 8


def _titled_person(entity: Entity, pos: Sequence[tuple[str, str, int, int]]) -> Entity:
    """A name of two to four capitalised words that the small model tags MISC, right after a
    person's title and its complement (« l'assistant du président russe pour les affaires
    internationales Yuri Ushakov »), as a person; any other entity as it is."""
    words = entity.text.split()
    if entity.label != "MISC" or not 2 <= len(words) <= 4:
        return entity
    if not all(word[:1].isupper() for word in words):
        return entity
    before = [t for t in pos if t[3] <= entity.start][-_TITLE_TOKENS:]
    for word, part, _, _ in reversed(before):
        if word.rstrip("s") in _PERSON_TITLES and part in ("NOUN", "VERB", "ADJ"):
            return dataclasses.replace(entity, label="PER")  # « envoyé » may be tagged a verb
        if part not in ("NOUN", "ADJ", "ADP", "DET"):
            return entity
    return entity


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


# A work's title as articles quote it: « La Jetée au crépuscule », “Guerre et Paix”: a short
# quoted span opening on a capital, without the punctuation of quoted speech.
_TITLE_RE = re.compile(r"[«“\"]\s*([A-ZÀ-ÖØ-Þ][^«»“”\".,;:!?]{0,80}?)\s*[»”\"]")
TITLE_MAX_WORDS = 8
# Quoted speech opens on its speaker or on « c'est »: « Nous avons bon espoir … ».
_SPEECH_OPENING = re.compile(
    r"(?:je|j['’]|nous|on|il|elle|ils|elles|vous|tu|c['’]est|ce|ça|cela|i|we|it|they|you|he|"
    r"she)\b",
    re.IGNORECASE,
)


def quoted_titles(text: str) -> list[Entity]:
    """Quoted spans of ``text`` that read as a work's title, as ``TITLE`` entities.

    >>> [e.text for e in quoted_titles("L'œuvre volée, « La Jetée au crépuscule », peinte en 1887")]
    ['La Jetée au crépuscule']
    >>> quoted_titles("« Nous avons bon espoir », a-t-il dit"), quoted_titles("« fausses »")
    ([], [])
    """
    return [
        Entity(match.group(1), TITLE, match.start(1), match.end(1))
        for match in _TITLE_RE.finditer(text)
        if len(match.group(1).split()) <= TITLE_MAX_WORDS
        and not _SPEECH_OPENING.match(match.group(1))
        and not text[: match.start()].rstrip().endswith(":")
    ]
