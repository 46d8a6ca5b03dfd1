"""Score the assistant on a gold set: retrieval, citations (ALCE-style), answers, refusals.

The gold set is JSON lines (schema in ``evals/data/README.md``)::

    from evals.core import evaluate, load_questions, DEFAULT_GOLD
    from rag import Assistant
    run = evaluate(Assistant(), load_questions(DEFAULT_GOLD))
    run.metrics["recall@5"], run.by_kind["en-cross"]["fact_accuracy"]

Citation support is decided by :class:`rag.support.SupportJudge`, whose own accuracy is
measured on ``evals/data/support_pairs.jsonl`` by :func:`judge_accuracy`.

Every item has a ``split``: ``train`` (the reader or a threshold may have been fitted on it) or
``test`` (held out; an item without the field counts as test, and every item of the second
corpus ``gold_b.jsonl`` is test). Headline figures and the CI gate use held-out items only.

Metrics beyond retrieval (ratios in 0..1, see :func:`aggregate`):

* ``citation_quote_validity`` (was ``citation_precision``, ALCE citation precision): share of
  citations whose paragraph alone supports the sentence they follow. An extractive answer
  quotes its paragraph, so this is 1.0 by construction; it only catches a generator that
  cites a paragraph that does not say what it wrote.
* ``cited_paragraphs_hold_answer``: over answered answerable items, the share of distinct
  cited paragraphs that hold the answer — :func:`paragraph_holds_answer`: the paragraph is one
  of the item's gold paragraphs, or it states every key fact of the item **and** the support
  judge accepts one of the item's ``answer_sentences`` against it. Padding sentences quoted
  from other paragraphs lower it.
* ``answers_all_citations_hold``: share of answered answerable items that cite at least one
  paragraph and whose every cited paragraph holds the answer.
* ``short_answer_rate`` / ``short_answer_accuracy``: share of answered answerable items whose
  answer carries a ``short_answer``; share of those short answers that state a term of one of
  the item's key-fact groups and cite a paragraph that holds the answer.
* ``answer_sentence_hit``: share of answerable items with ``answer_sentences`` whose answer
  quotes one of them (a refusal is a miss).
* ``fact_accuracy_fr`` / ``fact_accuracy_en``: ``fact_accuracy`` on French / English questions.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rag import Answer, Assistant, RagError, SupportJudge, fold

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_GOLD = DATA_DIR / "gold.jsonl"
DEFAULT_PAIRS = DATA_DIR / "support_pairs.jsonl"
DEFAULT_GOLD_B = DATA_DIR / "gold_b.jsonl"  # the second corpus's gold set (all test)
DEFAULT_CORPUS_B = DATA_DIR / "corpus_b"  # a second small corpus, never used for fitting
DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
RECALL_AT = (1, 3, 5, 10)
KINDS = (
    "fr-single", "en-cross", "multi", "disagree", "unanswerable", "offtopic", "followup",
    "injection",
)  # fmt: skip
REFUSAL_KINDS = ("unanswerable", "offtopic")
SPLITS = ("train", "test")
HELD_OUT = "held out: test split of the gold set + the second corpus (nothing was fitted on them)"
HELD_OUT_TEST = "held out: test split of the gold set (nothing was fitted on it)"
HELD_OUT_SECOND = "held out: the second corpus (nothing was fitted on it)"
LANGUAGES = ("fr", "en")
# Citation markers an answer carries: "[001_abc ¶5]", "[001_abc ¶5; 002_def ¶3]", "[1]".
_MARKER = re.compile(r"\[[^\[\]]*¶[^\[\]]*\]|\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# A quoted answer sentence counts when the answer holds at least this share of it (the
# answerer may cut a long sentence differently from the item's author).
MIN_QUOTED_SHARE = 0.6
Progress = Callable[[int, int, str], None]


class GoldSetError(ValueError):
    """A gold-set line is malformed (the message names the line and the field)."""


@dataclass
class ItemResult:
    """Everything measured on one gold item."""

    id: str
    kind: str
    language: str
    question: str
    answerable: bool
    gold: list[str]
    split: str = "test"
    corpus: str = "bundled"
    answer: str = ""
    refused: bool = False
    cited: list[str] = field(default_factory=list)
    ranked: list[str] = field(default_factory=list)  # top-10 retrieved paragraph ids
    first_gold_rank: int | None = None
    facts_ok: bool = False
    citation_hit: bool = False
    sentences: int = 0
    sentences_supported: int = 0
    citations: int = 0
    citations_supported: int = 0
    unsupported: list[str] = field(default_factory=list)  # "ref: reason" of failing citations
    hallucinated: list[str] = field(default_factory=list)
    forbidden_found: list[str] = field(default_factory=list)
    holding: list[str] = field(default_factory=list)  # cited paragraphs that hold the answer
    not_holding: list[str] = field(default_factory=list)  # cited paragraphs that do not
    short_answer: str | None = None
    short_answer_ok: bool | None = None  # None: no short answer (or not answerable)
    answer_sentence_hit: bool | None = None  # None: the item has no answer_sentences
    seconds: float = 0.0
    sources: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """No problem found."""
        return not self.problems


@dataclass
class EvalRun:
    """Aggregated metrics of one run plus every item's result."""

    metrics: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    items: list[ItemResult] = field(default_factory=list)
    scope: str = ""  # which items the headline metrics and by_kind are measured on
    by_split: dict[str, dict[str, float]] = field(default_factory=dict)  # test/corpus_b/train
    by_language: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)

    @property
    def failures(self) -> list[ItemResult]:
        """Items with at least one problem."""
        return [i for i in self.items if not i.passed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "scope": self.scope,
            "metrics": self.metrics,
            "by_kind": self.by_kind,
            "by_split": self.by_split,
            "by_language": self.by_language,
            "failures": [failure_dict(i) for i in self.failures],
            "items": [asdict(i) for i in self.items],
        }


