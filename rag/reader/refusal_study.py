"""Which refusal rule should the reader follow? A study on train items only.

``python -m rag.reader.refusal_study`` scores every train item (the gold set's train split,
``evals/data/train_extra.jsonl`` over the bundled corpus and ``evals/data/gold_t.jsonl`` over
``evals/data/corpus_t``) with the committed reader model and prints, per refusal rule, the false
refusals (answerable items refused), the unanswerable/off-topic items refused and the wrong
answers (answered answerable items whose chosen sentence is neither a labelled answer sentence
nor in a gold paragraph, over the answerable items). The held-out items (test split, second
corpus) are never read.

Rules with a number (an answerability bar) get it by 5-fold cross-validation grouped by article
(an answerable item's fold is that of its first gold article, an unanswerable one's a hash of
its id): the bar is chosen on four folds and applied to the fifth. The committed model was
fitted on the gold train split, so its answerability is in-sample there; the train-only sets
(``train_extra``, ``gold_t``) are out of its sample and are shown apart.

Signals: ``extractive_margin`` (the extractive answerer's support minus its bar, ``support``
refuses below 0), the reader's answerability (``reader`` refuses below the model's threshold)
and ``missing_keys`` (names/numbers of the question found in no retrieved paragraph nor in the
non-citable blocks — title, footer — of a retrieved article).

Result (issue 13): on train no rule beats ``support`` on the adoption test (false refusals
fall, unanswerable refused does not fall, wrong answers rise by at most one point): every
signal separates answerable from unanswerable train items weakly (answerability AUC 0.62).
``support & names`` (``reader_refusal="support_names"``) was the one rule that refused more
unanswerable items at an unchanged wrong-answer rate (train: false refusals 0.413 -> 0.428,
unanswerable refused 0.541 -> 0.566). Evaluated once held out (test split + corpus_b, 189
items): false refusals 0.265 -> 0.265, unanswerable refused 0.730 -> 0.784, wrong answers
4.6 % -> 4.6 %, fact accuracy 0.669 -> 0.669. False refusals did not fall, so it is an option,
not the default.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index import offline  # noqa: F401  (offline env before heavy imports)
from index.config import BUNDLED_CORPUS
from rag.config import Settings
from rag.reader import Reader
from rag.reader.annotate import Annotator
from rag.reader.collect import collect, load_gold
from rag.reader.train import DEFAULT_CACHE, DEFAULT_GOLD, TRAIN_SETS, build_examples, train_sets

FOLDS = 5
REFUSAL_KINDS = ("unanswerable", "offtopic")


@dataclass
class Row:
    """What the refusal rules read of one train item."""

    id: str
    source: str
    answerable: bool
    refusable: bool
    group: str
    margin: float
    answerability: float
    missing_keys: int
    missing_keys_paragraphs_only: int
    pick_ok: bool


Rule = Callable[[Row, float], bool]  # (row, bar) -> answer (True) or refuse


def rule_support(row: Row, bar: float) -> bool:
    """Today's default: the extractive answerer's bar."""
    return row.margin >= 0


def rule_reader(row: Row, bar: float) -> bool:
    """The reader model's answerability threshold (``bar`` is the model's threshold)."""
    return row.answerability >= bar


def rule_support_names(row: Row, bar: float) -> bool:
    """The extractive bar, and every name of the question in the retrieved articles."""
    return row.margin >= 0 and row.missing_keys == 0


def rule_support_names_old(row: Row, bar: float) -> bool:
    """As :func:`rule_support_names`, names looked up in the cited paragraphs only."""
    return row.margin >= 0 and row.missing_keys_paragraphs_only == 0


def rule_reader_names(row: Row, bar: float) -> bool:
    """The reader's threshold, and every name of the question in the retrieved articles."""
    return row.answerability >= bar and row.missing_keys == 0


def rule_either_names(row: Row, bar: float) -> bool:
    """Either bar passes, and every name of the question is in the retrieved articles."""
    return (row.margin >= 0 or row.answerability >= bar) and row.missing_keys == 0


def rule_either(row: Row, bar: float) -> bool:
    """Either bar passes."""
    return row.margin >= 0 or row.answerability >= bar


