"""The train/test split of the gold set, fixed before anything is fitted.

Rule (documented in ``evals/data/README.md``):

* The four bundled articles are split by article: :data:`TRAIN_ARTICLES` (the two Axios-based
  write-ups, 000 and 002, which report the same facts in near-identical words, so they must sit
  on the same side) and :data:`TEST_ARTICLES` (001, the Italian-press round-up, and 003, the
  Bloomberg leak).
* An item with gold paragraphs is ``train`` only if **every** gold paragraph is in a train
  article; as soon as one gold paragraph is in a test article it is ``test``.
* An item without gold paragraphs (unanswerable, off-topic, injection without an answer) is
  split by question: ``train`` when the first byte of the SHA-256 of its ``id`` (UTF-8) is
  below 128, else ``test`` (about 50/50, stable under reordering and additions).
* Items over the second corpus (``gold_b.jsonl`` over ``corpus_b``) are always ``test``.
* Items written only for fitting (``train_extra.jsonl`` over the bundled corpus's train articles,
  ``gold_t.jsonl`` over ``corpus_t``) are always ``train`` and never in a report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Literal

Split = Literal["train", "test"]

TRAIN_ARTICLES = frozenset({"000_91bb73b3830eaf78", "002_85cd408fc1a49feb"})
TEST_ARTICLES = frozenset({"001_8070831bbb14d085", "003_a146349f20264553"})


class SplitError(ValueError):
    """A gold reference names an article that is on neither side of the split."""


def split_by_id(item_id: str) -> Split:
    """The side of an item that has no gold paragraph: a hash of its id."""
    return "train" if hashlib.sha256(item_id.encode("utf-8")).digest()[0] < 128 else "test"


def expected_split(item: Mapping[str, Any]) -> Split:
    """The side of one item of ``gold.jsonl`` (the bundled corpus) under the rule above.

    Raises:
        SplitError: a gold reference names an article outside the bundled corpus.
    """
    gold: list[str] = list(item.get("gold") or [])
    if not gold:
        return split_by_id(str(item["id"]))
    articles = {ref.rsplit(":", 1)[0] for ref in gold}
    unknown = articles - TRAIN_ARTICLES - TEST_ARTICLES
    if unknown:
        raise SplitError(f"{item['id']}: gold article(s) outside the split: {sorted(unknown)}")
    return "train" if articles <= TRAIN_ARTICLES else "test"
