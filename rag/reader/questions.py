"""What a question asks: answer type, focus noun, speaker, reason, measure, source, role.

:func:`analyze_question` reads a question once into a :class:`QuestionInfo`; the sentence-side
tests that answer it (who speaks in a sentence, whether it gives a reason, counts the asked
thing, cites the asked source) live here too, next to the question patterns they mirror.
French and English question words only: nothing depends on a corpus's words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from index.parse import fold
from rag.reader.annotate import (
    ANY_NAME,
    DATE,
    DIGITS_RE,
    ELIDED_HEAD_RE,
    EN_ACRONYMS,
    EN_NAMES,
    EVENT_TIME,
    FOCUS_TYPES,
    FR_QUESTION_WORDS,
    NAMED_PERSONS,
    NUMBER,
    PERSON,
    PLACE,
    TITLE,
    WHEN_WORD,
    WORD_RE,
    Annotation,
    Annotator,
    Entity,
    en_names_in,
    satisfies,
    stop_words,
)
from rag.reader.matching import WordSet, key_found, prefix_match, words_of_paragraph
from rag.text import EN_DEMONYM, EN_MONTHS


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
        actor: For a yes/no question whose subject is a named person ("Did Zelensky approve
            the plan?", « Zelensky a-t-il approuvé le plan ? »), the last word of the name,
            folded (:func:`asked_actor`): its answer names that person as more than a
            complement (:func:`acts`).
        translation: For a question in another language than the articles' ("Who called the
            strike?"), the annotation of its translation into theirs (« Qui a appelé la
            grève ? »), when the assistant has one: its verbs say what was done in the
            articles' words (the reader's who-did checks).
        own_words: For a French follow-up completed with the earlier questions it leans on,
            the content lemmas of its own words (« Et combien les syndicats en
            réclament-ils ? » → ``syndicat``, ``reclament``); empty otherwise
            (:func:`rag.reader.own_words_first`).
        foreign_persons: For a question asking who holds a role of one side (« côté russe »,
            "for Russia"), the last names, folded, of persons the retrieved sentences title
            with another nationality (:func:`rag.reader.features.foreign_persons`, set by
            the reader once it has read them): none of them holds the asked role.
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
    actor: str | None = None
    translation: Annotation | None = None
    own_words: frozenset[str] = frozenset()
    foreign_persons: frozenset[str] = frozenset()

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
    r"|\bquels? (?:est|sont|était|étaient) (?:le |les )?titres? (?:de |du |des |d['’])?(.*)"
    r"|\bcomment s['’]intitul(?:e|ent|ait|aient)\s+(.*)|\bsous quel titre\b(.*)"
    r"|\bwhat (?:is|was|are|were) (?:the |his |her |their |its )?(?:names?|titles?) (?:of )?(.*)"
    r"|\bwhat (?:is|was|are|were) ((?:he|she|it|they|the \w+(?: \w+)?)) called\b"
    r"|\bwhat(?:['’]s| is| was| are| were) (?:the |his |her |their |its )?"
    r"((?:[\w'’-]+ ){0,2}[\w'’-]+)['’]s? (?:names?|titles?)\b",
    re.I,
)
_ELISION = re.compile(r"^[a-z]{1,2}['’]")


# Works whose name is a title (« Quel est le nom du tableau volé ? »).
WORK_NOUN_WORDS = """tableau tableaux toile toiles œuvre œuvres oeuvre peinture peintures livre
livres roman romans ouvrage film films chanson chansons album pièce poème série émission
documentaire exposition painting paintings artwork work book books novel movie song play poem
series show documentary exhibition"""
WORK_NOUNS = frozenset(fold(noun) for noun in WORK_NOUN_WORDS.split())
_TITLE_WORDS = re.compile(r"\b(?:titres?|titles?|intitul)", re.I)


def _who_holds_named(text: str, language: str) -> str:
    """A question asking a person's name as the who-question it stands for: « Quel est le nom
    de l'envoyé spécial russe ? » → « Qui est l'envoyé spécial russe ? », "What is the name of
    the museum's director?" → "Who is the museum's director?"; '' when it asks no name."""
    match = _ASKS_NAME.search(text)
    if match is None:
        return ""
    named = next((group for group in match.groups() if group is not None), "").strip()
    if language == "en":
        owned = re.match(r"(?:the|his|her|their|its)\s|[\w-]+['’]s\s", named, re.I)
        article = "" if owned else "the "
        return f"Who is {article}{named}"
    article = "" if re.match(r"(?:le|la|les)\s|l['’]", named, re.I) else "le "
    return f"Qui est {article}{named}"


def asked_name(text: str) -> str | None:
    """What a question asking for a name needs in its answer: ``PER`` when it names a person
    (``Comment s'appellent les deux hommes … ?``), ``TITLE`` for a work's title (« Quel est le
    titre du tableau ? », "What is the name of the stolen painting?"), ``NAME`` (any name)
    otherwise; None for a question that asks no name.

    >>> asked_name("Comment s'appellent les deux hommes interpellés ?")
    'PER'
    >>> asked_name("Quel est le nom du musée ?")
    'NAME'
    >>> asked_name("Quel est le nom du peintre du tableau volé ?")
    'PER'
    >>> asked_name("Qui a appelé Witkoff ?") is None
    True
    """
    match = _ASKS_NAME.search(text)
    if match is None:
        return None
    named = next((group for group in match.groups() if group is not None), "")
    for word in WORD_RE.findall(named)[
        :5
    ]:  # "the museum's night watchman", "le haut fonctionnaire"
        folded = _ELISION.sub("", fold(word))
        if any(
            noun in NAMED_PERSONS or FOCUS_TYPES.get(noun) == PERSON
            for noun in (folded, folded.rstrip("sx"))
        ):  # « le nom du peintre du tableau » asks the painter's name
            return PERSON
        if folded in WORK_NOUNS:
            return TITLE
    return TITLE if _TITLE_WORDS.search(match.group()) else ANY_NAME


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
# How someone called or described something asks for their words too.
_DESCRIBED = r"(?:qualifié|décrit|présenté|jugé)"
_DESCRIBE_EN = r"(?:describe|call|characteri[sz]e|label|dismiss)(?:d|ed)?"
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
    # « Qu'en pense Zelensky ? », « Zelensky, qu'en pense-t-il ? »
    (re.compile(rf"^qu['’]\s*en\s+{_SAY_PRESENT}\s+(?P<who>.+)", re.I), False),
    (re.compile(rf"^(?P<who>[^,?]+?)\s*,\s*qu['’]\s*en\s+{_SAY_PRESENT}-t-(?:il|elle|ils|elles)\b",
                re.I), True),
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
    # How they called or described something: « Comment Dmitriev a-t-il qualifié ces
    # informations ? », "How did Dmitriev describe the reports?", "What did he call it?"
    (re.compile(rf"^comment\s+(?P<who>.+?)\s+(?:a|ont|avait)-t-(?:il|elle|ils|elles)\s+{_DESCRIBED}\b",
                re.I), True),
    (re.compile(rf"^how\s+(?:did|does|has|have|had)\s+(?P<who>.+?)\s+{_DESCRIBE_EN}\b", re.I),
     True),
    (re.compile(r"^what\s+(?:did|does|has|had)\s+(?P<who>.+?)\s+call(?:ed)?\b", re.I), True),
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
    r"^(?:(?:le|la|les|the)\s+|l['’]\s*)?(?P<title>(?:[a-zà-ÿ][\w-]*\s+){0,2}?)"
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
        words = WORD_RE.findall(match.group("who"))[:4]
        for index, word in enumerate(words):
            if word[:1].isupper() and word.lower() not in ("le", "la", "les", "the"):
                return ()  # a name
            if stems := _role_stems(ELIDED_HEAD_RE.sub("", word), language):
                # « le vice-président » is not « le président »: the role of « vice- »
                return VICE_ROLE if index and fold(words[index - 1]) == "vice" else stems
        return ()
    return ()


