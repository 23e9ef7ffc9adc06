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


def _sentencepiece_tokenizer(folder: Path, corpus: list[str]) -> None:
    """A SentencePiece Unigram model trained as T5's was (nmt_nfkc normalisation, <pad> </s> <unk> first), saved as
    spiece.model and converted to tokenizer.json by transformers, as the hub's T5 tokenizers were."""
    import sentencepiece as spm
    from transformers import T5Tokenizer

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS + corpus), model_prefix=str(folder / "spiece"), vocab_size=120,
        model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, character_coverage=1.0,
        normalization_rule_name="nmt_nfkc", hard_vocab_limit=False, minloglevel=2)
    config = {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 512, "pad_token": "<pad>",
              "eos_token": "</s>", "unk_token": "<unk>"}
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    T5Tokenizer.from_pretrained(str(folder)).save_pretrained(str(folder))
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
                                corpus: list[str] = (), feed_forward_proj: str = "relu", sentencepiece: bool = False,
                                **shape) -> Path:
    """A random T5 encoder + Dense in the hkunlp/instructor-* layout. `weights`: safetensors or bin.

    `corpus` adds texts to the tokenizer's training, so that benchmark notes get realistic token counts."""
    from transformers import T5Config, T5EncoderModel

    shape = {**TINY_SHAPE, **shape}
    folder = Path(folder)
    (folder / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (folder / "2_Dense").mkdir(exist_ok=True)
    (folder / "3_Normalize").mkdir(exist_ok=True)
    if sentencepiece:  # `sentencepiece`: a SentencePiece model converted to tokenizer.json, as on the hub
        _sentencepiece_tokenizer(folder, list(corpus))
    else:
        _tokenizer(folder, shape["vocab_size"], list(corpus))
    vocab = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
    torch.manual_seed(seed)
    config = T5Config(vocab_size=max(len(vocab), 32) if shape["vocab_size"] <= 400 else shape["vocab_size"],
                      d_model=shape["d_model"], d_kv=shape["d_kv"], d_ff=shape["d_ff"],
                      num_layers=shape["num_layers"], num_heads=shape["num_heads"], feed_forward_proj=feed_forward_proj,
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


# ---- Qwen3-Embedding and multilingual-e5-large-instruct, in their hub layouts -----------------------------------
QWEN3_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN3_PROMPT = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:"
E5_PROMPT = "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "
QWEN3_PRETOKENIZE = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                     r"\s*[\r\n]+|\s+(?!\S)|\s+")


def _sentence_files(folder: Path, dim: int, pooling: str, prompts: dict, max_seq_length: int | None) -> None:
    """modules.json (Transformer, Pooling, Normalize), the pooling config, prompts and the sequence length."""
    (folder / "1_Pooling").mkdir(parents=True, exist_ok=True)
    (folder / "2_Normalize").mkdir(exist_ok=True)
    (folder / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ], indent=2))
    modes = ("cls_token", "mean_tokens", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({
        "word_embedding_dimension": dim, **{f"pooling_mode_{m}": m == pooling for m in modes},
        "include_prompt": True}))
    (folder / "config_sentence_transformers.json").write_text(json.dumps(
        {"prompts": prompts, "default_prompt_name": None, "similarity_fn_name": "cosine"}))
    if max_seq_length is not None:
        (folder / "sentence_bert_config.json").write_text(json.dumps(
            {"max_seq_length": max_seq_length, "do_lower_case": False}))


