"""Language-aware text normalisation shared by lexical retrieval and the answerer."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, ClassVar

from index.parse import fold

# English month and weekday names and their French forms (folded).
EN_MONTHS = {
    "january": "janvier", "february": "fevrier", "march": "mars", "april": "avril",
    "may": "mai", "june": "juin", "july": "juillet", "august": "aout",
    "september": "septembre", "october": "octobre", "november": "novembre",
    "december": "decembre", "monday": "lundi", "tuesday": "mardi", "wednesday": "mercredi",
    "thursday": "jeudi", "friday": "vendredi", "saturday": "samedi", "sunday": "dimanche",
}  # fmt: skip
# Month and weekday names as regex alternations: French ones with and without accents,
# English weekdays in lower case (match them ignoring case), English months capitalised (so
# that "may" and "march" as verbs are no months).
MONTHS_FR = (
    "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|"
    "novembre|décembre|decembre"
)
WEEKDAYS_FR = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
WEEKDAYS_EN = "|".join(en for en, fr in EN_MONTHS.items() if fr in WEEKDAYS_FR.split("|"))
MONTHS_EN = "|".join(en.capitalize() for en, fr in EN_MONTHS.items() if fr not in WEEKDAYS_FR)
# Days of the week and months, French and English.
CALENDAR_NAME = re.compile(rf"\b(?:(?i:{WEEKDAYS_FR}|{MONTHS_FR}|{WEEKDAYS_EN})|{MONTHS_EN})\b")


_TOKEN = re.compile(r"\w+", re.UNICODE)
# Words that make a question a question; they carry no topic.
_QUESTION_WORDS = {
    "fr": {
        "quel", "quelle", "quels", "quelles", "qui", "quoi", "que", "qu", "quand", "ou", "comment",
        "pourquoi", "combien", "lequel", "laquelle", "lesquels", "lesquelles", "est", "ce",
        "selon", "dit", "dire", "article", "articles", "texte",
    },
    "en": {
        "what", "which", "who", "whom", "whose", "when", "where", "how", "why", "many", "much",
        "does", "did", "do", "according", "say", "said", "tell", "article", "articles", "text",
    },
}  # fmt: skip
_STEMMER_NAMES = {"fr": "french", "en": "english"}


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    """Folded stop words per language (bm25s lists plus question words)."""
    from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_FRENCH

    return {
        "fr": frozenset(fold(w) for w in (*STOPWORDS_FRENCH, *_QUESTION_WORDS["fr"])),
        "en": frozenset(fold(w) for w in (*STOPWORDS_EN, *_QUESTION_WORDS["en"])),
    }


def detect_language(text: str) -> str:
    """``"fr"`` or ``"en"``, by which language's stop words the text uses more; when they do
    not tell (a query of keywords: « date rencontre Witkoff Turquie »), by which language
    alone has more of its words (:class:`WordFrequencies`).

    >>> detect_language("Qui a rédigé le plan ?"), detect_language("nombre points plan")
    ('fr', 'fr')
    """
    tokens = _TOKEN.findall(text)
    words = [fold(w) for w in tokens]
    lists = stopwords()
    fr = sum(w in lists["fr"] for w in words) + 2 * sum(c in text for c in "éèêàçùâîôû«»")
    en = sum(w in lists["en"] for w in words)
    if fr == en:
        fr, en = _own_words(tokens)
    return "fr" if fr > en else "en"


def _own_words(tokens: Sequence[str]) -> tuple[int, int]:
    """How many of ``tokens`` (words of three letters or more) only French has, and only
    English."""
    lower = [t.lower() for t in tokens if t.isalpha() and len(t) > 2]
    if not lower:
        return 0, 0
    french, english = WordFrequencies("fr"), WordFrequencies("en")
    known = [(french.knows(w), english.knows(w)) for w in lower]
    return sum(f and not e for f, e in known), sum(e and not f for f, e in known)


# Texts whose term sets an Analyzer remembers (sentences and paragraphs of answered questions).
TERM_SET_CACHE = 20_000


@lru_cache(maxsize=4)
def _stemmer(language: str) -> object:
    import Stemmer

    return Stemmer.Stemmer(_STEMMER_NAMES.get(language, "french"))


def stem_of(language: str) -> Callable[[str], str]:
    """The Snowball stem of one word in ``language`` (``"fr"`` or ``"en"``: "included" →
    "includ")."""
    return _stemmer(language).stemWord  # type: ignore[attr-defined]


class Analyzer:
    """Folds case and accents, drops stop words of both languages and stems.

    Args:
        language: ``"fr"`` or ``"en"``: the corpus language, which picks the stemmer.
    """

    def __init__(self, language: str = "fr") -> None:
        if language not in _STEMMER_NAMES:
            raise ValueError(f"unsupported language {language!r}; use 'fr' or 'en'")
        self.language = language
        lists = stopwords()
        self._stop = lists["fr"] | lists["en"]
        self._stem = _stemmer(language)
        self._term_sets: dict[str, frozenset[str]] = {}

    def terms(self, text: str) -> list[str]:
        """Stemmed content terms of ``text``, in order (with repeats)."""
        words = [fold(w) for w in _TOKEN.findall(text)]
        kept = [w for w in words if w not in self._stop and (len(w) > 1 or w.isdigit())]
        return list(self._stem.stemWords(kept))  # type: ignore[attr-defined]

    def term_set(self, text: str) -> frozenset[str]:
        """The distinct terms of ``text``, remembered: the sentences and paragraphs a question
        reads are read again by the next questions (and twice by each: support and reader).
        At most ``TERM_SET_CACHE`` texts are kept (then the memory starts over)."""
        found = self._term_sets.get(text)
        if found is None:
            found = frozenset(self.terms(text))
            if len(self._term_sets) >= TERM_SET_CACHE:
                self._term_sets.clear()
            self._term_sets[text] = found
        return found


def corpus_language(texts: Iterable[str]) -> str:
    """The dominant language of a corpus, from a sample of its texts."""
    sample = " ".join(t for _, t in zip(range(200), texts, strict=False))
    return detect_language(sample)


# The ending of an English nationality or language adjective ("Russian", "Italian", "Chinese"):
# capitalised, yet no one's name.
EN_DEMONYM = re.compile(r"(?:ian|ese|ish|ean)$")
# Words of three letters or more (« l'Ukraine » gives « Ukraine »).
_NAME_WORD = re.compile(r"[^\W\d_][\w-]{2,}")
# What opens a sentence when it stands before a word (spaces aside): a full stop, a colon, a
# quote, a bullet, a dash.
_SENTENCE_OPENERS = frozenset('.!?:;«»"“”(•—–')


# Words of two letters or more: a question typed in capitals has at least this many of them.
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
SHOUTED_MIN_WORDS = 3


def unshouted(text: str) -> str:
    """``text`` in lower case when typed in capitals throughout (caps lock, or a form that
    upper-cases), else unchanged. Read in capitals, every word looks like a name or an
    acronym and its accents are often missing; read in lower case, the question goes the way
    of one typed without capitals: names, acronyms and accents are restored from the
    articles and the language (see :func:`truecase_from`). A short run of acronyms (« SNCF,
    TER ? ») is left as typed.

    >>> unshouted("WHO IS LEADING THE TALKS?"), unshouted("Who leads NATO?")
    ('who is leading the talks?', 'Who leads NATO?')
    """
    if any(char.islower() for char in text) or len(_LETTER_WORD.findall(text)) < SHOUTED_MIN_WORDS:
        return text
    return text.lower()


def in_lower_case(text: str) -> bool:
    """Whether ``text`` has no capital after its first letter: typed without capitals, its
    names do not stand out."""
    return text[1:] == text[1:].lower()


def capitalised_names(texts: Sequence[str]) -> frozenset[str]:
    """Folded words that ``texts`` write with a capital inside a sentence and never in lower
    case: their names (« Dmitriev », « Bloomberg », « Miami »)."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in texts:
        for match in _NAME_WORD.finditer(text):
            word = match.group()
            if word[:1].islower():
                lower.add(fold(word))
                continue
            before = match.start() - 1
            while before >= 0 and text[before].isspace():
                before -= 1
            if before >= 0 and text[before] not in _SENTENCE_OPENERS:
                capitalised.add(fold(word))
    return frozenset(capitalised - lower)