def role_speaks(sentence: str, annotation: Annotation, stems: tuple[str, ...]) -> bool:
    """Whether a sentence reports what the holder of a role says (« … », estime la directrice
    du musée »; « a déclaré la procureure de Lorvan »): it names the role (one of ``stems``)
    and reports speech (quotation marks or a verb of saying)."""
    tokens = [fold(m.group()) for m in _SPEECH_TOKEN.finditer(sentence)]
    return _names_role(tokens, stems) and any(_reports_speech(token, token) for token in tokens)


def names_role(sentence: str, stems: tuple[str, ...]) -> bool:
    """Whether a sentence names a role noun of ``stems`` (French stems, as
    :attr:`QuestionInfo.role`): « la directrice du musée » for ``("direc",)``."""
    return _names_role([fold(m.group()) for m in _SPEECH_TOKEN.finditer(sentence)], stems)


def _names_role(tokens: Sequence[str], stems: tuple[str, ...]) -> bool:
    """:func:`names_role` over a sentence's folded tokens."""
    return bool(stems) and any(
        token.startswith(stems) and token.rstrip("s") in ROLE_NOUNS for token in tokens
    )


def _reports_speech(token: str, word: str) -> bool:
    """Whether a token (``word``: folded) reports speech: a quotation mark or a verb of saying."""
    return token in _QUOTE_MARKS or word in _SPEECH_WORDS or word.startswith(_SPEECH_STEMS)


def reports_speech(sentence: str) -> bool:
    """Whether a sentence reports anyone's words: a quotation mark or a verb of saying."""
    tokens, folded = _speech_tokens(sentence)
    return any(_reports_speech(t, w) for (t, _), w in zip(tokens, folded, strict=True))


def _speech_tokens(sentence: str) -> tuple[list[tuple[str, int]], list[str]]:
    """The tokens of a sentence with their offsets, and the same tokens folded."""
    tokens = [(m.group(), m.start()) for m in _SPEECH_TOKEN.finditer(sentence)]
    return tokens, [fold(token) for token, _ in tokens]


def _before_name(tokens: list[tuple[str, int]], folded: list[str], i: int) -> int:
    """The index of the word that governs the name at token ``i``, past its first names and
    an article (« de l'Ukraine », « selon le Kremlin »); -1 when the name opens the sentence."""
    j = i - 1
    while j >= 0 and tokens[j][0][:1].isupper() and folded[j] not in BEFORE_WORDS:
        j -= 1  # first names, "M." (not "Selon" opening the sentence)
    while j >= 1 and folded[j] in _ARTICLE_WORDS:
        j -= 1
    return j


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
    words = [_ELISION.sub("", fold(w)) for w in WORD_RE.findall(text)]
    return tuple(w for w in words if len(w) > 2 and w not in stop_words())[:3]


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
AUXILIARIES = frozenset({"a", "ont", "avait", "avaient", "aurait", "has", "had", "have"})
_ARTICLE_WORDS = frozenset({"l", "le", "la", "les", "the"})
# French question words, and the prepositions before them, that may open an inverted
# question (« Quand Poutine a-t-il … », « Avec qui Witkoff a-t-il … »): no named subject.
_ASKING_WORDS = FR_QUESTION_WORDS | {
    "que", "a", "avec", "depuis", "dans", "en", "pour", "par", "contre", "chez", "sur",
}  # fmt: skip
BEFORE_WORDS = _SOURCE_BEFORE | _COMPLEMENT_BEFORE | {"apres", "according"}


# Entity labels of a speaker that is no person: a country, a capital, a government, a body.
_COLLECTIVE_LABELS = frozenset({"LOC", "ORG"})
# A stance or a characterisation: « la réaction de Moscou », « la position de l'Ukraine »,
# "Kyiv's response", « les représentants du Kremlin ont décrit cette fuite comme … ».
_STANCE_STEMS = ("reaction", "position", "response", "stance", "avis", "opinion", "decri")


def _person_places(
    sentence: str, annotation: Annotation, name: str
) -> tuple[list[tuple[str, int]], list[str], list[int]]:
    """A sentence's tokens, the same folded, and the indices of those that spell ``name`` (a
    folded last name) inside a person the sentence names ("Ushakov" may be tagged MISC; an
    English question's "Ushakov" matches the article's « Ouchakov », as the question's other
    names do)."""
    persons = [e for e in annotation.entities if satisfies(e, PERSON)]
    tokens, folded = _speech_tokens(sentence)
    return tokens, folded, _named_in(tokens, folded, WordSet([name]), persons)


def _named_in(
    tokens: list[tuple[str, int]], folded: list[str], name: WordSet, entities: list[Entity]
) -> list[int]:
    """Indices of the tokens that spell ``name`` inside one of ``entities``."""
    return [
        i
        for i, (word, (_, start)) in enumerate(zip(folded, tokens, strict=True))
        if name.has(word) and any(e.start <= start < e.end for e in entities)
    ]


def speaks(sentence: str, annotation: Annotation, speaker: str) -> bool | None:
    """Whether ``speaker`` (a folded last name) is the one a sentence quotes: named as a
    person and as a source ("selon Dmitriev", "pour Karim Benhaddou"), or, in a sentence that
    reports speech, neither as a complement ("le conseiller de Zelensky", "avec Kirill
    Dmitriev") nor as the object of another verb ("il a rencontré Rustem Umerov").
    None when the sentence does not name them as a person (a pronoun or a role may).
    """
    tokens, folded, places = _person_places(sentence, annotation, speaker)
    if not places:
        collectives = [e for e in annotation.entities if e.label in _COLLECTIVE_LABELS]
        if not _named_in(tokens, folded, WordSet([speaker]), collectives):
            return None
        # A country or an institution speaks through others (« le porte-parole du Kremlin »,
        # « les réactions de l'Ukraine »): a sentence naming it holds its words or its stance
        # when it reports speech or a reaction at all.
        return any(
            _reports_speech(token, word) or word.startswith(_STANCE_STEMS)
            for (token, _), word in zip(tokens, folded, strict=True)
        )
    # Named inside the quoted words (« Le président Trump pense … », explique ce fonctionnaire):
    # the words are someone else's.
    quotes = [m.span() for m in _QUOTATION.finditer(sentence)]
    places = [i for i in places if not any(a < tokens[i][1] < b for a, b in quotes)]
    if not places:
        return False
    speech = [_reports_speech(token, word) for (token, _), word in zip(tokens, folded, strict=True)]
    verbs = {start for _, pos, start, _ in annotation.pos if pos == "VERB"}
    for i in places:
        j = _before_name(tokens, folded, i)
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


# A yes/no question whose subject is named: "Did Zelensky approve …?", "Has Putin said …?",
# « Zelensky a-t-il approuvé … ? », « Dmitriev accepte-t-il … ? », « Est-ce que Poutine a … ? ».
# Not a copula: "Was Witkoff the only American …?" asks what he is, named in any role.
_ASKS_ACTOR = (
    re.compile(r"^(?:did|does|do|has|have|had|will|would|can|could)\s+(?P<who>.+)", re.I),
    re.compile(r"^est-ce\s+qu(?:e\s+|['’]\s*)(?P<who>.+)", re.I),
    re.compile(r"^(?P<who>[^?]+?)\s+(?!(?:est|était|sont|serait|fut)-)[\w’']+-(?:t-)?(?:il|elle)\b",
               re.I),
)  # fmt: skip
# After the name, a verb or an auxiliary in lower case: the name is the whole subject.
_AFTER_ACTOR = re.compile(r"^(?:\s+[a-zà-ÿ][\w’'-]*|-t-(?:il|elle)\b|\s*$)")


# A wh-question asks about what its named subject did, as a yes/no question does (« À quoi
# Trump s'est-il engagé ? », "Why did Witkoff postpone his trip?").
_WH_OPENING = re.compile(
    r"^(?:(?:quand|où|pourquoi|comment|que|(?:à|a|de|sur|avec|en)\s+quoi|when|where|why|how"
    r"|what)\s+|qu['’](?=est-ce\s))",  # « Qu'est-ce que Trump … », « Que Trump a-t-il … »
    re.I,
)


