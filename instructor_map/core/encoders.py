"""INSTRUCTOR and plain sentence encoders behind one small interface.

Both prepend the instruction to each text, run the encoder on the whole input, leave the instruction's tokens out
of the mean pooling, apply the Dense layer when the model has one, and L2-normalise, as the INSTRUCTOR
reference code (the InstructorEmbedding package) does.
"""
from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from torch import nn

from instructor_map.core.errors import InputError
from instructor_map.core.models import ModelSpec, pick_device, resolve_model

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
CHARS_PER_TOKEN_CAP = 32  # a note is cut to max_seq_length x this many characters before tokenising


def _load_state(folder: Path) -> dict[str, torch.Tensor]:
    if (folder / "model.safetensors").is_file():
        from safetensors.torch import load_file

        return load_file(str(folder / "model.safetensors"))
    return torch.load(folder / "pytorch_model.bin", map_location="cpu", weights_only=True)


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
    try:
        state = {k.removeprefix("linear."): v for k, v in _load_state(folder).items()}
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

    def __init__(self, spec: ModelSpec, device: str | None = "auto", fast: bool = False, batch_size: int | None = None):
        from transformers import AutoModel, AutoTokenizer, T5EncoderModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        self.spec, self.model_id, self.kind = spec, spec.model_id, spec.kind
        self.device = pick_device(device)
        self.fast = bool(fast) and self.device == "cpu"
        cuda_bf16 = self.device == "cuda" and torch.cuda.is_bf16_supported()
        self.dtype = torch.bfloat16 if cuda_bf16 else torch.float32  # T5 overflows in fp16
        folder = spec.path
        modules = _modules(folder)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            backbone_cls = T5EncoderModel if spec.kind == "instructor" else AutoModel
            t5_on_cuda = self.device == "cuda" and spec.kind == "instructor"
            attention: dict[str, Any] = {"attn_implementation": GPU_ATTENTION} if t5_on_cuda else {}
            self.backbone = backbone_cls.from_pretrained(str(folder), dtype=self.dtype, **attention).eval()
        except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as exc:
            raise InputError(f"cannot load the model: {str(exc).splitlines()[0]}", folder) from None
        self.tokenizer.padding_side = "right"  # instruction tokens are the first ones of every row
        self.dense = _load_dense(modules["Dense"]).eval() if "Dense" in modules else None
        pooling = {}
        if "Pooling" in modules and (modules["Pooling"] / "config.json").is_file():
            pooling = json.loads((modules["Pooling"] / "config.json").read_text())
        self.cls_pooling = bool(pooling.get("pooling_mode_cls_token")) and not pooling.get("pooling_mode_mean_tokens")
        self.max_seq_length = self._max_seq_length(folder)
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

    def _max_seq_length(self, folder: Path) -> int:
        length = 512
        config = folder / "sentence_bert_config.json"
        if config.is_file():
            length = int(json.loads(config.read_text()).get("max_seq_length") or length)
        limit = getattr(self.backbone.config, "max_position_embeddings", None)
        return min(length, limit) if limit else length

    @classmethod
    def load(cls, name: str | None = None, **kwargs) -> Encoder:
        return cls(resolve_model(name), **kwargs)

    @property
    def description(self) -> str:
        mode = "int8 fast mode" if self.fast else ("bf16" if self.dtype == torch.bfloat16 else "fp32")
        return f"{self.spec.display_name} on {self.device.upper()} ({mode})"

    def instruction_length(self, instruction: str) -> int:
        """Tokens of the instruction left out of pooling: its tokens minus the closing special token."""
        ids = self.tokenizer(instruction.strip())["input_ids"]
        n = len(ids) - (1 if ids and ids[-1] in self.tokenizer.all_special_ids else 0)
        return n if n > 1 else 0

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
        cut = self.max_seq_length * CHARS_PER_TOKEN_CAP  # far beyond what fits; spares tokenising megabytes
        inputs = [(instruction + t.strip()[:cut]).strip() for t in texts]
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
        """Token ids, each cut to max_seq_length keeping its closing special token (as truncation does).

        Done once, in small chunks: the tokenizer holds the GIL, and a long call would stall the window."""
        limit, ids = self.max_seq_length, []
        for start in range(0, len(inputs), TOKENIZE_CHUNK):
            ids += self.tokenizer(inputs[start:start + TOKENIZE_CHUNK], truncation=True,
                                  max_length=limit + 1)["input_ids"]
        self.truncated = sum(len(row) > limit for row in ids)
        return [row if len(row) <= limit else row[:limit - 1] + row[-1:] for row in ids]

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

    @torch.inference_mode()
    def _forward(self, inputs: list[list[int]], n_instr: int) -> np.ndarray:
        multiple = GPU_PAD_MULTIPLE if self.device == "cuda" else None
        enc = self.tokenizer.pad({"input_ids": inputs}, padding=True, pad_to_multiple_of=multiple,
                                 return_tensors="pt").to(self.device)
        tokens = self.backbone(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        if self.cls_pooling:
            pooled = tokens[:, 0].float()
        else:
            mask = enc["attention_mask"].clone()
            mask[:, :n_instr] = 0
            empty = mask.sum(1) == 0  # the instruction filled the whole window: pool everything instead
            mask[empty] = enc["attention_mask"][empty]
            weights = mask.unsqueeze(-1).to(torch.float32)
            pooled = (tokens.float() * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        if self.dense is not None:
            pooled = self.dense(pooled.to(self.dtype)).float()
        return torch.nn.functional.normalize(pooled, dim=-1).cpu().numpy()
