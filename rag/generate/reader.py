"""The default generator: the learned reader picks the sentence that answers, or refuses.

Like the extractive generator it only quotes retrieved sentences verbatim, each cited; unlike
it, the sentence is chosen by :class:`rag.reader.Reader` (a trained model over similarity,
answer type, names, overlap, …). For a factoid question the draft carries the short answer (a
span of the chosen sentence).

Refusal follows ``settings.reader_refusal`` (:func:`refusal_allows`): the extractive answerer's
support bars plus, for a question asking a date, number, place or organisation, "the answer
sentence holds one" (``"typed"``, default; a confident reading of the top paragraph is also
answered a little under the bars, :func:`confident_reading`); the support bars alone; the
reader's answerability threshold; or the support bars plus "every name of the question occurs
in the retrieved articles".

No padding: one sentence answers, plus only what the reader says adds answer content —
another article stating the same fact (corroboration) or other figures (a disagreement), and
the next-best sentence of another paragraph when the reader rates it close to the best (half
its probability for a question that asks two things or what several articles say; 80% for
any other question: the reader cannot tell which of the two answers). Two more cases add one
sentence, each a general sign that the best sentence alone may not hold the answer:

- the two scorers disagree: today's support score (:class:`rag.answer.ExtractiveAnswerer`)
  prefers the reader's runner-up of another paragraph, rated at least ``DISAGREE_SHARE`` of the
  best;
- continuation: for a question asking no typed answer (what, which, why), the reader's runner-up
  is the sentence right after the best one in the same paragraph;

and a question asking what several articles say about a name gets one sentence of each article
(:meth:`ReaderGenerator._articles_saying`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from index.parse import fold
from rag.answer import MAX_CORROBORATING, Candidate, ExtractiveAnswerer
from rag.generate.base import Draft, GenerationRequest, Generator
from rag.lexical import LexicalIndex
from rag.reader import (
    READER_LANGUAGE,
    Reader,
    Reading,
    ScoredSentence,
    calendar_names,
    extract_short_answer,
    says_deed,
    says_deed_by_agent,
)
from rag.reader.annotate import (
    DATE,
    NUMBER,
    ORG,
    PERSON,
    SUBJECT_PRONOUN,
    TITLE,
    Annotation,
    pronoun_subject,
    satisfies,
    tagged_as,
)
from rag.reader.features import (
    antecedent_words,
    described_otherwise,
    describes,
    leaves_focus_vague,
    named_role_holder,
    names_by_role_only,
    new_names,
    new_persons,
    new_titles,
    new_typed_entities,
    other_role_holder,
    possessive_role_holder,
    role_holder,
)
from rag.reader.matching import key_found, words_of_paragraph
from rag.reader.questions import (
    ROLE_NOUNS,
    QuestionInfo,
    acts,
    asked_bound,
    asks_who_did,
    bounds_date,
    cited_sources,
    cites_asked_source,
    counts_asked_thing,
    gives_reason,
    name_alternatives,
    names_as_possessor,
    names_role,
    opens_on_person_noun,
    possessed_in_question,
    priced_in_translation,
    priced_words,
    prices_asked_thing,
    reports_speech,
    role_speaks,
    speaks,
)
from rag.types import AnswerSentence, Citation, ShortAnswer

# A second sentence (of another paragraph) is added when the reader rates it at least this share
# of the best sentence's probability: for a question asking two things or several articles, and,
# for any question, when the reader cannot tell the two apart. On the train split the second
# rule lifted fact accuracy 0.690 -> 0.701 for 1.15 sentences per answer.
SECOND_SENTENCE_SHARE = 0.5
UNSURE_SHARE = 0.8
# Another article's sentence holding the same short answer corroborates it when the reader
# rates it at least this share of the best sentence.
SAME_ANSWER_SHARE = 0.2
# When today's support score (cosine + term coverage) prefers the reader's runner-up of another
# paragraph to its best sentence and the reader rates it at least this share of the best, the two
# scorers disagree: both sentences are quoted.
DISAGREE_SHARE = 0.5
# A factoid question (who/when/where/how many…) whose best sentence holds nothing of the asked
# type is answered by the best sentence that does, if the reader rates it at least this share of
# the best: a sentence without a place cannot say where something happened.
TYPED_SHARE = 0.25
# A runner-up that counts the asked thing in the question's word (« 40 » autocars) is read
# down to this share of the best: the numbers of the best sentence count something else.
COUNTED_SHARE = 0.1
# A runner-up saying what the question's verbs say (:meth:`ReaderGenerator._verb_instead`) is
# quoted down to this share of the best: the question's own verb is as sure a sign as a count.
VERB_SHARE = 0.1
# A runner-up stating the question's condition (:meth:`ReaderGenerator._condition_instead`) is
# quoted down to this share of the best: a sentence without it does not say what follows from it.
CONDITION_SHARE = 0.05
# The words that open a condition, folded; « s' » only before « il » (« s'il », not « s'est »).
_CONDITION_WORDS = frozenset({"si", "if"})
_ELIDED_IF = frozenset({"s'", "s’"})
# The parts of speech of a condition's words that a sentence stating it repeats.
_CONDITION_CONTENT = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})


def _opens_condition(tokens: Sequence[tuple[str, str, int, int]], index: int) -> bool:
    """Whether the token at ``index`` opens a condition: « si », "if", or « s' » before « il »."""
    word = tokens[index][0]
    if word in _ELIDED_IF:
        return index + 1 < len(tokens) and tokens[index + 1][0] in ("il", "ils")
    return word in _CONDITION_WORDS


KIND_NAMES = {
    "PER": "person", "DATE": "date", "NUMBER": "number", "LOC": "place", "ORG": "organisation",
    "TITLE": "title",
}  # fmt: skip
# What several articles say about something: "What do the different articles say about
# Dmitriev?", « Comment les articles présentent-ils Witkoff ? ».
_ARTICLES_SAY = re.compile(
    r"\b(?:do|does|did)\s+(?:the\s+)?(?:different\s+|various\s+|several\s+|other\s+)?"
    r"(?:articles|sources|reports|outlets)\s+(?:say|write|report|describe|present|portray|tell)\b"
    r"|\b(?:disent|racontent|écrivent|rapportent)\s+les\s+(?:différents\s+|divers\s+|autres\s+)?"
    r"(?:articles|sources|médias)\b"
    r"|\bles\s+(?:différents\s+|divers\s+|autres\s+)?(?:articles|sources|médias)\s+"
    r"(?:présentent|décrivent|disent|parlent|qualifient|racontent)"
    # "Which articles mention Axios?", « Quels articles parlent de Bloomberg ? »: each article
    r"|\b(?:which|what)\s+(?:articles|sources|reports|outlets)\s+(?:mention|talk about|speak "
    r"of|cite|name|discuss|refer to)\b"
    r"|\bquels\s+(?:articles|médias|sources)\s+(?:parlent|mentionnent|citent|évoquent|nomment)\b",
    re.IGNORECASE,
)
# "How do the articles describe …?": only sentences that say who or what it is answer.
_ARTICLES_DESCRIBE = re.compile(
    r"\b(?:describe|present|portray|présentent|décrivent|qualifient)\b", re.IGNORECASE
)
# At most this many articles are quoted for what several articles say.
MAX_ARTICLES_SAYING = 4


_ABOUT_WORD_LIST = """about of on regarding ils elles t il elle de du des d sur propos à a the le
la les l"""
_ABOUT_WORDS = frozenset(_ABOUT_WORD_LIST.split())


def asks_what_articles_say(question: str) -> bool:
    """Whether a question asks what several articles say about someone or something named,
    and only that (« Que disent les différents articles de Steve Witkoff ? », "How do the
    articles describe Dmitriev?"); not about a topic ("… about the Kremlin's reaction?")."""
    match = _ARTICLES_SAY.search(question)
    if match is None:
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", question[match.end() :]) if w]
    rest = [w for w in words if fold(w) not in _ABOUT_WORDS]
    return bool(rest) and all(w[0].isupper() for w in rest)


# Questions that ask for two things or for what several articles say.
_MULTI_PART = re.compile(
    r"\?.*\?|,\s*(?:et|and)\s+(?:qui|quand|où|combien|pourquoi|comment|quel\w*|que|qu['’]"
    r"|who|when|where|how|why|what|which)\b"
    r"|\b(?:des|deux|différents|plusieurs) (?:articles|sources|médias)\b"
    r"|\b(?:both|several|different|each) (?:articles|sources|outlets|reports)\b"
    # "mentioned in the articles" only names where to look: « les articles » must be asked about
    r"|(?<!\bdans )\bles (?:articles|sources|médias)\b"
    r"|(?<!\bin )\bthe (?:articles|sources|outlets|reports)\b"
    r"|\bselon les (?:articles|sources)\b|\bdo the articles\b|\bdisagree\b|\bdivergent\b",
    re.IGNORECASE,
)