def asked_actor(text: str) -> str | None:
    """The named person a yes/no question, or a when- or where-question, asks about as its
    subject (« Quand Zelensky a-t-il reçu le plan ? »), as the last word of their name,
    folded; None for other questions, a role, or a name inside a longer subject.

    >>> asked_actor("Did Zelensky approve the plan?"), asked_actor("Did the US official say so?")
    ('zelensky', None)
    >>> asked_actor("Quand Zelensky a-t-il reçu le plan ?"), asked_actor("Where did Witkoff go?")
    ('zelensky', 'witkoff')
    """
    question = re.sub(rf"^{_LEADING_CONJUNCTION}", "", text.strip(), flags=re.I)
    question = _WH_OPENING.sub("", question, count=1)
    for pattern in _ASKS_ACTOR:
        match = pattern.search(question)
        if match is None:
            continue
        who = match.group("who").strip()
        speaker = _SPEAKER.match(who)
        if (
            speaker is None
            or speaker.group("name") != who[: len(speaker.group("name"))]
            or fold(who.split()[0]) in _ARTICLE_WORDS | _ASKING_WORDS
        ):
            # An article or a title first ("the US official", « Le Kremlin »), or a question
            # word: « Où Witkoff a-t-il rencontré Dmitriev ? » asks where, not whether.
            return None
        if _AFTER_ACTOR.match(speaker.group("rest")) is None or _NOUN_AFTER_NAME.match(
            speaker.group("rest")
        ):
            return None  # "Trump's envoy", "the US official", "Kremlin representatives"
        return fold(speaker.group("name").split()[-1])
    return None


# An English plural noun after a name makes it part of a longer subject ("How did Kremlin
# representatives …?"); the verb after "did"/"has" a name is seldom such a word.
_NOUN_AFTER_NAME = re.compile(r"^\s+[a-z]+[^s\W]s\b")


# "Qui"/"who" and a verb other than a copula asks who did something (« Qui a volé … ? »).
_WHO_DID = re.compile(
    rf"^\s*(?:{_LEADING_CONJUNCTION})?(?:qui|who)\s+"
    r"(?!(?:est|sont|était|étaient|fut|is|are|was|were)\b(?!\s+\w+ing\b))",  # "who is leading"
    re.I,
)


def asks_who_did(text: str) -> bool:
    """Whether a question asks who did something ("Who discovered the theft?", « Qui a volé
    le tableau ? »), not who someone is or whose something is.

    >>> asks_who_did("Qui a volé le tableau ?"), asks_who_did("Qui est le maire ?")
    (True, False)
    """
    return _WHO_DID.match(text) is not None


# « Avec qui … ? », « À qui … ? », "With whom …?", "Who did he meet with?": the preposition
# the asked person comes after, as the articles write it.
_PREPOSITION_WHO = re.compile(
    rf"^\s*(?:{_LEADING_CONJUNCTION})?(?P<fr>avec|à|a|par|pour|contre|chez)\s+qui\b"
    rf"|^\s*(?:{_LEADING_CONJUNCTION})?(?P<en>with|to|by|for|against)\s+whom\b"
    r"|^\s*(?:and\s+)?who(?:m)?\b[^?(]*?\s(?P<end>with|to|by|for|against)\s*\?",
    re.I,
)
_EN_PREPOSITIONS = {
    "with": ("avec",), "to": ("a", "au", "aux"), "by": ("par",), "for": ("pour",),
    "against": ("contre",),
}  # fmt: skip


# Whom a named person met or talked to: the articles say « … avec … ».
_MET_WHOM = re.compile(
    rf"^\s*(?i:{_LEADING_CONJUNCTION})?(?:(?i:qui)\s+[A-ZÀ-Ý][^?]*?-(?:t-)?(?:il|elle)\s+"
    r"(?i:rencontr|vu\b|revu\b)|(?i:whom?\s+(?:did|has|had|will|was))\s+[A-Z][^?]*?\s+"
    r"(?i:meet|met|see|seeing|meeting)\b)"
)


def asked_preposition(text: str) -> tuple[str, ...]:
    """The French prepositions the person a question asks for follows (folded): ``("avec",)``
    for « Avec qui Witkoff a-t-il discuté ? » and "Who did he discuss it with?"; () for
    other questions.

    >>> asked_preposition("Avec qui a-t-il parlé ?"), asked_preposition("Who met Witkoff?")
    (('avec',), ())
    """
    match = _PREPOSITION_WHO.match(text)
    if match is None:
        # « Qui Dmitriev a-t-il rencontré ? », "Who did Witkoff meet?": one meets with someone.
        return ("avec",) if _MET_WHOM.match(text) else ()
    if match.group("fr"):
        word = fold(match.group("fr"))
        return ("a", "au", "aux") if word == "a" else (word,)
    return _EN_PREPOSITIONS[(match.group("en") or match.group("end")).lower()]


def acts(
    sentence: str, annotation: Annotation, actor: str, partners: Sequence[tuple[str, ...]] = ()
) -> bool | None:
    """Whether a sentence names ``actor`` (a folded last name) as a person who does something
    rather than only as a complement of someone or something else (« le conseiller à la
    sécurité nationale de Zelensky », "a meeting with Umerov"). None when the sentence does not
    name them as a person (a pronoun or a role may stand for them).

    ``partners``: the other names of the question (as :attr:`QuestionInfo.keys`). With one of
    them in the sentence, « avec Witkoff » or « entre Witkoff et … » names a party to what
    they did together: « Dmitriev a tenu des discussions avec Witkoff » says that Witkoff met
    Dmitriev."""
    tokens, folded, places = _person_places(sentence, annotation, actor)
    if not places:
        return None
    before = [_before_name(tokens, folded, i) for i in places]
    if any(j < 0 or folded[j] not in _COMPLEMENT_BEFORE for j in before):
        return True
    words = words_of_paragraph(sentence)
    together = any(key_found(key, words, words.text) for key in partners)
    return together and any(folded[j] in _TOGETHER_BEFORE for j in before)


def names_as_possessor(sentence: str, annotation: Annotation, name: str) -> bool:
    """Whether a sentence names ``name`` (a folded last name) as a person only as the
    complement of a noun (« le conseiller à la sécurité nationale de Zelensky », "an envoy of
    Trump"): what the sentence says is about someone else.

    >>> from rag.reader.annotate import Annotation, Entity
    >>> def named(text):
    ...     start = text.index("Volodymyr")
    ...     person = Entity("Volodymyr Zelensky", "PER", start, start + 18)
    ...     return Annotation(words=(), lemmas=frozenset(), entities=(person,))
    >>> text = "Witkoff a vu le conseiller de Volodymyr Zelensky."
    >>> names_as_possessor(text, named(text), "zelensky")
    True
    >>> text = "Witkoff a vu Volodymyr Zelensky."
    >>> names_as_possessor(text, named(text), "zelensky")
    False
    """
    tokens, folded, places = _person_places(sentence, annotation, name)
    return bool(places) and all(
        (j := _before_name(tokens, folded, i)) >= 0 and folded[j] in _POSSESSIVE_BEFORE
        for i in places
    )


def possessed_in_question(question: str, name: str) -> bool:
    """Whether a question names ``name`` (a folded last name) as the complement of a noun
    (« le conseiller de Zelensky », "Zelensky's adviser"): a sentence naming them so may
    answer it.

    >>> possessed_in_question("Who is Zelensky's adviser?", "zelensky")
    True
    >>> possessed_in_question("Where was the meeting with Zelensky planned?", "zelensky")
    False
    """
    tokens, folded = _speech_tokens(question)
    name_words = WordSet([name])
    for i, word in enumerate(folded):
        if not name_words.has(word):
            continue
        j = _before_name(tokens, folded, i)
        if j >= 0 and folded[j] in _POSSESSIVE_BEFORE:
            return True
        if re.match(r"['’]s\b", question[tokens[i][1] + len(tokens[i][0]) :]):
            return True
    return False


# A word before a name that makes it the complement of a noun (« le conseiller de Zelensky »).
_POSSESSIVE_BEFORE = frozenset({"de", "d", "du", "des", "of"})


