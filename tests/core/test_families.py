"""Qwen3-Embedding and multilingual-e5-instruct embed exactly as sentence-transformers embeds them with the family's
prompt; each family's vectors are cached apart; a model folder's family is recognised from its files."""
from __future__ import annotations

import json

import numpy as np
import pytest
from checkpoints import E5_PROMPT, QWEN3_PROMPT, build_e5_instruct_checkpoint, build_qwen3_checkpoint

from instructor_map.core.cache import EmbeddingCache, embed_cached
from instructor_map.core.document import MapDocument
from instructor_map.core.encoders import Encoder
from instructor_map.core.families import FAMILIES, cache_instruction, detect_family, family_of
from instructor_map.core.models import bundled_path, resolve_model
from instructor_map.core.project_file import load_project, save_project

TASK = "Given a web search query, retrieve relevant passages that answer the query"
TEXTS = [
    "A quiet beach with white sand and shallow water for the kids.",
    "Ski slopes with fresh powder snow",
    "Museums, cafes and old streets to explore on foot. " * 3,
    "x",
    "日本の海辺 Café über Straße ☕ 12345",
    "Line one\nline two\tand a tab",
    "",
]
LONG = [  # what comes before the words would fill the model's window if a note were cut by characters
    "Title" + " " * 20_000 + "beach sand " * 300,
    "Title" + "\n" * 20_000 + "beach sand " * 300,
    "日本の海辺" * 5_000 + " beach sand" * 300,
    "word " * 3_000,
    "Café☕." * 4_000 + "\n\nend",
]


@pytest.fixture(scope="module")
def qwen3(tmp_path_factory):
    return build_qwen3_checkpoint(tmp_path_factory.mktemp("qwen3") / "Qwen3-Embedding-tiny")


@pytest.fixture(scope="module")
def e5(tmp_path_factory):
    return build_e5_instruct_checkpoint(tmp_path_factory.mktemp("e5") / "multilingual-e5-tiny")


def st_vectors(folder, texts, prompt):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu")
    return model.encode([t.strip() for t in texts], prompt=prompt, normalize_embeddings=True, batch_size=4)


def test_families_are_recognised_from_the_model_files(qwen3, e5, tiny_checkpoint):
    assert detect_family(tiny_checkpoint).name == "instructor"
    assert detect_family(qwen3).name == "qwen3" and detect_family(e5).name == "e5-instruct"
    assert detect_family(bundled_path()).name == "sentence" and family_of("bundled").name == "sentence"
    assert family_of(resolve_model(str(qwen3))).name == "qwen3"  # a ModelSpec, as the app holds one
    assert family_of(str(e5)).template == "Instruct: {task}\nQuery: "
    assert family_of(qwen3).template == "Instruct: {task}\nQuery:"
    # hub models that are not on this machine are known by name, so a project's saved vectors stay found
    assert family_of("Qwen/Qwen3-Embedding-0.6B").name == "qwen3"
    assert family_of("intfloat/multilingual-e5-large-instruct").name == "e5-instruct"
    assert family_of("hkunlp/instructor-large").name == "instructor"
    assert family_of("someone/unknown-model") is None


def test_prompts_put_the_task_where_each_family_reads_it():
    assert FAMILIES["qwen3"].prompt(" Find beaches ") == "Instruct: Find beaches\nQuery:"
    assert FAMILIES["e5-instruct"].prompt("Find beaches") == "Instruct: Find beaches\nQuery: "
    assert FAMILIES["instructor"].prompt("Represent the note: ") == "Represent the note: "
    assert FAMILIES["qwen3"].prompt("") == "" and FAMILIES["e5-instruct"].prompt("  ") == ""


@pytest.mark.parametrize("name, prompt", [("qwen3", QWEN3_PROMPT), ("e5", E5_PROMPT)])
def test_matches_sentence_transformers_with_the_prompt(request, name, prompt):
    folder = request.getfixturevalue(name)
    encoder = Encoder.load(str(folder), batch_size=3)
    got = encoder.encode(TEXTS, TASK)
    want = st_vectors(folder, TEXTS, prompt)
    assert got.shape == want.shape and np.abs(got - want).max() <= 1e-4
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.abs(got[0] - got[1]).max() > 1e-3  # the notes are told apart
    other = encoder.encode(TEXTS, "Classify the sentiment of a product review")
    assert np.abs(other - got).max() > 1e-3  # and the task matters


@pytest.mark.parametrize("name, prompt", [("qwen3", QWEN3_PROMPT), ("e5", E5_PROMPT)])
def test_long_notes_are_cut_as_if_tokenised_whole(request, name, prompt):
    folder = request.getfixturevalue(name)
    encoder = Encoder.load(str(folder))
    got = encoder.encode(LONG, TASK)
    assert encoder.truncated == len(LONG)
    assert np.abs(got - st_vectors(folder, LONG, prompt)).max() <= 1e-4


