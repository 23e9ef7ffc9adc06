"""The encoders reproduce the INSTRUCTOR algorithm exactly, and the bundled model gives meaningful maps."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from instructor_map.core.encoders import Encoder
from instructor_map.core.errors import InputError
from instructor_map.core.models import resolve_model

INSTRUCTION = "Represent the travel destination for planning a relaxing family beach vacation: "
TEXTS = [
    "A quiet beach with white sand and shallow water for the kids.  ",
    "Ski slopes with fresh powder snow",
    "Museums, cafes and old streets to explore on foot. " * 3,
    "x",
]


def _load_state(folder):
    if (folder / "model.safetensors").exists():
        from safetensors.torch import load_file

        return load_file(str(folder / "model.safetensors"))
    return torch.load(folder / "pytorch_model.bin", weights_only=True)


def reference_instructor(folder, instruction, texts):
    """The INSTRUCTOR steps (instruction + text through T5, mean pooling without the instruction's tokens, Dense,
    L2 norm), written from the paper's description with no code shared with the product."""
    from transformers import AutoTokenizer, T5Config, T5EncoderModel

    tok = AutoTokenizer.from_pretrained(str(folder))
    model = T5EncoderModel(T5Config.from_pretrained(str(folder))).eval()
    missing, unexpected = model.load_state_dict(_load_state(folder), strict=False)
    assert set(missing) <= {"encoder.embed_tokens.weight"} and not unexpected
    model.tie_weights()
    dense_w = _load_state(folder / "2_Dense")["linear.weight"]
    max_len = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
    n_instr = len(tok(instruction.strip())["input_ids"]) - 1
    out = []
    for text in texts:
        enc = tok([(instruction + text.strip()).strip()], padding=True, truncation=True, max_length=max_len,
                  return_tensors="pt")
        with torch.no_grad():
            hidden = model(**enc).last_hidden_state[0]
        mask = enc["attention_mask"][0].clone().float()
        if n_instr > 1:
            mask[:n_instr] = 0
        pooled = (hidden * mask[:, None]).sum(0) / mask.sum()
        vec = pooled @ dense_w.T
        out.append((vec / vec.norm()).numpy())
    return np.stack(out)


def test_instructor_matches_reference_in_both_weight_formats(instructor_checkpoint):
    encoder = Encoder.load(str(instructor_checkpoint))
    assert encoder.kind == "instructor" and encoder.dim == 48
    got = encoder.encode(TEXTS, INSTRUCTION)
    want = reference_instructor(instructor_checkpoint, INSTRUCTION, TEXTS)
    assert got.dtype == np.float32 and got.shape == (len(TEXTS), 48)
    assert np.abs(got - want).max() <= 1e-5
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_instruction_changes_the_embedding(tiny_encoder):
    a = tiny_encoder.encode(TEXTS, INSTRUCTION)
    b = tiny_encoder.encode(TEXTS, "Represent the argument for retrieving supporting claims: ")
    assert np.abs(a - b).max() > 1e-3


def test_matches_sentence_transformers_with_prompt_excluded(tiny_checkpoint, tiny_encoder):
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(tiny_checkpoint), device="cpu")
    st.set_pooling_include_prompt(include_prompt=False)
    want = st.encode([t.strip() for t in TEXTS], prompt=INSTRUCTION, normalize_embeddings=True)
    got = tiny_encoder.encode(TEXTS, INSTRUCTION)
    assert np.abs(got - want).max() <= 1e-4


def test_batching_order_and_progress_do_not_change_results(tiny_checkpoint):
    one = Encoder.load(str(tiny_checkpoint), batch_size=1)
    many = Encoder.load(str(tiny_checkpoint), batch_size=3)
    seen, batches = [], []
    got = many.encode(TEXTS, INSTRUCTION, progress=lambda d, t: seen.append((d, t)),
                      on_batch=lambda idx, v: batches.append(list(idx)))
    assert np.abs(got - one.encode(TEXTS, INSTRUCTION)).max() <= 1e-5
    assert seen[-1] == (4, 4) and sorted(i for b in batches for i in b) == [0, 1, 2, 3]


