"""index.torch_bert: the bf16 worker's BERT forward pass against transformers' BertModel."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from index.torch_bert import BertEncoder  # noqa: E402

pytestmark = pytest.mark.unit

CONFIG = {
    "model_type": "bert",
    "vocab_size": 120,
    "hidden_size": 48,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "intermediate_size": 96,
    "max_position_embeddings": 40,
    "type_vocab_size": 2,
    "layer_norm_eps": 1e-12,
    "hidden_act": "gelu",
    "pad_token_id": 1,
}


def reference_model() -> object:
    torch.manual_seed(7)
    config = transformers.BertConfig(**CONFIG)
    model = transformers.BertModel(config, add_pooling_layer=False).eval()
    with torch.no_grad():  # LayerNorms start at 1/0: make them count
        for name, tensor in model.named_parameters():
            if "LayerNorm" in name:
                tensor.normal_(mean=1.0 if name.endswith("weight") else 0.0, std=0.2)
    return model


def padded_batch() -> tuple[object, object]:
    lengths = [5, 17, 1, 12]
    width = 20
    ids = torch.full((len(lengths), width), 1, dtype=torch.long)
    mask = torch.zeros((len(lengths), width), dtype=torch.long)
    generator = torch.Generator().manual_seed(3)
    for row, n in enumerate(lengths):
        ids[row, :n] = torch.randint(3, CONFIG["vocab_size"], (n,), generator=generator)
        mask[row, :n] = 1
    return ids, mask


def test_the_hidden_states_of_real_tokens_are_bert_models() -> None:
    model = reference_model()
    ours = BertEncoder(dict(model.state_dict()), CONFIG)
    ids, mask = padded_batch()
    with torch.inference_mode():
        expected = model(input_ids=ids, attention_mask=mask).last_hidden_state
        got = ours(ids, mask)
    assert got.shape == expected.shape == (4, 20, CONFIG["hidden_size"])
    real = mask.bool()
    assert torch.allclose(got[real], expected[real], atol=1e-5)
    # A token's states do not depend on the padding after it: row 2 alone gives the same.
    with torch.inference_mode():
        alone = ours(ids[2:3, :1], mask[2:3, :1])
    assert torch.allclose(alone[0, 0], got[2, 0], atol=1e-5)


def test_bfloat16_autocast_stays_close_to_float32() -> None:
    model = reference_model()
    ours = BertEncoder(dict(model.state_dict()), CONFIG)
    ids, mask = padded_batch()
    with torch.inference_mode():
        exact = ours(ids, mask)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            fast = ours(ids, mask).float()
    real = mask.bool()
    cosine = torch.nn.functional.cosine_similarity(fast[real], exact[real], dim=-1)
    assert cosine.min() > 0.99


def test_a_folder_loads_with_its_word_table_as_stored(tmp_path: Path) -> None:
    import json

    from safetensors.torch import save_file

    model = reference_model()
    state = {k: v.clone().half() for k, v in model.state_dict().items()}
    save_file(state, str(tmp_path / "model.safetensors"))
    (tmp_path / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    ours = BertEncoder.from_folder(tmp_path)
    assert ours.weights["embeddings.word_embeddings.weight"].dtype == torch.float16
    assert ours.weights["encoder.layer.0.output.dense.weight"].dtype == torch.float32
    ids, mask = padded_batch()
    with torch.inference_mode():
        assert ours(ids, mask).dtype == torch.float32


def test_a_missing_weight_or_another_architecture_is_refused() -> None:
    state = dict(reference_model().state_dict())
    del state["encoder.layer.2.output.dense.bias"]
    with pytest.raises(ValueError, match=r"missing.*encoder\.layer\.2\.output\.dense\.bias"):
        BertEncoder(state, CONFIG)
    with pytest.raises(ValueError, match="absolute position"):
        BertEncoder(state, {**CONFIG, "position_embedding_type": "relative_key"})
    with pytest.raises(ValueError, match="activation"):
        BertEncoder(state, {**CONFIG, "hidden_act": "relu"})