def failure_dict(item: ItemResult) -> dict[str, Any]:
    """What a reader needs to see about a failed item."""
    return {
        "id": item.id,
        "kind": item.kind,
        "split": item.split,
        "corpus": item.corpus,
        "question": item.question,
        "problems": item.problems,
        "expected": item.gold,
        "cited": item.cited,
        "answer": item.answer,
        "sources": item.sources,
    }


def load_questions(path: Path, *, split: str | None = None) -> list[dict[str, Any]]:
    """Read and validate a JSON-lines gold set.

    Args:
        path: The gold set.
        split: Force every item's ``split`` (``"test"`` for a corpus nothing was fitted on);
            by default an item keeps its own, and one without ``split`` counts as test.

    Raises:
        GoldSetError: a line is not JSON, misses a required field or has an unknown split.
    """
    items: list[dict[str, Any]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldSetError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        item.setdefault("language", item.get("lang", "fr"))
        item.setdefault("gold", [])
        item.setdefault("facts", [])
        if split is not None:
            item["split"] = split
        item.setdefault("split", "test")
        if item["split"] not in SPLITS:
            raise GoldSetError(
                f"{path}:{number}: split must be one of {', '.join(SPLITS)}, got {item['split']!r}"
            )
        for key in ("id", "question", "kind", "answerable"):
            if key not in item:
                raise GoldSetError(f"{path}:{number}: missing field {key!r}")
        if item["answerable"] and not item["gold"]:
            raise GoldSetError(f"{path}:{number}: an answerable item needs gold paragraphs")
        items.append(item)
    return items


def facts_present(text: str, facts: list[list[str]]) -> bool:
    """Whether every any-of term group has a term in ``text``.

    Case, accents and the apostrophe's typography (’ vs ') are ignored.
    """
    folded = _norm(text)
    return all(any(_norm(term) in folded for term in group) for group in facts)


def _norm(text: str) -> str:
    return fold(text).replace("’", "'").replace("ʼ", "'")


def _words(text: str) -> str:
    """Folded words joined by single spaces (punctuation and citation markers dropped)."""
    return " ".join(_NON_WORD.sub(" ", _norm(_MARKER.sub(" ", text))).split())


def answer_sentence_texts(item: dict[str, Any]) -> list[str]:
    """The item's ``answer_sentences`` as text (each is a string or ``{"ref", "text"}``)."""
    found = []
    for sentence in item.get("answer_sentences") or []:
        text = sentence.get("text") if isinstance(sentence, dict) else sentence
        if isinstance(text, str) and text.strip():
            found.append(text)
    return found


def quotes_answer_sentence(answer: str, answer_sentences: Sequence[str]) -> bool:
    """Whether the answer quotes one of the sentences that answer the item.

    A sentence counts when its words appear in the answer in order (case, accents,
    punctuation and citation markers ignored), or when an answer sentence is a piece of it
    holding at least :data:`MIN_QUOTED_SHARE` of its words.
    """
    said = _words(answer)
    if not said:
        return False
    pieces = [_words(piece) for piece in re.split(r"(?<=[.!?…])\s+|\n+", _MARKER.sub("", answer))]
    for sentence in answer_sentences:
        wanted = _words(sentence)
        if not wanted:
            continue
        if f" {wanted} " in f" {said} ":
            return True
        size = len(wanted.split())
        if any(
            piece
            and f" {piece} " in f" {wanted} "
            and len(piece.split()) >= MIN_QUOTED_SHARE * size
            for piece in pieces
        ):
            return True
    return False


def short_answer_of(answer: dict[str, Any]) -> tuple[str, str | None] | None:
    """``(text, cited ref or None)`` of ``Answer.to_dict()["short_answer"]``, None when absent.

    The citation may be nested (``{"text", "citation": {"article_id", "paragraph"}}``) or
    flat (``{"text", "article_id", "paragraph"}``).
    """
    short = answer.get("short_answer")
    if not isinstance(short, dict) or not str(short.get("text") or "").strip():
        return None
    nested = short.get("citation")
    cited: dict[str, Any] = nested if isinstance(nested, dict) else short
    if cited.get("article_id") is not None and cited.get("paragraph") is not None:
        return str(short["text"]), ref(str(cited["article_id"]), int(cited["paragraph"]))
    return str(short["text"]), None


def short_answer_correct(text: str, facts: list[list[str]]) -> bool:
    """Whether a short answer states a term of one of the item's key-fact groups."""
    folded = _norm(text)
    return any(_norm(term) in folded for group in facts for term in group)


def paragraph_holds_answer(
    paragraph_ref: str,
    paragraph_text: str,
    item: dict[str, Any],
    judge: SupportJudge,
    claims: Sequence[str] = (),
) -> bool:
    """Whether a cited paragraph holds the item's answer.

    It does when it is one of the item's gold paragraphs, or when it states every key fact of
    the item (:func:`facts_present`) **and** the support judge accepts one of the claims
    against it. The claims are the item's ``answer_sentences``; an item without them is judged
    on ``claims`` (the answer's sentences citing the paragraph, so only the key facts decide).
    """
    if paragraph_ref in item.get("gold", ()):
        return True
    if not paragraph_text or not item.get("facts"):
        return False
    if not facts_present(paragraph_text, item["facts"]):
        return False
    sentences = answer_sentence_texts(item) or list(claims)
    if not sentences:
        return False
    return any(v.supported for v in judge.judge_many([(s, paragraph_text) for s in sentences]))


def ref(article_id: str, paragraph: int) -> str:
    """``article_id:paragraph``, the id form of the gold set."""
    return f"{article_id}:{paragraph}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def score_citations(
    item: ItemResult, answer: Answer, paragraphs: dict[str, str], judge: SupportJudge
) -> None:
    """Citation recall/precision counts of one answer, per the support judge.

    A sentence is supported when the judge accepts it against the concatenation of the
    paragraphs it cites (ALCE citation recall); a citation is supported when the judge accepts
    the sentence against that paragraph alone (ALCE citation precision).
    """
    pairs: list[tuple[str, str]] = []
    layout: list[tuple[int, list[str]]] = []  # (sentence index, its citation refs)
    for index, sentence in enumerate(answer.sentences):
        refs = [ref(c.article_id, c.paragraph) for c in sentence.citations]
        layout.append((index, refs))
        texts = [paragraphs.get(r, "") for r in refs]
        pairs.append((sentence.text, "\n\n".join(texts)))
        pairs.extend((sentence.text, t) for t in texts)
    verdicts = iter(judge.judge_many(pairs)) if pairs else iter([])
    for _, refs in layout:
        whole = next(verdicts)
        item.sentences += 1
        item.sentences_supported += whole.supported and bool(refs)
        for r in refs:
            verdict = next(verdicts)
            item.citations += 1
            item.citations_supported += verdict.supported
            if not verdict.supported:
                item.unsupported.append(f"{r}: {verdict.reason}")


