"""Builds random-weight INSTRUCTOR checkpoints in the exact hub layout, for tests and benchmarks."""
from __future__ import annotations

import json
from pathlib import Path

import torch

CORPUS = [
    "Represent the travel destination for planning a relaxing family beach vacation:",
    "Represent the argument for retrieving supporting claims:",
    "Represent the science note for clustering:",
    "A quiet beach with white sand and shallow water for the kids.",
    "Ski slopes with fresh powder snow and a cosy chalet.",
    "Museums, cafes and old streets to explore on foot.",
    "Budget: flights under 400 euros, hotel under 90 a night.",
    "Cities should ban cars from their centres to cut pollution.",
    "Public transport is cheaper for everyone than private cars.",
    "the of and to in is for on with that by this be are from or at as",
] * 20

BASE_SHAPE = dict(d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12, dense_out=768, vocab_size=32128)
TINY_SHAPE = dict(d_model=64, d_kv=16, d_ff=128, num_layers=2, num_heads=4, dense_out=48, vocab_size=400)


def _tokenizer(folder: Path, vocab_size: int, corpus: list[str]) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=min(vocab_size, 400 + 4 * len(corpus)),
                                      special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tok.train_from_iterator(CORPUS + corpus * 20, trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", pair="$A </s> $B </s>",
                                                       special_tokens=[("</s>", 1)])
    tok.decoder = __import__("tokenizers").decoders.Metaspace()
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "T5Tokenizer", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
        "model_max_length": 512, "extra_ids": 0}))
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>"}))


def _save(state: dict, folder: Path, weights: str) -> None:
    state = {k: v.contiguous() for k, v in state.items()}
    if weights == "safetensors":
        from safetensors.torch import save_file

        save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    else:
        torch.save(state, folder / "pytorch_model.bin")


def build_instructor_checkpoint(folder, weights: str = "safetensors", seed: int = 0, max_seq_length: int = 512,
                                corpus: list[str] = (), **shape) -> Path:
    """A random T5 encoder + Dense in the hkunlp/instructor-* layout. `weights`: safetensors or bin.

    `corpus` adds texts to the tokenizer's training, so that benchmark notes get realistic token counts."""
    from transformers import T5Config, T5EncoderModel

    shape = {**TINY_SHAPE, **shape}
    folder = Path(folder)
    (folder / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (folder / "2_Dense").mkdir(exist_ok=True)
    (folder / "3_Normalize").mkdir(exist_ok=True)
    _tokenizer(folder, shape["vocab_size"], list(corpus))
    vocab = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
    torch.manual_seed(seed)
    config = T5Config(vocab_size=max(len(vocab), 32) if shape["vocab_size"] <= 400 else shape["vocab_size"],
                      d_model=shape["d_model"], d_kv=shape["d_kv"], d_ff=shape["d_ff"],
                      num_layers=shape["num_layers"], num_heads=shape["num_heads"], feed_forward_proj="relu",
                      is_encoder_decoder=False, use_cache=False, pad_token_id=0, eos_token_id=1,
                      architectures=["T5EncoderModel"])
    model = T5EncoderModel(config)
    config.save_pretrained(folder)
    state = dict(model.state_dict())
    state.pop("encoder.embed_tokens.weight", None)  # tied to shared.weight, as in the hub files
    _save(state, folder, weights)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
        {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    (folder / "sentence_bert_config.json").write_text(json.dumps(
        {"max_seq_length": max_seq_length, "do_lower_case": False}))
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": shape["d_model"], "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False}))
    (folder / "2_Dense" / "config.json").write_text(json.dumps({
        "in_features": shape["d_model"], "out_features": shape["dense_out"], "bias": False,
        "activation_function": "torch.nn.modules.linear.Identity"}))
    dense = torch.nn.Linear(shape["d_model"], shape["dense_out"], bias=False)
    _save({"linear.weight": dense.weight.detach()}, folder / "2_Dense", weights)
    return folder
