"""BERT and T5 encoders in plain torch, for the CPU: the same arithmetic as transformers' BertModel and
T5EncoderModel, loaded from the same weight files, without importing transformers (about 2 s of a cold start).

Only what embedding needs: the encoder's last hidden states for padded token ids and their attention mask. A
config outside what is written here (another position scheme, an activation not listed) gets None from
`native_backbone`, and the encoder uses transformers instead.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import torch
from torch import nn
from torch.nn import functional as F

Activation = Callable[[torch.Tensor], torch.Tensor]


def _tanh_gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x, approximate="tanh")


_BERT_ACTS: dict[str, Activation] = {"gelu": F.gelu, "relu": F.relu, "gelu_new": _tanh_gelu,
                                     "gelu_pytorch_tanh": _tanh_gelu}
_T5_ACTS: dict[str, Activation] = {"relu": F.relu, "gelu": F.gelu, "gelu_new": _tanh_gelu, "silu": F.silu}


class BertEncoder(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        self.config = config
        d, eps = config.hidden_size, config.layer_norm_eps
        self.word_embeddings = nn.Embedding(config.vocab_size, d)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, d)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, d)
        self.embed_norm = nn.LayerNorm(d, eps=eps)
        self.layers = nn.ModuleList(_BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings.weight[0] + self.position_embeddings(positions)
        x = self.embed_norm(x)
        mask = attention_mask.bool()[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        return x

    @staticmethod
    def weight_names(name: str) -> str | None:
        """transformers' name of a weight -> this module's, or None for weights embedding does not use."""
        name = name.removeprefix("bert.")
        if not name.startswith(("embeddings.", "encoder.")) or name == "embeddings.position_ids":
            return None
        if "LayerNorm." in name:  # older files name a layer norm's scale and shift gamma and beta
            name = name.replace(".gamma", ".weight").replace(".beta", ".bias")
        name = name.replace("embeddings.LayerNorm.", "embed_norm.").removeprefix("embeddings.")
        name = name.replace("encoder.layer.", "layers.").replace("attention.self.", "")
        return name.replace("attention.output.", "attn_out.").replace("intermediate.dense.", "ff_in.")


class _BertLayer(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        d, eps = config.hidden_size, config.layer_norm_eps
        self.heads = config.num_attention_heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
        self.attn_out = nn.ModuleDict({"dense": nn.Linear(d, d), "LayerNorm": nn.LayerNorm(d, eps=eps)})
        self.ff_in = nn.Linear(d, config.intermediate_size)
        self.output = nn.ModuleDict({"dense": nn.Linear(config.intermediate_size, d),
                                     "LayerNorm": nn.LayerNorm(d, eps=eps)})
        self.act = _BERT_ACTS[config.hidden_act]

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, s, self.heads, d // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.query(x)), split(self.key(x)), split(self.value(x)),
                                                 attn_mask=mask)
        context = context.transpose(1, 2).reshape(b, s, d)
        x = self.attn_out["LayerNorm"](self.attn_out["dense"](context) + x)
        return self.output["LayerNorm"](self.output["dense"](self.act(self.ff_in(x))) + x)


class T5Encoder(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        self.config = config
        self.shared = nn.Embedding(config.vocab_size, config.d_model)
        self.relative_attention_bias = nn.Embedding(config.relative_attention_num_buckets, config.num_heads)
        self.block = nn.ModuleList(_T5Block(config) for _ in range(config.num_layers))
        self.final_layer_norm = _T5Norm(config.d_model, config.layer_norm_epsilon)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        x = self.shared(input_ids)
        s = input_ids.shape[1]
        bias = self.position_bias(s, x.device).to(x.dtype)
        blocked = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        bias = bias + blocked  # (batch, heads, query, key)
        for block in self.block:
            x = block(x, bias)
        return self.final_layer_norm(x)

    def position_bias(self, length: int, device: torch.device) -> torch.Tensor:
        """T5's bidirectional relative position buckets, looked up once and shared by every block."""
        positions = torch.arange(length, dtype=torch.long, device=device)
        relative = positions[None, :] - positions[:, None]
        half = self.config.relative_attention_num_buckets // 2
        buckets = (relative > 0).to(torch.long) * half
        relative = relative.abs()
        exact = half // 2
        reach = math.log(self.config.relative_attention_max_distance / exact)
        far = exact + (torch.log(relative.float() / exact) / reach * (half - exact)).to(torch.long)
        far = torch.minimum(far, torch.full_like(far, half - 1))
        buckets = buckets + torch.where(relative < exact, relative, far)
        return self.relative_attention_bias(buckets).permute(2, 0, 1).unsqueeze(0)

    @staticmethod
    def weight_names(name: str) -> str | None:
        if name in ("shared.weight", "encoder.embed_tokens.weight"):
            return "shared.weight"
        if not name.startswith("encoder."):
            return None  # a decoder, or the language-model head, of a whole T5
        name = name.removeprefix("encoder.")
        bias = "block.0.layer.0.SelfAttention.relative_attention_bias."
        return name.replace(bias, "relative_attention_bias.")