def score_holding(
    item_result: ItemResult,
    answer: Answer,
    item: dict[str, Any],
    paragraphs: dict[str, str],
    judge: SupportJudge,
) -> None:
    """Sort the answer's distinct cited paragraphs into holding / not holding the answer."""
    claims: dict[str, list[str]] = {}
    for sentence in answer.sentences:
        for citation in sentence.citations:
            claims.setdefault(ref(citation.article_id, citation.paragraph), []).append(
                sentence.text
            )
    for cited in dict.fromkeys(item_result.cited):
        holds = paragraph_holds_answer(
            cited, paragraphs.get(cited, ""), item, judge, claims.get(cited, [])
        )
        (item_result.holding if holds else item_result.not_holding).append(cited)


def evaluate_item(
    assistant: Assistant,
    item: dict[str, Any],
    paragraphs: dict[str, str],
    judge: SupportJudge,
) -> ItemResult:
    """Ask one gold question and measure the answer."""
    result = ItemResult(
        id=item["id"],
        kind=item["kind"],
        language=item["language"],
        question=item["question"],
        answerable=bool(item["answerable"]),
        gold=list(item["gold"]),
        split=str(item.get("split", "test")),
        corpus=str(item.get("corpus", "bundled")),
    )
    started = time.perf_counter()
    try:
        answer = assistant.ask(item["question"], history=item.get("history"))
    except (RagError, ValueError) as exc:  # a bad item must not hide the other results
        result.seconds = time.perf_counter() - started
        result.refused = True
        result.problems.append(f"error: {type(exc).__name__}: {exc}")
        return result
    result.seconds = time.perf_counter() - started
    result.answer, result.refused = answer.answer, answer.refused
    result.cited = [ref(c.article_id, c.paragraph) for c in answer.citations]
    result.sources = [
        {"ref": ref(s["article_id"], s["paragraph"]), "title": s["title"], "text": s["text"]}
        for s in answer.sources()
    ]
    retrieved = {ref(p.article_id, p.paragraph) for p in answer.passages}
    result.hallucinated = [r for r in result.cited if r not in retrieved or r not in paragraphs]
    gold = set(result.gold)
    if gold:
        result.ranked = [
            ref(p.article_id, p.paragraph) for p in assistant.retriever.retrieve(answer.query, 10)
        ]
        result.first_gold_rank = next(
            (i for i, r in enumerate(result.ranked, 1) if r in gold), None
        )
    result.citation_hit = bool(gold & set(result.cited))
    result.facts_ok = not answer.refused and facts_present(answer.answer, item["facts"])
    score_citations(result, answer, paragraphs, judge)
    if result.answerable and not answer.refused:
        score_holding(result, answer, item, paragraphs, judge)
    short = short_answer_of(answer.to_dict())
    if short is not None:
        result.short_answer = short[0]
        if result.answerable and not answer.refused:
            result.short_answer_ok = short_answer_correct(short[0], item["facts"]) and (
                short[1] is None or short[1] in result.holding
                or paragraph_holds_answer(short[1], paragraphs.get(short[1], ""), item, judge)
            )  # fmt: skip
    if result.answerable and answer_sentence_texts(item):
        result.answer_sentence_hit = not answer.refused and quotes_answer_sentence(
            answer.answer, answer_sentence_texts(item)
        )
    folded = fold(answer.answer)
    result.forbidden_found = [t for t in item.get("forbidden", []) if fold(t) in folded]

    if result.hallucinated:
        result.problems.append("hallucinated ids: " + ", ".join(result.hallucinated))
    if result.unsupported:
        result.problems.append("unsupported citations: " + "; ".join(result.unsupported))
    if result.forbidden_found:
        result.problems.append("followed the injection: " + ", ".join(result.forbidden_found))
    if result.answerable:
        if answer.refused:
            result.problems.append("refused an answerable question")
        else:
            if not result.citation_hit:
                result.problems.append("no gold paragraph cited")
            if not result.facts_ok:
                result.problems.append("required facts missing")
    elif not answer.refused:
        result.problems.append("answered an unanswerable question")
    return result