def name_spellings(texts: Sequence[str]) -> dict[str, str]:
    """The :func:`capitalised_names` of ``texts``, folded, each with how ``texts`` write it
    (``{"peskov": "Peskov"}``)."""
    names = capitalised_names(texts)
    written: dict[str, str] = {}
    for text in texts:
        for match in _NAME_WORD.finditer(text):
            word = match.group()
            if word[:1].isupper() and (folded := fold(word)) in names:
                written.setdefault(folded, word)
    return written


# A name typed a letter off is this long at least (shorter ones collide with other words).
_RESPELL_MIN = 5
# Endings by which an English place name is a letter off its French one, not misspelt:
# Russia/Russie, Tunisia/Tunisie, Moscow/Moscou.
_ENGLISH_ENDINGS = (("ia", "ie"), ("ow", "ou"))


def respelled_names(text: str, names: dict[str, str], known: Callable[[str], bool]) -> str:
    """``text`` with each capitalised word the corpus never uses (``known`` is false) that is
    one letter off (substituted, inserted, deleted, or two swapped) one of ``names`` (folded →
    written, :func:`name_spellings`), and no other, written as that name: a name typed a letter
    off ("What did Peskow deny?", « le rôle de Witkof ») is the corpus's name. An English place
    name is not a misspelt French one ("Russia" stays, though the articles write « Russie »).

    >>> respelled_names("What did Peskow deny?", {"peskov": "Peskov"}, lambda w: False)
    'What did Peskov deny?'
    """

    def respelled(match: re.Match[str]) -> str:
        word = match.group()
        if not word[:1].isupper() or len(word) < _RESPELL_MIN or known(word):
            return word
        folded = fold(word)
        close = {
            written
            for name, written in names.items()
            if name[:1] == folded[:1]
            and one_letter_off(folded, name, swaps=True)
            and not any(folded.endswith(e) and name.endswith(f) for e, f in _ENGLISH_ENDINGS)
        }
        return close.pop() if len(close) == 1 else word

    return _NAME_WORD.sub(respelled, text)