def test_qwen3_inputs_end_with_endoftext_also_when_the_tokenizer_does_not_add_it(qwen3, tmp_path):
    bare = build_qwen3_checkpoint(tmp_path / "Qwen3-Embedding-first-tokenizer", end_token=False)
    assert "<|endoftext|>" not in json.dumps(json.loads((bare / "tokenizer.json").read_text())["post_processor"])
    got = Encoder.load(str(bare)).encode(TEXTS + LONG[:1], TASK)
    want = st_vectors(qwen3, TEXTS + LONG[:1], QWEN3_PROMPT)  # same weights, the tokenizer that appends it
    assert np.abs(got - want).max() <= 1e-4
    assert np.abs(got - st_vectors(bare, TEXTS + LONG[:1], QWEN3_PROMPT)).max() > 1e-3  # it changes the vectors


def test_qwen3_length_without_a_sentence_config_follows_sentence_transformers(tmp_path):
    folder = build_qwen3_checkpoint(tmp_path / "Qwen3-Embedding-no-length", max_seq_length=None)
    from sentence_transformers import SentenceTransformer

    assert Encoder.load(str(folder)).max_seq_length == SentenceTransformer(str(folder)).max_seq_length == 32768


def test_cache_keys_differ_between_families_for_the_same_task():
    for task in ("Find beaches", "Represent the travel note for planning a trip: ", ""):
        by_template: dict[str, set[str]] = {}
        for family in FAMILIES.values():
            by_template.setdefault(family.cache_instruction(task), set()).add(family.template)
        assert all(len(templates) == 1 for templates in by_template.values()), by_template
    assert FAMILIES["instructor"].cache_instruction("Represent the note: ") == "Represent the note: "


def test_the_same_task_under_two_families_never_shares_cached_vectors(e5, tmp_path):
    import shutil

    folder = tmp_path / "xlmr-model"
    shutil.copytree(e5, folder)
    prompts = folder / "config_sentence_transformers.json"
    prompts.write_text(json.dumps({"prompts": {}}))  # an XLM-R model without instructions: a plain one
    assert detect_family(folder).name == "sentence"
    cache = EmbeddingCache()
    model_id = str(folder)
    plain = embed_cached(cache, Encoder.load(model_id), TASK, TEXTS[:4])
    assert cache.has_all(model_id, TASK, TEXTS[:4])

    prompts.write_text(json.dumps({"prompts": {"query": E5_PROMPT}}))  # now read as multilingual-e5-instruct
    assert detect_family(folder).name == "e5-instruct"
    assert cache.missing(model_id, TASK, TEXTS[:4]) == [0, 1, 2, 3]
    instructed = embed_cached(cache, Encoder.load(model_id), TASK, TEXTS[:4])
    assert np.abs(instructed - st_vectors(folder, TEXTS[:4], E5_PROMPT)).max() <= 1e-4
    assert np.abs(instructed - plain).max() > 1e-3
    stored = [key for _, key in cache.keys()]  # noqa: SIM118 (an EmbeddingCache, not a dict)
    assert sorted(stored) == sorted([TASK, cache_instruction(model_id, TASK)])


def test_saved_vectors_of_a_family_are_found_again(qwen3, tmp_path):
    doc = MapDocument(model=str(qwen3), instruction=TASK)
    vectors = Encoder.load(str(qwen3)).encode(TEXTS[:3], TASK)
    doc.embeddings.put(doc.model, TASK, TEXTS[:3], vectors)
    assert doc.embeddings.keys() == [(str(qwen3), "qwen3|Instruct: " + TASK + "\nQuery:")]
    save_project(doc, tmp_path / "qwen3.imap")
    again = load_project(tmp_path / "qwen3.imap")
    np.testing.assert_array_equal(again.embeddings.matrix(str(qwen3), TASK, TEXTS[:3]), vectors)


def test_a_new_family_is_instruction_tuned_and_named_so(qwen3, e5):
    """The status bar and the project say which family a model is, and the new ones are not flagged as plain."""
    for folder, family in ((qwen3, "qwen3"), (e5, "e5-instruct")):
        spec = resolve_model(str(folder))
        assert spec.kind == family and spec.instruction_tuned
        assert "not instruction-tuned" not in spec.display_name
    assert not resolve_model("bundled").instruction_tuned


def test_a_model_in_shards_loads_and_embeds_as_the_whole_one(qwen3, tmp_path):
    """Large models (Qwen3-Embedding-4B and 8B) come as several weight files with an index."""
    import shutil

    from safetensors.torch import load_file, save_file

    folder = tmp_path / "Qwen3-Embedding-sharded"
    shutil.copytree(qwen3, folder)
    state = load_file(str(folder / "model.safetensors"))
    (folder / "model.safetensors").unlink()
    names = sorted(state)
    halves = {"model-00001-of-00002.safetensors": names[: len(names) // 2],
              "model-00002-of-00002.safetensors": names[len(names) // 2:]}
    for file, keys in halves.items():
        save_file({k: state[k].contiguous() for k in keys}, str(folder / file), metadata={"format": "pt"})
    index = {"metadata": {}, "weight_map": {k: file for file, keys in halves.items() for k in keys}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    whole = Encoder.load(str(qwen3)).encode(TEXTS[:3], TASK)
    sharded = Encoder.load(str(folder)).encode(TEXTS[:3], TASK)
    assert np.abs(np.asarray(whole) - np.asarray(sharded)).max() <= 1e-6
    (folder / "model-00002-of-00002.safetensors").write_bytes(b"not safetensors")
    from instructor_map.core.errors import InputError

    with pytest.raises(InputError, match="model-00002-of-00002.safetensors"):
        Encoder.load(str(folder))
