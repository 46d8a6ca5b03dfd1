"""Score the assistant on a gold set: retrieval, citations (ALCE-style), answers, refusals.

The gold set is JSON lines (schema in ``evals/data/README.md``)::

    from evals.core import evaluate, load_questions, DEFAULT_GOLD
    from rag import Assistant
    run = evaluate(Assistant(), load_questions(DEFAULT_GOLD))
    run.metrics["recall@5"], run.by_kind["en-cross"]["fact_accuracy"]

Citation support is decided by :class:`rag.support.SupportJudge`, whose own accuracy is
measured on ``evals/data/support_pairs.jsonl`` by :func:`judge_accuracy`.
"""

from __future__ import annotations

import json
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
DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.toml"
RECALL_AT = (1, 3, 5, 10)
KINDS = (
    "fr-single", "en-cross", "multi", "disagree", "unanswerable", "offtopic", "followup",
    "injection",
)  # fmt: skip
REFUSAL_KINDS = ("unanswerable", "offtopic")
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

    @property
    def failures(self) -> list[ItemResult]:
        """Items with at least one problem."""
        return [i for i in self.items if not i.passed]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metrics": self.metrics,
            "by_kind": self.by_kind,
            "failures": [failure_dict(i) for i in self.failures],
            "items": [asdict(i) for i in self.items],
        }


def failure_dict(item: ItemResult) -> dict[str, Any]:
    """What a reader needs to see about a failed item."""
    return {
        "id": item.id,
        "kind": item.kind,
        "question": item.question,
        "problems": item.problems,
        "expected": item.gold,
        "cited": item.cited,
        "answer": item.answer,
        "sources": item.sources,
    }


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read and validate a JSON-lines gold set.

    Raises:
        GoldSetError: a line is not JSON or misses a required field.
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
    metrics["citation_precision"] = _ratio(
        sum(i.citations_supported for i in answered), sum(i.citations for i in answered)
    )
    answerable = [i for i in items if i.answerable]
    answered_answerable = [i for i in answerable if not i.refused]
    metrics["citation_hit"] = _ratio(
        sum(i.citation_hit for i in answered_answerable), len(answered_answerable)
    )
    metrics["hallucinated_ids"] = float(sum(len(i.hallucinated) for i in items))
    metrics["fact_accuracy"] = _ratio(sum(i.facts_ok for i in answerable), len(answerable))
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
    """Ask every gold question and aggregate the metrics, overall and per kind.

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
    run.metrics = aggregate(run.items)
    kinds = [k for k in KINDS if any(i.kind == k for i in run.items)]
    kinds += sorted({i.kind for i in run.items} - set(kinds))
    run.by_kind = {k: aggregate([i for i in run.items if i.kind == k]) for k in kinds}
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
