"""INSTRUCTOR, instruction-following (Qwen3-Embedding, multilingual-e5-instruct) and plain sentence encoders behind
one small interface; the model's family (core/families.py) says how the task enters and how tokens are pooled.

- INSTRUCTOR and plain models: the instruction and the note are one text, cut to the model's length like the
  reference code (InstructorEmbedding 1.0.1) does, the instruction's tokens are left out of the mean, then the
  Dense layer when there is one.
- The other families: the family's prompt before the note, pooled as sentence-transformers pools them.
All vectors are L2-normalised.
"""
from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from torch import nn

from instructor_map.core.backbones import load_backbone, native_backbone
from instructor_map.core.errors import InputError
from instructor_map.core.families import detect_family
from instructor_map.core.models import ModelSpec, pick_device, resolve_model
from instructor_map.core.tokenizer_file import open_tokenizer
from instructor_map.core.weights import check_weights, load_weights, shards

# Activations a 2_Dense/config.json may name; anything else is refused rather than imported.
_ACTIVATIONS = {
    "torch.nn.modules.linear.Identity": nn.Identity,
    "torch.nn.modules.activation.Tanh": nn.Tanh,
    "torch.nn.modules.activation.ReLU": nn.ReLU,
    "torch.nn.modules.activation.GELU": nn.GELU,
}
GPU_TOKEN_BUDGET = 32768  # padded tokens per batch on CUDA
GPU_ATTENTION = "eager"  # T5 on CUDA: faster than sdpa, whose position bias forces its math path
GPU_PAD_MULTIPLE = 8  # pad CUDA batches to a multiple of this many tokens (aligned attention masks)
TOKENIZE_CHUNK = 64  # notes tokenised per call
PREFIX_CHARS = 8  # a note longer than max_seq_length x this many characters is tokenised a prefix at a time
_WORD_END = re.compile(r"\S(?=\s)")


def _load_state(folder: Path) -> dict[str, torch.Tensor]:
    return load_weights(folder)  # safetensors first; a pickle never runs; damage is one clear line


def _load_dense(folder: Path) -> nn.Sequential:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        act_name = config.get("activation_function", "torch.nn.modules.linear.Identity")
        linear = nn.Linear(int(config["in_features"]), int(config["out_features"]),
                           bias=bool(config.get("bias", True)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"cannot read {folder.name}/config.json: {exc}", folder.parent) from None
    if act_name not in _ACTIVATIONS:
        raise InputError(f"unsupported Dense activation {act_name!r}", folder)
    state = {k.removeprefix("linear."): v for k, v in _load_state(folder).items()}
    try:
        linear.load_state_dict(state)
    except Exception as exc:  # a damaged file fails in many ways (zip, safetensors, unpickler): all bad input
        raise InputError(f"cannot read the Dense weights: {str(exc).splitlines()[0]}", folder) from None
    return nn.Sequential(linear, _ACTIVATIONS[act_name]())


def _out_features(dense: nn.Sequential) -> int:
    linear = dense[0]
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"a Dense layer starts with nn.Linear, not {type(linear).__name__}")
    return linear.out_features


def _modules(folder: Path) -> dict[str, Path]:
    """Sentence-transformers module type suffix (Pooling, Dense, Normalize) -> its folder."""
    path = folder / "modules.json"
    if not path.is_file():
        return {}
    return {str(m["type"]).rsplit(".", 1)[-1]: folder / m.get("path", "") for m in json.loads(path.read_text())}