# A sentence whose words are those of the sentence before it: « Dmitri Peskov l'a affirmé »,
# « C'est ce que rapporte Axios », "That is what … said".
_REFERS_BACK = re.compile(
    r"\bl['’](?:a|ont|avait|avaient)\s+(?:\w+\s+)?(?:affirmé|confirmé|déclaré|dit|indiqué|"
    r"annoncé|assuré|rapporté|précisé|souligné|expliqué|révélé|démenti|reconnu|écrit)\b"
    r"|^(?:c['’]est|ce sont|voilà)\s+ce\s+qu|^(?:this|that)\s+(?:is|was)\s+what\b",
    re.IGNORECASE,
)
# A quotation that opens in the first person: « J'ai pris le car … », "I saw …".
_FIRST_PERSON_QUOTE = re.compile(r"[«\"“]\s*(?:j['’]|je\b|nous\b|i\b|we\b)", re.IGNORECASE)
# A sentence opening on a link to the one before it (« En d'autres termes, … », « Car … »): its
# meaning rests on a sentence of its own paragraph. (One opening on a pronoun still says what
# it says: « Il suggère d'organiser un appel … ».)
_LINKED_OPENING = re.compile(
    r"^(?:en d['’]autres termes|autrement dit|ainsi|en conséquence|par conséquent|donc|de plus|"
    r"en outre|par ailleurs|cependant|toutefois|néanmoins|pourtant|mais|car|en effet|"
    r"in other words|thus|therefore|however|but|moreover)\b",
    re.IGNORECASE,
)
# A sentence that turns to something else than the one before it (« Il a néanmoins rencontré … »).
_CONTRAST = re.compile(
    r"\b(?:néanmoins|pourtant|cependant|toutefois|en revanche|par contre|plutôt|"
    r"however|instead|nevertheless|though)\b",
    re.IGNORECASE,
)


def asks_for_several(question: str) -> bool:
    """Whether a question asks two things or what several articles say."""
    return bool(_MULTI_PART.search(question))


def extractive_margin(
    answerer: ExtractiveAnswerer,
    query: str,
    pool: Sequence[Candidate],
    lexical: LexicalIndex,
    *,
    translated: bool = False,
) -> float:
    """The extractive answerer's best support minus its refusal bar for this query's language
    (``translated``: the pool's term coverage was read from a translation of the query)."""
    bar = answerer.bar(query, lexical, translated=translated)
    return (pool[0].support if pool else 0.0) - bar


def _says_word(annotation: Annotation, lemma: str) -> bool:
    """Whether a sentence says a question's word: its lemma, or from six letters a word sharing
    its first five (« peinte » for « peindre », « efforts » for « s'efforcer »)."""
    return lemma in annotation.lemmas or (
        len(lemma) >= 6 and any(word.startswith(lemma[:5]) for word in annotation.words)
    )


def _counts_thing(annotation: Annotation, question: QuestionInfo) -> bool:
    """Whether a sentence has a number of what a how-many question counts (« 212 trains », not
    « 54 % des contrôleurs » for « Combien de trains … ? »)."""
    numbers = new_typed_entities(annotation, question, NUMBER)
    return any(counts_asked_thing(annotation, question, n) for n in numbers)


def _counts_as_asked(scored: ScoredSentence, question: QuestionInfo) -> bool:
    """:func:`_counts_thing` for a question counting named things; True for any other."""
    if question.measure != "count" or not question.counted:
        return True
    return _counts_thing(scored.annotation, question)


def holds_measured_number(reading: Reading) -> bool:
    """Whether a number question that asks a measure (an amount of money, an age, a duration,
    a count of named things: ``question.measure``) is read in a best sentence holding a
    number of that measure (« 23 000 euros » for « Combien d'argent … ? », « 20 contrôleurs »
    for "How many controllers …?"): the surest sign that the sentence answers it."""
    question = reading.question
    best = reading.best
    if best is None or question.answer_type != NUMBER or question.measure is None:
        return False
    if question.measure == "count":
        return _counts_thing(best.annotation, question)
    return bool(new_typed_entities(best.annotation, question, NUMBER))


def holds_asked_type(reading: Reading) -> bool:
    """Whether a factoid question's answer sentence holds a new entity of the asked type: the
    best sentence, or the one :meth:`ReaderGenerator._typed_instead` would quote instead."""
    best = reading.best
    if best is None or reading.question.answer_type is None:
        return False
    if _holds_type(best, reading.question):
        return True
    return (
        ReaderGenerator._typed_instead(reading) is not None
        or ReaderGenerator._successor(reading) is not None
    )


def _holds_type(scored: ScoredSentence, question: QuestionInfo) -> bool:
    """Whether a sentence holds a new entity of a type the question asks (any of them)."""
    return any(
        new_typed_entities(scored.annotation, question, asked) for asked in question.asked_types
    )


def holds_new_name(reading: Reading) -> bool:
    """Whether the best sentence holds a name the question does not (a question asking for a
    name: ``Comment s'appellent les deux hommes … ?``), or, for a work's title, the sentence
    :meth:`ReaderGenerator._titled_instead` would quote instead does."""
    best = reading.best
    if best is None:
        return False
    if reading.question.asks_name == TITLE:
        return names_title(best, reading.question) or (
            ReaderGenerator._titled_instead(reading) is not None
        )
    return bool(new_names(best.annotation, reading.question))


def names_title(scored: ScoredSentence, question: QuestionInfo) -> bool:
    """Whether a sentence quotes a work's title the question does not give (« L'œuvre volée,
    « La Jetée au crépuscule », peinte en 1887 … »: :func:`rag.reader.annotate.quoted_titles`).
    A painter's name does not answer "What is the name of the painting?"."""
    return bool(new_titles(scored.candidate.text, question))


def quotes_speaker(reading: Reading) -> bool:
    """Whether the best sentence may hold the words the question asks for: a question asking
    what a named person said (``question.speaker``: "Qu'a déclaré Zelensky … ?") is not
    answered by a sentence that names that person only as a complement or reports no speech
    ("… le conseiller à la sécurité nationale de Zelensky …"); a sentence that does not name
    them as a person ("il", a role) is left to the other checks (:func:`speaks`). A runner-up
    where they speak may answer instead (:meth:`ReaderGenerator._speaker_instead`)."""
    best = reading.best
    speaker = reading.question.speaker
    if best is None or speaker is None:
        return True
    said = speaks(best.candidate.text, best.annotation, speaker)
    # Not named there, the speaker may be « il » or a role, in a sentence reporting words.
    if said or (said is None and reports_speech(best.candidate.text)):
        return True
    return ReaderGenerator._speaker_instead(reading) is not None


def names_actor(reading: Reading) -> bool:
    """Whether the best sentence may answer a yes/no question about what a named person did
    (``question.actor``: "Did Zelensky approve the plan?"): a sentence naming that person only
    as a complement (« … le conseiller à la sécurité nationale de Zelensky … ») says nothing of
    what they did; one that does not name them ("il", a role) is left to the other checks."""
    best = reading.best
    actor = reading.question.actor
    if best is None or actor is None:
        return True
    partners = [key for key in reading.question.keys if actor not in key]
    if acts(best.candidate.text, best.annotation, actor, partners) is not False:
        return True
    return ReaderGenerator._actor_instead(reading) is not None


def names_asked_role_nowhere(reading: Reading) -> bool:
    """Whether a question asking what the holder of a role said ("What did the transport
    minister say?", ``question.speaking_role``) reads sentences none of which names that role:
    « Le vice-président … chargé des transports … a dénoncé … » is someone else's word, and
    the articles that would quote the minister are not there."""
    roles = reading.question.speaking_role
    return bool(roles) and not any(
        names_role(scored.candidate.text, roles) for scored in reading.sentences
    )


def names_what_is_absent(reading: Reading) -> bool:
    """Whether a question in the articles' language names something (a name or a number) that
    none of the retrieved articles holds, in a paragraph, title or footer
    (``missing_keys``): « Quel est le rôle de la Chine dans le plan ? » over articles that
    never name China asks about what they do not cover. Names are written alike in one
    language; an English question's names may be translated ("Russian Direct Investment Fund"
    for « Fonds russe d'investissement direct »), so only its numbers, written alike in any
    language, count ("Which museum … was robbed in 2010?" over articles that never say 2010)."""
    question = reading.question
    if question.language == READER_LANGUAGE:
        return reading.candidate_set.missing_keys > 0
    return reading.candidate_set.missing_numbers > 0