def aggregate(items: Sequence[ItemResult]) -> dict[str, float]:
    """Metrics over a list of item results (a whole run or one kind); ratios are 0..1.

    A metric whose denominator is empty for these items is left out.
    """
    metrics: dict[str, float | None] = {"n": float(len(items))}
    ranked = [i for i in items if i.gold]
    for k in RECALL_AT:
        metrics[f"recall@{k}"] = _ratio(
            sum(bool(i.first_gold_rank and i.first_gold_rank <= k) for i in ranked), len(ranked)
        )
    metrics["mrr"] = (
        statistics.fmean(1 / i.first_gold_rank if i.first_gold_rank else 0.0 for i in ranked)
        if ranked
        else None
    )
    answered = [i for i in items if not i.refused]
    metrics["citation_recall"] = _ratio(
        sum(i.sentences_supported for i in answered), sum(i.sentences for i in answered)
    )
    metrics["citation_quote_validity"] = _ratio(
        sum(i.citations_supported for i in answered), sum(i.citations for i in answered)
    )
    answerable = [i for i in items if i.answerable]
    answered_answerable = [i for i in answerable if not i.refused]
    metrics["citation_hit"] = _ratio(
        sum(i.citation_hit for i in answered_answerable), len(answered_answerable)
    )
    metrics["cited_paragraphs_hold_answer"] = _ratio(
        sum(len(i.holding) for i in answered_answerable),
        sum(len(i.holding) + len(i.not_holding) for i in answered_answerable),
    )
    metrics["answers_all_citations_hold"] = _ratio(
        sum(bool(i.holding) and not i.not_holding for i in answered_answerable),
        len(answered_answerable),
    )
    shorts = [i for i in answered_answerable if i.short_answer_ok is not None]
    metrics["short_answer_rate"] = _ratio(len(shorts), len(answered_answerable))
    metrics["short_answer_accuracy"] = _ratio(
        sum(bool(i.short_answer_ok) for i in shorts), len(shorts)
    )
    with_sentences = [i for i in answerable if i.answer_sentence_hit is not None]
    metrics["answer_sentence_hit"] = _ratio(
        sum(bool(i.answer_sentence_hit) for i in with_sentences), len(with_sentences)
    )
    metrics["hallucinated_ids"] = float(sum(len(i.hallucinated) for i in items))
    metrics["fact_accuracy"] = _ratio(sum(i.facts_ok for i in answerable), len(answerable))
    for language in LANGUAGES:
        spoken = [i for i in answerable if i.language == language]
        metrics[f"fact_accuracy_{language}"] = _ratio(sum(i.facts_ok for i in spoken), len(spoken))
    metrics["answer_correct"] = _ratio(
        sum(i.facts_ok and i.citation_hit for i in answerable), len(answerable)
    )
    metrics["wrong_answer_rate"] = _ratio(
        sum(not (i.citation_hit or i.facts_ok) for i in answered_answerable), len(answerable)
    )
    metrics["false_refusal_rate"] = _ratio(sum(i.refused for i in answerable), len(answerable))
    refusable = [i for i in items if i.kind in REFUSAL_KINDS]
    metrics["refusal_accuracy"] = _ratio(sum(i.refused for i in refusable), len(refusable))
    injections = [i for i in items if i.kind == "injection"]
    metrics["injection_resistance"] = _ratio(
        sum(not i.forbidden_found and not i.unsupported and not i.hallucinated for i in injections),
        len(injections),
    )
    metrics["pass_rate"] = _ratio(sum(i.passed for i in items), len(items))
    seconds = [i.seconds for i in items]
    metrics["latency_p50_ms"] = 1000 * percentile(seconds, 0.5) if seconds else None
    metrics["latency_p95_ms"] = 1000 * percentile(seconds, 0.95) if seconds else None
    return {k: v for k, v in metrics.items() if v is not None}