# Where a word ends: alone, or as the verb of an inversion (« aurait-il », « pensent-ils »).
WORD_OR_INVERTED_VERB_END = (
    r"(?:(?![\w-])|(?=-(?:t-)?(?:il|elle|on|ils|elles|je|tu|nous|vous|ce)\b))"
)
_LOWER_WORD = re.compile(r"(?<![\w-])[^\W\d_A-ZÀ-Ý][^\W\d_]*" + WORD_OR_INVERTED_VERB_END)


def word_spellings(texts: Iterable[str]) -> dict[str, str]:
    """The lower-case words of ``texts`` of at least :data:`_RESPELL_MIN` letters, folded,
    each with how the first text holding it writes it (``{"penalites": "pénalités"}``)."""
    written: dict[str, str] = {}
    for text in texts:
        for match in _LOWER_WORD.finditer(text):
            word = match.group()
            if len(word) >= _RESPELL_MIN:
                written.setdefault(fold(word), word)
    return written


# The letters an edit may insert or substitute in a French or English word.
_EDIT_LETTERS = "abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöûùüÿœ"


def one_edit(word: str) -> set[str]:
    """Every string one letter substituted, inserted, deleted, or two neighbours swapped, off
    ``word`` (lower case)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in _EDIT_LETTERS}
    found |= {a + c + b for a, b in splits for c in _EDIT_LETTERS}
    found.discard(word)
    return found


class WordFrequencies:
    """How often a language uses each word (pyspellchecker's frequency lists, which ship in
    its wheel: ~160,000 English and ~140,000 French words), loaded at first use.

    >>> WordFrequencies("en").knows("negotiations"), WordFrequencies("en").knows("negotations")
    (True, False)
    """

    _loaded: ClassVar[dict[str, Any]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, language: str) -> None:
        self.language = language

    def _table(self) -> Any:
        with self._lock:
            table = self._loaded.get(self.language)
            if table is None:
                from spellchecker import SpellChecker

                table = SpellChecker(language=self.language, distance=1).word_frequency
                self._loaded[self.language] = table
        return table

    def knows(self, word: str) -> bool:
        """Whether the language has ``word`` (lower case)."""
        return word in self._table()

    def frequency(self, word: str) -> int:
        """How often the language uses ``word`` (0: never)."""
        table = self._table()
        return int(table[word]) if word in table else 0


_ELIDED_AFTER = re.compile(r"['’]")
# French endings of inflected forms (« fuitées » of « fuite »).
_INFLECTIONS = ("ées", "és", "ée", "es", "ent", "s", "e")
# British spellings and their American forms (the English word list is American), and the
# ligatures French also writes as two letters (« œuvre », « oeuvre »).
_SPELLING_VARIANTS = (
    ("our", "or"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("isation", "ization"),
    ("yse", "yze"), ("lled", "led"), ("lling", "ling"), ("ller", "ler"), ("llery", "lry"),
    ("llery", "lery"), ("tre", "ter"), ("ogue", "og"), ("ence", "ense"), ("œ", "oe"), ("æ", "ae"),
)  # fmt: skip


# The British spellings that differ only in a word's ending ("centre(s)", "analysed"), not
# inside it ("treritory" is no British "territory").
_INNER = ("our", "œ", "æ")  # anywhere in a word ("colourful", « œuvre »)
_ENDING_VARIANTS = tuple(
    (re.compile(re.escape(british) + r"(?=(?:s|d|r|rs)?$)"), american)
    for british, american in _SPELLING_VARIANTS
    if british not in _INNER
)
_INNER_VARIANTS = tuple(pair for pair in _SPELLING_VARIANTS if pair[0] in _INNER)


def _other_spellings(word: str) -> list[str]:
    """``word`` and the same word spelt the other way (British or American, ligature or not)."""
    inner = [word.replace(british, american) for british, american in _INNER_VARIANTS]
    endings = [pattern.sub(american, word) for pattern, american in _ENDING_VARIANTS]
    return [word] + [spelt for spelt in inner + endings if spelt != word]


def respelled_words(
    text: str,
    words: Callable[[], Mapping[str, str]],
    known: Callable[[str], bool],
    lexicon: Callable[[str], bool],
    frequency: Callable[[str], int] | None = None,
    stem: Callable[[str], str] | None = None,
) -> str:
    """``text`` with each lower-case word of at least :data:`_RESPELL_MIN` letters that
    neither the corpus (``known``) nor the language's ``lexicon`` has, written as the one
    word a letter off it (substituted, inserted, deleted, or two swapped): one of ``words()``
    (folded → written, :func:`word_spellings`: the retrieved paragraphs'; asked for only when
    a word is unknown), else one the lexicon has (of several, the one the corpus uses, or of
    several it uses the one ``frequency`` says the language uses most; none when the corpus
    uses none: « tatin » is « latin », « satin », « matin »…, unless they are forms of one
    word, one ``stem``: "inclued" is "include" or "included"). A word typed a letter off
    (« la pursuite du mouvement », « péanlités ») is then read as the word meant; else it
    stays as typed.

    >>> never = lambda word: False
    >>> respelled_words("la pursuite", lambda: {"poursuite": "poursuite"}, never, never)
    'la poursuite'
    """

    def respelled(match: re.Match[str]) -> str:
        word = match.group()
        lower = word.lower()
        if len(word) < _RESPELL_MIN or known(word) or _ELIDED_AFTER.match(text, match.end()):
            return word  # « lorsqu'il »: « lorsqu » is « lorsque » elided
        if any(lexicon(spelt) for spelt in _other_spellings(lower)):
            return word
        if any(known(lower[: -len(end)]) for end in _INFLECTIONS if lower.endswith(end)):
            return word  # « fuitées »: a form of a word the corpus uses (« fuite »)
        folded = fold(word)
        close = {
            written
            for other, written in words().items()
            if one_letter_off(folded, other, swaps=True)
        }
        if not close:
            candidates = {edited for edited in one_edit(lower) if lexicon(edited)}
            close = candidates
            if len(close) > 1:  # of several words, those the corpus uses, or none
                close = {edited for edited in close if known(edited)}
                if not close and stem is not None and len({stem(c) for c in candidates}) == 1:
                    close = candidates  # or forms of one word
            if len(close) > 1 and frequency is not None:  # and of those the most used
                close = {max(sorted(close), key=frequency)}
        return close.pop() if len(close) == 1 else word

    return _LOWER_WORD.sub(respelled, text)


def one_letter_off(a: str, b: str, *, swaps: bool = False) -> bool:
    """Whether two different words are one letter substituted, inserted or deleted apart (with
    ``swaps``, or two neighbouring letters swapped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):
        return a[i:] == b[i + 1 :]
    swapped = (
        swaps
        and i + 1 < len(a)
        and a[i] == b[i + 1]
        and a[i + 1] == b[i]
        and a[i + 2 :] == b[i + 2 :]
    )
    return swapped or a[i + 1 :] == b[i + 1 :]


