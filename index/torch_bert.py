"""The forward pass of a BERT encoder (e5-small's architecture) in plain torch.

The bfloat16 worker (:mod:`index.bf16_embed`) runs the builtin e5 with this instead of
``transformers.BertModel``: importing transformers took ~2 s of the worker's ~4.5 s start, and
this pass is also a little faster (one fused attention call a layer). It computes what
``BertModel(config, add_pooling_layer=False)`` computes in evaluation mode for absolute position
embeddings and token type 0; ``tests/test_torch_bert.py`` holds the two side by side, and the
worker's vectors are checked against the reference embedder's in the backend tests.

Imported only where torch is wanted: the worker process, and tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

WORD_TABLE = "embeddings.word_embeddings.weight"
_LAYER_WEIGHTS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "attention.output.LayerNorm",
    "intermediate.dense",
    "output.dense",
    "output.LayerNorm",
)


class BertEncoder:
    """A BERT encoder's last hidden states from its weights, without transformers.

    Args:
        state: The weights by their ``BertModel`` names (a pooler's, if any, are ignored).
        config: The model folder's ``config.json`` as a dict.

    Raises:
        ValueError: the config is not a BERT encoder this pass computes, or a weight is missing.
    """

    def __init__(self, state: dict[str, torch.Tensor], config: Mapping[str, Any]) -> None:
        if config.get("model_type", "bert") != "bert" or config.get(
            "position_embedding_type", "absolute"
        ) not in ("absolute", None):
            raise ValueError("only BERT encoders with absolute position embeddings are supported")
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"unsupported activation {config.get('hidden_act')!r}")
        self.hidden_size = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        layers = int(config["num_hidden_layers"])
        if self.hidden_size % self.heads:
            raise ValueError("hidden_size is not a multiple of num_attention_heads")
        names = [
            WORD_TABLE,
            "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight",
            "embeddings.LayerNorm.weight",
            "embeddings.LayerNorm.bias",
        ]
        for i in range(layers):
            for part in _LAYER_WEIGHTS:
                names += [f"encoder.layer.{i}.{part}.weight", f"encoder.layer.{i}.{part}.bias"]
        missing = [name for name in names if name not in state]
        if missing:
            raise ValueError(f"weights missing from the model: {missing[:3]}")
        self.weights = {name: state[name] for name in names}
        self.layers = layers

    @classmethod
    def from_folder(cls, model_dir: Path) -> BertEncoder:
        """The encoder of a converted model folder (``config.json``, ``model.safetensors``).

        Every weight is made float32 except the word-embedding table, which stays as stored
        (float16 in the builtin folder: its rows are looked up exactly, then added to float32
        position embeddings), so the model takes ~0.5 GB resident.
        """
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        state = {
            name: tensor if name == WORD_TABLE else tensor.float()
            for name, tensor in load_file(str(model_dir / "model.safetensors")).items()
        }
        return cls(state, config)

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The last hidden states, ``(batch, tokens, hidden_size)``, for padded ``input_ids``
        whose real tokens ``attention_mask`` marks with 1."""
        w = self.weights
        batch, width = input_ids.shape
        size, heads = self.hidden_size, self.heads
        x = F.embedding(input_ids, w[WORD_TABLE]).float()
        x = (
            x
            + w["embeddings.position_embeddings.weight"][:width]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        # True = this key may be attended to; padded keys are masked out of every query.
        keys = attention_mask[:, None, None, :].bool()
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (
                self._linear(x, p + name).view(batch, width, heads, -1).transpose(1, 2)
                for name in ("attention.self.query", "attention.self.key", "attention.self.value")
            )
            attended = F.scaled_dot_product_attention(q, k, v, attn_mask=keys)
            attended = attended.transpose(1, 2).reshape(batch, width, size)
            x = self._norm(
                self._linear(attended, p + "attention.output.dense") + x,
                p + "attention.output.LayerNorm",
            )
            inner = F.gelu(self._linear(x, p + "intermediate.dense"))
            x = self._norm(self._linear(inner, p + "output.dense") + x, p + "output.LayerNorm")
        return x

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.weights[name + ".weight"], self.weights[name + ".bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(
            x,
            (self.hidden_size,),
            self.weights[name + ".weight"],
            self.weights[name + ".bias"],
            self.eps,
        )