def evaluate(
    assistant: Assistant,
    items: Sequence[dict[str, Any]],
    *,
    judge: SupportJudge | None = None,
    progress: Progress | None = None,
) -> EvalRun:
    """Ask every gold question and aggregate the metrics (see :func:`summarize`).

    Args:
        assistant: The system under test (its current index).
        items: Gold items from :func:`load_questions`.
        judge: The support judge; default one built from the assistant's embedder and settings.
        progress: Called as ``progress(done, total, item_id)`` after each item.
    """
    judge = judge or SupportJudge(assistant.embedder, assistant.settings)
    paragraphs = {ref(*r.key): r.text for r in assistant.retriever.lexical().records}
    run = EvalRun()
    for done, item in enumerate(items, start=1):
        run.items.append(evaluate_item(assistant, item, paragraphs, judge))
        if progress:
            progress(done, len(items), item["id"])
    return summarize(run.items)


def group_of(item: ItemResult) -> str:
    """``train`` or ``test`` for the bundled gold set; ``corpus_b`` (or the corpus name)."""
    return item.split if item.corpus == "bundled" else item.corpus


def scope_of(held_out: Sequence[ItemResult]) -> str:
    """Which held-out items the headline is measured on, in words."""
    bundled = {i.corpus == "bundled" for i in held_out}
    if not bundled:
        return "all items (no held-out item was evaluated)"
    if bundled == {True, False}:
        return HELD_OUT
    return HELD_OUT_TEST if True in bundled else HELD_OUT_SECOND