def _qwen3_tokenizer(folder: Path, vocab_size: int, end_token: bool) -> int:
    """A byte-level BPE trained like Qwen's (NFC, its split pattern, chat special tokens after the vocabulary);
    `end_token`: the post-processor appends <|endoftext|> to every input, as Qwen3-Embedding's tokenizer.json
    does. Returns the vocabulary size."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN3_PRETOKENIZE), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS + ["日本の海辺 Café über Straße ☕ 12345 tab\tnew\nline"] * 5, trainer)
    tok.add_special_tokens(QWEN3_SPECIALS)
    eot = tok.token_to_id("<|endoftext|>")
    if end_token:
        tok.post_processor = processors.TemplateProcessing(
            single="$A:0 <|endoftext|>:0", pair="$A:0 <|endoftext|>:0 $B:1 <|endoftext|>:1",
            special_tokens=[("<|endoftext|>", eot)])
    tok.save(str(folder / "tokenizer.json"))
    added = {str(tok.token_to_id(t)): {"content": t, "lstrip": False, "rstrip": False, "normalized": False,
                                      "single_word": False, "special": True} for t in QWEN3_SPECIALS}
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "Qwen2Tokenizer", "added_tokens_decoder": added, "bos_token": None,
        "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>", "unk_token": None, "errors": "replace",
        "model_max_length": 131072, "padding_side": "left", "split_special_tokens": False,
        "clean_up_tokenization_spaces": False}))
    (folder / "special_tokens_map.json").write_text(json.dumps(
        {"eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
         "additional_special_tokens": QWEN3_SPECIALS[1:]}))
    return tok.get_vocab_size()


def build_qwen3_checkpoint(folder, seed: int = 0, max_seq_length: int | None = 512, end_token: bool = True,
                           hidden: int = 64, layers: int = 2) -> Path:
    """A random Qwen3 decoder in the Qwen/Qwen3-Embedding-* layout: last-token pooling, normalised, the query
    prompt in config_sentence_transformers.json. `end_token=False` leaves <|endoftext|> out of the tokenizer's
    post-processor (as the first tokenizer.json published did)."""
    from transformers import Qwen3Config, Qwen3Model

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _qwen3_tokenizer(folder, 600, end_token)
    torch.manual_seed(seed)
    config = Qwen3Config(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=hidden // 4,
                         max_position_embeddings=32768, rope_theta=1_000_000.0, tie_word_embeddings=True,
                         bos_token_id=vocab - 3, eos_token_id=vocab - 1, architectures=["Qwen3ForCausalLM"])
    model = Qwen3Model(config)
    for param in model.parameters():  # random weights large enough that every token moves the last state
        torch.nn.init.normal_(param, std=0.2)
    config.save_pretrained(folder)
    _save(dict(model.state_dict()), folder, "safetensors")
    _sentence_files(folder, hidden, "lasttoken", {"query": QWEN3_PROMPT, "document": ""}, max_seq_length)
    return folder


def _xlmr_tokenizer(folder: Path, vocab_size: int) -> int:
    """A Unigram tokenizer trained SentencePiece-style (<s> <pad> </s> <unk> first, <mask> last, ▁ word starts),
    with XLM-R's template <s> $A </s>. Returns the vocabulary size."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(),
                                                 pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", show_progress=False)
    tok.train_from_iterator(CORPUS + ["Café über Straße ☕ 12345 tab\tnew\nline"] * 5, trainer)
    tok.add_special_tokens(["<mask>"])
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "XLMRobertaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>",
        "cls_token": "<s>", "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        "model_max_length": 512}))
    (folder / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>", "cls_token": "<s>", "unk_token": "<unk>",
        "pad_token": "<pad>", "mask_token": "<mask>"}))
    return tok.get_vocab_size()


def build_e5_instruct_checkpoint(folder, seed: int = 0, max_seq_length: int = 512, hidden: int = 64,
                                 layers: int = 2) -> Path:
    """A random XLM-R encoder in the intfloat/multilingual-e5-large-instruct layout: mean pooling, normalised."""
    from transformers import XLMRobertaConfig, XLMRobertaModel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _xlmr_tokenizer(folder, 500)
    torch.manual_seed(seed)
    config = XLMRobertaConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden,
                              num_hidden_layers=layers, num_attention_heads=4, max_position_embeddings=514,
                              type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                              architectures=["XLMRobertaModel"])
    model = XLMRobertaModel(config)
    config.save_pretrained(folder)
    _save(dict(model.state_dict()), folder, "safetensors")
    _sentence_files(folder, hidden, "mean_tokens", {"query": E5_PROMPT}, max_seq_length)
    return folder


# ---- a plain BERT sentence model, in the sentence-transformers/all-MiniLM-L6-v2 layout -----------------------------
def _wordpiece_tokenizer(folder: Path, vocab_size: int) -> int:
    """A WordPiece tokenizer trained as BERT's are (lower-cased, accents kept, [CLS] $A [SEP])."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(CORPUS + ["Café über Straße ☕ 12345 tab\tnew\nline 日本語"] * 5,
                            trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials,
                                                      show_progress=False))
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    tok.enable_truncation(128)  # as the hub's all-MiniLM-L6-v2 ships it: the model's own limit wins
    tok.save(str(folder / "tokenizer.json"))
    names = dict(zip(("pad_token", "unk_token", "cls_token", "sep_token", "mask_token"), specials))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512, **names}))
    (folder / "special_tokens_map.json").write_text(json.dumps(names))
    return tok.get_vocab_size()


def build_bert_checkpoint(folder, seed: int = 0, hidden: int = 64, layers: int = 2, hidden_act: str = "gelu",
                          old_names: bool = False, **config) -> Path:
    """A random BERT encoder with mean pooling. `old_names`: the weights carry the "bert." prefix and the
    gamma/beta layer-norm names of older files."""
    from transformers import BertConfig, BertModel

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    vocab = _wordpiece_tokenizer(folder, 600)
    torch.manual_seed(seed)
    bert = BertConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=4 * hidden, num_hidden_layers=layers,
                      num_attention_heads=4, max_position_embeddings=512, hidden_act=hidden_act,
                      architectures=["BertModel"], **config)
    model = BertModel(bert, add_pooling_layer=True)
    bert.save_pretrained(folder)
    state = dict(model.state_dict())
    if old_names:
        state = {"bert." + k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"):
                 v for k, v in state.items()}
    _save(state, folder, "bin" if old_names else "safetensors")
    _sentence_files(folder, hidden, "mean_tokens", {}, 256)
    return folder