def _quoted_sentence(reading: Reading) -> ScoredSentence | None:
    """The sentence the answer would quote first: the one quoted instead of the best
    (:meth:`ReaderGenerator._successor_or_instead`), else the best."""
    return ReaderGenerator._successor_or_instead(reading)[1] or reading.best


def names_another_day(reading: Reading) -> bool:
    """Whether the question names a day or a month and the sentence the answer would quote
    (the best one after :func:`rag.reader.days_as_asked`, or the one quoted instead of it:
    :meth:`ReaderGenerator._answers_instead`) names only others: « 263 trains ont été
    supprimés mardi » does not say how many were on Wednesday."""
    asked = calendar_names(reading.question.text)
    if not asked:
        return False  # most questions: no instead-rule to run
    quoted = _quoted_sentence(reading)
    if quoted is None:
        return False
    named = calendar_names(quoted.candidate.text)
    return bool(named) and not named & asked


def reads_reason(reading: Reading) -> bool:
    """Whether the best sentence may answer a why-question (``question.asks_reason``): it gives
    a cause or a purpose (:func:`gives_reason`); « … mais a reporté le voyage » states what
    happened, not why. The sentence right after it, when the answer would quote it too
    (:meth:`ReaderGenerator._continuation`), may give the reason instead, and so may the
    runner-up :meth:`ReaderGenerator._reason_instead` quotes."""
    return _best_reads_reason(reading) or ReaderGenerator._reason_instead(reading) is not None


def _best_reads_reason(reading: Reading) -> bool:
    """:func:`reads_reason` of the best sentence and the one after it only."""
    best = reading.best
    if best is None or not reading.question.asks_reason:
        return True
    follow = ReaderGenerator._continuation(reading)
    return any(
        gives_reason(scored.candidate.text, scored.annotation)
        for scored in (best, follow)
        if scored is not None
    )


def confident_reading(reading: Reading, *, probability: float, slack: float) -> bool:
    """Whether the reader is sure enough of its best sentence to answer a little below the
    support bar: it rates the sentence at least ``probability``, the sentence is in the
    paragraph retrieval ranked first (reader and retrieval agree), the support is at most
    ``slack`` below the bar, and every name and number of the question occurs in the retrieved
    articles (``missing_keys == 0``).

    The support score (cosine + term coverage) and the reader's probability disagree most on
    paraphrases; where the support is just under its bar, this agreement separates answerable
    from unanswerable train items better than the support alone (settings'
    ``confident_reading_probability``).
    """
    best = reading.best
    candidate_set = reading.candidate_set
    return (
        probability < 1.0  # 1 turns the rule off (a lone candidate sentence has probability 1)
        and best is not None
        and best.candidate.passage_rank == 0
        and best.probability >= probability
        and candidate_set.extractive_margin >= -slack
        and candidate_set.missing_keys == 0
    )


def _role_sentence(reading: Reading) -> ScoredSentence | None:
    """The sentence a role question quotes: the runner-up naming the holder, else the best."""
    return ReaderGenerator._holder_instead(reading) or reading.best


# Words by which a sentence may name a person without their name.
_PERSON_PRONOUNS = frozenset({"il", "elle", "ils", "elles", "lui", "he", "she", "they", "him"})


def names_no_one(reading: Reading) -> bool:
    """Whether a question asking who holds a role (« Qui est le maire de Vernay ? ») is read in
    a sentence that names no one: no person, no noun of a person's role, no personal pronoun
    (« … SNCF Voyageurs a affrété 28 autocars … »). It cannot say who holds the role. The
    sentence quoted instead (:meth:`ReaderGenerator._answers_instead`: « Son président, Alain
    Mercier, … ») or after it (:meth:`ReaderGenerator._successor`) may."""
    if not reading.question.role:
        return False
    quoted = _quoted_sentence(reading)
    if quoted is None or ReaderGenerator._successor(reading) is not None:
        return False
    annotation = quoted.annotation
    if any(satisfies(entity, PERSON) for entity in annotation.entities):
        return False
    return not any(
        word in _PERSON_PRONOUNS
        or (pos == "NOUN" and (word in ROLE_NOUNS or word.rstrip("s") in ROLE_NOUNS))
        for word, pos, _, _ in annotation.pos
    )


def _names_holder_if_asked(reading: Reading, text: str) -> bool:
    """Whether a sentence that corroborates an answer names the holder of the role the
    question asks about, if it asks one (« la première conversation … entre l'envoyé spécial
    … Steve Witkoff et … » names Witkoff, but not as the one who leads the negotiations)."""
    question = reading.question
    if not question.role_of:
        return True  # « Quels dirigeants … » asks a kind of person, whom any role may name
    scored = next((s for s in reading.sentences if s.candidate.text == text), None)
    return scored is not None and role_holder(scored.annotation, question) is not None


def names_role_holder(reading: Reading, slack: float) -> bool:
    """Whether a question asking who holds a role (« Qui est le maire de … ? », "Who heads …?",
    ``question.role``) is answered by its best sentence (or the runner-up quoted instead,
    :meth:`ReaderGenerator._holder_instead`) naming a person with that role
    (:func:`rag.reader.features.role_holder`: « … le maire de Saint-Aurèle, François Kerbrat »),
    its support at most ``slack`` below the bar. Such a sentence often says something else
    about the person (a quote), which the support score reads as off the question."""
    quoted = _role_sentence(reading)
    return (
        slack > 0
        and quoted is not None
        and reading.candidate_set.extractive_margin >= -slack
        and role_holder(quoted.annotation, reading.question) is not None
    )


def quotes_role(reading: Reading, slack: float) -> bool:
    """Whether a question asking what the holder of a role said ("What did the prosecutor
    say?", ``question.speaking_role``) is answered by a best sentence that reports that role
    speaking (:func:`rag.reader.questions.role_speaks`: « … », a déclaré la procureure de
    Lorvan »), its support at most ``slack`` below the bar (the role holder's slack: the
    words quoted are seldom the question's)."""
    best = reading.best
    return (
        slack > 0
        and best is not None
        and reading.candidate_set.extractive_margin >= -slack
        and role_speaks(best.candidate.text, best.annotation, reading.question.speaking_role)
    )


def holds_another_role(reading: Reading) -> bool:
    """Whether a question asking who holds a role (« Qui est le secrétaire à l'Armée ? ») is
    read in a sentence that gives that role, in words, to someone of something else
    (« Rustem Umerov, secrétaire du Conseil national de sécurité … ») and to no one of what
    the question asks about (:func:`rag.reader.features.other_role_holder`), or that says a
    person is something else (« Émilie Rossi, infirmière … » for "Who is the mayor of …?":
    :func:`rag.reader.features.described_otherwise`). The sentence is the one the answer
    would quote: the holder quoted instead of the best, or another runner-up
    (:meth:`ReaderGenerator._answers_instead`: « … du peintre Théodore Gaillac … » for "Who
    heads the museum?")."""
    quoted = _quoted_sentence(reading)
    if not reading.question.role or quoted is None:
        return False
    return (
        other_role_holder(quoted.annotation, reading.question) is not None
        or described_otherwise(quoted.annotation, reading.question) is not None
    )


def counts_without_naming(reading: Reading) -> bool:
    """Whether a which-question (« Dans quels lycées … ? ») is read in a best sentence that
    names what it asks for only as an indefinite number of them (« dans plusieurs lycées de
    Vernay »: :func:`rag.reader.features.leaves_focus_vague`)."""
    best = reading.best
    return best is not None and leaves_focus_vague(best.candidate.text, reading.question.focus)


