"""Features of (question, candidate sentence) pairs for the reader.

A question is analysed once (:class:`rag.reader.questions.QuestionInfo`: expected answer type,
content lemmas, the names and numbers it mentions); each candidate sentence of the retrieved
paragraphs is annotated once per text (:class:`rag.reader.annotate.Annotation`, kept in a
bounded LRU cache), and :func:`sentence_features` turns both into one row per candidate,
columns named by :data:`SENTENCE_FEATURES`. The entity and role tests that read one sentence
against a question (a new entity of the asked type, who holds the asked role, who is
described) live here too. Nothing depends on the words of a particular corpus.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from index.parse import fold
from rag.reader.annotate import (
    NAME_LABELS,
    PERSON,
    PLACE,
    STREET_RE,
    Annotation,
    Candidate,
    Entity,
    pronoun_subject,
    quoted_titles,
    satisfies,
    stop_words,
)
from rag.reader.matching import WordSet, cognate_coverage, key_found, span_words, words_of_paragraph
from rag.reader.questions import (
    AUXILIARIES,
    BEFORE_WORDS,
    FOCUS_COPULAS,
    NAMED_PERSONS,
    POSSESSIVES,
    ROLE_NOUNS,
    YEAR_RE,
    QuestionInfo,
    has_measure,
    name_alternatives,
)

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
    # Of those, the numbers (« 2010 »): written alike in any language.
    missing_numbers: int = 0
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
# Definite articles and « de », French and English (« du président », "of the region").
ARTICLES = frozenset({"l'", "l’", "le", "la", "les", "the"})
OF_WORDS = frozenset({"de", "du", "des", "d'", "d’", "of"})
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
    if before and before[-1] in ARTICLES:
        before.pop()
    return (bool(before) and before[-1] in _LOCATIVE) or _located_complement(annotation, entity)


def _located_complement(annotation: Annotation, entity: Entity) -> bool:
    """Whether a place is the complement of a noun after a locative preposition (« dans les
    locaux de la police judiciaire de Rennes », « à l'hôpital de Vernay »), not of an idiom
    (« au nom de la Russie »)."""
    before = [(token, pos) for token, pos, _, end in annotation.pos if end <= entity.start]
    hops, head = 0, None
    for token, pos in reversed(before[-10:]):
        if token in OF_WORDS:
            hops += 1
        elif pos in ("NOUN", "PROPN"):
            head = token
        elif pos not in ("DET", "ADJ") and token not in ARTICLES:
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
    if kind == PLACE and not _names_asked_place(annotation, question):
        return []
    found = []
    for entity in annotation.entities:
        year = question.measure == "year" and bool(YEAR_RE.fullmatch(entity.text))
        if not satisfies(entity, kind) and not year:
            continue
        if where and not is_locative(annotation, entity) and not STREET_RE.fullmatch(entity.text):
            continue  # a street address locates by itself (« garé rue des Remparts »)
        if question.measure and not has_measure(annotation, entity, question.measure):
            continue
        if not _named_by(question, entity):
            found.append(entity)
    return found


# Place nouns a town, a country or a region answers (« Dans quelle ville … ? »): any other
# (« Dans quel hôtel … ? », « Quelle gare … ? ») asks for a place the sentence must name so.
_AREA_NOUNS = frozenset(
    {"pays", "ville", "commune", "region", "capitale", "departement", "province", "etat",
     "continent", "village", "localite", "lieu", "endroit", "zone", "territoire", "quartier",
     "agglomeration", "secteur"}
)  # fmt: skip


def _names_asked_place(annotation: Annotation, question: QuestionInfo) -> bool:
    """Whether a sentence may answer a French question asking for a kind of place that is no
    area (``question.focus``: « Dans quel hôtel … ? »): it says that noun (« l'hôtel … »).
    « Ukraine » does not answer « Dans quel hôtel Dmitriev a-t-il séjourné ? »."""
    focus = fold(question.focus or "")
    singular = focus[:-1] if focus.endswith(("s", "x")) else focus  # « capitales », « lieux »
    if question.language != "fr" or not focus or {focus, singular} & _AREA_NOUNS:
        return True
    stem = focus[:5]
    return any(word.startswith(stem) for word in annotation.words)


def _named_words(question: QuestionInfo, words: set[str]) -> set[str]:
    return {w for w in words if any(key_found(k, WordSet([w]), f" {w} ") for k in question.named)}


def _named_by(question: QuestionInfo, entity: Entity) -> bool:
    """Whether the question already names an entity (its names, numbers or words)."""
    words = span_words(entity.text)
    if words and _named_words(question, words) == words:
        return True
    return bool(words) and words <= question.lemmas


def names_person(question: QuestionInfo, entity: Entity) -> bool:
    """Whether the question names a person entity by any of their names ("Zelensky" names
    "Volodymyr Zelensky")."""
    if entity.label != "PER":
        return False
    return any(len(word) > 2 for word in _named_words(question, span_words(entity.text)))


def new_persons(annotation: Annotation, question: QuestionInfo) -> list[Entity]:
    """The persons of a sentence that the question does not name by any of their names
    (« Rustem Umerov » is named by "Qui a rencontré Oumierov ?")."""
    return [
        entity
        for entity in new_typed_entities(annotation, question, PERSON)
        if not names_person(question, entity)
    ]


# What may follow a name and a comma in an apposition that says who they are (« Rustem Umerov,
# secrétaire du Conseil … », « Dmitriev, PDG du Fonds … »), not a verb (« …, a déclaré »).
_APPOSITION_POS = frozenset({"DET", "NOUN", "ADJ", "PROPN"})
_TITLE_BEFORE_POS = frozenset({"NOUN", "ADJ"})
_COPULAS = frozenset({"est", "etait", "is", "was"})
_NOT_APPOSITION = AUXILIARIES | _COPULAS | {"qui", "who", "selon", "according"}
_HONORIFICS = frozenset({"m", "m.", "mme", "mlle", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr"})


def _same_owner(question: QuestionInfo, owner: Sequence[tuple[str, str, int, int]]) -> bool:
    """Whether the words a sentence gives the role to (``owner``: its tokens, « de la région »,
    « Sa ») may be what the question asks about (``question.role_of``): anything when the
    question does not say it in words, else a shared word (a stem across languages), or no
    owner at all (« Le maire, François Kerbrat »); a possessive (« Sa présidente ») is someone
    else's then."""
    if not question.role_of:
        return True
    if owner and owner[0][0] in POSSESSIVES:
        return False
    words = _owner_words(owner)
    if not words.words:
        return True
    # Of several common words, the first (the head noun: « l'opposition au projet d'usine »)
    # or at least half: « la directrice du musée » does not head "the association of friends
    # of the museum". A name may be left out (« le musée » for « le musée Ferrand-Lacoste »).
    names = _capitalised_words(question.text)
    common = [w for w in question.role_of if w not in names]
    if len(common) >= 2:
        shared = [words.has(w) for w in common]
        return shared[0] or 2 * sum(shared) >= len(common)
    return any(words.has(w) for w in question.role_of)


@lru_cache(maxsize=1024)
def _capitalised_words(text: str) -> frozenset[str]:
    """The folded words of a question written with a capital, its first word aside (names):
    read once per question, not once per role checked in each of its sentences."""
    return frozenset(fold(word) for word in re.findall(r"\w+", text)[1:] if word[0].isupper())


def _owner_words(owner: Sequence[tuple[str, str, int, int]]) -> WordSet:
    """The content words of a role's complement, a hyphenated name also by its parts
    (« SUD-Rail » for the question's ``sud``, ``rail``)."""
    words = [w for w, pos, _, _ in owner if pos in ("NOUN", "PROPN", "ADJ", "X")]
    return WordSet(words + [part for w in words if "-" in w for part in w.split("-") if part])


def role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """The person a sentence names with the role the question asks about
    (``question.role``), the question not naming them: in apposition after the role and its
    complement (« la directrice du musée, Anne-Sophie Rival », « Sa présidente, Claire
    Dumoulin »), right after it (« la procureure Isabelle Carré ») or before it (« Alain
    Mercier, président de la chambre »). None when the sentence names no such person."""
    holders = [(p, o) for p, o in _role_persons(annotation, question) if _same_owner(question, o)]
    if not holders:
        return None
    # Of two holders (« Steve Witkoff, un envoyé de Trump, … Kirill Dmitriev, l'envoyé spécial
    # de la Russie » for « Qui est l'envoyé spécial russe ? »), the one whose role says more
    # of the question's words; the first on a tie.
    return max(holders, key=lambda h: _shared_words(h[1], question))[0]


def _shared_words(owner: Sequence[tuple[str, str, int, int]], question: QuestionInfo) -> int:
    """How many of the question's content lemmas the words of a role's complement share; not
    its names, which say what else the question is about ("… leading the drafting with
    Russia?" does not ask for Russia's envoy)."""
    words = _owner_words(owner)
    names = {word for key in question.keys for word in key}
    return sum(words.has(lemma) for lemma in question.lemmas if lemma not in names)


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


def possessive_role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """The person a sentence names with the asked role after a possessive (« Sa présidente,
    Claire Dumoulin, … »): whose role it is, the text before the sentence says; else None."""
    return next(
        (
            p
            for p, owner in _role_persons(annotation, question)
            if owner and owner[0][0] in POSSESSIVES
        ),
        None,
    )


def other_role_holder(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """A person the sentence gives the asked role **of something else** than the question
    says (« Rustem Umerov, secrétaire du Conseil national de sécurité … » for « Qui est le
    secrétaire à l'Armée américaine ? »), when it names no holder of the asked one. A
    possessive does not say whose role it is (« Son président » may be the chamber's)."""
    found = list(_role_persons(annotation, question))
    if any(_same_owner(question, owner) for _, owner in found):
        return None
    return next((p for p, owner in found if not owner or owner[0][0] not in POSSESSIVES), None)


def described_otherwise(annotation: Annotation, question: QuestionInfo) -> Entity | None:
    """For a question asking who holds a role (``question.role``: "Who is the mayor of
    Vernay?"), the person a sentence describes, in an apposition right after their name, as
    something else (« Émilie Rossi, infirmière à l'hôpital de Vernay »), when every person it
    names is so described and none holds the asked role; else None. The sentence says what
    they are, and it is not the role asked. A person named without such an apposition may hold
    the role in other words (« Steve Witkoff, un envoyé de Trump, mène les négociations »)."""
    if not question.role or any(True for _ in _role_persons(annotation, question)):
        return None
    tokens = annotation.pos
    described: list[Entity] = []
    for person in new_persons(annotation, question):
        title = _title_before(tokens, person)
        # Only for a role of something named (not « Quel dirigeant … », whom a vice-président
        # may be).
        if question.role_of and title is not None and not title.startswith(question.role):
            described.append(person)  # « du peintre Théodore Gaillac » for "Who heads …?"
            continue
        after = [t for t in tokens if t[2] >= person.end][:2]
        if len(after) < 2 or after[0][0] != "," or after[1][1] != "NOUN":
            return None
        noun = after[1][0]
        if noun.startswith(question.role) or noun in _NOT_APPOSITION:
            return None
        described.append(person)
    return described[0] if described else None


def _title_before(tokens: Sequence[tuple[str, str, int, int]], person: Entity) -> str | None:
    """The noun of a role right before a name, past at most two adjectives (« le peintre
    Théodore Gaillac », « le président américain Donald Trump »), or None."""
    before = [t for t in tokens if t[3] <= person.start][::-1]
    adjectives = list(itertools.takewhile(lambda t: t[1] == "ADJ", before[:2]))
    rest = before[len(adjectives) :]
    if not rest:
        return None
    word = rest[0][0]
    return word if word in ROLE_NOUNS or word.rstrip("s") in ROLE_NOUNS else None


def _role_persons(
    annotation: Annotation, question: QuestionInfo
) -> Iterator[tuple[Entity, list[tuple[str, str, int, int]]]]:
    """Each person a sentence names next to the asked role (see :func:`role_holder`), with
    the tokens that say what the role is of (« de la région », « Sa », none), then each one
    it says holds it by a verb (:func:`_verb_role_persons`)."""
    if not question.role:
        return
    persons = [
        person
        for person in new_persons(annotation, question)
        if fold(person.text.split()[-1]) not in question.foreign_persons
    ]
    if not persons:
        return
    yield from _noun_role_persons(annotation, question, persons)
    yield from _verb_role_persons(annotation, question, persons)


# Verbs that say someone holds a role, folded, by the role stems they stand for: heading
# (« Steve Witkoff … mène les négociations », « la partie russe, dirigée par … ») and presiding.
_HEADING_VERB = re.compile(
    r"^(?:dirig(?:e|es|ent|eait|eaient|era|eront|ea|ee|ees)|men(?:e|es|ent|ait|aient|era|eront"
    r"|a|ee|ees)|pilot(?:e|es|ent|ait|aient|era|ee|ees))$"
)
_PRESIDING_VERB = re.compile(r"^presid(?:e|es|ent|ait|aient|era|eront|a|ee|ees)$")
_HEADING_OR_PRESIDING_VERB = re.compile(f"{_HEADING_VERB.pattern}|{_PRESIDING_VERB.pattern}")
_HEADING_STEMS = frozenset({"direc", "dirig", "chef", "patro", "pdg"})
# A participle of those verbs, as a passive's is (« menée par », « dirigés par »).
_PARTICIPLE = re.compile(r"(?:e|ee|es|ees)$")


def _role_verb(question: QuestionInfo) -> re.Pattern[str] | None:
    """The verbs that say someone holds the asked role, or None for a role no verb says."""
    heading = bool(_HEADING_STEMS.intersection(question.role))
    presiding = "presi" in question.role
    if heading and presiding:
        return _HEADING_OR_PRESIDING_VERB
    return _HEADING_VERB if heading else _PRESIDING_VERB if presiding else None


def _verb_role_persons(
    annotation: Annotation, question: QuestionInfo, persons: Sequence[Entity]
) -> Iterator[tuple[Entity, list[tuple[str, str, int, int]]]]:
    """Each person a sentence says holds the asked role by a verb, with the words of what
    they hold it of (determiners left out): the verb's subject, next to it or past an
    apposition (« Steve Witkoff, un envoyé de Trump, mène les négociations avec … »), or its
    agent in the passive (« la partie russe, dirigée par le représentant Kirill Dmitriev »)."""
    verb = _role_verb(question)
    if verb is None or not question.role_of:
        return  # « Quel dirigeant s'est engagé … » asks a kind of person, not who leads what
    tokens = annotation.pos
    for index, (word, pos, start, _) in enumerate(tokens):
        if pos not in ("VERB", "NOUN", "ADJ") or not verb.match(word):
            continue  # the small model may tag « dirige » a noun, « menée » an adjective
        after = list(
            itertools.takewhile(
                lambda t: t[0] not in ",;:.()«»",
                tokens[index + 1 : index + 1 + _ROLE_COMPLEMENT_TOKENS],
            )
        )
        if after and after[0][0] == "par" and _PARTICIPLE.search(word):
            agent = next((p for p in persons if p.start >= after[0][3]), None)
            between = [t for t in tokens[index + 2 :] if agent and t[3] <= agent.start]
            if (
                agent is None
                or len(between) > _ROLE_COMPLEMENT_TOKENS
                or any(t[1] not in _COMPLEMENT_POS and t[0] not in ROLE_NOUNS for t in between)
            ):
                continue  # « par l'envoyé américain Steve Witkoff » (« envoyé » tagged a verb)
            preceding = tokens[:index]
            if preceding and preceding[-1][0] == ",":  # « la partie russe, dirigée par … »
                preceding = preceding[:-1]
            before = itertools.takewhile(lambda t: t[0] not in ",;:.()«»", reversed(preceding))
            owner = [t for t in before if t[1] not in ("DET", "AUX")][::-1]
            owner = owner[-_ROLE_COMPLEMENT_TOKENS:]
            if _shares_owner(question, owner):
                yield agent, owner
            continue
        owner = [t for t in after if t[1] != "DET"]
        if not _shares_owner(question, owner):
            continue
        for person in persons:
            if person.end > start:
                break
            between = [t for t in tokens if t[2] >= person.end and t[3] <= start]
            if _subject_reaches(between):
                yield person, owner


def _shares_owner(question: QuestionInfo, owner: Sequence[tuple[str, str, int, int]]) -> bool:
    """Whether the words of what a verb says is led share one with what the question asks
    the role of (a verb without them says nothing of the asked role: « dirige le processus »
    for "Who leads the museum?")."""
    # Every word, whatever its tag: the small model may tag « musée » a verb after « dirige ».
    words = WordSet([t[0] for t in owner if t[1] not in _FUNCTION_POS])
    return any(words.has(word) for word in question.role_of)


_FUNCTION_POS = frozenset({"DET", "ADP", "PUNCT", "AUX", "CCONJ", "SCONJ", "PRON"})


def _subject_reaches(between: Sequence[tuple[str, str, int, int]]) -> bool:
    """Whether a name is the subject of the verb these tokens separate it from: none or only
    auxiliaries and adverbs (« a dirigé », « dirige désormais »), maybe after an apposition
    between commas that holds no verb (« , un envoyé de Trump , »)."""
    if between and between[0][0] == ",":
        closing = max((i for i, t in enumerate(between) if t[0] == ","), default=0)
        inside = between[1:closing]
        if (
            not closing
            or len(inside) > _ROLE_COMPLEMENT_TOKENS
            or any(t[1] in ("VERB", "AUX") or t[0] in "();:«»" for t in inside)
        ):
            return False
        between = between[closing + 1 :]
    return all(t[1] in ("AUX", "ADV") for t in between)


# Nationalities by the first letters their English and French adjectives and countries share.
_NATIONALITY_STEMS = (
    ("russ", "russ"), ("ameri", "ameri"), ("etats-unis", "ameri"), ("ukrai", "ukrai"),
    ("brit", "brit"), ("angl", "brit"), ("english", "brit"), ("fran", "fran"), ("french", "fran"),
    ("europ", "europ"), ("chin", "chin"), ("itali", "itali"), ("turc", "turk"), ("turk", "turk"),
    ("turq", "turk"), ("qatar", "qatar"), ("allem", "germ"), ("germ", "germ"), ("isra", "isra"),
    ("iran", "iran"), ("polon", "pol"), ("polish", "pol"), ("belge", "belg"), ("belgi", "belg"),
    ("suiss", "swiss"), ("swiss", "swiss"), ("espagn", "span"), ("spani", "span"),
)  # fmt: skip
_NATIONALITY_WORD = re.compile(
    r"^(?:russe|russes|russian|russians|russie|russia|americain|americaine|americains|american"
    r"|americans|ukrainien|ukrainienne|ukrainiens|ukrainian|ukrainians|britannique|british"
    r"|anglais|english|francais|francaise|french|europeen|europeenne|european|chinois|chinoise"
    r"|chinese|italien|italienne|italian|turc|turque|turkish|qatari|qatarie|qatarien|allemand"
    r"|allemande|german|israelien|israelienne|israeli|iranien|iranienne|iranian|polonais"
    r"|polonaise|polish|belge|belgian|suisse|swiss|espagnol|espagnole|spanish)$"
)


@lru_cache(maxsize=1024)
def nationalities(text: str) -> frozenset[str]:
    """The nationalities a text names by an adjective (« russe », "Russian"), as stems
    (cached: a question's are read for each role noun of each of its sentences)."""
    return frozenset(
        stem
        for word in re.findall(r"[\w-]+", fold(text))
        if _NATIONALITY_WORD.match(word)
        for prefix, stem in _NATIONALITY_STEMS
        if word.startswith(prefix)
    )


# How many tokens before a name may title it (« le président américain Donald Trump »).
_TITLE_TOKENS = 3


def foreign_persons(annotations: Sequence[Annotation], question: QuestionInfo) -> frozenset[str]:
    """The last names, folded, of the persons the retrieved sentences title with a nationality
    the question does not ask (« l'envoyé américain Steve Witkoff » → ``witkoff`` for « Qui
    dirige les négociations côté russe ? »): another sentence that names them without it
    (« Steve Witkoff, un envoyé de Trump, mène les négociations … ») does not make them the
    holder of the asked side's role (:attr:`QuestionInfo.foreign_persons`)."""
    asked = nationalities(question.text)
    if not asked or not question.role:
        return frozenset()
    found = set()
    for annotation in annotations:
        for entity in annotation.entities:
            if entity.label != PERSON:
                continue
            titled = _adjective_nationalities(
                annotation.tokens_before(entity.start)[-_TITLE_TOKENS:]
            )
            if titled and not titled & asked:
                found.add(fold(entity.text.split()[-1]))
    return frozenset(found)


def _titled_nationality(tokens: Sequence[tuple[str, str, int, int]], index: int) -> frozenset[str]:
    """The nationalities the adjectives right before or after a role noun give it (« l'envoyé
    américain », « le président russe »)."""
    return _adjective_nationalities(
        [*tokens[max(0, index - 1) : index], *tokens[index + 1 : index + 3]]
    )


def _adjective_nationalities(tokens: Sequence[tuple[str, str, int, int]]) -> frozenset[str]:
    """The nationalities the adjectives among ``tokens`` give (« américain », « russe »)."""
    return nationalities(" ".join(word for word, pos, _, _ in tokens if pos == "ADJ"))


def _noun_role_persons(
    annotation: Annotation, question: QuestionInfo, persons: Sequence[Entity]
) -> Iterator[tuple[Entity, list[tuple[str, str, int, int]]]]:
    """Each person a sentence names next to a noun of the asked role, not one of another
    nationality than the question's (« l'envoyé américain Steve Witkoff » for "Who is the
    Russian envoy?")."""
    tokens = annotation.pos
    asked = nationalities(question.text)
    for index, (word, _, start, end) in enumerate(tokens):
        if word.rstrip("s") not in ROLE_NOUNS or not word.startswith(question.role):
            continue  # not « dirige » (a verb the small model may tag as a noun)
        if _completes_another_noun(tokens, index):
            continue  # « l'assistant du président russe … Yuri Ushakov »: the assistant
        if asked and _titled_nationality(tokens, index) - asked:
            continue
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
                elif (
                    len(between) <= _ROLE_COMPLEMENT_TOKENS
                    and all(t[1] in _COMPLEMENT_POS for t in between)
                    and between[-1][1] != "ADP"  # « un envoyé de Trump »: Trump's envoy
                ):  # « l'assistant du président russe pour les affaires internationales Yuri
                    # Ushakov »: a complement of nouns and adjectives, the name right after
                    yield person, [*before, *between]
            elif person.end <= start:  # « Alain Mercier, président de … »
                between = [t for t in tokens[:index] if t[2] >= person.end]
                following = tokens[index + 1 : index + 1 + _ROLE_COMPLEMENT_TOKENS]
                after = list(itertools.takewhile(lambda t: t[0] not in ",;:.()", following))
                if (
                    between
                    and between[0][0] == ","
                    and all(t[1] == "DET" or t[0] in _ELIDED_ARTICLES for t in between[1:])
                ):  # the small model may tag « l' » a noun
                    yield person, [*between[1:], *after]


_ELIDED_ARTICLES = frozenset({"l'", "l’"})
_DEFINITE_SINGULAR = ARTICLES - {"les"}


def names_by_role_only(annotation: Annotation, question: QuestionInfo) -> bool:
    """Whether a sentence names someone only by a role after a definite article and names no
    person the question does not (« « … », a déclaré le porte-parole du Kremlin »). News
    French names a person first and by their role next: the role then refers to the person
    the sentence right before named (« Dmitri Peskov l'a affirmé … »). For a question asking
    who holds a role (``question.role``) the noun must be that role, of what the question
    says it is of; for any other question, any role noun will do."""
    if new_persons(annotation, question):
        return False
    tokens = annotation.pos
    for index in range(1, len(tokens)):
        word = tokens[index][0]
        if word.rstrip("s") not in ROLE_NOUNS or tokens[index - 1][0] not in _DEFINITE_SINGULAR:
            continue
        if _completes_another_noun(tokens, index):
            continue  # « le conseiller du président »: the counsellor
        if not question.role:
            return True
        if not word.startswith(question.role):
            continue
        following = tokens[index + 1 : index + 1 + _ROLE_COMPLEMENT_TOKENS]
        owner = _owner_words(list(itertools.takewhile(lambda t: t[0] not in ",;:.()»", following)))
        # What the role is of, in a word of the question's; none when the question says none
        # ("Which US envoy …?" is not « l'envoyé spécial russe »).
        if any(owner.has(w) for w in question.role_of) if question.role_of else not owner.words:
            return True
    return False


def _completes_another_noun(tokens: Sequence[tuple[str, str, int, int]], index: int) -> bool:
    """Whether the role noun at ``index`` is the complement of another role before it, maybe
    past its adjectives (« l'assistant du président », « l'envoyé spécial du président
    américain Steve Witkoff »): that one is the person's role. Not after any noun: « en
    présence du président de la région, Olivier Fabre »."""
    position = index - 1
    if position >= 0 and tokens[position][0] in ARTICLES:
        position -= 1
    if position < 1 or tokens[position][0] not in OF_WORDS:
        return False
    position -= 1
    while position > 0 and tokens[position][1] == "ADJ":
        position -= 1
    return tokens[position][0].rstrip("s") in ROLE_NOUNS  # « envoyé », whatever its tag


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
    name = name_alternatives(question.identity)
    tokens = annotation.pos
    for entity in annotation.entities:
        if entity.label not in NAME_LABELS:
            continue
        words = words_of_paragraph(entity.text)
        if not key_found(name, words, words.text):
            continue
        name_starts = {e.start for e in annotation.entities if e.label in NAME_LABELS}
        before = [t for t in tokens if t[3] <= entity.start]
        after = [t for t in tokens if t[2] >= entity.end]
        if before and before[-1][0] not in BEFORE_WORDS | _HONORIFICS:
            word, pos = before[-1][0], before[-1][1]
            if pos in _TITLE_BEFORE_POS or word in NAMED_PERSONS:
                return True
        # « Selon Kirill Dmitriev, une version écrite … »: the comma closes the source.
        source = bool(before) and (
            before[-1][0] == "selon"
            or (
                len(before) >= 2
                and before[-1][0] in ("apres", "to")
                and before[-2][0] in ("d'", "d’", "according")
            )
        )
        if len(after) >= 2 and after[0][0] == "," and not source:
            word, pos = after[1][0], after[1][1]
            # « … entre Donald Trump et Vladimir Poutine, la Russie s'est montrée … »: an
            # article and a name open the main clause, not an apposition.
            names_next = pos == "DET" and len(after) >= 3 and after[2][2] in name_starts
            if pos in _APPOSITION_POS and word not in _NOT_APPOSITION and not names_next:
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
    if not focus or len(focus) < 4 or focus in FOCUS_COPULAS:
        return False
    tokens = [fold(token) for token in _VAGUE_TOKEN.findall(sentence)]
    places = [i for i, word in enumerate(tokens) if len(word) >= 4 and word[:5] == focus[:5]]
    return bool(places) and all(
        any(word in _VAGUE_QUANTIFIERS for word in tokens[max(0, i - 2) : i])
        and not any(word in _LIST_OPENERS for word in tokens[i + 1 : i + 6])
        for i in places
    )


def new_titles(sentence: str, question: QuestionInfo) -> list[Entity]:
    """The works' titles a sentence quotes (:func:`rag.reader.annotate.quoted_titles`) that
    the question does not give (« La Jetée au crépuscule » for « Quel est le nom du tableau
    volé ? »)."""
    asked = fold(question.text)
    return [title for title in quoted_titles(sentence) if fold(title.text) not in asked]


def new_names(annotation: Annotation, question: QuestionInfo) -> list[Entity]:
    """Names in a sentence that the question does not already name, of the kind it asks
    (``question.asks_name``): a person's (``PER``) or any (persons, places, organisations)."""
    if question.asks_name == PERSON:
        return new_typed_entities(annotation, question, PERSON)
    return [
        entity
        for entity in annotation.entities
        if entity.label in NAME_LABELS and not _named_by(question, entity)
    ]


# « Il »/« elle » (not « ils »), opening a sentence or after a cleft's « qu' ».
_SINGULAR_SUBJECT = re.compile(r"(?:il|elle|he|she)\b|c['’]est\b[^.]*?\bqu['’](?:il|elle)\b", re.I)
# A sentence opening on its source (« Pour Karim Benhaddou, … », « Selon Dmitriev, … »).
_SOURCE_WORDS = frozenset({"pour", "selon", "apres"})
# « Selon lui, … »: the source is someone named before.
_SOURCE_PRONOUN = re.compile(r"(?:selon|d['’]après|pour)\s+(?:lui|elle)\s*,", re.I)


def antecedent_words(
    index: int,
    candidates: Sequence[Candidate],
    annotations: Sequence[Annotation],
    members: Sequence[int],
) -> set[str]:
    """The words of the person a sentence opening on « il » or « elle » (or « Selon lui, »)
    stands for: the first person the nearest earlier sentence of its paragraph names, not after
    a preposition (« l'envoyé de Trump, Steve Witkoff » names Witkoff, « publiée par Bloomberg,
    Witkoff conseille … » Witkoff) but the source a sentence opens on (« Pour Karim Benhaddou,
    … »); empty for any other sentence.

    « Dmitriev a révélé … » then « Il a rejeté les comparaisons … »: the second sentence speaks
    of Dmitriev as much as the first, for the question's names it holds.
    """
    text = candidates[index].text
    subject = _SINGULAR_SUBJECT.match(text) and pronoun_subject(text)
    if not (subject or _SOURCE_PRONOUN.match(text)):
        return set()
    position = candidates[index].position
    earlier = sorted(
        (j for j in members if candidates[j].position < position),
        key=lambda j: -candidates[j].position,
    )
    for j in earlier:
        annotation = annotations[j]
        for entity in annotation.entities:
            if entity.label != PERSON:
                continue
            before = annotation.tokens_before(entity.start)
            complement = bool(before) and (before[-1][1] == "ADP" or before[-1][0] in OF_WORDS)
            if complement and not (len(before) <= 2 and before[-1][0] in _SOURCE_WORDS):
                continue
            return span_words(entity.text)
    return set()


def _lemma_coverage(
    lemmas: AbstractSet[str], names: AbstractSet[str], held: AbstractSet[str], words: WordSet
) -> float:
    """Share of the question's lemmas a text holds; a name also counts when the text spells
    it otherwise (:meth:`WordSet.has`: « Ouchakov » for "Ushakov")."""
    found = lemmas & held
    found |= {name for name in names - found if words.has(name)}
    return len(found) / len(lemmas)


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
        paragraph_words[key] = words_of_paragraph(candidates[members[0]].passage.text)
        paragraph_lemmas[key] = set().union(*(annotations[i].lemmas for i in members))
        paragraph_typed[key] = sum(bool(typed[i]) for i in members)
    pool_sets = list(paragraph_words.values())
    if article_notes:
        articles = dict.fromkeys(c.passage.article_id for c in candidates)
        pool_sets += [
            words_of_paragraph(article_notes[a]) for a in articles if article_notes.get(a)
        ]
    pool_words = WordSet(
        sorted(set().union(*(w.words for w in pool_sets))), "".join(w.text for w in pool_sets)
    )
    pool_text = pool_words.text
    keys, named = question.keys, question.named
    if keys:
        in_pool = [key_found(k, pool_words, pool_text) for k in keys]
        result.key_pool = sum(in_pool) / len(keys)
        result.missing_keys = len(keys) - sum(in_pool)
        result.missing_numbers = sum(
            not found and all(a.isdigit() for a in key)
            for key, found in zip(keys, in_pool, strict=True)
        )
    top_score = max((c.passage.score for c in candidates), default=0.0) or 1.0
    q_lemmas = question.lemmas
    # The person whose words are asked, spelt otherwise by the articles (an English
    # question's "Ushakov", the article's « Ouchakov »), is still a word the sentence holds.
    q_names = {question.speaker} & q_lemmas if question.speaker else set()
    q_words = [w for w in (question.annotation.words if question.annotation else ())
               if w not in stop_words()]  # fmt: skip
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
        held = antecedent_words(i, candidates, annotations, by_paragraph[c.key])
        words = WordSet(a.words + tuple(sorted(held))) if held else WordSet(a.words)
        if q_lemmas:
            row[col["lemma_cov"]] = _lemma_coverage(q_lemmas, q_names, a.lemmas | held, words)
            row[col["lemma_cov_par"]] = _lemma_coverage(
                q_lemmas, q_names, paragraph_lemmas[c.key], paragraph_words[c.key]
            )
        row[col["cognate_cov"]] = cognate_coverage(q_words, words)
        if a.lemmas:
            row[col["novelty"]] = len(a.lemmas - q_lemmas) / len(a.lemmas)
        fresh = [e for e in a.entities if not span_words(e.text) <= q_known]
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
        result.lemma_pool = cognate_coverage(q_words, pool_words)
    elif q_lemmas:
        result.lemma_pool = len(q_lemmas & (pool_lemmas | pool_words.words)) / len(q_lemmas)
    result.cognate_par = max(cognate_coverage(q_words, w) for w in paragraph_words.values())
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
