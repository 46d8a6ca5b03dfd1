"""``article ¶n`` references: the one place that writes, reads and relabels them.

The system cites a paragraph as ``article_id ¶n`` (U+0020 space, U+00B6 pilcrow, paragraph
number) and an answer line ends with its references in one bracket group: ``quote [a ¶1; b ¶4]``.
Only the system's own references may look like that: text coming from the articles (a quote)
passes through :func:`neutralise_refs` before it is rendered next to our references, so a
paragraph containing ``[003_a146349f20264553 ¶99]`` cannot forge a citation. The neutralised
form reads the same to a person (a no-break space before the ``¶``) but no parser here matches
it.

Generators (LLMs) are shown short aliases (:func:`short_ids`); reading *their* output liberally
is :class:`rag.verify.CitationParser`'s job, not this module's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

PILCROW = "¶"
# What a source's "id ¶n" becomes: a no-break space instead of the space, so it looks the same.
_NEUTRAL_SPACE = "\u00a0"
_ID = r"[\w.\-]+"
# One system reference, exactly: id, one ASCII space, pilcrow, digits.
_REF = re.compile(rf"(?<![\w.\-])({_ID}) {PILCROW}(\d+)(?!\d)")
# A system reference group at the end of a rendered line: "[ref]" or "[ref; ref]".
_GROUP = re.compile(rf"\[({_ID} {PILCROW}\d+(?:; {_ID} {PILCROW}\d+)*)\]")
# Anything in source text that a reader or a parser could take for a reference.
_REF_LIKE = re.compile(rf"\s*{PILCROW}")

LABEL_WORDS = 5
LABEL_CHARS = 40


def format_ref(article_id: str, paragraph: int) -> str:
    """The system reference ``article_id ¶n``."""
    return f"{article_id} {PILCROW}{paragraph}"


def format_refs(refs: Sequence[tuple[str, int]]) -> str:
    """The reference group written after an answer sentence: ``[a ¶1; b ¶4]``."""
    return "[" + "; ".join(format_ref(a, p) for a, p in refs) + "]"


def neutralise_refs(text: str) -> str:
    """Source text made unable to pass for a system reference (it reads the same).

    Every pilcrow (with the whitespace before it) becomes a no-break space and a pilcrow, so
    ``[003_a146349f20264553 ¶99]`` inside an article stays visible as written but is never
    parsed or relabelled as a citation.
    """
    return _REF_LIKE.sub(_NEUTRAL_SPACE + PILCROW, text)


def parse_refs(text: str) -> list[tuple[str, int]]:
    """The system references in ``text`` (only those inside system reference groups)."""
    found: list[tuple[str, int]] = []
    for group in _GROUP.finditer(text):
        for match in _REF.finditer(group.group(1)):
            found.append((match.group(1), int(match.group(2))))
    return found


def relabel_refs(text: str, labels: dict[str, str]) -> str:
    """``text`` with each system reference ``article_id ¶n`` written ``label ¶n``.

    Only references inside system reference groups (``[a ¶1; b ¶4]``) are relabelled;
    unknown ids are kept.
    """

    def relabel_one(match: re.Match[str]) -> str:
        return format_ref(labels.get(match.group(1), match.group(1)), int(match.group(2)))

    def relabel_group(group: re.Match[str]) -> str:
        return "[" + _REF.sub(relabel_one, group.group(1)) + "]"

    return _GROUP.sub(relabel_group, text)


def short_label(title: str) -> str:
    """The first words of a headline, cut at ``LABEL_WORDS`` words or ``LABEL_CHARS``."""
    words = title.split()
    label = ""
    for word in words[:LABEL_WORDS]:
        if label and len(label) + 1 + len(word) > LABEL_CHARS:
            break
        label = f"{label} {word}" if label else word
    label = label.rstrip(" :,;.-–—")
    return label + ("…" if label and len(label.split()) < len(words) else "")


def unique_labels(titles: dict[str, str]) -> dict[str, str]:
    """:func:`short_label` of each article's title, made distinct; the id when untitled.

    Labels are always distinct: articles whose short labels collide all get their shortest
    distinct id prefix (:func:`short_ids`) appended, e.g. ``Plan de paix… (001_8070)`` and
    ``Plan de paix… (001_8071)``; the full id, then a counter, settle what is left.
    """
    base = {article_id: short_label(title) or article_id for article_id, title in titles.items()}
    collisions = Counter(base.values())
    aliases = short_ids(titles)
    labels: dict[str, str] = {}
    used: set[str] = set()
    for article_id, label in base.items():
        if collisions[label] > 1 or label in used:
            label = f"{label} ({aliases[article_id]})"
        if label in used:
            label = f"{base[article_id]} ({article_id})"
        candidate, number = label, 2
        while candidate in used:
            candidate, number = f"{label} #{number}", number + 1
        used.add(candidate)
        labels[article_id] = candidate
    return labels


def short_ids(article_ids: Iterable[str], minimum: int = 8) -> dict[str, str]:
    """Shortest distinct prefixes (at least ``minimum`` characters) of the article ids.

    Generators are shown these aliases (``003_a146 ¶4``): shorter ids are copied more reliably.
    """
    ids = sorted(set(article_ids))
    aliases: dict[str, str] = {}
    for article in ids:
        length = min(minimum, len(article))
        while length < len(article) and any(
            other != article and other.startswith(article[:length]) for other in ids
        ):
            length += 1
        aliases[article] = article[:length]
    return aliases


__all__ = [
    "LABEL_CHARS",
    "LABEL_WORDS",
    "PILCROW",
    "format_ref",
    "format_refs",
    "neutralise_refs",
    "parse_refs",
    "relabel_refs",
    "short_ids",
    "short_label",
    "unique_labels",
]
