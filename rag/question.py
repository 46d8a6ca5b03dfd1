"""Question validation: what counts as a question, and its normalised text.

A question is text with something visible in it. Control characters become spaces, invisible
characters (every Unicode format character, category ``Cf``: zero-width spaces and joiners,
word joiner, invisible operators, bidi controls, tags; and the blank letters and selectors that
render as nothing: Hangul fillers, variation selectors, the combining grapheme joiner, the
braille blank) are removed, markup is dropped and whitespace is collapsed. What is left must
be non-empty and at most ``max_chars`` long.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from index.parse import fold
from rag.errors import InvalidQuestionError
from rag.text import detect_language, stopwords, unshouted

_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^<>]{1,200}>", re.IGNORECASE | re.DOTALL)
# Characters outside category Cf that show nothing (or a blank) yet are not whitespace.
_INVISIBLE = frozenset(
    [
        "\u034f",  # combining grapheme joiner
        "\u115f", "\u1160", "\u3164", "\uffa0",  # Hangul fillers
        "\u17b4", "\u17b5",  # Khmer inherent vowels (invisible)
        "\u180b", "\u180c", "\u180d", "\u180f",  # Mongolian variation selectors
        "\u2800",  # braille pattern blank
        "\ufffc",  # object replacement character
    ]
)  # fmt: skip


def _is_invisible(char: str) -> bool:
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf"
        or char in _INVISIBLE
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
    )


def _visible_text(text: str) -> str:
    chars: list[str] = []
    for char in text:
        if unicodedata.category(char) in {"Cc", "Cs"} or char == "\ufffd":
            chars.append(" ")
        elif not _is_invisible(char):
            chars.append(char)
    return "".join(chars)


def clean_question(question: Any, max_chars: int) -> str:
    """Validate and normalise a question.

    Raises:
        InvalidQuestionError: not a string, empty (nothing visible once control, invisible
            and markup characters are removed), or longer than ``max_chars``.
    """
    if isinstance(question, bytes):
        question = question.decode("utf-8", errors="replace")
    if not isinstance(question, str):
        raise InvalidQuestionError(f"the question must be text, not {type(question).__name__}")
    # Markup is never part of a question about the articles; it would only dilute retrieval.
    text = " ".join(_MARKUP.sub(" ", _visible_text(question)).split())
    if not text:
        raise InvalidQuestionError("the question is empty: type a question about the articles")
    if len(text) > max_chars:
        raise InvalidQuestionError(
            f"the question is too long ({len(text)} characters; the limit is {max_chars})"
        )
    return text


# A French elided word typed without its apostrophe (« qu il », « s appelle », « d Axios »): one
# of the words French elides, alone, before a word opening with a vowel or an h. A single
# capital letter elides only where a sentence opens (« C est … »): elsewhere it is a label
# (« les scénarios C et D ou E »).
_FR_ELIDED = re.compile(
    r"(?<![\w'’-])((?:^|(?<=[.!?]\s))[CDJLMNS]|[cdjlmns]"
    r"|(?i:qu|jusqu|lorsqu|puisqu|quoiqu|presqu|aujourd))\s+"
    r"(?=[aeiouyhàâäéèêëîïôöùûüœæAEIOUYHÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ])"
)
# An English possessive or negation typed without its apostrophe ("Friday s talks", "didn t").
_EN_POSSESSIVE = re.compile(r"(?<=[^\W\d_])\s+s(?=\s|[?!.,;:]|$)")
_EN_NEGATION = re.compile(
    r"\b(don|doesn|didn|isn|aren|wasn|weren|hasn|haven|hadn|can|couldn|wouldn|shouldn|won)"
    r"\s+t\b",
    re.IGNORECASE,
)


def with_apostrophes(text: str, language: str) -> str:
    """``text`` with the apostrophes of its elisions (French) or of its possessives and
    negations (English) where it was typed without them, as in a hurry: « Qu a déclaré
    Zelensky lorsqu il … », "Friday s talks". The question's words and its asking phrase
    (« Comment s'appelle … ? ») then read as the reader knows them.

    >>> with_apostrophes("Comment s appelle le responsable qu il a vu ?", "fr")
    "Comment s'appelle le responsable qu'il a vu ?"
    >>> with_apostrophes("Who joins Friday s talks, and why didn t he?", "en")
    "Who joins Friday's talks, and why didn't he?"
    """
    if language == "fr":
        return _FR_ELIDED.sub(r"\1'", text)
    return _EN_NEGATION.sub(r"\1't", _EN_POSSESSIVE.sub("'s", text))


_LETTER = re.compile(r"[^\W\d_]")
# The articles themselves, as a reader names them (« selon les articles », "in the texts"):
# where every answer comes from, so not part of what is asked.
_THE_ARTICLES = (
    r"(?:the|these|those|your|les|ces|tes|vos|l['’]\s*|le|la|this|cet|cette)\s*"
    r"(?:articles?|texts?|textes?|press|presse|news|m[ée]dias?|documents?|sources|corpus"
    r"|journaux|dépêches?)"
)
# Greetings, opening a message or making all of it (:data:`_OPENING`, :func:`pleasantry`).
_GREETING = r"bonjour|bonsoir|salut|coucou|hello|hi|hey|good\s+(?:morning|afternoon|evening)"
_SOURCE_WORD = r"(?:selon|d['’]apr[eè]s|according\s+to|from)"
# Greetings, thanks and lead-ins that open a message before its question, then a comma, a
# colon or an exclamation (a greeting or "please" may also run straight on).
_OPENING = re.compile(
    r"^\s*(?:"
    rf"(?:(?:{_GREETING}"
    r"|please|s['’]il\s+(?:vous|te)\s+pla[iî]t|svp)(?:\s+(?:there|all|everyone|à\s+tous))?"
    r"(?:\s*[,!.:;]+\s*|\s+))"
    r"|(?:(?:merci|thanks|thank\s+you|ok|okay|d['’]accord|super|parfait|great|perfect)"
    r"(?:\s+(?:beaucoup|bien|a\s+lot|very\s+much))?\s*[,!.:;]+\s*)"
    r"|(?:(?:(?:j['’]ai|i\s+have|i['’]ve\s+got)\s+)?(?:une?|a|one)?\s*"
    r"(?:petite|quick|short|simple|small|courte|autre|another)?\s*question\s*[:,]\s*)"
    rf"|(?:(?:{_SOURCE_WORD}|in|dans)\s+{_THE_ARTICLES}\s*,\s*)"
    r")",
    re.IGNORECASE,
)
# Thanks, "please" or the articles named as the source closing a message, or a tag after a
# comma (« …, tu sais ? », "…, do you know?"), before its last question mark if any.
_CLOSING = re.compile(
    r"(?:(?:\s*[,;]\s*|\s+)(?:merci(?:\s+(?:beaucoup|bien|d['’]avance|par\s+avance|à\s+vous))?"
    r"|svp|stp|s['’]il\s+(?:vous|te)\s+pla[iî]t|please|pls|thanks(?:\s+(?:a\s+lot|in\s+advance))?"
    rf"|thank\s+you(?:\s+(?:very\s+much|in\s+advance))?|{_SOURCE_WORD}\s+{_THE_ARTICLES})"
    r"|\s*,\s*(?:(?:do\s+)?you\s+know|any\s+idea|tu\s+sais|vous\s+savez|une\s+idée))"
    r"[.!]*(?P<end>\s*\?+)?\s*[.!]*\s*$",
    re.IGNORECASE,
)
# Emoji (pictographs, dingbats, their joiners and variation selectors) and smileys.
_EMOJI = re.compile(
    r"\s*(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+"
    r"|(?<!\S)[:;=][-']?[()DPpO/|]+(?!\S))"
)
# At most this many openings, and closings, are dropped from one message (« Bonjour !
# Petite question : »).
_MAX_ASIDES = 3


def without_asides(text: str) -> str:
    """``text`` without the words around its question that are not what it asks: greetings,
    thanks and lead-ins (« Bonjour, … », "Quick question: …", « … merci d'avance », "…
    please?"), the articles named as the source (« D'après les articles, … », "…, according
    to the articles?") and emoji. They hide the question word from the reader, as a request
    does (:func:`direct_question`), and pull retrieval away from what is asked. What follows a
    dropped opening starts with a capital when the opening did. A message with nothing else
    is left as it is.

    >>> without_asides("Bonjour, qui mène les négociations ? Merci d'avance")
    'Qui mène les négociations ?'
    >>> without_asides("Hi! Quick question: who did Witkoff meet in Miami, please? 🙂")
    'Who did Witkoff meet in Miami?'
    >>> without_asides("Combien de points compte le plan, selon les articles ?")
    'Combien de points compte le plan ?'
    >>> without_asides("Merci !")
    'Merci !'
    """
    stripped = _EMOJI.sub("", text)
    for _ in range(_MAX_ASIDES):
        opening = _OPENING.match(stripped)
        if opening is None or not stripped[opening.end() :].strip():
            break
        rest = stripped[opening.end() :]
        capital = opening.group().lstrip()[:1].isupper()
        stripped = rest[:1].upper() + rest[1:] if capital else rest
    for _ in range(_MAX_ASIDES):
        closing = _CLOSING.search(stripped)
        if closing is None or not stripped[: closing.start()].strip():
            break
        stripped = stripped[: closing.start()] + (closing.group("end") or "")
    return stripped if _LETTER.search(stripped) else text


# A message that is only a greeting, or only thanks (an emoji or a smiley may close it).
_ONLY_GREETING = re.compile(
    rf"^\s*(?:{_GREETING})"
    r"(?:\s+(?:there|all|everyone|à\s+tous|à\s+vous))?\s*[!.?]*\s*$",
    re.IGNORECASE,
)
_ONLY_THANKS = re.compile(
    r"^\s*(?:(?:ok|okay|d['’]accord|super|parfait|great|perfect|top|génial)\s*[,!.]*\s*)?"
    r"(?:merci(?:\s+(?:beaucoup|bien|à\s+vous|à\s+toi))?|thanks(?:\s+a\s+lot)?"
    r"|thank\s+you(?:\s+(?:very\s+much|so\s+much))?|thx)\s*[!.]*\s*$",
    re.IGNORECASE,
)


def pleasantry(text: str) -> str | None:
    """``"greeting"`` or ``"thanks"`` when a message is only that (« Bonjour ! », "Thanks a
    lot 🙂"), else None: it asks nothing of the articles, and a refusal ("I could not find
    the answer …") would answer it badly.

    >>> pleasantry("Bonjour !"), pleasantry("Merci beaucoup 🙂"), pleasantry("Bonjour, qui ?")
    ('greeting', 'thanks', None)
    """
    bare = _EMOJI.sub("", text)
    if _ONLY_GREETING.match(bare):
        return "greeting"
    if _ONLY_THANKS.match(bare):
        return "thanks"
    return None


# A request for what the indexed articles are about as a whole, not for one fact: « De quoi
# parlent les articles ? », « Résume les articles », "What are the articles about?",
# "Summarize". « Résume le plan » asks about one thing of the articles and is not one.
_ARTICLES_FR = r"(?:les|ces)\s+(?:articles|textes|documents)"
_ARTICLES_EN = r"(?:the|these)\s+(?:articles|texts|documents|news)"
_OVERVIEW = re.compile(
    r"^\s*(?:"
    rf"de\s+quoi\s+(?:parlent|traitent)\s+{_ARTICLES_FR}"
    rf"|(?:quel\s+est\s+le\s+sujet|quels\s+sont\s+les\s+sujets)\s+(?:des|de\s+ces)\s+"
    r"(?:articles|textes|documents)"
    rf"|r[ée]sume(?:z|r)?(?:[\s-]+(?:moi|nous))?(?:\s+{_ARTICLES_FR})?"
    rf"|(?:fais|faites|donne|donnez)[\s-]*(?:moi|nous)?\s+un\s+r[ée]sum[ée](?:\s+des\s+"
    r"(?:articles|textes|documents))?"
    r"|r[ée]sum[ée]"
    rf"|what\s+(?:are|is)\s+{_ARTICLES_EN}\s+about"
    rf"|summari[sz]e(?:\s+{_ARTICLES_EN}|\s+it|\s+them)?"
    rf"|(?:give\s+me\s+)?a\s+summary(?:\s+of\s+{_ARTICLES_EN})?"
    r"|summary"
    r"|what(?:\s+is|['’]s)\s+(?:this|it)\s+(?:all\s+)?about"
    r"|what(?:\s+is|['’]s)\s+(?:new|the\s+news)|quoi\s+de\s+neuf"
    r"|quelles\s+sont\s+les\s+(?:nouvelles|actualit[ée]s)"
    r")\s*[?.!]*\s*$",
    re.IGNORECASE,
)


def asks_overview(text: str) -> bool:
    """Whether a message asks what the indexed articles are about as a whole (« De quoi
    parlent les articles ? », "Summarize the articles."): no sentence answers it, each
    article's lead does.

    >>> asks_overview("De quoi parlent les articles ?"), asks_overview("Summarize.")
    (True, True)
    >>> asks_overview("Résume le plan."), asks_overview("What is the plan about?")
    (False, False)
    """
    return bool(_OVERVIEW.match(text))


def as_meant(text: str) -> tuple[str, str]:
    """A message read as if typed with care, and its language: without the greetings, thanks
    and other asides around its question (:func:`without_asides`), in lower case when typed in
    capitals throughout (:func:`rag.text.unshouted`), then with the apostrophes it was typed
    without (:func:`with_apostrophes`). For the question and the history's earlier ones alike.

    >>> as_meant("QU A DIT WITKOFF ?")
    ("qu'a dit witkoff ?", 'fr')
    """
    text = without_asides(unshouted(text))
    language = detect_language(text)
    return with_apostrophes(text, language), language


# What ends a sentence already: a question mark, an exclamation, a full stop, an ellipsis.
_ENDS = tuple("?!.…")


def with_question_mark(text: str, language: str) -> str:
    """``text`` ending with a question mark (« … ? » in French, "…?" otherwise) when it ends
    with no sentence punctuation, as questions typed in a hurry do.

    The support bars and the reader were fitted on questions that end with one, and the query
    embedding moves with it: without it, 22 of the 325 training items changed status.

    >>> with_question_mark("qui dirige les négociations", "fr")
    'qui dirige les négociations ?'
    >>> with_question_mark("Who leads the talks?", "en")
    'Who leads the talks?'
    """
    if text.endswith(_ENDS):
        return text
    return f"{text} ?" if language == "fr" else f"{text}?"


# « Peux-tu », « tu peux », « pouvez-vous » …, hyphen or not (as typed in a hurry).
_YOU_CAN = r"tu\s+peux|vous\s+pouvez|peux[-\s]tu|pouvez[-\s]vous|pourrais[-\s]tu|pourriez[-\s]vous"
_YOU_KNOW = r"sais[-\s]tu|savez[-\s]vous|tu\s+sais|vous\s+savez"
# A polite request that wraps the question ("Peux-tu me dire …", "Can you tell me …"): words
# that are not what is asked, and that hide the question word (qui, combien…) from the reader.
REQUEST = re.compile(
    r"^\s*(?:(?:and|then|so|now|et|alors|puis|maintenant),?\s+)?(?:"
    rf"(?:est-ce que\s+)?(?:{_YOU_CAN}|{_YOU_KNOW})"
    r"\s+(?:me\s+|nous\s+|m['’]\s*)?(?:dire|expliquer|indiquer|pr[ée]ciser|rappeler)"
    r"|(?:dis|dites|explique|expliquez|indique|indiquez|pr[ée]cise|pr[ée]cisez|rappelle|rappelez)"
    r"[-\s](?:moi|nous)"
    r"|(?:je\s+(?:voudrais|veux|souhaiterais|souhaite|aimerais)|j['’]aimerais)\s+(?:bien\s+)?"
    r"(?:savoir|comprendre)"
    r"|je\s+cherche\s+à\s+(?:savoir|comprendre)|j['’]ai\s+besoin\s+de\s+savoir"
    r"|je\s+me\s+demand(?:e|ais)|(?:une\s+)?idée\s+de"
    rf"|(?:est-ce\s+que\s+)?(?:{_YOU_KNOW})"
    r"|(?:can|could|would)\s+you\s+(?:please\s+)?(?:(?:tell|remind)\s+(?:me|us)"
    r"|explain(?:\s+to\s+(?:me|us))?)"
    r"|(?:do|would)\s+you\s+(?:happen\s+to\s+)?know|any\s+idea"
    r"|i\s+(?:was|am)\s+wondering|i\s+wondered|i\s+need\s+to\s+know"
    r"|help\s+me\s+understand|what\s+i\s+(?:want|would\s+like)\s+to\s+know\s+is"
    r"|(?:please\s+)?(?:tell|remind)\s+(?:me|us)"
    r"|(?:i['’]d|i\s+would|i)\s+(?:like|want|wish)\s+to\s+know"
    r"|does\s+anyone\s+know|i\s+wonder|let\s+me\s+know"
    r")(?:\s*[:,]\s*|\s+)",
    re.IGNORECASE,
)
# A request around a question needs no « -moi » to ask it when a question word follows
# (« Explique pourquoi … », "Explain why …").
_EXPLAIN = re.compile(r"^\s*(?:expliquez?|explain(?:\s+to\s+(?:me|us))?)\s+", re.I)
_FR_WH = (
    r"qui|que|qu['’]|quoi|quand|o[uù]|comment|pourquoi|combien|quel|quelle|quels|quelles|lequel"
    r"|laquelle|lesquels|lesquelles|(?:à|de|avec|pour|par|contre|chez|dans|en|sur|depuis|jusqu['’]à)"
    r"\s+(?:qui|quoi|quand|quel|quelle|quels|quelles)"
)
_FR_QUESTION_START = re.compile(rf"(?:(?P<what>ce\s+qu(?:e\b|i\b|['’]))|(?:{_FR_WH})\b)", re.I)
_FR_GIVING = (
    rf"(?:est-ce que\s+)?(?:{_YOU_CAN})"
    r"\s+(?:me\s+|nous\s+)?(?:donner|dire|indiquer|pr[ée]ciser|citer|rappeler)"
    r"|donnez?(?:[-\s](?:moi|nous))?|indiquez?(?:[-\s]moi)?|pr[ée]cisez?(?:[-\s]moi)?"
    r"|citez?(?:[-\s]moi)?|rappelez?(?:[-\s]moi)?|nommez?|di(?:s|tes)[-\s](?:moi|nous)"
    r"|je\s+(?:voudrais|veux|souhaite|souhaiterais|cherche\s+à)\s+(?:conna[îi]tre|savoir)"
    r"|j['’]aimerais\s+(?:conna[îi]tre|savoir)"
)
_FR_GIVEN = re.compile(rf"^(?:{_FR_GIVING})\s+(?P<article>les\s|le\s|la\s|l['’])\s*(?=\w)", re.I)
# A bare noun phrase asking a name, an amount, a date … (« Montant du préjudice ? »).
_FR_NOUN_GENDER = {
    "nom": "Quel est le", "noms": "Quels sont les", "montant": "Quel est le",
    "nombre": "Quel est le", "lieu": "Quel est le", "âge": "Quel est l'", "prix": "Quel est le",
    "coût": "Quel est le", "métier": "Quel est le", "rôle": "Quel est le", "titre": "Quel est le",
    "date": "Quelle est la", "heure": "Quelle est l'", "durée": "Quelle est la",
    "identité": "Quelle est l'", "profession": "Quelle est la", "fonction": "Quelle est la",
    "adresse": "Quelle est l'",
}  # fmt: skip
# Typed without accents too (« montant du prejudice », « age des suspects »).
_FR_NOUN_GENDER |= {fold(noun): opening for noun, opening in _FR_NOUN_GENDER.items()}
_FR_NOUN_PHRASE = re.compile(
    r"^(?:(?:le|la|les)\s+|l['’])?(?P<noun>"
    + "|".join(_FR_NOUN_GENDER)
    + r")\s+(?=d['’]|de\s|du\s|des\s)",
    re.I,
)
# Words of a clause: a noun phrase holding one is a sentence, left as typed.
_FR_CLAUSE_WORD = re.compile(
    r"\b(?:est|sont|était|étaient|sera|seront|a|ont|avait|avaient|aura|auront|va|vont|peut|"
    r"peuvent|doit|doivent|fait|font|qui|que|quand|où|comment|pourquoi|combien|quel|quelle)\b"
    r"|-t-|-(?:il|elle|ils|elles|on)\b",
    re.I,
)

_EN_QUESTION_START = re.compile(r"(?:who|whom|whose|what|when|where|why|how|which)\b", re.I)
# "who Kirill Dmitriev is" → "who is Kirill Dmitriev".
_EN_LAST_COPULA = re.compile(
    r"^(?P<wh>how\s+(?:much|many|old|long|far)|who|whom|what|where|when|which)\s+(?P<body>.+?)"
    r"\s+(?P<copula>is|are|was|were)\s*(?P<end>[?.!…]*)$",
    re.I,
)
_EN_GIVEN = re.compile(
    r"^(?:(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:give|tell|name|list)\s+(?:me|us)"
    r"|(?:please\s+)?(?:give(?:\s+(?:me|us))?|tell\s+(?:me|us))"
    r"|(?:please\s+)?(?:(?P<naming>name|identify)|list|state)"
    r"|i(?:['’]d|\s+would)\s+like\s+to\s+know|i\s+(?:want|wish|need)\s+to\s+know)"
    r"\s+the\s+(?=\w)",
    re.I,
)
_EN_HEAD_END_WORDS = (
    "of in on at for behind from with by who that which to about over during after before"
)
_EN_HEAD_END = frozenset(_EN_HEAD_END_WORDS.split())
_EN_NOUN_PHRASE = re.compile(
    r"^(?:the\s+)?(?P<noun>names?|number|amount|date|time|place|age|duration|price|cost|identity"
    r"|job|role|title|address)\s+of\s",
    re.I,
)
_EN_CLAUSE_WORD = re.compile(
    r"\b(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|who|what|when|where|"
    r"why|how|which)\b",
    re.I,
)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _english_plural(phrase: str) -> bool:
    """Whether the head noun of an English noun phrase (its last word before a preposition or
    a relative pronoun: "unions" in "unions behind the strike") is plural."""
    head = ""
    for word in re.findall(r"[\w'’-]+", phrase):
        if word.lower() in _EN_HEAD_END:
            break
        head = word.lower()
    return head.endswith("s") and not head.endswith(("ss", "'s", "’s", "us", "is"))


# A noun phrase typed without its question mark is a question when short; a longer one is
# more likely a pasted sentence (« La date d'un tel sommet reste incertaine … »).
_NOUN_PHRASE_WORDS = 6


# Nouns that say what a query of keywords asks for when it opens on one (« date rencontre
# Witkoff Turquie », "city Alaska summit"): those of the noun phrases above, and a few that
# name a place, a time, a share or an organisation.
_FR_KEYWORD_NOUNS = _FR_NOUN_GENDER | {
    "ville": "Quelle est la", "pays": "Quel est le", "année": "Quelle est l'",
    "jour": "Quel est le", "endroit": "Quel est l'", "pourcentage": "Quel est le",
    "taux": "Quel est le", "parti": "Quel est le", "entreprise": "Quelle est l'",
    "société": "Quelle est la", "organisation": "Quelle est l'",
}  # fmt: skip
_FR_KEYWORD_NOUNS |= {fold(noun): opening for noun, opening in _FR_KEYWORD_NOUNS.items()}
_EN_KEYWORD_NOUNS = frozenset({
    "name", "names", "number", "amount", "date", "time", "place", "age", "duration", "price",
    "cost", "identity", "job", "role", "title", "address", "city", "country", "year", "day",
    "percentage", "share", "rate", "company", "party", "organisation", "organization",
})  # fmt: skip
_KEYWORD = re.compile(r"[\w'’-]+")


def _keyword_question(text: str, language: str) -> str | None:
    """A query of keywords that opens on a noun saying what it asks for, asked as the question
    it stands for (« date rencontre Witkoff Turquie » → « Quelle est la date de rencontre
    Witkoff Turquie », "city Alaska summit" → "What is the city of Alaska summit"), so the
    reader knows it asks for a date or a place; None for anything else. Keywords only: no
    stop word or question word of either language (their lists hold the common verbs)."""
    words = _KEYWORD.findall(text)
    if len(words) < 2:
        return None
    lists = stopwords()
    if any(fold(w) in lists["fr"] or fold(w) in lists["en"] for w in words):
        return None
    noun, rest = words[0].lower(), text.lstrip()[len(words[0]) :].strip()
    if language == "fr" and noun in _FR_KEYWORD_NOUNS:
        opening = _FR_KEYWORD_NOUNS[noun]
        separator = "" if opening.endswith("'") else " "
        of = "d'" if fold(rest[:1]).lower() in "aeiouyh" else "de "
        return f"{opening}{separator}{words[0].lower()} {of}{rest}"
    if language == "en" and noun in _EN_KEYWORD_NOUNS:
        verb = "are" if noun == "names" else "is"
        return f"What {verb} the {noun} of {rest}"
    return None


def _asks_as_noun_phrase(text: str, clause_word: re.Pattern[str]) -> bool:
    """Whether a text opening on a noun such as « montant » or "number" asks it: no verb or
    question word, and a question mark or at most :data:`_NOUN_PHRASE_WORDS` words."""
    short = text.rstrip().endswith("?") or len(text.split()) <= _NOUN_PHRASE_WORDS
    return short and not clause_word.search(text)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def direct_question(text: str, language: str) -> str:
    """The question a request wraps, asked directly; ``text`` itself when it wraps none.

    Readers type requests as often as questions: « Dis-moi qui dirige l'enquête », "Can you
    tell me who Kirill Dmitriev is", « Donne-moi le nom du maire », "Give me the name of the
    museum director", or a bare noun phrase, « Montant du préjudice selon la mairie ? ». The
    reader reads what a question asks (a person, a name, an amount) from its question word and
    was fitted on direct questions, so each of these is asked as the question it stands for.
    A request for a summary or an explanation of something (« Résume le plan », "Explain the
    plan") asks no factoid and is left as typed.

    >>> direct_question("Dis-moi qui dirige l'enquête.", "fr")
    "Qui dirige l'enquête"
    >>> direct_question("Donne-moi le nom du maire", "fr")
    'Quel est le nom du maire'
    >>> direct_question("Montant du préjudice selon la mairie ?", "fr")
    'Quel est le montant du préjudice selon la mairie ?'
    >>> direct_question("Can you tell me who Kirill Dmitriev is?", "en")
    'Who is Kirill Dmitriev?'
    >>> direct_question("What's the reward?", "en")
    'What is the reward?'
    >>> direct_question("List the unions behind the strike.", "en")
    'What are the unions behind the strike'
    >>> direct_question("Qui dirige l'enquête ?", "fr")
    "Qui dirige l'enquête ?"
    >>> direct_question("Parle-moi de Kirill Dmitriev.", "fr")
    'Qui est Kirill Dmitriev'
    >>> direct_question("Tell me about Witkoff", "en")
    'Who is Witkoff'
    >>> direct_question("Tell me about the plan", "en")
    'Tell me about the plan'

    A request's closing full stop or exclamation mark is dropped (it asks a question):
    :func:`with_question_mark` gives it its question mark.
    """
    if language == "fr":
        direct = _direct_french(text)
    elif language == "en":
        direct = _uncontracted(_direct_english(text))
    else:
        return text
    return text if direct == text else direct.rstrip(" .!")


def _wrapped(text: str) -> str | None:
    """The question a request wraps, as typed after the request; None when it wraps none."""
    for request in (REQUEST, _EXPLAIN):
        if match := request.match(text):
            return text[match.end() :]
    return None


def without_request(question: str) -> str:
    """``question`` without a polite request around it ("Peux-tu me dire combien … ?" →
    "combien … ?", "Can you tell me who …" → "who …"), or as it is."""
    match = REQUEST.match(question)
    if match is None or not question[match.end() :].strip():
        return question
    return question[match.end() :]


# « Parle-moi de Dmitriev », "Tell me about Witkoff": a name (capitalised words) to describe,
# asked as « Qui est Dmitriev ? », "Who is Witkoff?" (the reader then quotes the sentence that
# says who they are, not any sentence naming them).
_NAME_WORDS = r"(?P<name>[A-ZÀ-Ý][\w’'.-]*(?:\s+[A-ZÀ-Ý][\w’'.-]*){0,3})"
_FR_TELL_ABOUT = re.compile(
    r"^\s*(?i:parle|parlez|raconte|racontez)[\s-]*(?i:moi|nous)\s+(?i:un\s+peu\s+)?"
    rf"(?i:de\s+|d['’]\s*){_NAME_WORDS}\s*[.?!]*\s*$"
)
_EN_TELL_ABOUT = re.compile(
    rf"^\s*(?i:tell\s+(?:me|us)\s+(?:a\s+bit\s+|more\s+)?about)\s+{_NAME_WORDS}\s*[.?!]*\s*$"
)


def _direct_french(text: str) -> str:
    wrapped = _wrapped(text)
    if match := _FR_TELL_ABOUT.match(text):
        return f"Qui est {match.group('name')}"
    if wrapped and (match := _FR_QUESTION_START.match(wrapped)):
        if match.group("what"):  # « ce que Dmitriev a dit » asks « qu'est-ce que … »
            rest = wrapped[match.end() :]
            return _capitalised(f"qu'est-ce {match.group('what')[3:].lstrip()}{rest}")
        return _capitalised(wrapped)
    if match := _FR_GIVEN.match(text):
        article = match.group("article").strip().lower()
        opening = {"les": "Quels sont les ", "le": "Quel est le ", "la": "Quelle est la "}.get(
            article, "Quel est l'"
        )
        return opening + text[match.end() :]
    if (match := _FR_NOUN_PHRASE.match(text)) and _asks_as_noun_phrase(text, _FR_CLAUSE_WORD):
        opening = _FR_NOUN_GENDER[fold(match.group("noun"))]
        separator = "" if opening.endswith("'") else " "
        return f"{opening}{separator}{_lower_first(text[match.start('noun') :])}"
    return _keyword_question(text, "fr") or text


# "What's", "Who're": a question word and its verb, written out as the reader reads them.
_EN_CONTRACTED = re.compile(
    r"^(?P<wh>\s*(?:what|who|where|when|how(?:\s+(?:much|many|old|long|far))?|which|why))"
    r"['’](?P<verb>s|re)\b(?P<perfect>\s+(?:been|got|gotten|happened|become)\b)?",
    re.IGNORECASE,
)


def _uncontracted(text: str) -> str:
    """``text`` with its opening question word's contracted verb written out: "What's the
    reward?" → "What is the reward?", "What's happened …" → "What has happened …"."""
    match = _EN_CONTRACTED.match(text)
    if match is None:
        return text
    verb = "are" if match["verb"].lower() == "re" else ("has" if match["perfect"] else "is")
    return f"{match['wh']} {verb}{match['perfect'] or ''}{text[match.end() :]}"


def _direct_english(text: str) -> str:
    if match := _EN_TELL_ABOUT.match(text):
        return f"Who is {match.group('name')}"
    wrapped = _wrapped(text)
    if wrapped and _EN_QUESTION_START.match(wrapped):
        rest = wrapped
        if moved := _EN_LAST_COPULA.match(rest):
            rest = f"{moved['wh']} {moved['copula']} {moved['body']}{moved['end']}"
        return _capitalised(rest)
    if match := _EN_GIVEN.match(text):
        rest = text[match.end() :]
        plural = _english_plural(rest)
        if match.group("naming"):  # "Name the museum director": what is the director's name
            return f"What {'are the names' if plural else 'is the name'} of the {rest}"
        return f"What {'are' if plural else 'is'} the {rest}"
    if (match := _EN_NOUN_PHRASE.match(text)) and _asks_as_noun_phrase(text, _EN_CLAUSE_WORD):
        verb = "are" if match.group("noun").lower() == "names" else "is"
        return f"What {verb} the {_lower_first(text[match.start('noun') :])}"
    return _keyword_question(text, "en") or text


__all__ = [
    "REQUEST",
    "clean_question",
    "direct_question",
    "pleasantry",
    "with_question_mark",
    "without_request",
]