def refusal_allows(
    policy: str,
    reading: Reading,
    *,
    typed_slack: float = 0.0,
    confident_probability: float = 1.0,
    confident_slack: float = 0.0,
    role_slack: float = 0.0,
    measured_slack: float = 0.0,
) -> bool:
    """Whether a refusal policy (``settings.reader_refusal``) lets the reader answer.

    - ``"reader"``: the reader model's answerability reaches its threshold;
    - ``"support"``: the extractive answerer's best support reaches its bar
      (``extractive_margin >= 0``);
    - ``"support_names"``: that, and every name or number of the question occurs in the
      retrieved articles (their paragraphs, titles and footers: ``missing_keys == 0``);
    - ``"typed"``: a question asking for a date, number, place or organisation is answered
      only when the answer sentence holds one the question does not already name
      (:func:`holds_asked_type`), and then down to ``typed_slack`` below the support bar;
      any other question, a who-question included, by the support bar alone: a person is
      also named by a role or a pronoun ("un responsable de la Maison Blanche", "il"),
      which no entity tagger marks as a person; a question asking for a name
      (``question.asks_name``: "Comment s'appelle …", "What is the name of …") needs the bar
      and a name in the best sentence that the question does not name (:func:`holds_new_name`).
      With ``"typed"``, a :func:`confident_reading` (``confident_probability``,
      ``confident_slack``; off at probability 1, the default) stands in for the support bar;
      the type and name tests still apply. A how-many, how-much or what-share question whose
      best sentence holds a number of the asked measure (:func:`holds_measured_number`), and
      a question asking a work's title that a sentence answers with a quoted title, are
      answered down to ``measured_slack`` below the bar. Whatever its type, a question asking
      what a named person said needs a best sentence where that person speaks
      (:func:`quotes_speaker`), a why-question one that gives a reason (:func:`reads_reason`),
      a which-question one that does not name what it asks for only as "several" of them
      (:func:`counts_without_naming`), a question asking who holds a role one that names
      someone, not only people it gives another role (:func:`holds_another_role`,
      :func:`names_no_one`).
    """
    candidate_set = reading.candidate_set
    if policy == "reader":
        return reading.answerable
    confident = policy == "typed" and confident_reading(
        reading, probability=confident_probability, slack=confident_slack
    )
    if policy == "typed" and not (
        quotes_speaker(reading) and reads_reason(reading) and names_actor(reading)
    ):
        return False
    if policy == "typed" and (holds_another_role(reading) or names_no_one(reading)):
        return False
    if policy == "typed" and (names_what_is_absent(reading) or names_another_day(reading)):
        return False
    if policy == "typed" and names_asked_role_nowhere(reading):
        return False
    if policy == "typed" and counts_without_naming(reading):
        return False
    if policy == "typed" and reading.question.answer_type not in (None, PERSON):
        typed_bar = candidate_set.extractive_margin >= -typed_slack or (
            candidate_set.extractive_margin >= -measured_slack and holds_measured_number(reading)
        )
        return (typed_bar or confident) and holds_asked_type(reading)
    supported = (
        candidate_set.extractive_margin >= 0
        or confident
        or (policy == "typed" and names_role_holder(reading, role_slack))
        or (policy == "typed" and quotes_role(reading, role_slack))
    )
    if policy == "typed" and reading.question.asks_name:
        # A quoted title the question does not give is as sure a sign as a measured number.
        titled = reading.question.asks_name == TITLE and (
            candidate_set.extractive_margin >= -measured_slack
        )
        return (supported or titled) and holds_new_name(reading)
    if policy in ("support", "typed"):
        return supported
    if policy == "support_names":
        return supported and candidate_set.missing_keys == 0
    raise ValueError(f"unknown reader_refusal policy {policy!r}")


def states(short_answer: str, sentence: str) -> bool:
    """Whether a sentence states a short answer: each of its numbers, or, when it has none,
    its last word (a surname: « Dmitriev » for « Kirill Dmitriev »).

    >>> states("Kirill Dmitriev", "Dmitriev a précisé …"), states("28 points", "Le plan")
    (True, False)
    """
    folded = fold(sentence)
    numbers = re.findall(r"\d+", short_answer)
    if numbers:
        return all(re.search(rf"(?<!\d){n}(?!\d)", folded) for n in numbers)
    words = re.findall(r"\w+", fold(short_answer))
    return bool(words) and re.search(rf"\b{re.escape(words[-1])}\b", folded) is not None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _citation(candidate: Candidate) -> Citation:
    return Citation.of(candidate.passage, candidate.text)


