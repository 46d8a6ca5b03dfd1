"""History-aware rewrite: make a follow-up question standalone before retrieval.

Without an LLM the rewrite is deliberately simple: a short question that leans on the previous
turn (a pronoun, "et …", "and …", a question word with only its noun) is completed with the
previous user question. Only user turns are read, so a forged assistant turn cannot steer
retrieval; a pronoun's antecedent (the person, place or organisation answering the previous
question) is derived again by the assistant (:meth:`rag.Assistant._antecedent`) and passed in.

A message often wraps its question in other sentences: a greeting ("Bonjour !"), a preamble
("J'ai une question sur le plan de paix."), an instruction ("Réponds en une phrase.", or one
that tries to steer the answer). Read whole, they pull retrieval and the support score away
from what is asked, so :func:`question_focus` keeps the sentences that ask (end with ``?``)
when they stand on their own, and the whole message when they lean on the rest ("Witkoff a vu
Dmitriev à Miami. Quand était-ce ?"). A polite request around the question ("Peux-tu me dire
combien … ?", "Tell me who …") is dropped too (:func:`without_request`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from index.parse import fold
from index.sentences import split_sentences
from rag.question import as_meant, without_request
from rag.text import CALENDAR_NAME, EN_DEMONYM, WEEKDAYS_EN, WEEKDAYS_FR, Analyzer

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Words that point back at something said before (pronouns, "là", "y").
_POINTING = frozenset({
    # French
    "il", "elle", "ils", "elles", "lui", "leur", "leurs", "celui", "celle", "ceux", "celles",
    "cela", "ça", "ca", "dernier", "derniere", "dernière", "son", "sa", "ses", "y", "là", "la-bas",
    # English
    "he", "she", "they", "him", "her", "them", "his", "hers", "their", "it", "its", "this",
    "that", "those", "these", "there",
})  # fmt: skip
# Words that continue a conversation ("Et …", "And …"). Within one message, after thanks or a
# greeting, they only link to what was said before: the pointing words alone make the asking
# sentences lean on the rest of the message.
_CONNECTIVES = frozenset({"et", "aussi", "ensuite", "alors", "and", "also", "then"})
_ANAPHORA = _POINTING | _CONNECTIVES
MAX_FOLLOWUP_WORDS = 14
# A follow-up of a follow-up carries the questions it leans on, this many back.
FOLLOWUP_TURNS = 2
# Content parts (Gradio's) nest a few levels; anything deeper is refused, not walked.
MAX_CONTENT_DEPTH = 8
# A sentence that asks ends with a question mark (then maybe closing quotes or brackets).
_ASKS = re.compile(r"\?[\"'»”)\]\s]*$")
# A question typed in lower case opens on its interrogative after a full stop, not on a
# capital (« … est terminée. combien d'autocars … ? »): a sentence boundary all the same.
_ASKING_OPENS = re.compile(
    r"(?<=[.!])\s+(?=(?:qui|que|qu['’]|quoi|quel|quelle|quels|quelles|quand|où|comment|pourquoi"
    r"|combien|est-ce|what|who|whom|whose|when|where|why|how|which)\b)"
)
# French inversion after a named subject ("Dmitriev a-t-il") repeats the name: it does not lean
# on the context the way "Qu'ont-ils décidé ?" does.
_INVERSION = re.compile(r"-(?:t-)?(?:il|elle|ils|elles|on)\b", re.IGNORECASE)
_NAME = re.compile(r"(?<=[\s'’])[^\W\d_a-zà-ÿ][\w-]+")
# The asking sentences stand alone when they name at least this many content terms.
MIN_FOCUS_TERMS = 2


def is_followup(question: str, *, leaning_words: frozenset[str] = _ANAPHORA) -> bool:
    """Whether a question reads as a continuation of the conversation."""
    words = [w.casefold() for w in _TOKEN.findall(question)]
    return 0 < len(words) <= MAX_FOLLOWUP_WORDS and any(w in leaning_words for w in words)


# Prepositions and pronouns of a bare interrogative that the stop lists keep as terms (« Entre
# qui ? », « Depuis quand ? », « Jusqu'à quand ? », « Chez qui ? », « Où ça ? », "Between
# whom?", "Since when?", "Until when?"), as the analyzers stem them.
_ASKING_WORDS = frozenset(
    {"entre", "entr", "chez", "depuis", "depui", "jusqu", "ca", "between", "since", "sinc",
     "until", "till"}
)  # fmt: skip


# An interrogative phrase and nothing else: a question word with the one noun it asks about
# (« Combien de temps ? », « Dans quelle ville ? », "Which day?", "How long?"), no verb.
_ASKING_PHRASE = re.compile(
    r"^\s*(?:(?:et|and|mais|but)\s+)?(?:(?:à|a|en|dans|pour|depuis|jusqu['’]à|entre|avec|par"
    r"|sur|chez|vers|de|selon|d['’]apr[eè]s|in|on|at|for|since|until|between|with|by|from|to"
    r"|of|according\s+to)\s+|d['’])?"
    r"(?:combien\s+(?:de\s+|d['’])|quel(?:le)?s?\s+|which\s+|what\s+|how\s+)"
    r"[\w'’-]+\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def asks_only(question: str) -> bool:
    """Whether a question is an interrogative and nothing else (« Où ? », "When?", « Et
    pourquoi ? », « Combien de temps ? », "Which day?"): no content term in French or English
    but the noun it asks about, no verb, so it can only ask about what was said before.

    >>> asks_only("Où ?"), asks_only("Entre qui ?"), asks_only("Où est Miami ?")
    (True, True, False)
    >>> asks_only("Combien de temps ?"), asks_only("Qui la préside ?")
    (True, False)
    """
    if _ASKING_PHRASE.match(question):
        return True
    return bool(_TOKEN.search(question)) and not any(
        set(Analyzer(language).terms(question)) - _ASKING_WORDS for language in ("fr", "en")
    )


def question_focus(message: str) -> str:
    """The sentences of ``message`` that ask, when other sentences surround them and they
    stand on their own (at least :data:`MIN_FOCUS_TERMS` content terms, no word that leans on
    what came before); else the whole message.

    >>> question_focus("Bonjour ! Qui dirige les négociations pour les États-Unis ?")
    'Qui dirige les négociations pour les États-Unis ?'
    >>> question_focus("Witkoff a vu Dmitriev à Miami. Quand était-ce ?")
    'Witkoff a vu Dmitriev à Miami. Quand était-ce ?'
    """
    sentences = [
        part for sentence in split_sentences(message) for part in _ASKING_OPENS.split(sentence)
    ]
    asking = [sentence for sentence in sentences if _ASKS.search(sentence)]
    if not asking or len(asking) == len(sentences):
        return message
    focus = " ".join(asking)
    if _leans_by_pronoun(focus) or len(Analyzer("fr").terms(focus)) < MIN_FOCUS_TERMS:
        return message
    return focus


def previous_user_question(history: Sequence[Mapping[str, Any]] | None) -> str | None:
    """The last user message of the history, if any."""
    return previous_turn(history)[0]


def previous_turn(
    history: Sequence[Mapping[str, Any]] | None,
) -> tuple[str | None, Sequence[Mapping[str, Any]]]:
    """The last user message of the history, read as meant (typed in capitals or without
    apostrophes: :func:`rag.question.as_meant`), and the history before it."""
    history = history or []
    for index in range(len(history) - 1, -1, -1):
        message = history[index]
        if message.get("role") == "user" and isinstance(message.get("content"), str):
            content = as_meant(message["content"].strip())[0]
            if content:
                return content, history[:index]
    return None, []


def standalone_question(
    question: str, history: Sequence[Mapping[str, Any]] | None, *, turns: int = FOLLOWUP_TURNS
) -> str:
    """The question to retrieve with: the message's :func:`question_focus` without a polite
    request around it (:func:`without_request`), or the follow-up completed with the previous
    question, itself completed the same way when it was a follow-up too (up to ``turns``
    questions back): "Et quand ?" after "Où a-t-il rencontré Witkoff ?" after "Qui est Kirill
    Dmitriev ?" reads "Et quand ? (Où a-t-il rencontré Witkoff ? Qui est Kirill Dmitriev ?)".

    >>> standalone_question("Et quand ?", [{"role": "user", "content": "Où est-il allé ?"}])
    'Et quand ? (Où est-il allé ?)'
    """
    return standalone_parts(question, history, turns=turns)[0]


def standalone_parts(
    question: str,
    history: Sequence[Mapping[str, Any]] | None,
    *,
    turns: int = FOLLOWUP_TURNS,
    antecedent: str | None = None,
) -> tuple[str, str | None]:
    """:func:`standalone_question`, and the message's own question when the standalone one
    completes it with earlier questions (None when it is the question alone).

    ``antecedent``: what a follow-up's pronoun may stand for, from the answer to the previous
    question (« Steve Witkoff » for "Who did he meet?" after "Who drafted the plan?"); it
    comes first in the completion. The caller derives it; nothing is read from the history's
    assistant turns.

    >>> standalone_parts("Et où ?", [{"role": "user", "content": "Combien de suspects ?"}])
    ('Et où ? (Combien de suspects ?)', 'Et où ?')
    """
    query, context = _with_context(question, history, turns)
    if context and antecedent:
        context = [antecedent, *context]
    return (f"{query} ({' '.join(context)})", query) if context else (query, None)


def points_back(question: str) -> bool:
    """Whether a question points back by a pronoun or a demonstrative at someone or something
    named before (« Qu'a-t-il dit ? », "When did that meeting take place?"), not only by the
    inversion after a name it gives (« Dmitriev a-t-il … ? »)."""
    return _leans_by_pronoun(without_request(question))


def _leans_by_pronoun(text: str) -> bool:
    """Whether ``text`` holds a word pointing back, an inversion after a name it gives aside."""
    return is_followup(
        _INVERSION.sub("", text) if _NAME.search(text) else text, leaning_words=_POINTING
    )


def _with_context(
    question: str, history: Sequence[Mapping[str, Any]] | None, turns: int
) -> tuple[str, list[str]]:
    """The message's query and the earlier questions a follow-up leans on, latest first."""
    focus = question_focus(question)
    if focus != question:
        return without_request(focus), []
    query = without_request(question)
    previous, earlier = previous_turn(history)
    leans = is_followup(query) or asks_only(query) or _ELLIPSIS.match(query) is not None
    if previous is None or turns < 1 or not leans:
        return query, []
    previous_query, previous_context = _with_context(previous, earlier, turns - 1)
    if not previous_context and (swapped := swapped_question(query, previous_query)):
        return swapped, []
    return query, [previous_query, *previous_context]


# A follow-up that only names someone or something else (« Et Dmitriev ? », "And Moscow?",
# « Et mercredi ? », "What about the Kremlin?"): the previous question, about them.
_ARTICLE = r"(?:(?:le|la|les|the)\s+|l['’])"
_ELLIPSIS = re.compile(
    r"^\s*(?i:et|and|what\s+about|how\s+about|et\s+pour|and\s+for)\s+"
    rf"(?P<other>(?i:{_ARTICLE})?(?:[^\W\d_a-zà-ÿ][\w'’-]*(?:\s+[^\W\d_a-zà-ÿ][\w'’-]*){{0,3}}"
    rf"|(?i:{WEEKDAYS_FR}|{WEEKDAYS_EN})))\s*[?.!]*\s*$"
)
# A run of capitalised words after the first one, with its article (« l'Ukraine »).
_NAME_RUN = re.compile(
    rf"(?i:\b{_ARTICLE})?(?<![\w-])(?<!^)[^\W\d_a-zà-ÿ][\w-]*(?:\s+[^\W\d_a-zà-ÿ][\w-]*)*"
)


# A follow-up that asks the same about another complement (« Et selon l'assureur ? », "And on
# Thursday?"): the previous question with its last complement of that preposition swapped.
_SIDE_WORDS = r"(?:du\s+)?c[oô]t[ée]"
_PREPOSITIONS = (
    r"according\s+to|selon|d['’]après|pour|for|in|on|at|à|en|au|aux|chez|from|par|by|avec|with"
    r"|since|depuis|before|after|avant|après|during|pendant|entre|between"
    rf"|{_SIDE_WORDS}"  # « Et côté russe ? » after « … côté américain ? »
)
# « côté » and « du côté » stand for one another.
_SIDE = re.compile(_SIDE_WORDS, re.IGNORECASE)
_COMPLEMENT_ELLIPSIS = re.compile(
    rf"^\s*(?:et|and)\s+(?P<preposition>{_PREPOSITIONS})\s+(?P<rest>[^?]{{1,60}}?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_ASKING_START = re.compile(
    r"(?:qu|quoi|qui|quand|combien|comment|pourquoi|o[uù]|quel\w*|what|which|who|whom|when|how"
    r"|why|where)\b",
    re.IGNORECASE,
)
# At most this many words from the previous question's preposition to its end.
_MAX_COMPLEMENT_WORDS = 7


def _swapped_complement(question: str, previous: str) -> str | None:
    """The previous question with its closing complement of the follow-up's preposition
    swapped for the follow-up's (« Et selon l'assureur ? » after « Quel est le préjudice selon
    la mairie ? » → « Quel est le préjudice selon l'assureur ? »); else None."""
    match = _COMPLEMENT_ELLIPSIS.match(question)
    if match is None or _ASKING_START.match(match.group("rest")):
        return None
    preposition = match.group("preposition")
    body = previous.rstrip()
    ending = re.search(r"\s*[?.!]*$", body)
    end = ending.start() if ending else len(body)
    words = (
        _SIDE.pattern
        if _SIDE.fullmatch(preposition)
        else re.escape(preposition).replace("\\ ", r"\s+")
    )
    found = list(re.finditer(rf"(?<!\w){words}\s+", body[:end], re.IGNORECASE))
    if not found or len(body[found[-1].start() : end].split()) > _MAX_COMPLEMENT_WORDS:
        return None
    start = found[-1].start()
    return f"{body[:start]}{preposition} {match.group('rest')}{body[end:] or ' ?'}"


# A follow-up that asks the same of someone named by another role (« Et la directrice du
# musée ? » after « Qui est le maire de Saint-Aurèle ? », "And the museum director?").
# How a follow-up about another of the same opens (« Et … », "And …", "What about …").
_ANOTHER_OPENING = r"^\s*(?:et|and|what\s+about|how\s+about)\s+"
_ROLE_ELLIPSIS = re.compile(
    _ANOTHER_OPENING + r"(?P<other>(?:(?:le|la|les|the)\s+|l['’])[^?!.]{1,60}?)\s*[?.!]*\s*$",
    re.IGNORECASE,
)
_ROLE_ARTICLE = re.compile(r"(?<![\w'’-])(?:(?:le|la|les|the)\s+|l['’])", re.IGNORECASE)
_PHRASE_WORD = re.compile(r"[\w-]+")
_SPACES = re.compile(r"\s*")
# After a role noun: its complements (« de Saint-Aurèle », « du musée », "of the region").
_ROLE_COMPLEMENT = re.compile(
    r"(?:\s+(?:de|du|des|of)\s+(?:(?:le|la|les|the)\s+|l['’])?[\w-]+|\s+d['’][\w-]+)*",
    re.IGNORECASE,
)
# Words between an article and its role noun ("the museum director", "the US official").
_ROLE_MODIFIERS = 2
# A role phrase ends the question when at most this many words (adjectives: « le négociateur
# russe ») follow it.
_ROLE_TAIL_WORDS = 2


def _role_phrases(text: str) -> list[tuple[int, int]]:
    """Spans of the noun phrases of ``text`` that name a person by a role (an article, up to
    two modifiers, a role noun, its « de … » complements)."""
    from rag.reader.questions import ROLE_NOUNS  # the reader's nouns, loaded with it

    spans = []
    for article in _ROLE_ARTICLE.finditer(text):
        position = article.end()
        for _ in range(_ROLE_MODIFIERS + 1):
            word = _PHRASE_WORD.match(text, position)
            if word is None:
                break
            folded = fold(word[0])
            if folded in ROLE_NOUNS or folded.rstrip("sx") in ROLE_NOUNS:
                end = _ROLE_COMPLEMENT.match(text, word.end()).end()  # type: ignore[union-attr]
                after = text[end:]
                tail = after.strip().rstrip(" ?.!")
                if tail and len(tail.split()) <= _ROLE_TAIL_WORDS and "-" not in tail:
                    end += len(after) - len(after.lstrip()) + len(tail)
                spans.append((article.start(), end))
                break
            position = _SPACES.match(text, word.end()).end()  # type: ignore[union-attr]
    return spans


# A follow-up that asks the same of another of a series (« Et la deuxième ? » after « Quand a
# eu lieu la première conversation ? », "And the second one?").
_ORDINAL_WORDS = (
    r"premi[eè]re?|deuxi[eè]me|seconde?|troisi[eè]me|quatri[eè]me|derni[eè]re?|prochaine?"
    r"|first|second|third|fourth|last|next"
)
_ORDINAL = re.compile(rf"(?<![\w-])(?:{_ORDINAL_WORDS})(?![\w-])", re.IGNORECASE)
_ORDINAL_ELLIPSIS = re.compile(
    rf"{_ANOTHER_OPENING}(?:(?:à|a|au|de|du|in|at|on|to|for|of)\s+)?"
    rf"(?:(?:le|la|les|the)\s+|l['’])?"
    rf"(?P<ordinal>{_ORDINAL_WORDS})(?:\s+(?P<noun>[\w'’-]+))?\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def _swapped_ordinal(question: str, previous: str) -> str | None:
    """The previous question with its one ordinal swapped for the follow-up's (« Et la
    deuxième ? » after « Quand a eu lieu la première conversation ? » → « Quand a eu lieu la
    deuxième conversation ? »; « Et le deuxième jour ? » after « … le premier jour ? »); else
    None."""
    match = _ORDINAL_ELLIPSIS.match(question)
    if match is None:
        return None
    found = list(_ORDINAL.finditer(previous))
    if len(found) != 1:
        return None
    first = found[0]
    noun = match.group("noun")
    if noun and noun.casefold() not in _ANY_OF_A_SERIES:
        # « Et le deuxième jour ? » after « … le premier jour ? »: the same noun follows
        after = previous[first.end() :].split()
        if not after or after[0].casefold().strip("?.!") != noun.casefold():
            return None
    return previous[: first.start()] + match.group("ordinal") + previous[first.end() :]


_ANY_OF_A_SERIES = frozenset({"one", "fois", "time"})


def _swapped_role(question: str, previous: str) -> str | None:
    """The previous question with its one role phrase swapped for the follow-up's (« Et la
    directrice du musée ? » after « Qui est le maire de Saint-Aurèle ? » → « Qui est la
    directrice du musée ? »); else None."""
    match = _ROLE_ELLIPSIS.match(question)
    if match is None or _role_phrases(match.group("other")) != [(0, len(match.group("other")))]:
        return None
    found = _role_phrases(previous)
    if len(found) != 1:
        return None
    start, end = found[0]
    return previous[:start] + match.group("other") + previous[end:]


# A follow-up asking the role or job of someone by a possessive (« Quel est son rôle ? », "What
# is his job?").
_POSSESSIVE_ROLE = re.compile(
    r"\b(?P<pronoun>son|sa|his|her)\s+(?P<noun>r[ôo]le|fonction|poste|profession|m[ée]tier|job"
    r"|position|post|occupation)\b",
    re.IGNORECASE,
)


def _swapped_possessive(question: str, previous: str) -> str | None:
    """« Quel est son rôle ? » after « Qu'a démenti Dmitri Peskov ? »: « Quel est le rôle de
    Dmitri Peskov ? » ("What is Peskov's role?" in English), when the previous question names
    one name; else None."""
    match = _POSSESSIVE_ROLE.search(question)
    if match is None:
        return None
    found = [m for m in _NAME_RUN.finditer(previous) if not CALENDAR_NAME.search(m[0])]
    if len(found) != 1 or EN_DEMONYM.search(found[0][0]):
        return None  # "Who leads the Russian side?" names no one whose job it could be
    name, noun = found[0][0], match.group("noun")
    pronoun = match.group("pronoun").lower()
    if pronoun in ("his", "her"):
        owned = f"{name}'s {noun}"
    else:
        owned = f"{'la' if pronoun == 'sa' else 'le'} {noun} de {name}"
    return question[: match.start()] + owned + question[match.end() :]


def swapped_question(question: str, previous: str) -> str | None:
    """The previous question about someone or something else, for a follow-up that only names
    them (« Et Dmitriev ? » after « Qu'a dit Peskov ? » → « Qu'a dit Dmitriev ? »): the one
    name (or day, or month) of the previous question gives way to the new one. None when the
    follow-up is not that, or the previous question names none or several: which one the new
    name stands for is then unknown.

    >>> swapped_question("Et Dmitriev ?", "Qu'a dit Peskov ?")
    "Qu'a dit Dmitriev ?"
    >>> swapped_question("Et mercredi ?", "Combien de trains ont circulé mardi ?")
    'Combien de trains ont circulé mercredi ?'
    >>> swapped_question("Et Dmitriev ?", "Witkoff a-t-il vu Umerov à Miami ?") is None
    True

    A role stands for someone too: « Et la directrice du musée ? » after « Qui est le maire de
    Saint-Aurèle ? » asks « Qui est la directrice du musée ? ».
    """
    match = _ELLIPSIS.match(question)
    if match is None:
        return (
            _swapped_ordinal(question, previous)
            or _swapped_complement(question, previous)
            or _swapped_role(question, previous)
            or _swapped_possessive(question, previous)
        )
    other = match.group("other")
    calendar = CALENDAR_NAME.fullmatch(other) is not None
    pattern = CALENDAR_NAME if calendar else _NAME_RUN
    found = [m for m in pattern.finditer(previous) if calendar or not CALENDAR_NAME.search(m[0])]
    if len(found) != 1:
        return None
    first = found[0]
    return previous[: first.start()] + other + previous[first.end() :]


def validate_history(history: Any) -> list[dict[str, Any]]:
    """Check the chat history shape: a list of ``{"role", "content"}`` dicts.

    Raises:
        ValueError: the history is not in that shape (or a message's content is nested
            deeper than ``MAX_CONTENT_DEPTH``).
    """
    if history is None:
        return []
    if not isinstance(history, list | tuple):
        raise ValueError("history must be a list of {'role': ..., 'content': ...} messages")
    checked = []
    for i, message in enumerate(history):
        if not isinstance(message, Mapping) or "role" not in message or "content" not in message:
            raise ValueError(f"history[{i}] must be a dict with 'role' and 'content'")
        if _depth(message["content"]) > MAX_CONTENT_DEPTH:
            raise ValueError(
                f"history[{i}]['content'] is nested more than {MAX_CONTENT_DEPTH} levels deep; "
                "a message's content is text or a short list of content parts"
            )
        checked.append(dict(message))
    return checked


def _depth(content: Any) -> int:
    """How deeply lists and dicts nest in ``content`` (0 for text), without recursion.

    Stops counting past ``MAX_CONTENT_DEPTH``, so a hostile value costs little.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(content, 0)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_CONTENT_DEPTH:
            break
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list | tuple):
            stack.extend((v, depth + 1) for v in value)
    return deepest