def test_cancel_between_batches_returns_none(tiny_checkpoint):
    encoder = Encoder.load(str(tiny_checkpoint), batch_size=1)
    calls = []
    result = encoder.encode(TEXTS, INSTRUCTION, on_batch=lambda i, v: calls.append(i),
                            cancelled=lambda: len(calls) >= 2)
    assert result is None and len(calls) == 2


def test_long_notes_are_truncated_and_counted(tiny_encoder):
    vecs = tiny_encoder.encode(["beach " * 2000, "short"], INSTRUCTION)
    assert tiny_encoder.truncated == 1 and np.isfinite(vecs).all()


def test_out_of_memory_halves_the_batch(tiny_checkpoint, monkeypatch):
    encoder = Encoder.load(str(tiny_checkpoint), batch_size=4)
    want = encoder.encode(TEXTS, INSTRUCTION)
    real = encoder._forward

    def small_memory(inputs, n):
        if len(inputs) > 1:
            raise torch.OutOfMemoryError("CUDA out of memory (simulated)")
        return real(inputs, n)

    monkeypatch.setattr(encoder, "_forward", small_memory)
    got = encoder.encode(TEXTS, INSTRUCTION)
    assert encoder.batch_size == 1 and np.abs(got - want).max() <= 1e-5


def test_fast_mode_stays_close_to_exact(tiny_checkpoint):
    exact = Encoder.load(str(tiny_checkpoint)).encode(TEXTS, INSTRUCTION)
    fast_encoder = Encoder.load(str(tiny_checkpoint), fast=True)
    assert fast_encoder.fast and "int8" in fast_encoder.description
    fast = fast_encoder.encode(TEXTS, INSTRUCTION)
    assert (np.sum(exact * fast, axis=1) > 0.95).all()


def test_bundled_model_puts_beach_notes_together(bundled_encoder):
    beach = ["Sunny beach with warm sand and gentle waves", "Swimming in the sea and lying on the beach",
             "Seaside resort with a sandy beach and beach umbrellas"]
    ski = ["Skiing down snowy mountain slopes", "A ski chalet with fresh powder snow", "Snowboarding in the Alps"]
    vecs = bundled_encoder.encode(beach + ski, "Represent the travel destination for planning a vacation: ")
    sims = vecs @ vecs.T
    within = [sims[i, j] for i in range(3) for j in range(3) if i != j]
    across = [sims[i, j] for i in range(3) for j in range(3, 6)]
    assert min(within) > max(across)
    assert bundled_encoder.kind == "sentence" and "not instruction-tuned" in bundled_encoder.description


def test_bundled_instruction_is_left_out_of_pooling(bundled_encoder, monkeypatch):
    """The prompt acts through attention only, so similarities keep a wide spread instead of squeezing together."""
    texts = ["Sunny beach with warm sand", "Skiing down snowy slopes", "Museum of modern art", "Cheap hostel",
             "Family resort with kids club and pool", "Hiking in the mountains", "Street food tour"]
    instruction = "Represent the travel destination for planning a vacation: "

    def spread(v):
        return np.ptp((v @ v.T)[np.triu_indices(len(texts), 1)])

    left_out = bundled_encoder.encode(texts, instruction)
    monkeypatch.setattr(bundled_encoder, "instruction_length", lambda instruction: 0)
    pooled = bundled_encoder.encode(texts, instruction)
    assert spread(left_out) > 1.3 * spread(pooled)


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: p, "config.json is missing"),
])
def test_bad_model_folders_are_refused_clearly(tmp_path, make, message):
    with pytest.raises(InputError, match=message):
        resolve_model(str(make(tmp_path)))


def test_folder_without_weights_is_refused(tiny_checkpoint, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_checkpoint, broken)
    (broken / "model.safetensors").unlink()
    with pytest.raises(InputError, match="weights are missing"):
        resolve_model(str(broken))


@pytest.mark.timeout(60)
def test_default_model_falls_back_to_bundled_offline():
    spec = resolve_model(None)
    assert spec.model_id == "bundled" and spec.kind == "sentence" and "not instruction-tuned" in spec.message


def test_unknown_hub_id_offline_is_a_clear_error():
    with pytest.raises(InputError, match="not cached"):
        resolve_model("hkunlp/instructor-xl")