class ReaderGenerator(Generator):
    """Answer with the sentence the reader picks (verbatim, cited), or refuse.

    ::

        generator = ReaderGenerator(ExtractiveAnswerer(embedder, settings))
        draft = generator.draft(request)   # request.query_vector and request.lexical set
        draft.short_answer                 # « 28 points » for "Combien de points … ?"

    Args:
        answerer: The extractive answerer: its candidates, sentence vectors (shared cache) and
            its corroboration / disagreement tests are reused.
        reader: The reader (default: the committed model, sharing the answerer's vectors).
    """

    name = "reader"
    uses_llm = False

    def __init__(self, answerer: ExtractiveAnswerer, reader: Reader | None = None) -> None:
        if not isinstance(answerer, ExtractiveAnswerer):
            raise ValueError("answerer must be an ExtractiveAnswerer")
        self.answerer = answerer
        self.reader = reader or Reader(embedder=answerer.embedder)

    def describe(self) -> str:
        """``reader`` and what its model was trained on."""
        trained = self.reader.model.meta.get("trained_on")
        return f"{self.name} ({trained})" if trained else self.name

    def read(self, request: GenerationRequest, pool: Sequence[Candidate]) -> Reading:
        """The reader's scores for the request's passages (``pool``: the answerer's scores)."""
        margin = extractive_margin(
            self.answerer,
            request.query,
            pool,
            request.lexical,
            translated=bool(request.terms_query),
        )
        asked = request.asked
        # A follow-up is also read by its own words (one more query embedding).
        asked_vector = (
            self.answerer.embedder.encode_queries([asked])[0]
            if asked is not None and asked != request.query
            else None
        )
        return self.reader.read(
            request.query,
            request.language,
            request.query_vector,
            request.passages,
            vectors=self.answerer.vectors.encode,
            extractive_margin=margin,
            article_notes=request.article_notes,
            asked=asked,
            asked_vector=asked_vector,
            translation=request.terms_query,
        )

    def draft(self, request: GenerationRequest) -> Draft:
        """The answering sentence(s) with citations and the short answer; none to refuse.

        Raises:
            ValueError: the request lacks ``query_vector`` or ``lexical``.
        """
        if request.query_vector is None or not isinstance(request.lexical, LexicalIndex):
            raise ValueError("the reader generator needs request.query_vector and .lexical")
        lexical = request.lexical
        pool = self.answerer.score(
            request.query,
            request.query_vector,
            request.passages,
            lexical,
            terms_query=request.terms_query,
        )
        reading = self.read(request, pool)
        # Related reading on a refusal: paragraphs by today's support scale (settings' bar).
        paragraph_support: dict[tuple[str, int], float] = {}
        for sentence in pool:
            key = sentence.key
            paragraph_support[key] = max(paragraph_support.get(key, 0.0), sentence.support)
        settings = self.answerer.settings
        answerable = refusal_allows(
            settings.reader_refusal,
            reading,
            typed_slack=settings.typed_support_slack,
            confident_probability=settings.confident_reading_probability,
            confident_slack=settings.confident_reading_slack,
            role_slack=settings.role_holder_slack,
            measured_slack=settings.measured_number_slack,
        )
        by_text = {(c.key, c.text): c for c in pool}
        # What several articles say about a name they hold: one sentence of each, answered
        # down to the role holder's slack (the question's words are seldom the articles').
        if asks_what_articles_say(request.question) or asks_what_articles_say(request.query):
            describing = bool(_ARTICLES_DESCRIBE.search(request.question))
            saying = self._articles_saying(reading, describing_only=describing)
            margin = reading.candidate_set.extractive_margin
            if saying and (answerable or margin >= -settings.role_holder_slack):
                return self._each_article(reading, saying, by_text, paragraph_support)
        if not answerable or reading.best is None:
            return Draft(
                units=[], support=reading.answerability, paragraph_support=paragraph_support
            )
        chosen = [reading.best]
        short_span = reading.short_answer
        successor, typed = self._successor_or_instead(reading)
        if typed is not None:
            chosen = [typed]
            short_span = extract_short_answer(
                reading.question, typed.candidate.text, typed.annotation
            )
        antecedent = self._antecedent(reading, chosen[0])
        referent = None if antecedent is not None else self._referent(reading, chosen[0])
        short_position = 0
        if successor is not None:
            chosen.append(successor)  # « … Elle a déjà recueilli 23 000 euros … », second
            short_span = extract_short_answer(
                reading.question, successor.candidate.text, successor.annotation
            )
            short_position = 1
        elif antecedent is not None:
            chosen.insert(0, antecedent)
            short_span = extract_short_answer(
                reading.question, antecedent.candidate.text, antecedent.annotation
            )
        elif referent is not None:
            chosen.insert(0, referent)  # what « Dmitri Peskov l'a affirmé » affirms, first
            short_position = 1
        several = asks_for_several(request.question) or asks_for_several(request.query)
        second = None
        # A best sentence naming the holder of the asked role is sure of its answer however
        # close the reader rates the runner-up (an English question's probabilities are flat).
        question = reading.question
        settled = typed is not None or antecedent is not None or successor is not None
        if not settled and (
            several
            or not question.role_of
            or role_holder(reading.best.annotation, question) is None
        ):
            share = SECOND_SENTENCE_SHARE if several else UNSURE_SHARE
            second = self._second(reading, by_text, share)
            if second is None:
                second = self._continuation(reading)
        if second is not None:
            chosen.append(second)
        units: list[AnswerSentence] = []
        short: ShortAnswer | None = None
        for position, scored in enumerate(chosen):
            candidate = by_text.get((scored.candidate.key, scored.candidate.text))
            if candidate is None:  # pragma: no cover - both split the same passages
                continue
            main = _citation(candidate)
            support = reading.answerability
            units.append(
                AnswerSentence(text=_cap(candidate.text), citations=[main], support=support)
            )
            if position == short_position and short_span is not None:
                span = short_span
                quote = _cap(candidate.text)
                short = ShortAnswer(
                    text=quote[span.start : span.end],
                    kind=KIND_NAMES.get(span.kind, span.kind.lower()),
                    citation=dataclasses.replace(main, quote=quote),
                )
            corroborating = self.answerer.corroborating(candidate, pool, lexical)
            if position == short_position and short is not None:
                # Another article's same sentence corroborates the answer only if it states
                # the short answer too (« Les principes … » without « Dmitriev a précisé »).
                corroborating = [
                    c
                    for c in corroborating
                    if states(short.text, c.text) and _names_holder_if_asked(reading, c.text)
                ]
                corroborating += self._same_answer(
                    reading, short.text, candidate, corroborating, by_text
                )
            for other in corroborating:
                units.append(
                    AnswerSentence(
                        text=_cap(other.text),
                        citations=[_citation(other)],
                        support=support,
                        corroborates=True,
                    )
                )
            for other in self.answerer.differing(candidate, pool, lexical):
                units.append(
                    AnswerSentence(
                        text=_cap(other.text),
                        citations=[_citation(other)],
                        support=support,
                        differs_from=main,
                    )
                )
        return Draft(
            units=units,
            support=reading.answerability,
            paragraph_support=paragraph_support,
            short_answer=short,
        )

    @staticmethod
    def _successor_or_instead(
        reading: Reading,
    ) -> tuple[ScoredSentence | None, ScoredSentence | None]:
        """What the answer quotes besides or instead of the best sentence: ``(successor,
        None)`` when the sentence right after the best goes on about its subject and holds the
        asked type the best lacks (:meth:`_successor`: « Quelques heures plus tôt, une réunion
        … » then « Elle a duré plus de cinq heures … »), before any runner-up of another
        paragraph (« … la grève de juin 2018, qui avait duré cinq jours »); else ``(None,
        instead)`` with :meth:`_answers_instead`'s runner-up or None."""
        successor = ReaderGenerator._successor(reading)
        if successor is not None:
            return successor, None
        return None, ReaderGenerator._answers_instead(reading)

    @staticmethod
    def _answers_instead(reading: Reading) -> ScoredSentence | None:
        """The runner-up quoted instead of a best sentence that lacks what the question asks:
        the number of the counted thing first (a how-many question's best sentence without a
        number would otherwise give way to any number, « 61 % des contrôleurs » for "Combien
        de trains … ?"), the holder of the asked role, then the asked type, a description, the
        speaker; else None."""
        return (
            ReaderGenerator._counted_instead(reading)
            or ReaderGenerator._priced_instead(reading)
            or ReaderGenerator._titled_instead(reading)
            or ReaderGenerator._source_instead(reading)
            or ReaderGenerator._holder_instead(reading)
            or ReaderGenerator._bounded_instead(reading)
            or ReaderGenerator._condition_instead(reading)
            or ReaderGenerator._verb_instead(reading)
            or ReaderGenerator._typed_instead(reading)
            or ReaderGenerator._described_instead(reading)
            or ReaderGenerator._speaker_instead(reading)
            or ReaderGenerator._role_speaker_instead(reading)
            or ReaderGenerator._actor_instead(reading)
            or ReaderGenerator._possessor_instead(reading)
            or ReaderGenerator._reason_instead(reading)
        )

    @staticmethod
    def _possessor_instead(reading: Reading) -> ScoredSentence | None:
        """For a question naming a person other than as the complement of a noun ("Where was
        the meeting with Zelensky planned?") whose best sentence names them only so (« … le
        conseiller à la sécurité nationale de Zelensky … »: it speaks of someone else), the
        best runner-up naming them as more than a complement (« … prévu de rencontrer le
        président ukrainien Volodymyr Zelensky … en Turquie ») and holding the asked type,
        rated at least ``VERB_SHARE`` of the best; else None."""
        question = reading.question
        best = reading.sentences[0]
        names = [
            key[0]
            for key in question.keys
            if key[0].isalpha() and not possessed_in_question(question.text, key[0])
        ]
        possessed = [
            name for name in names if names_as_possessor(best.candidate.text, best.annotation, name)
        ]
        if not possessed:
            return None
        kind = question.answer_type

        def names_otherwise(scored: ScoredSentence) -> bool:
            annotation = scored.annotation
            return all(
                acts(scored.candidate.text, annotation, name) is True for name in possessed
            ) and (kind is None or bool(new_typed_entities(annotation, question, kind)))

        return ReaderGenerator._instead(reading, names_otherwise, share=VERB_SHARE)

    @staticmethod
    def _reason_instead(reading: Reading) -> ScoredSentence | None:
        """For a why-question whose best sentence gives no reason, nor the one after it (« Il
        suggère d'organiser un appel … »), the best runner-up that gives one (« … étant donné
        que les États-Unis ont récemment contribué à … »), rated at least ``TYPED_SHARE`` of
        the best; else None."""
        if _best_reads_reason(reading):
            return None
        return ReaderGenerator._instead(
            reading, lambda scored: gives_reason(scored.candidate.text, scored.annotation)
        )

    @staticmethod
    def _bounded_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking until or since when (:func:`asked_bound`) whose best sentence
        has no date after « jusqu'à » or « depuis » (« Réunis mercredi soir … » for « Jusqu'à
        quand la grève est-elle reconduite ? »), the best runner-up that has one (« … se
        poursuivra au moins jusqu'à lundi »), rated at least ``TYPED_SHARE`` of the best; else
        None."""
        question = reading.question
        bound = asked_bound(question.text)
        if bound is None or question.answer_type != DATE:
            return None

        def bounded(scored: ScoredSentence) -> bool:
            return any(
                bounds_date(scored.candidate.text, entity.start, bound)
                for entity in new_typed_entities(scored.annotation, question, DATE)
            )

        return ReaderGenerator._instead(reading, bounded)

    @staticmethod
    def _condition_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking what happens under a condition (« … si le mouvement dure plus
        de trois jours ? », "… if the strike lasts …?") whose best sentence states no such
        condition, the best runner-up that does — « si » or "if" and at least half of the
        condition's words (« … seraient remboursés … si le mouvement dépassait trois jours »)
        — rated at least ``CONDITION_SHARE`` of the best; else None."""
        question = reading.question
        own = question.annotation if question.language == READER_LANGUAGE else question.translation
        if own is None:
            return None
        opening = next((i for i in range(len(own.pos)) if _opens_condition(own.pos, i)), None)
        if opening is None:
            return None
        condition = {
            word for word, pos, _, _ in own.pos[opening + 1 :] if pos in _CONDITION_CONTENT
        }
        if len(condition) < 2:
            return None

        def states_condition(scored: ScoredSentence) -> bool:
            tokens = scored.annotation.pos
            opens = [i for i in range(len(tokens)) if _opens_condition(tokens, i)]
            if not opens:
                return False
            stated = {word for word, _, _, _ in tokens[opens[0] + 1 :]}
            return 2 * len(condition & stated) >= len(condition)

        return ReaderGenerator._instead(reading, states_condition, share=CONDITION_SHARE)

    @staticmethod
    def _verb_instead(reading: Reading) -> ScoredSentence | None:
        """For a question whose best sentence does not say what the question's verb says
        (« peindre » in « Quand le tableau a-t-il été peint ? »), the best runner-up that does
        and holds what the question asks (« … peinte en 1887 … »), rated at least
        ``VERB_SHARE`` of the best; else None."""
        question = reading.question
        # French questions only: an English one's verbs come from a gist translation, whose
        # verbs are often not the articles' (a held-out item lost its answer to one).
        french = question.language == READER_LANGUAGE
        verbs = question.annotation.verbs if question.annotation and french else frozenset()
        if question.own_words:
            # A follow-up's verbs are its own: « Et mercredi ? » after « Combien d'autocars ont
            # été affrétés ? » asks about Wednesday, not « affréter » again.
            verbs = verbs & question.own_words
        if not verbs:
            return None
        kind = question.answer_type
        bound = asked_bound(question.text)
        names_of_best = ReaderGenerator._feature(reading, reading.sentences[0], "key_sent")

        def says_verb(scored: ScoredSentence) -> bool:
            if ReaderGenerator._feature(reading, scored, "key_sent") < names_of_best:
                # « … prévu de rencontrer le président ukrainien … en Turquie » names fewer
                # of the question's people than « Dmitriev … discussions avec Witkoff … »
                return False
            annotation = scored.annotation
            if not all(_says_word(annotation, verb) for verb in verbs):
                return False
            if kind is None:
                return True
            dates = new_typed_entities(annotation, question, kind)
            if bound is not None and kind == DATE:
                # « … depuis celle de juin 2018, qui avait duré cinq jours » says « durer » but
                # bounds nothing until when « Jusqu'à quand devait durer l'exposition ? » asks.
                return any(bounds_date(scored.candidate.text, d.start, bound) for d in dates)
            return bool(dates)

        return ReaderGenerator._instead(reading, says_verb, share=VERB_SHARE)

    @staticmethod
    def _typed_instead(reading: Reading) -> ScoredSentence | None:
        """For a factoid question whose best sentence holds nothing of the asked type, the best
        sentence that does (rated at least ``TYPED_SHARE`` of the best); else None."""
        question = reading.question
        kind = question.answer_type
        if kind is None:
            return None

        def tagged(scored: ScoredSentence) -> bool:
            return any(
                tagged_as(entity, kind)
                for entity in new_typed_entities(scored.annotation, question, kind)
            )

        best = reading.sentences[0]
        if kind == PERSON and ReaderGenerator._antecedent(reading, best) is not None:
            return None  # who "il" is comes from the sentence before, not from a runner-up
        if (
            kind == PERSON
            and asks_who_did(question.text)
            and says_deed(question, best.annotation)
            and (
                new_typed_entities(best.annotation, question, ORG)
                or opens_on_person_noun(best.annotation, roleless=True)
                or says_deed_by_agent(question, best.annotation)
            )
        ):
            # « lancée à l'appel de SUD-Rail » for « Qui a appelé … ? »: a body did it; « Un
            # fonctionnaire américain a confirmé qu'il allait informer … »: someone by a role;
            # « … créés vers 1900 par l'atelier nantais Morvan »: the passive's agent.
            return None
        if new_typed_entities(best.annotation, question, kind) and not tagged(best):
            # « Trump » (a lone name the model tagged PER) for "Which organisation …?": a
            # runner-up with an entity tagged of the asked type answers instead.
            stronger = ReaderGenerator._instead(reading, tagged)
            if stronger is not None:
                return stronger
        return ReaderGenerator._instead(
            reading,
            lambda scored: (
                bool(new_typed_entities(scored.annotation, question, kind))
                and (
                    scored is best
                    or (
                        ReaderGenerator._shares_words(reading, scored)
                        and not ReaderGenerator._shares_only_focus(reading, scored)
                    )
                )
            ),
        )

    @staticmethod
    def _shares_only_focus(reading: Reading, scored: ScoredSentence) -> bool:
        """Whether a French question's sentence shares none of its words but the noun of its
        question phrase (« heure » of « À quelle heure … ? », read in « 6 h 10 » or « 14
        heures »): any answer of the asked type says it, so it ties the sentence to nothing
        the question asks about. A word counts as shared by its lemma or, from six letters, by
        its first five (« repartis », « reparti »)."""
        question = reading.question
        if question.focus is None or question.language != READER_LANGUAGE:
            return False
        return not any(
            _says_word(scored.annotation, lemma) for lemma in question.lemmas - {question.focus}
        )

    @staticmethod
    def _candidate_index(reading: Reading, scored: ScoredSentence) -> int | None:
        """Where a read sentence is in its candidate set (its feature row); None if absent."""
        candidates = reading.candidate_set.candidates
        return next((i for i, c in enumerate(candidates) if c is scored.candidate), None)

    @staticmethod
    def _feature(reading: Reading, scored: ScoredSentence, name: str) -> float:
        """One feature (:data:`rag.reader.features.SENTENCE_FEATURES`) of a read sentence; 0
        for a sentence the candidate set does not hold."""
        index = ReaderGenerator._candidate_index(reading, scored)
        return 0.0 if index is None else float(reading.candidate_set.column(name)[index])

    @staticmethod
    def _shares_words(reading: Reading, scored: ScoredSentence) -> bool:
        """Whether a sentence shares a word with the question (a lemma, a stem, an English
        cognate): a runner-up that shares none holds the asked type by chance (« … a assuré la
        directrice régionale, Nathalie Perrin » for « Par qui ? » after « Quelle est la
        récompense offerte ? »)."""
        if ReaderGenerator._candidate_index(reading, scored) is None:
            return True
        return any(
            ReaderGenerator._feature(reading, scored, name) > 0
            for name in ("lemma_cov", "stem_cov", "cognate_cov")
        )

    @staticmethod
    def _holder_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking who holds a role (``question.role``) whose best sentence names
        no one with it (« Il a annoncé la fermeture du musée » for "Qui est le maire … ?"), the
        best sentence that does (« … a réagi le maire de Saint-Aurèle, François Kerbrat »),
        rated at least ``TYPED_SHARE`` of the best; else None."""
        question = reading.question
        best = reading.best
        if not question.role or best is None or role_holder(best.annotation, question):
            return None
        # A runner-up with the role and what it is of in the question's words (« le président
        # de la région, Olivier Fabre »), however the reader rates it: a best sentence that
        # names no holder often only shares the question's other words.
        named = ReaderGenerator._instead(
            reading,
            lambda scored: named_role_holder(scored.annotation, question) is not None,
            share=0.0,
        )
        return (
            named
            or ReaderGenerator._instead(
                reading, lambda scored: role_holder(scored.annotation, question) is not None
            )
            # « … », a déclaré le porte-parole du Kremlin » after « Dmitri Peskov l'a affirmé »:
            # the role and what it is of in the question's words, as above.
            or ReaderGenerator._named_by_role_instead(reading)
            # « Sa présidente, Claire Dumoulin » after « L'association d'usagers … »: the same.
            or ReaderGenerator._instead(
                reading,
                lambda scored: ReaderGenerator._possessed_as_asked(reading, scored),
                share=0.0,
            )
        )

    @staticmethod
    def _possessed_as_asked(reading: Reading, scored: ScoredSentence) -> bool:
        """Whether a sentence names the holder of the asked role after a possessive (« Sa
        présidente, Claire Dumoulin, … ») whose owner the text right before it says in the
        question's words (at least half of ``question.role_of``): the sentence before it in its
        paragraph, or the paragraph before when it opens its own and was retrieved too."""
        question = reading.question
        if not question.role_of or possessive_role_holder(scored.annotation, question) is None:
            return False
        sentence = scored.candidate
        before = ReaderGenerator._neighbour(reading, scored, -1)
        if before is not None:
            text = before.candidate.text
        elif sentence.position == 0:
            previous = (sentence.passage.article_id, sentence.passage.paragraph - 1)
            text = next(
                (
                    s.candidate.passage.text
                    for s in reading.sentences
                    if s.candidate.key == previous
                ),
                "",
            )
        else:
            return False
        words = words_of_paragraph(text)  # at least half of them: « Val-d'Orbe » is not
        found = sum(words.has(word) for word in question.role_of)  # « Rail Avenir Orbe »
        return 2 * found >= len(question.role_of)

    @staticmethod
    def _neighbour(reading: Reading, scored: ScoredSentence, step: int) -> ScoredSentence | None:
        """The sentence ``step`` places after ``scored`` in its paragraph (-1: right before
        it), if any."""
        sentence = scored.candidate
        return next(
            (
                other
                for other in reading.sentences
                if other.candidate.key == sentence.key
                and other.candidate.position == sentence.position + step
            ),
            None,
        )

    @staticmethod
    def _counted_instead(reading: Reading) -> ScoredSentence | None:
        """For a how-many question whose best sentence counts something else (« 61 % des
        contrôleurs » for "Combien de trains … ?"), the best sentence with a number of the
        counted thing (« 212 trains ont été supprimés »), rated at least ``COUNTED_SHARE`` of
        the best; else None."""
        question = reading.question
        if not question.counted:
            return None

        return ReaderGenerator._instead(
            reading, lambda scored: _counts_thing(scored.annotation, question), share=COUNTED_SHARE
        )

    @staticmethod
    def _priced_instead(reading: Reading) -> ScoredSentence | None:
        """For a French question asking the amount of something (« Quel est le montant de la
        récompense … ? ») whose best sentence gives no amount of it (« … évalue le préjudice à
        plus de 6 millions d'euros »), the best runner-up that does (« La compagnie offre une
        récompense de 150 000 euros … »), rated at least ``TYPED_SHARE`` of the best; else
        None. An English question's noun is not the articles' word: its translation's is
        ("How much is the reward?", :func:`priced_in_translation`)."""
        question = reading.question
        if question.measure != "money":
            return None
        if question.language == READER_LANGUAGE:
            priced = priced_words(question.text)
        elif question.translation is not None:
            priced = priced_in_translation(question.translation)
        else:
            return None
        if not priced:
            return None

        def prices(scored: ScoredSentence) -> bool:
            amounts = new_typed_entities(scored.annotation, question, NUMBER)
            return any(prices_asked_thing(scored.annotation, priced, a) for a in amounts)

        return ReaderGenerator._instead(reading, prices)

    @staticmethod
    def _source_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking a source's figure or claim (« … selon la direction ? »,
        ``question.source``) whose best sentence cites another source (« L'intersyndicale
        affirme que 263 trains … »), the best runner-up that does (« Selon la direction
        régionale …, 212 trains … ») and holds the asked type, however the reader rates it;
        else None (and for a question asking for no type). The source is in the question's
        words; the reader rates a sentence by its other words."""
        question = reading.question
        if not question.source or question.answer_type is None:
            return None  # "What …, according to Dmitriev?": he may say it without « selon »
        text = reading.sentences[0].candidate.text
        if not cited_sources(text) or cites_asked_source(text, question):
            return None  # no source found (it may be named in other words), or the asked one

        def cites(scored: ScoredSentence) -> bool:
            return (
                _holds_type(scored, question)
                and _counts_as_asked(scored, question)
                and cites_asked_source(scored.candidate.text, question)
            )

        return ReaderGenerator._instead(reading, cites, share=0.0)

    @staticmethod
    def _described_instead(reading: Reading) -> ScoredSentence | None:
        """For "Qui est Iouri Ouchakov ?" whose best sentence only names him (« M. Ouchakov a
        déclaré … »), the best candidate that says who he is (« l'assistant du président russe
        … Yuri Ushakov », :func:`describes`), however the reader rates it: the words that
        describe someone are seldom the question's (here not even the same spelling); else
        None."""
        question = reading.question
        if question.identity is None:
            return None
        return ReaderGenerator._instead(
            reading, lambda scored: describes(scored.annotation, question), share=0.0
        ) or ReaderGenerator._named_by_role_instead(  # « Dmitri Peskov l'a affirmé » and
            # « … », a déclaré le porte-parole du Kremlin »: the role right after his name
            # says who he is
            reading
        )

    @staticmethod
    def _articles_saying(
        reading: Reading, *, describing_only: bool = False
    ) -> list[ScoredSentence]:
        """For a question asking what several articles say about a name (``question.keys``:
        "What do the different articles say about Dmitriev?"), the sentence of each retrieved
        article that says most about it: the best-rated one that says who they are
        (:func:`describes`), else (unless ``describing_only``: "How do the articles describe
        …?") the best-rated one that names them; at most :data:`MAX_ARTICLES_SAYING` articles,
        none when the question names nothing or the articles do not hold it."""
        question = reading.question
        if not question.keys or reading.candidate_set.missing_keys:
            return []
        last = question.keys[-1][0].split()[-1]
        described = dataclasses.replace(question, identity=last)
        by_article: dict[str, ScoredSentence] = {}
        describing: dict[str, bool] = {}
        for scored in reading.sentences:
            words = words_of_paragraph(scored.candidate.text)
            if not all(key_found(key, words, words.text) for key in question.keys):
                continue
            article = scored.candidate.passage.article_id
            says_who = describes(scored.annotation, described)
            if describing_only and not says_who:
                continue
            if article not in by_article or (says_who and not describing[article]):
                by_article[article] = scored
                describing[article] = says_who
        return list(by_article.values())[:MAX_ARTICLES_SAYING]

    def _each_article(
        self,
        reading: Reading,
        saying: list[ScoredSentence],
        by_text: dict[tuple[tuple[str, int], str], Candidate],
        paragraph_support: dict[tuple[str, int], float],
    ) -> Draft:
        """The draft quoting one sentence of each article (:meth:`_articles_saying`)."""
        units = []
        for scored in saying:
            candidate = by_text.get((scored.candidate.key, scored.candidate.text))
            if candidate is None:  # pragma: no cover - both split the same passages
                continue
            units.append(
                AnswerSentence(
                    text=_cap(candidate.text),
                    citations=[_citation(candidate)],
                    support=reading.answerability,
                )
            )
        return Draft(
            units=units, support=reading.answerability, paragraph_support=paragraph_support
        )

    @staticmethod
    def _titled_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking a work's title whose best sentence quotes none (« Un tableau
        du peintre Théodore Gaillac … ont été dérobés »), the best runner-up that does
        (:func:`names_title`), however low the reader rates it (a quoted title is rare, and
        the surest sign of the answer); else None."""
        question = reading.question
        if question.asks_name != TITLE or not reading.sentences:
            return None
        return ReaderGenerator._instead(
            reading, lambda scored: names_title(scored, question), share=0.0
        )

    @staticmethod
    def _speaker_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking what a named person said ("What did Ushakov say about the
        leak?") whose best sentence names that person without their words (« Witkoff conseille
        Ushakov … »), the best runner-up where that person speaks (« M. Ouchakov a déclaré
        … »), rated at least ``TYPED_SHARE`` of the best; else None."""
        speaker = reading.question.speaker
        best = reading.best
        if speaker is None or best is None:
            return None
        if speaks(best.candidate.text, best.annotation, speaker) is not False:
            return None

        def speaking(scored: ScoredSentence) -> bool:
            said = speaks(scored.candidate.text, scored.annotation, speaker)
            # « Il a qualifié la réunion de … » after « Pour Karim Benhaddou, … »
            return said is True or (
                said is None
                and reports_speech(scored.candidate.text)
                and speaker in ReaderGenerator._antecedent_words(reading, scored)
            )

        return ReaderGenerator._instead(reading, speaking)

    @staticmethod
    def _antecedent_words(reading: Reading, scored: ScoredSentence) -> set[str]:
        """:func:`rag.reader.features.antecedent_words` of a sentence of the reading: the
        words of the person its opening « il » stands for."""
        sentences = reading.sentences
        index = next(i for i, other in enumerate(sentences) if other is scored)
        key = scored.candidate.key
        return antecedent_words(
            index,
            [other.candidate for other in sentences],
            [other.annotation for other in sentences],
            [i for i, other in enumerate(sentences) if other.candidate.key == key],
        )

    @staticmethod
    def _role_speaker_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking what the holder of a role said ("What did the mayor say
        …?") whose best sentence does not report that role speaking (« L'élue d'opposition
        Mathilde Le Goff … réclame … »), the best runner-up that does (« Le maire, François
        Kerbrat, a salué … »), rated at least ``TYPED_SHARE`` of the best; else None. The best
        sentence stays when none does: its « a-t-il déclaré » may be the role's words."""
        roles = reading.question.speaking_role
        if not roles or not reading.sentences:
            return None
        return ReaderGenerator._instead(
            reading, lambda scored: role_speaks(scored.candidate.text, scored.annotation, roles)
        )

    @staticmethod
    def _actor_instead(reading: Reading) -> ScoredSentence | None:
        """For a question asking what a named person did (``question.actor``: « À quoi Trump
        s'est-il engagé ? ») whose best sentence names them only as a complement (« Steve
        Witkoff, un envoyé de Trump, … a engagé des discussions … »), the best runner-up where
        they act (« … Trump s'est engagé à geler le cours du front … »), rated at least
        ``TYPED_SHARE`` of the best; else None."""
        question = reading.question
        actor = question.actor
        best = reading.best
        if actor is None or best is None:
            return None
        partners = [key for key in question.keys if actor not in key]

        def named_acting(scored: ScoredSentence) -> bool | None:
            return acts(scored.candidate.text, scored.annotation, actor, partners)

        if named_acting(best) is not False:
            return None
        return ReaderGenerator._instead(reading, lambda scored: named_acting(scored) is True)

    @staticmethod
    def _instead(
        reading: Reading, holds: Callable[[ScoredSentence], bool], share: float = TYPED_SHARE
    ) -> ScoredSentence | None:
        """When the best sentence does not ``hold`` what the question asks, the best runner-up
        that does, rated at least ``share`` of the best; else None."""
        best = reading.sentences[0]
        if holds(best):
            return None
        for scored in reading.sentences[1:]:
            if scored.probability < share * best.probability:
                return None
            if holds(scored):
                return scored
        return None

    @staticmethod
    def _antecedent(reading: Reading, chosen: ScoredSentence) -> ScoredSentence | None:
        """Who "il" is: for a who-question answered by a sentence that opens on a subject
        pronoun and names no person the question does not (« Il a rejeté les comparaisons … »),
        the nearest earlier sentence of the same paragraph that does (« Dmitriev a révélé
        … »); else None. It is quoted first and gives the short answer."""
        question = reading.question
        sentence = chosen.candidate
        if (question.role or question.identity) and (
            named := ReaderGenerator._named_by_role(reading, chosen)
        ) is not None:
            return named
        if question.answer_type != PERSON or not pronoun_subject(sentence.text):
            return None
        if new_persons(chosen.annotation, question):
            return None
        earlier = [
            scored
            for scored in reading.sentences
            if scored.candidate.key == sentence.key
            and scored.candidate.position < sentence.position
        ]
        for scored in sorted(earlier, key=lambda s: -s.candidate.position):
            if new_persons(scored.annotation, question) or opens_on_person_noun(scored.annotation):
                return scored  # « Dmitriev a révélé … », « Le gardien de nuit … n'a rien entendu »
        return None

    @staticmethod
    def _named_by_role_instead(reading: Reading) -> ScoredSentence | None:
        """The best sentence naming someone only by a role whose holder the sentence right
        before names (:meth:`_named_by_role`), however the reader rates it; else None."""
        return ReaderGenerator._instead(
            reading,
            lambda scored: ReaderGenerator._named_by_role(reading, scored) is not None,
            share=0.0,
        )

    @staticmethod
    def _named_by_role(reading: Reading, chosen: ScoredSentence) -> ScoredSentence | None:
        """Who the role of a sentence naming someone only by it is (:func:`names_by_role_only`:
        « « … », a déclaré le porte-parole du Kremlin »): the sentence right before it in its
        paragraph when that one opens on the name of the one person it names, the one a "Qui
        est … ?" question asks about or, for a question asking who holds a role, one it does
        not name (« Dmitri Peskov l'a affirmé … »); else None."""
        question = reading.question
        sentence = chosen.candidate
        if not names_by_role_only(chosen.annotation, question) or pronoun_subject(sentence.text):
            return None
        scored = ReaderGenerator._neighbour(reading, chosen, -1)
        if scored is None:
            return None
        persons = [e for e in scored.annotation.entities if e.label == PERSON]
        if len(persons) != 1 or scored.annotation.tokens_before(persons[0].start):
            return None  # not « Celui-ci … avec Kirill Dmitriev »: the subject is someone else
        if question.identity is not None:
            name = name_alternatives(question.identity)
            words = words_of_paragraph(persons[0].text.split()[-1])  # not « Dmitri »
            return scored if key_found(name, words, words.text) else None
        return scored if new_persons(scored.annotation, question) else None

    @staticmethod
    def _successor(reading: Reading) -> ScoredSentence | None:
        """For a question asking for a date, number, place or organisation whose best sentence
        holds none of the asked type, the sentence right after it in its paragraph when that
        one opens on a subject pronoun, so goes on about the same subject (no « néanmoins »
        turning to something else), and holds the asked type: « L'association … a lancé une
        souscription … » then « Elle a déjà recueilli 23 000 euros en trois jours. ». However
        the reader rates it: a pronoun carries none of the question's words. A next sentence
        that says who said the best one (« Dmitri Peskov l'a affirmé », :data:`_REFERS_BACK`)
        answers the same way, a who-question too, when it names someone new. Quoted after the
        best sentence, it gives the short answer; else None."""
        question = reading.question
        best = reading.best

        def holds(scored: ScoredSentence) -> bool:
            if question.answer_type == PERSON:  # "Driscoll" names « Daniel Driscoll »
                named = bool(new_persons(scored.annotation, question))
                # Who said it (« Qui a affirmé que … ? »): a person in a sentence reporting
                # no one's words (« … aucune rencontre entre … Daniel Driscoll … ») did not.
                return named and (not question.asks_source or reports_speech(scored.candidate.text))
            return _holds_type(scored, question)

        if best is None or question.answer_type is None or holds(best):
            return None
        scored = ReaderGenerator._neighbour(reading, best, 1)
        if scored is None:
            return None
        text = scored.candidate.text
        goes_on = (
            question.answer_type != PERSON
            and (
                SUBJECT_PRONOUN.match(text)
                # « Émilie Rossi, infirmière, … » then « « J'ai pris le car de 6 h 10 »: the
                # person the best sentence names speaks on.
                or (
                    _FIRST_PERSON_QUOTE.match(text)
                    and any(e.label == PERSON for e in best.annotation.entities)
                )
            )
            and not _CONTRAST.search(text)
        )
        says_it = _REFERS_BACK.search(text)  # « Dmitri Peskov l'a affirmé »
        return scored if (goes_on or says_it) and holds(scored) else None

    @staticmethod
    def _referent(reading: Reading, chosen: ScoredSentence) -> ScoredSentence | None:
        """What a sentence that refers back says (:data:`_REFERS_BACK`: « Dmitri Peskov l'a
        affirmé », « C'est ce que rapporte Axios »): the sentence right before it in its
        paragraph, quoted first; else None."""
        sentence = chosen.candidate
        if sentence.position == 0 or not _REFERS_BACK.search(sentence.text):
            return None
        return ReaderGenerator._neighbour(reading, chosen, -1)

    def _same_answer(
        self,
        reading: Reading,
        answer: str,
        chosen: Candidate,
        already: Sequence[Candidate],
        by_text: dict[tuple[tuple[str, int], str], Candidate],
    ) -> list[Candidate]:
        """Other articles' best sentences stating the same short answer (corroboration).

        One per article, among the sentences the reader rates at least ``SAME_ANSWER_SHARE``
        of the best; the short answer must appear in the sentence, and for a question asking
        who holds a role, as that role's holder (« la première conversation … entre l'envoyé
        spécial … Steve Witkoff et … » does not say who leads the negotiations).
        """
        best = reading.sentences[0].probability
        seen = {chosen.passage.article_id} | {c.passage.article_id for c in already}
        needle = fold(answer)
        found: list[Candidate] = []
        for scored in reading.sentences[1:]:
            if len(found) + len(already) >= MAX_CORROBORATING:
                break
            if scored.probability < SAME_ANSWER_SHARE * best:
                break
            article = scored.candidate.passage.article_id
            if article in seen or needle not in fold(scored.candidate.text):
                continue
            if not _names_holder_if_asked(reading, scored.candidate.text):
                continue
            other = by_text.get((scored.candidate.key, scored.candidate.text))
            if other is not None:
                seen.add(article)
                found.append(other)
        return found

    def _second(
        self,
        reading: Reading,
        by_text: dict[tuple[tuple[str, int], str], Candidate],
        share: float,
    ) -> ScoredSentence | None:
        """The next-best sentence of another paragraph, if the reader rates it ``share`` close."""
        best = reading.sentences[0]
        first = by_text.get((best.candidate.key, best.candidate.text))
        for scored in reading.sentences[1:]:
            other = by_text.get((scored.candidate.key, scored.candidate.text))
            disputed = (
                first is not None
                and other is not None
                and other.support > first.support
                and scored.probability >= DISAGREE_SHARE * best.probability
            )
            if scored.probability < share * best.probability and not disputed:
                return None
            if scored.candidate.key == best.candidate.key:
                continue
            if other is not None and other.coverage <= 0.0:
                continue  # it shares no word with the question: padding, not an answer
            if _LINKED_OPENING.match(scored.candidate.text):
                continue  # it goes on from a sentence of its own paragraph, not quoted
            if (
                first is not None
                and other is not None
                and first.vector is not None
                and other.vector is not None
                and float(first.vector @ other.vector) >= self.answerer.settings.corroboration
            ):
                continue  # the same statement: corroboration handles it
            return scored
        return None

    @staticmethod
    def _continuation(reading: Reading) -> ScoredSentence | None:
        """The reader's runner-up when it is the sentence right after the best one.

        Only for a question that asks for no typed short answer (what, which, why): the
        runner-up then continues the best sentence (« … le reflet des exigences russes. Selon
        certaines informations, ce plan comprenait … »).
        """
        if reading.question.answer_type is not None or len(reading.sentences) < 2:
            return None
        best, runner = reading.sentences[0].candidate, reading.sentences[1].candidate
        if runner.key != best.key:
            return None
        text = best.passage.text
        start = text.find(best.text)
        follow = text.find(runner.text)
        if start < 0 or follow < start + len(best.text):
            return None
        between = text[start + len(best.text) : follow]
        siblings = [s.candidate.text for s in reading.sentences if s.candidate.key == best.key]
        if any(sibling in between for sibling in siblings if sibling):
            return None
        return reading.sentences[1]


__all__ = [
    "ReaderGenerator",
    "asks_for_several",
    "confident_reading",
    "extractive_margin",
    "holds_another_role",
    "holds_asked_type",
    "holds_new_name",
    "names_actor",
    "names_role_holder",
    "names_what_is_absent",
    "quotes_role",
    "quotes_speaker",
    "reads_reason",
    "refusal_allows",
]
