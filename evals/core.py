"""A first evaluation: retrieval recall/MRR, answer correctness, refusals, citation validity.

Question sets are JSON lines with ``id``, ``question``, ``lang``, ``kind``, ``answerable``,
``gold`` (``article_id:paragraph`` ids of every supporting paragraph), ``facts`` (any-of term
groups) and optional ``history``; see ``tests/data/questions.jsonl``.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.parse import fold
from rag.assistant import Assistant

DEFAULT_QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions.jsonl"
RECALL_AT = (1, 3, 5, 10)


@dataclass
class EvalReport:
    """Aggregated metrics of one run."""

    metrics: dict[str, float] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)


def load_questions(path: Path) -> list[dict[str, Any]]:
    """Read a JSON-lines question set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def facts_present(text: str, facts: list[list[str]]) -> bool:
    """Whether every any-of term group has a term in ``text`` (case- and accent-insensitive)."""
    folded = fold(text)
    return all(any(fold(term) in folded for term in group) for group in facts)


def evaluate(assistant: Assistant, items: list[dict[str, Any]]) -> EvalReport:
    """Ask every question and score the answers against the gold paragraphs."""
    paragraphs = {r.key: r.text for r in assistant.retriever.lexical().records}
    recall = dict.fromkeys(RECALL_AT, 0)
    reciprocal: list[float] = []
    latencies: list[float] = []
    counts = dict.fromkeys(
        ("answerable", "correct", "wrong", "false_refusal", "facts", "unanswerable", "refused",
         "citations", "valid_citations"),
        0,
    )  # fmt: skip
    report = EvalReport()
    for item in items:
        gold = set(item.get("gold", []))
        started = time.perf_counter()
        answer = assistant.ask(item["question"], history=item.get("history"))
        latencies.append(time.perf_counter() - started)
        cited = [f"{c.article_id}:{c.paragraph}" for c in answer.citations]
        counts["citations"] += len(cited)
        counts["valid_citations"] += sum(
            c.quote in paragraphs.get((c.article_id, c.paragraph), "") for c in answer.citations
        )
        ok = True
        if item["answerable"]:
            counts["answerable"] += 1
            ranked = [f"{p.article_id}:{p.paragraph}" for p in assistant.retrieve(answer.query, 10)]
            first = next((i for i, ref in enumerate(ranked, 1) if ref in gold), None)
            reciprocal.append(1 / first if first else 0.0)
            for k in RECALL_AT:
                recall[k] += bool(first and first <= k)
            if answer.refused:
                counts["false_refusal"] += 1
                ok = False
            elif gold & set(cited):
                counts["correct"] += 1
                counts["facts"] += facts_present(answer.answer, item.get("facts", []))
            else:
                counts["wrong"] += 1
                ok = False
        else:
            counts["unanswerable"] += 1
            counts["refused"] += answer.refused
            ok = answer.refused
        if not ok:
            report.failures.append(
                {"id": item["id"], "question": item["question"], "gold": sorted(gold),
                 "cited": cited, "answer": answer.answer}
            )  # fmt: skip
    n = max(counts["answerable"], 1)
    report.metrics = {
        **{f"recall@{k}": recall[k] / n for k in RECALL_AT},
        "mrr": statistics.fmean(reciprocal) if reciprocal else 0.0,
        "answer_correct": counts["correct"] / n,
        "fact_accuracy": counts["facts"] / n,
        "wrong_answer_rate": counts["wrong"] / n,
        "false_refusal_rate": counts["false_refusal"] / n,
        "refusal_accuracy": counts["refused"] / max(counts["unanswerable"], 1),
        "citation_validity": counts["valid_citations"] / max(counts["citations"], 1),
        "latency_p50_ms": 1000 * statistics.median(latencies),
        "latency_p95_ms": 1000 * sorted(latencies)[int(0.95 * (len(latencies) - 1))],
    }
    return report
