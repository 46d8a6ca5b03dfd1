"""The reader's model at run time: two linear scorers read from a JSON file, numpy only.

``model.json`` holds, for the sentence scorer and for the answerability scorer, the feature
names, the standardisation (mean, scale) and the weights, plus the answerability threshold and
what the model was trained on. It is written by :mod:`rag.reader.train`; no pickle is involved
and scoring is deterministic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = Path(__file__).resolve().parent / "model.json"
MODEL_FORMAT = 1


class ReaderModelError(ValueError):
    """The reader's model file is missing, malformed or does not match the features."""


@dataclass
class LinearScorer:
    """``standardise(x) @ weights + bias + sum(fixed[f] * x[f])`` over named features.

    ``fixed`` holds terms added to the raw feature values with weights chosen by
    cross-validation rather than fitted (e.g. a bonus for holding the expected answer type).
    """

    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float = 0.0
    fixed: dict[str, float] = field(default_factory=dict)

    def score(self, rows: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
        """Scores of feature rows whose columns are ``names`` (a superset of ``features``)."""
        names = list(names)
        rows = np.asarray(rows, dtype=np.float64)
        index = [names.index(f) for f in self.features]
        scores = ((rows[:, index] - self.mean) / self.scale) @ self.weights + self.bias
        for name, weight in self.fixed.items():
            scores = scores + weight * rows[:, names.index(name)]
        return scores

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "features": self.features,
            "mean": [round(float(v), 8) for v in self.mean],
            "scale": [round(float(v), 8) for v in self.scale],
            "weights": [round(float(v), 8) for v in self.weights],
            "bias": round(float(self.bias), 8),
            "fixed": {k: round(float(v), 8) for k, v in self.fixed.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearScorer:
        """From :meth:`to_dict`'s shape."""
        try:
            scorer = cls(
                features=list(data["features"]),
                mean=np.asarray(data["mean"], dtype=np.float64),
                scale=np.asarray(data["scale"], dtype=np.float64),
                weights=np.asarray(data["weights"], dtype=np.float64),
                bias=float(data.get("bias", 0.0)),
                fixed={str(k): float(v) for k, v in dict(data.get("fixed", {})).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReaderModelError(f"malformed linear scorer: {exc}") from exc
        n = len(scorer.features)
        if not (len(scorer.mean) == len(scorer.scale) == len(scorer.weights) == n):
            raise ReaderModelError("a linear scorer's arrays do not match its feature list")
        return scorer


@dataclass
class ReaderModel:
    """The sentence scorer, the answerability scorer and its refusal threshold."""

    sentence: LinearScorer
    answerable: LinearScorer
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)

    def answerability(self, rows: np.ndarray, names: tuple[str, ...] | list[str]) -> np.ndarray:
        """Probability that the retrieved text answers the question, per row."""
        return 1.0 / (1.0 + np.exp(-self.answerable.score(rows, names)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "format": MODEL_FORMAT,
            "sentence": self.sentence.to_dict(),
            "answerable": self.answerable.to_dict(),
            "threshold": round(float(self.threshold), 6),
            "meta": self.meta,
        }

    def save(self, path: Path) -> None:
        """Write the model as JSON."""
        Path(path).write_text(
            json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL) -> ReaderModel:
        """Read a model file.

        Raises:
            ReaderModelError: missing file, not JSON, or wrong shape.
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ReaderModelError(
                f"no reader model at {path}; train one with `python -m rag.reader.train`"
            ) from exc
        except json.JSONDecodeError as exc:
            raise ReaderModelError(f"the reader model {path} is not JSON ({exc.msg})") from exc
        if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
            raise ReaderModelError(f"the reader model {path} has an unknown format")
        return cls(
            sentence=LinearScorer.from_dict(data["sentence"]),
            answerable=LinearScorer.from_dict(data["answerable"]),
            threshold=float(data["threshold"]),
            meta=dict(data.get("meta", {})),
        )