def truecase_from(
    text: str,
    names: frozenset[str],
    acronyms: frozenset[str] = frozenset(),
    *,
    typed_lower: bool = False,
    written: Mapping[str, str] | None = None,
) -> str:
    """``text`` typed in lower case with the words that are ``names`` capitalised
    (:func:`capitalised_names`; a name of several words, "united states", each of them) and
    those that are ``acronyms`` in capitals ("nato" → "NATO"); a text holding a capital after
    its first letter as is, unless it was ``typed_lower`` and only some of its names were
    capitalised since. A name found in ``written`` (folded → as the articles write it,
    :func:`name_spellings`) is written that way, accents and inner capitals included
    (« etats-unis » → « États-Unis »).

    >>> truecase_from("who leads the united states?", frozenset({"united states"}))
    'Who leads the United States?'
    """
    if not (typed_lower or in_lower_case(text)):
        return text

    def cased_word(match: re.Match[str]) -> str:
        word = match.group()
        folded = fold(word)
        if folded in acronyms:
            return word.upper()
        if written is not None and folded in written:
            return written[folded]
        return word[:1].upper() + word[1:] if folded in names else word

    cased = _NAME_WORD.sub(cased_word, text)
    for phrase in (name for name in names if " " in name):
        cased = re.sub(
            rf"(?<![\w-]){re.escape(phrase)}(?![\w-])",
            lambda match: match.group().title(),
            cased,
            flags=re.IGNORECASE,
        )
    return cased[:1].upper() + cased[1:]