class Encoder:
    """Loaded once, reused for every call. `encode` reports progress and can be cancelled between batches."""

    tokenizer: Any  # a TokenizerFile, or transformers' tokenizer
    backbone: Any  # a native BertEncoder or T5Encoder, or transformers' model

    def __init__(self, spec: ModelSpec, device: str | None = "auto", fast: bool = False, batch_size: int | None = None,
                 runtime: str = "auto"):
        """`runtime`: "auto" runs BERT and T5 encoders on the CPU without transformers (core/backbones.py), and
        everything else with transformers; "transformers" always uses transformers."""
        self.spec, self.model_id, self.kind = spec, spec.model_id, spec.kind
        self.family = detect_family(spec.path)
        self.device = pick_device(device)
        self.fast = bool(fast) and self.device == "cpu"
        cuda_bf16 = self.device == "cuda" and torch.cuda.is_bf16_supported()
        self.dtype = torch.bfloat16 if cuda_bf16 else torch.float32  # T5 overflows in fp16
        folder = spec.path
        modules = _modules(folder)
        try:
            check_weights(folder)  # before the model is built: a bad file is one line, not a traceback
            native = self._load_native(folder) if runtime == "auto" and self.device == "cpu" else False
            if not native:
                self._load_transformers(folder)
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
            raise InputError(f"cannot load the model: {str(exc).splitlines()[0]}", folder) from None
        self.runtime = "native" if native else "transformers"
        self.tokenizer.padding_side = self.family.padding_side  # right: instruction tokens come first in every row
        self.dense = _load_dense(modules["Dense"]).eval() if "Dense" in modules else None
        pooling = {}
        if "Pooling" in modules and (modules["Pooling"] / "config.json").is_file():
            pooling = json.loads((modules["Pooling"] / "config.json").read_text())
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self.max_seq_length = self._max_seq_length(folder)
        self._tail, self._end, self._need_extra = self._closing_tokens()
        self._prefix_safe = _splits_at_whitespace(self.tokenizer)
        if self.fast:
            from torch.ao.quantization import quantize_dynamic

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the eager API is deprecated but still the fastest on CPU
                self.backbone = quantize_dynamic(self.backbone, {nn.Linear}, dtype=torch.qint8)
        self.backbone.to(self.device)
        if self.dense is not None:
            self.dense.to(self.device, self.dtype)
        hidden = getattr(self.backbone.config, "d_model", None) or self.backbone.config.hidden_size
        self.dim = _out_features(self.dense) if self.dense is not None else int(hidden)
        self.batch_size = batch_size or (64 if self.device == "cuda" else 16)
        self.truncated = 0  # how many notes the last encode() had to cut to max_seq_length

    def _load_native(self, folder: Path) -> bool:
        """The model as a plain-torch BERT or T5 encoder with its tokenizer.json; False when it is neither, or its
        tokenizer or weights need transformers (a sharded model, a tokenizer of another kind)."""
        backbone = native_backbone(folder) if not shards(folder) else None
        tokenizer = open_tokenizer(folder) if backbone is not None else None
        if backbone is None or tokenizer is None:
            return False
        missing = load_backbone(backbone, _load_state(folder))
        if missing:
            raise ValueError(f"the weights file lacks {missing[0]}" + (f" and {len(missing) - 1} more"
                                                                      if len(missing) > 1 else ""))
        self.tokenizer, self.backbone = tokenizer, backbone.eval()
        return True

    def _load_transformers(self, folder: Path) -> None:
        from transformers import AutoModel, AutoTokenizer, T5EncoderModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        t5 = self.family.name == "instructor"
        backbone_cls = T5EncoderModel if t5 else AutoModel
        t5_on_cuda = self.device == "cuda" and t5
        attention: dict[str, Any] = {"attn_implementation": GPU_ATTENTION} if t5_on_cuda else {}
        self.backbone = backbone_cls.from_pretrained(str(folder), dtype=self.dtype, **attention).eval()

    def _max_seq_length(self, folder: Path) -> int:
        """sentence_bert_config.json's max_seq_length, else the tokenizer's and the model's limit, as
        sentence-transformers takes it; at most the model's positions."""
        config = folder / "sentence_bert_config.json"
        length = int(json.loads(config.read_text()).get("max_seq_length") or 0) if config.is_file() else 0
        limit = getattr(self.backbone.config, "max_position_embeddings", None)
        if not length:
            known = [int(n) for n in (self.tokenizer.model_max_length, limit) if n and n < 10**7]
            length = min(known) if known else 512
        return min(length, int(limit)) if limit else length

    def _closing_tokens(self) -> tuple[list[int], list[int], int]:
        """The special tokens the tokenizer puts after a text (</s>, [SEP], <|endoftext|>), the family's end token
        as ids, and how many tokens must be appended because the tokenizer does not add that end token."""
        full = self.tokenizer("a")["input_ids"]
        plain = self.tokenizer("a", add_special_tokens=False)["input_ids"]
        start = next((k for k in range(len(full) - len(plain) + 1) if full[k:k + len(plain)] == plain), 0)
        tail = full[start + len(plain):]
        end = []
        if self.family.end_token:
            found = self.tokenizer.convert_tokens_to_ids(self.family.end_token)
            end = [found] if isinstance(found, int) and found != self.tokenizer.unk_token_id else []
        return tail, end, 0 if not end or tail[-1:] == end else len(end)

    @classmethod
    def load(cls, name: str | None = None, **kwargs) -> Encoder:
        return cls(resolve_model(name), **kwargs)

    @property
    def description(self) -> str:
        mode = "int8 fast mode" if self.fast else ("bf16" if self.dtype == torch.bfloat16 else "fp32")
        return f"{self.spec.display_name} on {self.device.upper()} ({mode})"

    def instruction_length(self, instruction: str) -> int:
        """Tokens of the instruction left out of pooling: its tokens, cut to max_seq_length like the note, minus the
        closing special token (an instruction that fills the window leaves only that token to pool). 0 for
        families that pool the prompt too."""
        if self.family.pooling != "mean-text":
            return 0
        ids = self.tokenizer(instruction.strip(), truncation=True, max_length=self.max_seq_length)["input_ids"]
        n = len(ids) - (1 if ids and ids[-1] in self.tokenizer.all_special_ids else 0)
        return n if n > 1 else 0

    def inputs(self, texts: Sequence[str], instruction: str) -> list[str]:
        """The text the model reads for each note: INSTRUCTOR's [instruction, note] joined (and stripped, as its
        reference does), or the family's prompt then the note (as sentence-transformers' prompt= does)."""
        if self.family.pooling == "mean-text":
            return [(instruction + t.strip()).strip() for t in texts]
        prompt = self.family.prompt(instruction)
        return [prompt + t.strip() for t in texts]

    def encode(
        self,
        texts: Sequence[str],
        instruction: str = "",
        *,
        progress: Callable[[int, int], None] | None = None,
        on_batch: Callable[[list[int], np.ndarray], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> np.ndarray | None:
        """(N, dim) float32 L2-normalised vectors in input order, or None when cancelled."""
        inputs = self.inputs(texts, instruction)
        out = np.zeros((len(inputs), self.dim), dtype=np.float32)
        if not inputs:
            return out
        n_instr = self.instruction_length(instruction)
        ids = self._tokenize(inputs)
        lengths = [len(row) for row in ids]
        done = 0
        for batch in self._batches(lengths):
            if cancelled is not None and cancelled():
                return None
            vecs = self._run([ids[i] for i in batch], n_instr)
            out[batch] = vecs
            done += len(batch)
            if on_batch is not None:
                on_batch(batch, vecs)
            if progress is not None:
                progress(done, len(inputs))
        return out

    def _tokenize(self, inputs: list[str]) -> list[list[int]]:
        """Token ids as if each whole text were tokenised and then cut to max_seq_length, keeping its closing
        special tokens (as truncation does); the family's end token is appended where the tokenizer lacks it.

        Done once, in small chunks: the tokenizer holds the GIL, and a long call would stall the window."""
        limit, long_from = self.max_seq_length, self.max_seq_length * PREFIX_CHARS
        ids: list[list[int]] = [[] for _ in inputs]
        short = [i for i, text in enumerate(inputs) if len(text) <= long_from]
        for start in range(0, len(short), TOKENIZE_CHUNK):
            chunk = short[start:start + TOKENIZE_CHUNK]
            rows = self.tokenizer([inputs[i] for i in chunk], truncation=True, max_length=limit + 1)["input_ids"]
            for i, row in zip(chunk, rows):
                ids[i] = row
        for i, text in enumerate(inputs):
            if len(text) > long_from:
                ids[i] = self._tokenize_long(text, limit + 1)
        if self._need_extra:
            ids = [row + self._end for row in ids]
        self.truncated = sum(len(row) > limit for row in ids)
        closing = self._tail + self._end if self._need_extra else self._tail
        return [row if len(row) <= limit else row[:limit - len(closing)] + closing for row in ids]

    def _tokenize_long(self, text: str, max_length: int) -> list[int]:
        """tokenizer(text, truncation, max_length) without tokenising megabytes: a prefix that ends at a word's
        end is tokenised, doubling it until enough tokens lie before its last word and the whitespace before it.
        A tokenizer that splits words at whitespace gives those tokens whatever follows (a run of blanks, a
        block of CJK text), so they are the whole text's first tokens."""
        need = max_length - len(self.tokenizer("")["input_ids"])  # content tokens that truncation keeps
        size = max_length * PREFIX_CHARS
        while self._prefix_safe and need > 0 and size < len(text):
            found = _WORD_END.search(text, size - 1)
            if found is None:
                break
            prefix = text[:found.end()]
            word = len(prefix)
            while word and not prefix[word - 1].isspace():
                word -= 1
            stable = len(prefix[:word].rstrip())  # tokens ending here do not depend on the last word
            offsets = self.tokenizer(prefix, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
            if len(offsets) >= need and offsets[need - 1][1] <= stable:
                return self.tokenizer(prefix, truncation=True, max_length=max_length)["input_ids"]
            size = 2 * len(prefix)  # past a long run of blanks or CJK that ended this prefix
        return self.tokenizer(text, truncation=True, max_length=max_length)["input_ids"]

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Longest first (an out-of-memory shows early); on CUDA a batch is also capped by a token budget."""
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        budget = GPU_TOKEN_BUDGET if self.device == "cuda" else math.inf
        batches: list[list[int]] = []
        current: list[int] = []
        for i in order:
            longest = lengths[current[0]] if current else lengths[i]
            if current and (len(current) >= self.batch_size or (len(current) + 1) * longest > budget):
                batches.append(current)
                current = []
            current.append(i)
        return batches + [current] if current else batches

    def _run(self, inputs: list[list[int]], n_instr: int) -> np.ndarray:
        """One batch; on out-of-memory the batch is halved and the smaller size kept for later batches."""
        try:
            return self._forward(inputs, n_instr)
        except (torch.OutOfMemoryError, RuntimeError) as exc:
            if not isinstance(exc, torch.OutOfMemoryError) and "out of memory" not in str(exc):
                raise
            if self.device == "cuda":
                torch.cuda.empty_cache()
            if len(inputs) == 1:
                raise InputError("out of memory even for a single note; try --device cpu") from None
            half = len(inputs) // 2
            self.batch_size = max(1, half)
            return np.concatenate([self._run(inputs[:half], n_instr), self._run(inputs[half:], n_instr)])

    def _pad(self, inputs: list[list[int]]) -> dict[str, torch.Tensor]:
        """Rows of ids padded to the longest (on CUDA, to a multiple of GPU_PAD_MULTIPLE) on the family's side."""
        width = max(len(row) for row in inputs)
        if self.device == "cuda":
            width = -(-width // GPU_PAD_MULTIPLE) * GPU_PAD_MULTIPLE
        ids = torch.full((len(inputs), width), int(self.tokenizer.pad_token_id or 0), dtype=torch.long)
        mask = torch.zeros((len(inputs), width), dtype=torch.long)
        left = self.tokenizer.padding_side == "left"
        for i, row in enumerate(inputs):
            span = slice(width - len(row), width) if left else slice(0, len(row))
            ids[i, span] = torch.tensor(row, dtype=torch.long)
            mask[i, span] = 1
        return {"input_ids": ids.to(self.device), "attention_mask": mask.to(self.device)}

    @torch.inference_mode()
    def _forward(self, inputs: list[list[int]], n_instr: int) -> np.ndarray:
        enc = self._pad(inputs)
        if self.runtime == "native":
            tokens = self.backbone(enc["input_ids"], enc["attention_mask"])
        else:
            extra = {"use_cache": False} if self.family.pooling == "last" else {}  # a decoder keeps no cache
            tokens = self.backbone(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                   **extra).last_hidden_state
        if self.family.pooling == "last":  # the last real token, whichever side the padding is on
            positions = torch.arange(tokens.shape[1], device=tokens.device)
            last = (enc["attention_mask"] * positions).argmax(1)
            pooled = tokens[torch.arange(len(last), device=tokens.device), last].float()
        elif self.cls_pooling:
            pooled = tokens[:, 0].float()
        else:
            mask = enc["attention_mask"].clone()
            mask[:, :n_instr] = 0
            empty = mask.sum(1) == 0  # the note merged into the instruction's tokens: pool everything instead
            mask[empty] = enc["attention_mask"][empty]
            weights = mask.unsqueeze(-1).to(torch.float32)
            pooled = (tokens.float() * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        if self.dense is not None:
            pooled = self.dense(pooled.to(self.dtype)).float()
        return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()


def _splits_at_whitespace(tokenizer) -> bool:
    """Whether the tokenizer cuts text into words at whitespace before its model sees them (WhitespaceSplit,
    BERT's, a splitting Metaspace, GPT-style byte-level patterns), so that no token spans a word and the blanks
    after it. Without that, long notes are always tokenised whole."""
    try:
        pre_tokenizer = tokenizer.backend_tokenizer.pre_tokenizer
        node = json.loads(pre_tokenizer.__getstate__()) if pre_tokenizer is not None else None
    except (AttributeError, ValueError, TypeError):
        return False

    def splits(node) -> bool:
        if not isinstance(node, dict):
            return False
        kind = node.get("type")
        if kind == "Sequence":
            return any(splits(p) for p in node.get("pretokenizers", []))
        if kind == "Metaspace":
            return bool(node.get("split", True))
        if kind == "ByteLevel":
            return bool(node.get("use_regex", True))
        if kind == "Split":
            pattern = node.get("pattern")
            regex = pattern.get("Regex", "") if isinstance(pattern, dict) else ""
            return r"\s" in regex  # a GPT-style pattern: words and runs of blanks apart
        return kind in ("WhitespaceSplit", "Whitespace", "BertPreTokenizer")

    return splits(node)