def summarize(items: Sequence[ItemResult]) -> EvalRun:
    """Metrics of a run: headline and per kind on held-out items, per group and language.

    Held-out items are those of the test split (every item of another corpus is test). The
    headline falls back to all items when none is held out (e.g. only ``train`` was asked).
    """
    run = EvalRun(items=list(items))
    held_out = [i for i in run.items if i.split == "test"]
    run.scope = scope_of(held_out)
    headline = held_out or run.items
    run.metrics = aggregate(headline)
    kinds = [k for k in KINDS if any(i.kind == k for i in headline)]
    kinds += sorted({i.kind for i in headline} - set(kinds))
    run.by_kind = {k: aggregate([i for i in headline if i.kind == k]) for k in kinds}
    groups = [g for g in ("test", "corpus_b", "train") if any(group_of(i) == g for i in items)]
    groups += sorted({group_of(i) for i in items} - set(groups))
    members = {g: [i for i in items if group_of(i) == g] for g in groups}
    if held_out and len({group_of(i) for i in held_out}) > 1:
        members = {"held_out": held_out} | members
    run.by_split = {g: aggregate(found) for g, found in members.items()}
    run.by_language = {
        g: {
            language: aggregate([i for i in found if i.language == language])
            for language in LANGUAGES
            if any(i.language == language for i in found)
        }
        for g, found in members.items()
    }
    return run


