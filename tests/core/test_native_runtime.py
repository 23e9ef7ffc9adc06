"""BERT and T5 encoders run on the CPU without transformers, and give what transformers gives: the same token ids
and the same vectors; anything else is left to transformers, and a command-line map never imports it."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from checkpoints import build_bert_checkpoint, build_instructor_checkpoint, build_qwen3_checkpoint

from instructor_map.core.encoders import Encoder
from instructor_map.core.errors import InputError
from instructor_map.core.models import resolve_model

INSTRUCTION = "Represent the travel note for planning a relaxing family trip: "
TEXTS = [
    "A quiet beach with white sand and shallow water for the kids.",
    "  double  spaces,\ttabs\tand a\nnew line  ",
    "ﬁne Ｆｕｌｌ width … and Café über Straße",
    "日本語のテキストと English words",
    "<extra_id_3> </s> [SEP] [CLS] <pad>",
    "",
    "x",
    "Museums, cafes and old streets to explore on foot. " * 80,  # longer than the model's window
]


def _both(folder: Path, **kwargs) -> tuple[Encoder, Encoder]:
    spec = resolve_model(str(folder))
    return Encoder(spec, device="cpu", **kwargs), Encoder(spec, device="cpu", runtime="transformers", **kwargs)


@pytest.fixture(scope="module")
def models(tmp_path_factory, tiny_checkpoint) -> dict[str, Path]:
    made = tmp_path_factory.mktemp("native")
    return {
        "bundled": resolve_model("bundled").path,
        "t5 relu": tiny_checkpoint,
        "t5 gated-gelu, pytorch_model.bin": build_instructor_checkpoint(made / "gated", weights="bin",
                                                                      feed_forward_proj="gated-gelu"),
        "bert": build_bert_checkpoint(made / "bert"),
        "bert, old weight names": build_bert_checkpoint(made / "bert-old", old_names=True, hidden_act="gelu_new"),
    }


@pytest.mark.parametrize("kind", ["bundled", "t5 relu", "t5 gated-gelu, pytorch_model.bin", "bert",
                                  "bert, old weight names"])
def test_native_encoder_gives_what_transformers_gives(models, kind):
    native, reference = _both(models[kind])
    assert (native.runtime, reference.runtime) == ("native", "transformers")
    for instruction in (INSTRUCTION, ""):
        assert native._tokenize(native.inputs(TEXTS, instruction)) == \
            reference._tokenize(reference.inputs(TEXTS, instruction))
        ours, theirs = native.encode(TEXTS, instruction), reference.encode(TEXTS, instruction)
        assert ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() <= 1e-5
    assert native.truncated == reference.truncated == 1
    assert native.max_seq_length == reference.max_seq_length
    assert native.dim == reference.dim


def test_fast_mode_quantises_the_native_encoder_too(models):
    exact = Encoder(resolve_model(str(models["t5 relu"])), device="cpu")
    fast = Encoder(resolve_model(str(models["t5 relu"])), device="cpu", fast=True)
    assert fast.runtime == "native" and "int8" in fast.description
    cosine = np.sum(exact.encode(TEXTS[:4], INSTRUCTION) * fast.encode(TEXTS[:4], INSTRUCTION), axis=1)
    assert cosine.min() >= 0.99


def test_other_models_are_left_to_transformers(tmp_path, models):
    qwen = build_qwen3_checkpoint(tmp_path / "qwen3")
    assert Encoder(resolve_model(str(qwen)), device="cpu").runtime == "transformers"
    relative = build_bert_checkpoint(tmp_path / "relative", position_embedding_type="relative_key")
    assert Encoder(resolve_model(str(relative)), device="cpu").runtime == "transformers"
    no_json = tmp_path / "vocab-only"
    build_bert_checkpoint(no_json)
    (no_json / "tokenizer.json").unlink()  # a tokenizer from vocab.txt is transformers' to build
    from tokenizers import Tokenizer

    vocab = Tokenizer.from_file(str(models["bert"] / "tokenizer.json")).get_vocab()
    (no_json / "vocab.txt").write_text("\n".join(sorted(vocab, key=vocab.get)) + "\n", encoding="utf-8")
    assert Encoder(resolve_model(str(no_json)), device="cpu").runtime == "transformers"


def test_a_weights_file_that_lacks_a_layer_is_one_line(tmp_path):
    from safetensors.torch import load_file, save_file

    folder = build_bert_checkpoint(tmp_path / "bert")
    state = load_file(str(folder / "model.safetensors"))
    state.pop("encoder.layer.1.output.dense.weight")
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(InputError) as caught:
        Encoder(resolve_model(str(folder)), device="cpu")
    message = str(caught.value)
    assert "lacks layers.1.output.dense.weight" in message
    assert "\n" not in message and str(folder) in message


def test_a_weight_of_the_wrong_shape_is_one_line(tmp_path):
    folder = build_bert_checkpoint(tmp_path / "bert")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "intermediate_size": 100}))
    with pytest.raises(InputError, match="shape"):
        Encoder(resolve_model(str(folder)), device="cpu")


def test_a_command_line_map_never_imports_transformers(tmp_path):
    """Nor torch, in its own process: the model loads in a child while the map's libraries load here."""
    notes = tmp_path / "notes.txt"
    notes.write_text("\n\n".join(["Beach with sand", "Ski slopes and snow", "Museums and cafes", "Hiking trail"]))
    script = ("import sys; from instructor_map.launch import main; "
              f"code = main(['map', {str(notes)!r}, '-o', {str(tmp_path / 'm.imap')!r}, '--model', 'bundled']); "
              "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules)); "
              "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "m.imap").is_file()


def test_a_t5_tokenizer_converted_from_sentencepiece_gives_sentencepiece_s_own_ids(tmp_path):
    """As the hub's T5 tokenizers are made: a SentencePiece model converted to tokenizer.json, whose normalisation
    is SentencePiece's own (a Precompiled charsmap: NFKC and its whitespace rules)."""
    import sentencepiece as spm

    folder = build_instructor_checkpoint(tmp_path / "spm", sentencepiece=True)
    assert "Precompiled" in json.dumps(json.loads((folder / "tokenizer.json").read_text())["normalizer"])
    native, reference = _both(folder)
    assert native.runtime == "native"
    pieces = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
    for text in TEXTS[:4]:  # fullwidth letters, ligatures, runs of blanks, tabs and newlines, CJK
        assert native.tokenizer(text)["input_ids"] == pieces.encode(text) + [1]  # then </s>
    assert native._tokenize(native.inputs(TEXTS, INSTRUCTION)) == \
        reference._tokenize(reference.inputs(TEXTS, INSTRUCTION))
    assert np.abs(native.encode(TEXTS, INSTRUCTION) - reference.encode(TEXTS, INSTRUCTION)).max() <= 1e-5