# A word before a name that makes them a party to a joint action (« avec », « entre … et »).
_TOGETHER_BEFORE = frozenset({"avec", "with", "entre", "between", "et", "and"})


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
        # After an auxiliary a speech word is the verb, whatever the tagger says (« a réagi »:
        # an adjective to the small model).
        return speech[k] and (tokens[k][1] in verbs or (k > 0 and folded[k - 1] in AUXILIARIES))

    k = name + 1
    if k < len(tokens) and tokens[k][0] != ",":
        return True  # no apposition: the name opens a clause (« Selon X, Witkoff conseille »)
    k += 1
    if k < len(tokens) and folded[k] in AUXILIARIES:
        k += 1
    # Right after the apposition's closing comma a speech word is the verb, whatever the
    # tagger says (« Sa présidente, Claire Dumoulin, juge « insuffisant » … »: « juge », a noun
    # too).
    if k < len(tokens) and speech[k]:
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
    if j >= 0 and tokens[j][0].lower() in AUXILIARIES:
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


# « Jusqu'à quand … ? » / "Until when …?" asks the end of a span of time, « Depuis quand … ? » /
# "Since when …?" its start.
_ASKED_BOUND = re.compile(
    r"\b(?:(?P<until>jusqu['’]\s*(?:à|a|au|en)\s+quand|until\s+when|till\s+when)"
    r"|(?P<since>depuis\s+quand|since\s+when))\b",
    re.IGNORECASE,
)
# The word that bounds a date in a sentence, right before it (an article in between).
_BOUND_BEFORE = {
    "until": re.compile(
        r"(?:\bjusqu['’]\s*(?:à|a|au|aux|en)|\buntil|\btill)\s+(?:(?:le|la|les|the)\s+|l['’]\s*)?$",
        re.IGNORECASE,
    ),
    "since": re.compile(
        r"(?:\bdepuis|\bsince)\s+(?:(?:le|la|les|the)\s+|l['’]\s*)?$", re.IGNORECASE
    ),
}


def asked_bound(text: str) -> str | None:
    """``"until"`` for a question asking until when, ``"since"`` for one asking since when,
    else None.

    >>> asked_bound("Jusqu'à quand la grève est-elle reconduite ?"), asked_bound("Since when?")
    ('until', 'since')
    >>> asked_bound("Quand la grève a-t-elle commencé ?") is None
    True
    """
    match = _ASKED_BOUND.search(text)
    if match is None:
        return None
    return "until" if match.group("until") else "since"


def bounds_date(sentence: str, start: int, bound: str) -> bool:
    """Whether the date at ``start`` of ``sentence`` follows the word of ``bound``
    (:func:`asked_bound`): « jusqu'à » or "until", « depuis » or "since".

    >>> text = "La grève se poursuivra au moins jusqu'à lundi, votée mercredi soir."
    >>> [bounds_date(text, text.index(day), "until") for day in ("lundi", "mercredi")]
    [True, False]
    """
    return _BOUND_BEFORE[bound].search(sentence, max(0, start - 20), start) is not None


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
                            r"|\bcombien (?:de (?:jours|heures|semaines|mois|minutes)"
                            r"|d['’]années)\b"
                            r"|\b(?:for )?how many (?:days|hours|weeks|months|years|minutes)\b",
                            re.I)),
    ("money", re.compile(r"\bcombien d['’]argent\b|\bcombien (?:co[uû]te|co[uû]tait|co[uû]tera"
                         r"|a co[uû]t[ée])\b|\bquel (?:montant|prix|budget|co[uû]t)\b"
                         # « Combien gagne un contrôleur ? », « Combien la ville a-t-elle payé ? »
                         r"|\bcombien\b(?!\s+(?:de|d['’])\b)[^?]*?\b(?:gagnen?t?|gagnai[te]n?t?"
                         r"|gagn(?:é|era)|touchen?t?|touch[ée]|per[çc]oi(?:t|ven?t)|per[çc]u"
                         r"|paie(?:nt|ra)?|payen?t?|pay[ée]|vau[tx]|valen?t|valait|d[ée]pens(?:en?t|é)"
                         r"|co[uû]ten?t|co[uû]t[ée]s?|co[uû]teront)\b"
                         # « À combien s'élève le préjudice ? », "How much is the reward?"
                         r"|\bcombien (?:s['’](?:[ée]l[eèé]v|chiffr)\w*"
                         r"|se (?:monte|montent|montait|chiffre|chiffrent|chiffrait))\b"
                         # not "By how much is irrigation being cut?": a change, in any unit
                         r"|(?<!\bby )\bhow much (?:is|was|are|were|will be)\b(?![^?]*\bbeing\b)"
                         r"|\bquel(?:le)? (?:est|était|sera) (?:le |la |l['’])?"
                         r"(?:montant|prix|budget|co[uû]t|salaire|tarif|loyer|rémunération)\b"
                         r"|\bwhat (?:is|was|will be) the (?:price|cost|salary|wage|fee|budget)\b"
                         r"|\bquelle somme\b|\bhow much (?:money|cash|funding)\b"
                         r"|\bhow much\b.*\b(?:cost|costs|pay|paid|spend|spent|worth|earn|earned"
                         r"|raise|raised|invest|invested)\b|\bwhat (?:amount|sum|price)\b", re.I)),
    # A percentage or a share asks for « 61 % », "45 pour cent" (a proportion or a part may be
    # « un tiers »: not asked here).
    ("percent", re.compile(r"\bquel (?:(?:est|était|sera) le )?(?:pourcentage|taux)\b"
                           r"|\b(?:what|which) (?:(?:is|was|will be) the )?(?:share|percentage"
                           r"|rate)\b|\bcombien de pour ?cent\b|\bhow many per ?cent\b", re.I)),
    ("year", re.compile(r"\b(?:en )?quelle année\b|\b(?:in )?(?:what|which) year\b", re.I)),
    # A date of the calendar or a time of day, not a time given by an event (« avant le sommet »).
    ("calendar", re.compile(r"\bquelle date\b|\bde quand date\b|\bquel jour\b|\bquel mois\b"
                            r"|\bquelle heure\b|\b(?:what|which) (?:date|day|month|time)\b",
                            re.I)),
)  # fmt: skip
_DATE_MEASURES = frozenset({"year", "calendar"})
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
_NUMBER_JOINS = frozenset({"et", "ou", "a", "and", "or", "to"})  # « 29 et 41 ans », "5 to 7 days"
_PERCENT = re.compile(r"%|\bpour ?cent\b|\bper ?cent\b", re.I)
_MEASURE_UNITS["long"] = _MEASURE_UNITS["duration"] | _MEASURE_UNITS["length"]
_TIME_OR_MONEY = _MEASURE_UNITS["duration"] | _MEASURE_UNITS["money"]
YEAR_RE = re.compile(r"\b(?:1[0-9]|20)\d{2}\b")


# "Combien de trains", "how many times": a count of things; group 1 is what is counted.
# Past a partitive: "how many of the 28 points", « combien de ces bijoux ».
_COUNT = re.compile(
    r"\bcombien (?:de |d['’]|des )(?:(?:ces|ses|leurs|les) )?(?:\d+ )?(.*)"
    r"|\bhow many (?:of (?:the|these|those|its|his|her|their) )?(?:\d+ )?(.*)",
    re.I,
)


def asked_measure(text: str, kind: str | None) -> str | None:
    """What a number or date question measures: ``"age"`` (how old), ``"duration"`` (combien
    de temps), ``"long"`` (how long: a duration or a length), ``"money"`` (how much money, what
    amount), ``"percent"`` (quel pourcentage, what share) for a number; ``"year"`` (what year)
    or ``"calendar"`` (what date, day, month or time: not « avant le prochain sommet ») for a
    date; ``"count"`` for a number of things that are neither time nor money (``combien de
    trains``, ``how many times``); else None."""
    if kind not in (NUMBER, DATE):
        return None
    for name, pattern in _MEASURES:
        if (name in _DATE_MEASURES) == (kind == DATE) and pattern.search(text):
            return name
    count = _COUNT.search(text) if kind == NUMBER else None
    if count is not None:
        counted = _counted_head(count)
        if not any(w in _TIME_OR_MONEY or w.rstrip("s") in _TIME_OR_MONEY for w in counted):
            return "count"
    return None