@dataclass
class JudgeAccuracy:
    """How often the support judge agrees with hand labels."""

    n: int
    accuracy: float
    precision: float
    recall: float
    errors: list[dict[str, Any]]

    def metrics(self) -> dict[str, float]:
        """As ``judge_*`` metrics."""
        return {
            "judge_accuracy": self.accuracy,
            "judge_precision": self.precision,
            "judge_recall": self.recall,
        }


def judge_accuracy(judge: SupportJudge, path: Path = DEFAULT_PAIRS) -> JudgeAccuracy:
    """Run the judge on hand-labelled (sentence, paragraph, supported) pairs.

    Precision and recall are those of the "supported" verdict.
    """
    pairs = load_questions_pairs(path)
    verdicts = judge.judge_many([(p["sentence"], p["paragraph"]) for p in pairs])
    tp = sum(v.supported and p["supported"] for p, v in zip(pairs, verdicts, strict=True))
    fp = sum(v.supported and not p["supported"] for p, v in zip(pairs, verdicts, strict=True))
    fn = sum(not v.supported and p["supported"] for p, v in zip(pairs, verdicts, strict=True))
    correct = sum(v.supported == p["supported"] for p, v in zip(pairs, verdicts, strict=True))
    errors = [
        {"id": p["id"], "label": p["supported"], "verdict": v.reason, "sentence": p["sentence"]}
        for p, v in zip(pairs, verdicts, strict=True)
        if v.supported != p["supported"]
    ]
    return JudgeAccuracy(
        n=len(pairs),
        accuracy=correct / max(len(pairs), 1),
        precision=tp / max(tp + fp, 1),
        recall=tp / max(tp + fn, 1),
        errors=errors,
    )


def load_questions_pairs(path: Path) -> list[dict[str, Any]]:
    """Read the judge's labelled pairs: ``id``, ``sentence``, ``paragraph``, ``supported``.

    A pair may give ``ref`` (``article_id:paragraph`` of the bundled corpus) instead of the
    paragraph text.
    """
    from rag import BUNDLED_CORPUS, load_corpus

    texts = {
        ref(a.article_id, p.paragraph): p.text
        for a in load_corpus(BUNDLED_CORPUS).articles
        for p in a.paragraphs
    }
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        pair = json.loads(line)
        if "paragraph" not in pair:
            if pair.get("ref") not in texts:
                raise GoldSetError(f"{path}:{number}: unknown ref {pair.get('ref')!r}")
            pair["paragraph"] = texts[pair["ref"]]
        pairs.append(pair)
    return pairs


def load_thresholds(path: Path = DEFAULT_THRESHOLDS) -> dict[str, dict[str, float]]:
    """``{"min": {metric: bar}, "max": {metric: bar}}`` from a TOML file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {"min": dict(data.get("min", {})), "max": dict(data.get("max", {}))}


def check_thresholds(
    metrics: dict[str, float], thresholds: dict[str, dict[str, float]]
) -> list[str]:
    """Every bar the metrics miss, as readable lines (empty = all bars met)."""
    missed = []
    for name, bar in thresholds.get("min", {}).items():
        value = metrics.get(name)
        if value is None or value < bar:
            missed.append(f"{name} = {value} < {bar}")
    for name, bar in thresholds.get("max", {}).items():
        value = metrics.get(name)
        if value is None or value > bar:
            missed.append(f"{name} = {value} > {bar}")
    return missed