def rule_both(row: Row, bar: float) -> bool:
    """Both bars pass."""
    return row.margin >= 0 and row.answerability >= bar


def rule_margin_names(row: Row, bar: float) -> bool:
    """The extractive answerer's support minus its bar reaches ``bar`` (0 = today's bar), and
    every name of the question is in the retrieved articles."""
    return row.margin >= bar and row.missing_keys == 0


MODEL = "model"  # the bar is the reader model's threshold
# The bars tried for a rule's answerability threshold / support margin (k-fold picks one).
ANSWERABILITY_GRID = tuple(round(x, 2) for x in np.arange(0.05, 0.96, 0.05))
MARGIN_GRID = tuple(round(x, 3) for x in np.arange(-0.06, 0.041, 0.005))
RULES: dict[str, tuple[Rule, str | tuple[float, ...] | None]] = {
    # name: (rule, its bar: None, MODEL, or a grid the k-fold choice picks from)
    "support": (rule_support, None),
    "reader": (rule_reader, MODEL),
    "support & names (paragraphs only)": (rule_support_names_old, None),
    "support & names  [support_names]": (rule_support_names, None),
    "reader & names": (rule_reader_names, MODEL),
    "reader(cv) & names": (rule_reader_names, ANSWERABILITY_GRID),
    "(support | reader) & names": (rule_either_names, MODEL),
    "(support | reader(cv)) & names": (rule_either_names, ANSWERABILITY_GRID),
    "support | reader(cv)": (rule_either, ANSWERABILITY_GRID),
    "support & reader(cv)": (rule_both, ANSWERABILITY_GRID),
    "support margin(cv) & names": (rule_margin_names, MARGIN_GRID),
}


def _fold(group: str) -> int:
    return int(hashlib.sha1(group.encode()).hexdigest(), 16) % FOLDS


def numbers(rows: Sequence[Row], answered: Sequence[bool]) -> dict[str, float]:
    """False refusals, unanswerable refused, wrong answers (over answerable) and their sum."""
    ans = [(r, a) for r, a in zip(rows, answered, strict=True) if r.answerable]
    ref = [(r, a) for r, a in zip(rows, answered, strict=True) if r.refusable]
    fr = sum(not a for _, a in ans) / max(len(ans), 1)
    ur = sum(not a for _, a in ref) / max(len(ref), 1)
    wrong = sum(a and not r.pick_ok for r, a in ans) / max(len(ans), 1)
    return {"false_refusals": fr, "unanswerable_refused": ur, "wrong": wrong}


def objective(values: dict[str, float]) -> float:
    """Balanced refusal error plus wrong answers (lower is better): the product's order —
    never guess, answer when the corpus holds it — weighs a wrong answer like a refusal."""
    return (values["false_refusals"] + (1 - values["unanswerable_refused"])) / 2 + values["wrong"]


def beats(values: dict[str, float], support: dict[str, float]) -> bool:
    """The held-out adoption test, applied to train numbers: false refusals fall, unanswerable
    refused does not fall, wrong answers rise by at most one point."""
    return (
        values["false_refusals"] < support["false_refusals"]
        and values["unanswerable_refused"] >= support["unanswerable_refused"]
        and values["wrong"] <= support["wrong"] + 0.01
    )


def cross_validated(
    rows: Sequence[Row], rule: Rule, grid: Sequence[float]
) -> tuple[list[bool], list[float]]:
    """Each row's decision with the bar chosen on the other folds, and the bars chosen."""
    folds = [_fold(r.group) for r in rows]
    answered = [False] * len(rows)
    bars = []
    for k in range(FOLDS):
        inside = [r for r, f in zip(rows, folds, strict=True) if f != k]
        bar = min(grid, key=lambda b: objective(numbers(inside, [rule(r, b) for r in inside])))
        bars.append(bar)
        for i, (r, f) in enumerate(zip(rows, folds, strict=True)):
            if f == k:
                answered[i] = rule(r, bar)
    return answered, bars