class _T5Norm(nn.Module):
    """T5's layer norm: scale only, no mean taken away, the variance in fp32."""

    def __init__(self, d: int, eps: float):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        variance = x.to(torch.float32).pow(2).mean(-1, keepdim=True)
        x = x * torch.rsqrt(variance + self.eps)
        return self.weight * x.to(self.weight.dtype)


class _T5Attention(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        inner = config.num_heads * config.d_kv
        self.heads, self.d_kv = config.num_heads, config.d_kv
        self.q, self.k = nn.Linear(config.d_model, inner, bias=False), nn.Linear(config.d_model, inner, bias=False)
        self.v, self.o = nn.Linear(config.d_model, inner, bias=False), nn.Linear(inner, config.d_model, bias=False)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, s, self.heads, self.d_kv).transpose(1, 2)

        out = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                             attn_mask=bias, scale=1.0)  # T5 does not scale the scores
        return self.o(out.transpose(1, 2).reshape(b, s, -1))


class _T5FeedForward(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        proj = str(config.feed_forward_proj)
        self.gated = proj.startswith("gated-")
        act = proj.removeprefix("gated-")
        self.act = _T5_ACTS["gelu_new" if proj == "gated-gelu" else act]
        d, ff = config.d_model, config.d_ff
        if self.gated:
            self.wi_0, self.wi_1 = nn.Linear(d, ff, bias=False), nn.Linear(d, ff, bias=False)
        else:
            self.wi = nn.Linear(d, ff, bias=False)
        self.wo = nn.Linear(ff, d, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.act(self.wi_0(x)) * self.wi_1(x) if self.gated else self.act(self.wi(x))
        return self.wo(hidden)


class _T5Block(nn.Module):
    def __init__(self, config: SimpleNamespace):
        super().__init__()
        norm0, norm1 = (_T5Norm(config.d_model, config.layer_norm_epsilon) for _ in range(2))
        self.layer = nn.ModuleList([nn.ModuleDict({"SelfAttention": _T5Attention(config), "layer_norm": norm0}),
                                    nn.ModuleDict({"DenseReluDense": _T5FeedForward(config), "layer_norm": norm1})])

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        attention, ff = (cast(nn.ModuleDict, part) for part in self.layer)
        x = x + attention["SelfAttention"](attention["layer_norm"](x), bias)
        return x + ff["DenseReluDense"](ff["layer_norm"](x))


_T5_DEFAULTS = {"relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
                "layer_norm_epsilon": 1e-6, "feed_forward_proj": "relu", "d_kv": 64}
_BERT_DEFAULTS = {"type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu",
                  "position_embedding_type": "absolute"}


def _config(folder: Path) -> SimpleNamespace | None:
    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("model_type")
    if kind == "t5":
        config = SimpleNamespace(**{**_T5_DEFAULTS, **data})
        proj = str(config.feed_forward_proj)
        act = "gelu_new" if proj == "gated-gelu" else proj.removeprefix("gated-")
        return config if act in _T5_ACTS and proj.count("-") <= 1 else None
    if kind == "bert":
        config = SimpleNamespace(**{**_BERT_DEFAULTS, **data})
        known = config.hidden_act in _BERT_ACTS and config.position_embedding_type == "absolute"
        return config if known and config.hidden_size % config.num_attention_heads == 0 else None
    return None


def native_backbone(folder: Path) -> BertEncoder | T5Encoder | None:
    """An empty BERT or T5 encoder shaped by the folder's config.json, or None when it describes another model."""
    config = _config(folder)
    if config is None:
        return None
    try:
        return (T5Encoder if config.model_type == "t5" else BertEncoder)(config)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None  # a config missing a size: let transformers say what is wrong


def load_backbone(module: BertEncoder | T5Encoder, state: dict[str, torch.Tensor]) -> list[str]:
    """Put a weights file's tensors into `module`; the names of the weights the file lacks ([] when complete)."""
    rename = module.weight_names
    own = module.state_dict()
    found: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        target = rename(name)
        if target in own and target not in found:
            if tuple(tensor.shape) != tuple(own[target].shape):
                raise ValueError(f"{name} has shape {tuple(tensor.shape)}, the config says {tuple(own[target].shape)}")
            found[target] = tensor
    missing = [name for name in own if name not in found]
    if not missing:
        module.load_state_dict(found)
    return missing