def _unit_after(
    annotation: Annotation, entity: Entity, skip: frozenset[str] = frozenset()
) -> str | None:
    """The folded word right after a number (its unit: ``jours`` in ``trois jours``), past the
    words of ``skip`` (``millions d'`` before ``euros``); a number that a conjunction joins to
    the next one shares its unit (``29`` in « âgés de 29 et 41 ans »)."""
    for i, (word, _, start, _) in enumerate(annotation.pos):
        if start >= entity.end and word not in skip:
            if word in _NUMBER_JOINS and i + 1 < len(annotation.pos):
                following = annotation.pos[i + 1][2]
                joined = next((e for e in annotation.entities if e.start == following), None)
                if joined is not None and joined.label == entity.label:
                    return _unit_after(annotation, joined, skip)
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


def has_measure(annotation: Annotation, entity: Entity, measure: str) -> bool:
    """Whether a number or date of a sentence is of the asked measure: a year holds one, an
    amount of money has its currency after it or a currency sign before it, an age or a
    duration has its unit after it."""
    if measure == "year":
        return bool(YEAR_RE.search(entity.text))
    if measure == "calendar":
        return entity.label != EVENT_TIME
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
    if measure == "percent":
        return bool(_PERCENT.search(entity.text))
    if measure == "count":  # "trois jours", "6 millions d'euros" count no trains
        return _unit_after(annotation, entity, _SCALE_WORDS) not in _TIME_OR_MONEY
    return _unit_after(annotation, entity) in _MEASURE_UNITS[measure]


_SWAPPED_ENDING = re.compile(r"(?<=[bt])(er|re)(s?)$")


def same_noun(a: str, b: str) -> bool:
    """Whether two folded nouns are one across French and English: the same stem
    (:func:`prefix_match`) or endings in -er/-re swapped (members/membres, ministers/ministres,
    numbers/nombres after the stem check)."""
    if prefix_match(a, b):
        return True
    swapped = _SWAPPED_ENDING.sub(lambda m: m.group(1)[::-1] + m.group(2), a)
    return swapped != a and swapped == b


def counted_words(text: str, measure: str | None) -> tuple[str, ...]:
    """The first words (at most three, stop words aside) of what a how-many question counts,
    folded: ``("trains",)`` for "Combien de trains ont été supprimés ?"; empty unless
    ``measure`` is ``"count"``."""
    count = _COUNT.search(text) if measure == "count" else None
    if count is None:
        return ()
    return tuple(w for w in _counted_head(count) if len(w) > 2 and w not in stop_words())


# A rate after what is counted: "how many trains a day", « combien de trains par jour ».
_RATE_WORDS = frozenset({"a", "an", "per", "each", "every", "par", "chaque"})


def _counted_head(count: re.Match[str]) -> list[str]:
    """The first three words after "combien de" / "how many", folded, up to a rate word: the
    day of "how many trains a day" is the rate, not what is counted."""
    words = [fold(w) for w in WORD_RE.findall(count.group(1) or count.group(2))[:3]]
    rate = next((i for i, w in enumerate(words) if i and w in _RATE_WORDS), len(words))
    return words[:rate]


def counts_asked_thing(annotation: Annotation, question: QuestionInfo, entity: Entity) -> bool:
    """Whether a number of a sentence counts what the question counts: the word after it (past
    scale words) is one of ``question.counted`` or shares its stem (``212 trains``), or the
    sentence says earlier that it gives the number of it (« le nombre d'autocars … 40 »)."""
    unit = _unit_after(annotation, entity, _SCALE_WORDS)
    if unit is not None and any(same_noun(unit, word) for word in question.counted):
        return True
    # « Le nombre d'autocars …, qui était de 28, a été porté à 40 »: what the sentence says
    # the number of comes before its numbers.
    tokens = annotation.tokens_before(entity.start)
    for i, (word, _, _, _) in enumerate(tokens[:-2]):
        if word in ("nombre", "number") and tokens[i + 1][0] in ("de", "d'", "d’", "of"):
            counted = tokens[i + 2][0]
            if any(same_noun(counted, word) for word in question.counted):
                return True
    return False


# « le montant de la récompense », "the amount of the reward": what an amount is the price of.
_PRICED = re.compile(
    r"\b(?:montant|prix|co[uû]t|somme|valeur|amount|price|cost|value)\s+"
    r"(?:de\s+la\s+|de\s+l['’]|du\s+|des\s+|de\s+|d['’]|of\s+(?:the\s+)?)([\w-]+)",
    re.IGNORECASE,
)
# « Combien coûteront les travaux ? »: what the verb says the cost of.
_COSTS = re.compile(
    r"\bco[uû]t(?:e|ent|era|eront|ait|aient|erait|eraient)(?:-(?:il|elle|ils|elles))?\s+"
    r"(?:le\s+|la\s+|les\s+|l['’]\s*|un\s+|une\s+|des\s+|ce\s+|cet\s+|cette\s+|ces\s+)"
    r"([\w-]+)",
    re.IGNORECASE,
)
# How many words before an amount the noun it is the price of may come (« une récompense de
# 150 000 euros »), and after it past « pour » (« 420 000 euros pour ces travaux »).
_PRICED_WINDOW = 3


def priced_words(text: str) -> tuple[str, ...]:
    """What a question asks the amount of, folded: ``("recompense",)`` for « Quel est le
    montant de la récompense ? », ``("travaux",)`` for « Combien coûteront les travaux ? »;
    empty when it names none.

    >>> priced_words("Combien coûteront les travaux de sécurité ?")
    ('travaux',)
    """
    return tuple(
        fold(match.group(1)) for pattern in (_PRICED, _COSTS) for match in pattern.finditer(text)
    )


# Nouns of a translated money question that say it asks an amount, not of what.
_AMOUNT_NOUNS = frozenset(
    {"quantite", "montant", "prix", "cout", "somme", "valeur", "argent", "combien", "euro",
     "euros", "dollar", "dollars"}
)  # fmt: skip


def priced_in_translation(annotation: Annotation) -> tuple[str, ...]:
    """What a translated money question asks the amount of, as :func:`priced_words`: its one
    noun besides those of an amount ("How much is the reward?" → « Combien est la récompense
    ? » → ``("recompense",)``); empty when it has none or several (which one is priced is
    then unknown)."""
    nouns = {word for word, pos, _, _ in annotation.pos if pos == "NOUN"} - _AMOUNT_NOUNS
    return tuple(nouns) if len(nouns) == 1 else ()


def prices_asked_thing(annotation: Annotation, priced: Sequence[str], entity: Entity) -> bool:
    """Whether an amount of a sentence is that of the asked thing: the noun comes at most
    :data:`_PRICED_WINDOW` words before it (« une récompense de 150 000 euros »), or after it
    past « pour » / "for" (« 420 000 euros pour ces travaux »)."""
    before = annotation.tokens_before(entity.start)[-_PRICED_WINDOW:]
    if any(same_noun(word, asked) for word, _, _, _ in before for asked in priced):
        return True
    after = [token for token in annotation.pos if token[2] >= entity.end][: _PRICED_WINDOW + 2]
    words = [word for word, _, _, _ in after]
    purpose = next((i for i, word in enumerate(words) if word in ("pour", "for")), None)
    return purpose is not None and any(
        same_noun(word, asked) for word in words[purpose + 1 : purpose + 3] for asked in priced
    )


# How many words after a number its counted noun may come (« 61 % des contrôleurs »).
_COUNTED_NOUN_WINDOW = 3


def names_counted(annotation: Annotation, question: QuestionInfo) -> bool:
    """Whether a sentence names what a how-many question counts, in one of its words or one
    sharing its stem (« points » for "How many of the 28 points …?")."""
    return any(
        same_noun(word, counted) for word, _, _, _ in annotation.pos for counted in question.counted
    )