def load_rows(cache: Path) -> list[Row]:
    """Every train item scored by the committed reader model."""
    settings = Settings()
    reader = Reader(annotator=Annotator())
    sets = [(DEFAULT_GOLD, BUNDLED_CORPUS), *train_sets(TRAIN_SETS)]
    rows: list[Row] = []
    for gold, corpus in sets:
        items = [i for i in load_gold(gold) if i.get("split") == "train"]
        records = collect(items, corpus, cache, settings)
        with_notes = build_examples(records, reader)
        bare = build_examples([{**r, "article_notes": None} for r in records], reader)
        for example, plain in zip(with_notes, bare, strict=True):
            rows.append(_row(gold.stem, example, plain, reader))
    return rows


def _row(source: str, example: Any, plain: Any, reader: Reader) -> Row:
    item = example.item
    reading = reader.reading(example.cset)
    gold = [str(g) for g in item.get("gold") or []]
    pick_ok = False
    if reading.best is not None:
        best = reading.best.candidate
        index = example.cset.candidates.index(best)
        ref = f"{best.passage.article_id}:{best.passage.paragraph}"
        pick_ok = bool(example.labels[index] > 0) or ref in gold
    group = f"{source}:{gold[0].split(':')[0]}" if gold else f"{source}:{item['id']}"
    return Row(
        id=str(item["id"]),
        source=source,
        answerable=bool(item.get("answerable")),
        refusable=item.get("kind") in REFUSAL_KINDS,
        group=group,
        margin=example.cset.extractive_margin,
        answerability=reading.answerability,
        missing_keys=example.cset.missing_keys,
        missing_keys_paragraphs_only=plain.cset.missing_keys,
        pick_ok=pick_ok,
    )


def _fmt(values: dict[str, float]) -> str:
    return (
        f"{values['false_refusals']:6.3f} {values['unanswerable_refused']:6.3f} "
        f"{values['wrong']:6.3f} {objective(values):6.3f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Print the study's table."""
    parser = argparse.ArgumentParser(prog="python -m rag.reader.refusal_study", description=__doc__)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    rows = load_rows(args.cache)
    threshold = Reader().model.threshold
    out = sys.stdout
    subsets = {
        "all train": rows,
        "gold train": [r for r in rows if r.source == "gold"],
        "train-only sets": [r for r in rows if r.source != "gold"],
    }
    counts = ", ".join(
        f"{name} {len(sub)} ({sum(r.answerable for r in sub)} answerable, "
        f"{sum(r.refusable for r in sub)} unanswerable/off-topic)"
        for name, sub in subsets.items()
    )
    out.write(f"train items: {counts}\n")
    out.write("columns: false refusals, unanswerable refused, wrong, objective (lower better)\n")
    out.write(f"{'rule':<34} " + " | ".join(f"{n:^27}" for n in subsets) + "  vs support\n")
    support = {name: numbers(sub, [r.margin >= 0 for r in sub]) for name, sub in subsets.items()}
    for name, (rule, how) in RULES.items():
        cells = []
        bars: list[float] = []
        passes = True
        for subset, sub in subsets.items():
            if isinstance(how, tuple):
                answered, bars_here = cross_validated(sub, rule, how)
                if sub is rows:
                    bars = bars_here
            else:
                answered = [rule(r, threshold) for r in sub]
            values = numbers(sub, answered)
            cells.append(_fmt(values))
            if subset == "all train":
                passes = beats(values, support[subset])
        verdict = "pass" if passes else "fail"
        note = ("reference" if rule is rule_support else f"adopt-test: {verdict}") + (
            "; bars " + ", ".join(f"{b:g}" for b in bars) if bars else ""
        )
        out.write(f"{name:<34} " + " | ".join(cells) + f"  {note}\n")
    flagged = [r for r in rows if r.missing_keys]
    flagged_old = [r for r in rows if r.missing_keys_paragraphs_only]
    out.write(
        f"\nmissing_keys > 0: {len(flagged_old)} items with paragraphs only "
        f"({sum(r.answerable for r in flagged_old)} answerable), {len(flagged)} with the "
        f"articles' non-citable blocks too ({sum(r.answerable for r in flagged)} answerable)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["RULES", "Row", "beats", "cross_validated", "main", "numbers", "objective"]