# ---- parity with InstructorEmbedding 1.0.1: the whole text tokenised, then cut to 512 tokens ----------------------
def instructor_package(folder, instruction, texts):
    """Vectors from InstructorEmbedding 1.0.1's own tokenize, forward and pooling, all notes in one batch. Its
    INSTRUCTOR class no longer loads under sentence-transformers 6, so its modules run on a bare shell."""
    package = pytest.importorskip("InstructorEmbedding.instructor")
    from transformers import AutoTokenizer, T5EncoderModel

    module = package.INSTRUCTOR_Transformer.__new__(package.INSTRUCTOR_Transformer)
    torch.nn.Module.__init__(module)
    module.model = T5EncoderModel.from_pretrained(str(folder)).eval()  # sentence-transformers' auto_model
    module.processor = AutoTokenizer.from_pretrained(str(folder))  # and its tokenizer
    module.max_seq_length, module.do_lower_case = 512, False  # what its __init__ sets
    pooling = package.INSTRUCTOR_Pooling.load(str(folder / "1_Pooling"))
    dense = _load_state(folder / "2_Dense")["linear.weight"]
    with torch.no_grad():
        features = module.forward(module.tokenize([[instruction, text] for text in texts]))
        vectors = pooling.forward(features)["sentence_embedding"] @ dense.T
    return torch.nn.functional.normalize(vectors, dim=-1).numpy()


def test_matches_the_instructor_embedding_package(instructor_checkpoint):
    got = Encoder.load(str(instructor_checkpoint)).encode(TEXTS, INSTRUCTION)
    assert np.abs(got - instructor_package(instructor_checkpoint, INSTRUCTION, TEXTS)).max() <= 1e-4


@pytest.mark.parametrize("before", [" " * 20_000, "\n" * 20_000, "\t \n" * 7_000, "日本の海辺" * 5_000],
                         ids=["spaces", "newlines", "mixed-blanks", "cjk"])
def test_what_comes_before_the_words_does_not_cut_them_off(tiny_checkpoint, tiny_encoder, before):
    note = "Trip ideas" + before + " beach sand and a quiet cove" * 200
    want = instructor_package(tiny_checkpoint, INSTRUCTION, [note])
    cut_by_characters = instructor_package(tiny_checkpoint, INSTRUCTION, [note[:16_384]])
    assert np.abs(want - cut_by_characters).max() > 1e-2  # the words past 16,384 characters count
    got = tiny_encoder.encode([note], INSTRUCTION)
    assert np.abs(got - want).max() <= 1e-4 and tiny_encoder.truncated == 1


def test_an_instruction_that_fills_the_window_leaves_only_the_closing_token(tiny_checkpoint, tiny_encoder):
    instruction = "Represent " + "the beach sand and the quiet cove " * 200 + "for planning: "
    assert tiny_encoder.instruction_length(instruction) == 511
    got = tiny_encoder.encode(TEXTS, instruction)
    assert np.abs(got - instructor_package(tiny_checkpoint, instruction, TEXTS)).max() <= 1e-4
    assert np.abs(got - got[0]).max() <= 1e-5  # no note reaches the window, so all read the same


def test_a_lone_carriage_return_is_kept_and_embedded_as_written(tmp_path, tiny_checkpoint, tiny_encoder):
    from instructor_map.core.importers import import_file

    path = tmp_path / "notes.txt"
    path.write_bytes(b"Beach day\rwith the kids\n\nSki trip\r\nin the alps\n")
    texts = [note.text for note in import_file(path).notes]
    assert texts == ["Beach day\rwith the kids", "Ski trip\nin the alps"]
    canvas = tmp_path / "notes.json"
    canvas.write_text(json.dumps([{"text": "Cove\rreef"}, {"text": "Slopes\r\npowder"}]))
    assert [note.text for note in import_file(canvas).notes] == ["Cove\rreef", "Slopes\npowder"]
    mac = tmp_path / "mac.txt"  # a file whose lines all end in CR is still read line by line
    mac.write_bytes(b"first note\rstill first\r\rsecond note\r")
    assert [note.text for note in import_file(mac).notes] == ["first note\nstill first", "second note"]
    got = tiny_encoder.encode(texts, INSTRUCTION)
    assert np.abs(got - instructor_package(tiny_checkpoint, INSTRUCTION, texts)).max() <= 1e-4