def counts_other_thing(annotation: Annotation, question: QuestionInfo, entity: Entity) -> bool:
    """Whether a number of a sentence counts something other than what the question counts:
    the first noun after it (within :data:`_COUNTED_NOUN_WINDOW` words) is none of
    ``question.counted`` and shares no stem with them (« 263 trains » or « 61 % des
    contrôleurs » for "Combien d'autocars … ?"). False when nothing is counted or no noun
    follows. The words are compared as they are, so an English question's only when the
    sentence holds one of its counted words (its French cognate: "points", « points »; an
    English "coaches" against a French « autocars » would always differ)."""
    if not question.counted:
        return False
    if question.language == "en" and not names_counted(annotation, question):
        return False
    seen = 0
    for word, pos, start, _ in annotation.pos:
        if start < entity.end:
            continue
        if pos in ("NOUN", "PROPN") and not WHEN_WORD.fullmatch(word):
            # (« porté à 40 mercredi »: a day says when, not what is counted)
            return not any(same_noun(word, counted) for counted in question.counted)
        seen += 1
        if seen >= _COUNTED_NOUN_WINDOW:
            break
    return False


_FR_TYPE_RULES = (
    (re.compile(r"\bcombien\b|\bquel âge\b", re.I), NUMBER),
    (re.compile(r"\bquand\b|\bà quelle (?:date|époque|heure)\b|\bdepuis quand\b", re.I), DATE),
    (re.compile(r"\ben quelle année\b|\bquel jour\b|\bquelle année\b", re.I), DATE),
    (re.compile(r"(?:^|\s|d['’])où\b|\bd['’]où\b", re.I), PLACE),
    # Typed without its accent, « ou » opening a question is « où » (« ou se trouve … »).
    (re.compile(r"^\s*(?:et\s+)?(?:d['’]\s*)?ou\s+(?!bien\b)", re.I), PLACE),
    (re.compile(r"^\s*(?:(?:et|mais)\s+)?(?:(?:à|a|par|pour|avec|de|chez|contre|selon|auprès de"
                r"|entre)\s+)?qui\b", re.I),
     PERSON),
    # (« Qu'est-ce qui a été décidé … ? » asks what, not who.)
    (re.compile(r"(?<!qu.est-ce )\bqui (?:est|sont|était|étaient) (?:le|la|les|l['’])\b", re.I),
     PERSON),
    (re.compile(r"\bqui est-ce qui\b|(?<!qu.est-ce )\bqui (?:a|ont)\b", re.I), PERSON),
    # Asked in place, as French is spoken (« Witkoff a rencontré qui à Miami ? »): « qui » at
    # the end, or before a complement, where a relative « qui » is followed by its verb.
    (re.compile(r"\bqui\s*(?:\?|$)|\bqui\s+(?:à|au|aux|en|dans|chez|lors|pendant|avant|après"
                r"|hier)\s", re.I),
     PERSON),
)  # fmt: skip
_EN_TYPE_RULES = (
    (re.compile(r"\bhow (?:many|much|long|old|far)\b", re.I), NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:date|day|year|month)\b|\bwhich (?:date|day|year|month)\b",
                re.I), DATE),
    (re.compile(r"\bwhere\b", re.I), PLACE),
    (re.compile(r"\bwho(?:m|se)?\b", re.I), PERSON),
)  # fmt: skip
# "Qui est Kirill Dmitriev ?" / "Who is Yuri Ushakov?" ask who that person is (a role, a
# description), not for a person: the only person in the answer is the one already named;
# « Qu'est-ce qu'Axios ? » / "What is Axios?" what that body is.
# Anchored at the start: a follow-up's query ends with the previous question in brackets.
_IDENTITY = re.compile(
    r"^\s*(?i:(?:et|and|mais|but|alors|so),?\s+)?"
    r"(?i:(?:qui\s+(?:est|était|sont|étaient)(?:-(?:il|elle|ce))?|who\s+(?:is|was|are|were)"
    r"|qu['’]est-ce\s+que|what\s+(?:is|was))\s+|qu['’]est-ce\s+qu['’]\s*)"
    r"(?:(?:[A-ZÀ-Ý][\w'’.-]*|de|du|van|von|al|bin|ben)\s+)*(?P<last>[A-ZÀ-Ý][\w'’.-]*)"
    # the question may go on with a second one about that person (« … et que fait-il ? »)
    r"(?:\s*(?:[?,]|$)|\s+(?i:et|and)\s+(?i:que|qu['’]|quel|quelle|comment|pourquoi|où|what|how"
    r"|why|where|which)\b)"
)


_NAME_WORDS = r"(?:(?:[A-ZÀ-Ý][\w'’.-]*|de|du|van|von|al|bin|ben)\s*)*(?P<last>[A-ZÀ-Ý][\w.-]*)"
_LEAD = r"^\s*(?i:(?:et|and|mais|but|alors|so),?\s+)?"
# What a person does for a living, or their role, asks who they are too: « Quelle est la
# fonction de Iouri Ouchakov ? », "What is Dmitriev's job?", « Quel est le rôle de Peskov ? ».
_FUNCTION_OF = (
    re.compile(
        _LEAD + r"(?i:quel(?:le)?\s+(?:est|était)\s+(?:la\s+fonction|le\s+poste|la\s+profession"
        r"|le\s+métier|le\s+r[ôo]le)\s+(?:de\s+|d['’]))" + _NAME_WORDS + r"\s*(?:[?,]|$)"
    ),
    re.compile(
        _LEAD
        + r"(?i:what\s+(?:is|was)\s+)"
        + _NAME_WORDS
        + r"['’]s\s+(?i:job|position|post|occupation|profession|role)\s*(?:[?,]|$)"
    ),
    # The name first, then who that is: "Witkoff - who is he?", « Dmitriev : qui est-ce ? »
    re.compile(
        _LEAD + _NAME_WORDS + r"\s*[-–—:,]\s*(?i:who(?:\s+is|['’]s|\s+was)\s+(?:he|she|that|this)"
        r"|qui\s+est-(?:ce|il|elle)|c['’]est\s+qui|qui\s+c['’]est)\s*\??\s*$"
    ),
)


def asked_identity(text: str) -> str | None:
    """For "Qui est Iouri Ouchakov ?" / "Who is Yuri Ushakov?" (or « Quelle est la fonction de
    … ? », "What is …'s job?"), the last word of the name, folded (``ouchakov``); None for
    any other question.

    >>> asked_identity("Qui est Iouri Ouchakov ?"), asked_identity("Qui a signé ?")
    ('ouchakov', None)
    >>> asked_identity("Qui est Witkoff et que fait-il ?")
    'witkoff'
    >>> asked_identity("Qui sont Witkoff et Dmitriev ?") is None
    True
    """
    match = _IDENTITY.match(text) or next(
        (m for pattern in _FUNCTION_OF if (m := pattern.match(text))), None
    )
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
FOCUS_COPULAS = _FR_COPULA | {"is", "are", "was", "were"}
_FOCUS_ARTICLES = {"le", "la", "les", "the"}


def _focus(match: re.Match[str] | None, language: str) -> str | None:
    """The focus noun after a quel/which/what (``match``: :data:`_FR_FOCUS`/:data:`_EN_FOCUS`)."""
    if not match or _FOCUS_IDIOM.match(match.group(1)):
        return None
    words = WORD_RE.findall(match.group(1))[:6]
    if len(words) >= 2 and fold(words[0]) in FOCUS_COPULAS:
        # « Quel est le montant … », « Quel est l'âge … », "What was the date …": the noun
        # after the verb and its article, when it names a kind of answer.
        elided = re.match(r"l['’](\w+)$", words[1], re.I)
        noun = elided.group(1) if elided else words[2] if len(words) >= 3 else ""
        after = words[2 if elided else 3] if len(words) > (2 if elided else 3) else ""
        if language == "en" and after.lower().endswith("ing") and after.lower() != "being":
            return None  # "What is the region planning …": the noun is the subject, not the kind
        if (elided or fold(words[1]) in _FOCUS_ARTICLES) and _singular(fold(noun)) in FOCUS_TYPES:
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
        if language == "en" and _singular(folded) not in FOCUS_TYPES:
            # An English compound names its kind last: "which news agency", "media outlet".
            for following in words[i + 1 : i + 3]:
                head = fold(following)
                if head in stop_words():
                    break
                if _singular(head) in FOCUS_TYPES:
                    return head
        return folded
    return None


def _singular(noun: str) -> str:
    """The singular of a plural focus noun (``countries`` → ``country``), else ``noun``."""
    if noun.endswith("ies") and noun[:-3] + "y" in FOCUS_TYPES:
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and noun[:-1] in FOCUS_TYPES else noun


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
        typed_focus = FOCUS_TYPES.get(_singular(focus))
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
_FR_INVERSION = re.compile(r"\b\w+-(?:t-)?(?:il|elle|ils|elles|on)\b", re.I)
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
    # A French yes/no question inverts its verb before any interrogative: « Ouchakov
    # savait-il d'où venait la fuite ? » asks whether, not where.
    inverted = _FR_INVERSION.search(text) if language == "fr" else None
    if inverted and (focus_match is None or inverted.start() < focus_match.start()):
        starts.append(inverted.start())
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
    if _entity_label(annotation, start) is not None:
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
# English words that open a question or a clause and are missing from the stop lists.
_EN_OPENERS = frozenset(
    {"until", "till", "without", "among", "between", "within", "across", "through", "over",
     "under", "upon", "besides", "despite", "unless", "whether", "while", "although", "though",
     "because", "whereas", "regarding", "concerning", "following", "given", "apart", "aside",
     "beyond", "toward", "towards", "against", "along", "around", "behind", "below", "beneath",
     "beside", "past", "shall", "may", "might", "must"}
)  # fmt: skip
# Nationality adjectives more broadly ("American", "French", "Swiss", "Israeli"), which say
# where a role holder is from, not whose role it is.
_EN_NATIONALITY = re.compile(r"(?:ian|ese|ish|ean|can|ch|ss|i)$", re.I)
# Countries, continents and peoples English writes with a capital whose French name is
# spelt alike or close (the reader's name table holds those spelt otherwise): a question
# typed in lower case gets them back ("russia's" → "Russia's") before it is translated.
_EN_COUNTRIES_AND_PEOPLES = (
    "russia russian russians ukraine ukrainian ukrainians america american americans europe "
    "european europeans france french austria austrian belgium belgian canada canadian "
    "mexico mexican brazil brazilian argentina argentinian chile chilean colombia colombian "
    "cuba cuban venezuela venezuelan africa african asia asian australia australian "
    "japan japanese korea korean vietnam vietnamese india indian pakistan pakistani "
    "afghanistan afghan iran iranian iraq iraqi syria syrian israel israeli palestine "
    "palestinian lebanon lebanese jordan jordanian qatar qatari libya libyan tunisia "
    "tunisian morocco moroccan algeria algerian nigeria nigerian kenya kenyan ethiopia "
    "ethiopian portugal portuguese romania romanian bulgaria bulgarian serbia serbian "
    "croatia croatian slovakia slovak slovenia slovenian czech estonia estonian latvia "
    "latvian lithuania lithuanian finland finnish sweden swedish norway norwegian denmark "
    "danish ireland irish scotland scottish england english moldova moldovan georgia "
    "georgian armenia armenian azerbaijan belarus belarusian kazakhstan crimea donbas "
    "moscow washington london paris berlin brussels beijing chinese china"
)
# English words written with a capital wherever they stand: the countries, capitals and
# nationalities the reader translates ("united states" too), the months (not "may" and
# "march": also verbs) and the days of the week.
ENGLISH_PROPER_WORDS = frozenset(
    [name for name in EN_NAMES if name.replace(" ", "").isalpha() and len(name) > 3]
    + [name for name in EN_MONTHS if name not in ("may", "march")]
    + _EN_COUNTRIES_AND_PEOPLES.split()
)
# English acronyms written in capitals, four letters or more ("nato": no English word).
ENGLISH_ACRONYMS = frozenset(word for word in EN_ACRONYMS if len(word) >= 4)
_CLAUSE_END = re.compile(r"[.!?:;]\s*$")


def _starts_clause(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens the question or a sentence inside it."""
    return not text[:start].strip() or bool(_CLAUSE_END.search(text[:start]))


def _common_noun(annotation: Annotation | None, start: int) -> bool:
    """Whether spaCy tags the token at ``start`` as a common noun (French "l'État") outside a
    person's name (« à Ouchakov » is tagged a noun, and a person)."""
    return (
        annotation is not None
        and any(s == start and pos == "NOUN" for _, pos, s, _ in annotation.pos)
        and _entity_label(annotation, start) != PERSON
    )


def _entity_label(annotation: Annotation | None, start: int) -> str | None:
    """The label of the person, place or organisation entity the token at ``start`` is in."""
    if annotation is None:
        return None
    return next(
        (
            e.label
            for e in annotation.entities
            if e.start <= start < e.end and e.label in {"PER", "LOC", "ORG"}
        ),
        None,
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
    stop = stop_words()
    keys: list[tuple[str, ...]] = []
    named: list[tuple[str, ...]] = []
    seen: set[str] = set()
    folded_text = fold(text)
    for english, french in en_names_in(folded_text):
        keys.append(french)
        named.append(french)
        seen.update(english.split())
    # (folded word, start, end, acronym) of each capitalised word kept as part of a name.
    parts: list[tuple[str, int, int, bool]] = []
    for index, match in enumerate(WORD_RE.finditer(text)):
        word = match.group(0).strip("'’")
        offset = match.start() + match.group(0).find(word)
        for number, part in enumerate(re.split(r"[’'-]", word)):
            if not part or not part[0].isupper() or len(part) < 2:
                continue
            folded = fold(part)
            acronym = part.isupper() and len(part) <= 5
            if folded in seen or (folded in stop and not (acronym and folded in EN_ACRONYMS)):
                continue
            if language == "en" and folded in _EN_OPENERS and _starts_clause(text, match.start()):
                continue  # "Until when …?": the French tagger reads "Until when does …" as a name
            start = offset + word.find(part)
            if index or number or _is_name(annotation, match.start()):
                named.append(name_alternatives(folded, acronym=acronym))
            known = folded in EN_NAMES or folded in EN_MONTHS or folded in _METONYMS
            person = _entity_label(annotation, start) == PERSON
            if (
                number == 0
                and _starts_clause(text, match.start())
                and not (acronym or known or person)
            ):
                continue  # a capital that only opens a clause ("Sait-on", "Ajoute", "Ignore")
            if language == "en" and EN_DEMONYM.search(folded) and not known:
                continue  # "the Italian press": a name of the question only in English
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
    keys += [name_alternatives(*name[-1]) for name in names]
    for number in DIGITS_RE.findall(text):
        if number not in seen:
            seen.add(number)
            keys.append((number,))
            named.append((number,))
    return keys, named


def name_alternatives(word: str, acronym: bool = False) -> tuple[str, ...]:
    """A folded name and its French forms (English month, country, capital city, or the
    acronym of an international body when written in capitals: NATO → OTAN)."""
    if acronym and word in EN_ACRONYMS:
        return EN_ACRONYMS[word]
    if word in EN_MONTHS:
        return (EN_MONTHS[word],)
    if word in EN_NAMES:
        return (word, *EN_NAMES[word])
    if word in _METONYMS:
        return (word, *_METONYMS[word])
    return (word,)


def analyze_question(
    text: str,
    language: str,
    annotator: Annotator,
    *,
    asked: str | None = None,
    translation: str | None = None,
) -> QuestionInfo:
    """Answer type, focus noun, content lemmas and names/numbers of a question.

    ``translation``: an English question translated into the articles' French, annotated as
    :attr:`QuestionInfo.translation` (ignored for a French question).

    ``asked``: the question in its own words when ``text`` is a follow-up completed with the
    earlier questions it leans on ("Et où sont-ils retenus ? (Combien de suspects ont été
    arrêtés ?)"): what is asked (a place, not a number) is read from it alone; the lemmas and
    names from the whole ``text``. A French question typed in lower case gets its names from
    the tagger (:meth:`Annotator.truecase`, cached: the assistant asked for it before its
    search); an English one is cased by the assistant from the retrieved paragraphs before it
    gets here (:meth:`rag.Assistant._searched_cased`).
    """
    if language == "fr":  # the tagger is French: on an English question it finds noise
        text = annotator.truecase(text)
        asked = annotator.truecase(asked) if asked else asked
    own = asked or text
    kind, focus = answer_type(own, language)
    annotation = annotator.annotate(text)
    if language == "en":
        stop = stop_words()
        lemmas = frozenset(w for w in annotation.words if w not in stop and len(w) > 2)
    else:
        lemmas = annotation.lemmas
    keys, named = _name_keys(text, annotation, language)
    role, role_of = asked_role(own, language, focus) if kind == PERSON else ((), ())
    asks_name = asked_name(own)
    if not role and kind is None and asks_name == PERSON:
        # « Quel est le nom de l'envoyé spécial russe ? » asks who holds that role.
        role, role_of = asked_role(_who_holds_named(own, language), language, None)
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
        asks_name=asks_name,
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
        actor=asked_actor(own),
        translation=(annotator.annotate(translation) if translation and language != "fr" else None),
        own_words=(
            annotator.annotate(asked).lemmas - stop_words() - _AUXILIARY_LEMMAS
            if asked and asked != text and language == "fr"
            else frozenset()
        ),
    )


# Lemmas of the auxiliaries, which say nothing of what a follow-up asks.
_AUXILIARY_LEMMAS = frozenset({"etre", "avoir"})


# A verb or phrase asking who holds a role, and the role's nouns (French stems, 5 letters).
_HEAD_ROLES = ("direc", "dirig", "chef", "patro", "pdg", "presi")
_ROLE_VERBS = (
    (re.compile(r"\bqui\s+(?:la |le |les |l['’])?(?:dirige|dirigeait|dirigera|mène|menait|"
                r"mènera|pilote|pilotait|est à la tête de|était à la tête de)\b"
                r"|\bwho\s+(?:heads|headed|leads|led|runs|ran|directs|directed|"
                r"(?:is|was|will be) (?:leading|heading|running|directing)|"
                r"is (?:in charge|at the head) of|was (?:in charge|at the head) of)\b",
                re.I), _HEAD_ROLES),
    (re.compile(r"\bqui\s+(?:la |le |les |l['’])?(?:préside|présidait|présidera)\b"
                r"|\bwho\s+(?:chairs|chaired|presides(?: over)?)\b", re.I), ("presi",)),
)  # fmt: skip
# A complement that says what the role is of by a clause (« la ville où se trouve le musée »)
# or a pronoun (« Qui la préside ? ») gives no words to compare with a sentence's.
_RELATIVE = re.compile(r"\b(?:où|qui|que|qu['’]|dont|lequel|laquelle|where|which|that|who|whose)\b",
                       re.I)  # fmt: skip
POSSESSIVES = frozenset({"sa", "son", "ses", "leur", "leurs", "its", "his", "her", "their"})
# "Qui est le maire de …", "Who is the mayor of …", "Who is the museum's director?".
_ROLE_NOUN = re.compile(
    r"\bqui\s+(?:est|était|sera)\s+(?:le |la |l['’])\s*(?P<fr>[\w-]+)"
    r"|\bwho\s+(?:is|was|will be)\s+(?:the\s+(?:[\w-]+['’]s\s+)?|[\w-]+['’]s\s+)(?P<en>[\w-]+)",
    re.I,
)
# A vice-president's role: « vice- », not a president's (« presi »).
VICE_ROLE = ("vice-",)
# English role nouns whose French noun starts otherwise.
_EN_ROLES = {
    "mayor": ("maire",), "prosecutor": ("procu",), "spokesman": ("porte",),
    "spokeswoman": ("porte",), "spokesperson": ("porte",), "chairman": ("presi",),
    "chairwoman": ("presi",), "chair": ("presi",), "head": _HEAD_ROLES, "chief": _HEAD_ROLES,
    "boss": _HEAD_ROLES, "leader": ("dirig", "chef"), "ceo": ("pdg", "direc"),
    "watchman": ("gardi",), "guard": ("gardi",), "judge": ("juge",), "lawyer": ("avoca",),
    "aide": ("assis", "conse", "colla"), "deputy": ("adjoi",), "prefect": ("prefe",),
    "vice-president": VICE_ROLE,
}  # fmt: skip
# "vice president", « vice président »: one role, not a president's (« vice-président »).
_VICE = re.compile(r"\bvice\s+(?=pr[ée]sident)", re.I)
# Person nouns that name no role ("quel homme", "which official").
_NO_ROLE = frozenset(
    {"homme", "femme", "personne", "personnes", "responsable", "responsables", "fonctionnaire",
     "suspect", "man", "woman", "person", "people", "official", "officials"}
)  # fmt: skip


# The nouns of a person's role a sentence may name them with (folded, singular).
ROLE_NOUNS = (
    frozenset(noun for noun, kind in FOCUS_TYPES.items() if kind == PERSON)
    | NAMED_PERSONS
    | {"pdg", "patronne", "cheffe", "procureure", "gouverneur", "gouverneure", "commandant",
       "administrateur", "administratrice", "conservateur", "conservatrice", "dirigeante",
       "avocat", "avocate"}
) - _NO_ROLE  # fmt: skip


# Every noun of a person, of a role or not (« le maire », « un fonctionnaire »).
_PERSON_NOUNS = ROLE_NOUNS | _NO_ROLE


def opens_on_person_noun(annotation: Annotation, *, roleless: bool = False) -> bool:
    """Whether a sentence opens on a noun of a person, after its determiner (« Le gardien de
    nuit, seul en poste, n'a rien entendu », « La procureure a précisé … »); with
    ``roleless``, a noun of a person that names no role counts too (« Un fonctionnaire
    américain a confirmé … »)."""
    nouns = _PERSON_NOUNS if roleless else ROLE_NOUNS
    for word, pos, _, _ in annotation.pos:
        if pos == "DET":
            continue
        return pos == "NOUN" and (word in nouns or word.rstrip("s") in nouns)
    return False


def _role_stems(noun: str, language: str) -> tuple[str, ...]:
    folded = fold(noun).rstrip("s") if language == "en" else fold(noun)
    if folded in _NO_ROLE or (folded not in NAMED_PERSONS and FOCUS_TYPES.get(folded) != PERSON):
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
    text = _VICE.sub("vice-", text)
    verb = next(((m, stems) for p, stems in _ROLE_VERBS if (m := p.search(text))), None)
    if verb is not None:
        role, rest = verb[1], text[verb[0].end() :]
    elif match := _ROLE_NOUN.search(text):
        role = _role_stems(match.group("fr") or match.group("en"), language)
        owner = re.search(r"([\w-]+)['’]s\s+[\w-]+\s*$", match.group())
        rest = owner.group(1) if owner else text[match.end() :]
        if not role and match.group("en"):
            # "the special envoy of …", "Russia's special envoy": the noun after its adjectives;
            # a name before it is whose role it is ("the Kremlin spokesman"), a nationality not
            after = text[match.end() :]
            before = [match.group("en")]
            for noun in itertools.islice(re.finditer(r"\s+([\w-]+)", after), 2):
                if role := _role_stems(noun.group(1), language):
                    names = [w for w in before if w[:1].isupper() and not _EN_NATIONALITY.search(w)]
                    if names and not owner:
                        owner, rest = match, names[-1]
                    elif not owner:
                        rest = after[noun.end() :]
                    break
                before.append(noun.group(1))
        if not owner:  # « l'envoyé spécial de la Russie »: past one adjective, not a
            # participle, whose own complement it is (« la procureure chargée de l'affaire »)
            rest = re.sub(
                r"^\s+(?![\w-]+(?:é|ée|és|ées)\s)[\w-]+(?=\s+(?:de|du|des|d['’]|of)\b)",
                "",
                rest,
                flags=re.I,
            )
        if not owner and not re.match(r"\s*(?:de|du|des|d['’]|à|au|aux|of)\b", rest, re.I):
            rest = ""  # « le secrétaire à l'Armée », « le ministre aux Armées » give it too
    elif focus is not None and FOCUS_TYPES.get(_singular(focus)) == PERSON:
        role = _role_stems(_singular(focus), language)
    rest = rest.split("?")[0].split("(")[0]
    if not role or _RELATIVE.search(rest):
        return role, ()
    stop = stop_words()
    words = (ELIDED_HEAD_RE.sub("", fold(token)) for token in WORD_RE.findall(rest))
    return role, tuple(word for word in words if len(word) >= 3 and word not in stop)
