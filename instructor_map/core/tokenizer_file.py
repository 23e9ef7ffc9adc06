"""A model's tokenizer read from its tokenizer.json with the tokenizers library alone: the calls the encoder makes,
giving the ids transformers' tokenizer gives, without importing transformers.

transformers builds some tokenizers by their class rather than as the file says; those classes are rebuilt the same
way here (T5: the file's SentencePiece normalisation, then words split at whitespace and marked with "▁"). A class
not listed in `CLASSES` is left to transformers (`open_tokenizer` returns None).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CLASSES = ("BertTokenizer", "T5Tokenizer")
_DEFAULT_CLASS = {"bert": "BertTokenizer", "t5": "T5Tokenizer"}


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _token(value: Any) -> str | None:
    """A special token as tokenizer_config.json gives it: a string, or {"content": ...}."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) else None


class TokenizerFile:
    def __init__(self, folder: Path, kind: str, config: dict):
        from tokenizers import Tokenizer

        self.backend_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        if kind == "T5Tokenizer":
            self._as_t5()
        self.backend_tokenizer.no_padding()
        limit = config.get("model_max_length")
        self.model_max_length = int(limit) if isinstance(limit, int | float) and limit < 10**30 else 10**30
        self.padding_side = "right"
        specials = {t.content for t in self.backend_tokenizer.get_added_tokens_decoder().values() if t.special}
        named = {k: _token(config.get(k)) for k in ("pad_token", "unk_token", "eos_token", "bos_token", "cls_token",
                                                    "sep_token", "mask_token")}
        self.pad_token_id = self._id(named["pad_token"]) or 0
        self.unk_token_id = self._id(named["unk_token"])
        ids = (self._id(t) for t in specials | {t for t in named.values() if t})
        self.all_special_ids = sorted({i for i in ids if i is not None})

    def _as_t5(self) -> None:
        """transformers' T5Tokenizer keeps the file's vocabulary and SentencePiece normalisation (a Precompiled
        charsmap) and drops any other normaliser; words are split at whitespace, then marked with "▁"."""
        from tokenizers import normalizers, pre_tokenizers, processors

        backend = self.backend_tokenizer
        found = json.loads(backend.to_str()).get("normalizer") or {}
        parts = found.get("normalizers", [found]) if found.get("type") == "Sequence" else [found]
        charsmap = next((p["precompiled_charsmap"] for p in parts
                         if isinstance(p, dict) and p.get("type") == "Precompiled" and p.get("precompiled_charsmap")),
                        None)
        if charsmap is not None:
            import base64

            backend.normalizer = normalizers.Precompiled(base64.b64decode(charsmap))
        else:
            backend.normalizer = None
        backend.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.WhitespaceSplit(),
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)])
        end = backend.token_to_id("</s>")
        if end is not None:
            backend.post_processor = processors.TemplateProcessing(
                single=["$A", "</s>"], pair=["$A", "</s>", "$B", "</s>"], special_tokens=[("</s>", end)])

    def _id(self, token: str | None) -> int | None:
        return self.backend_tokenizer.token_to_id(token) if token else None

    def convert_tokens_to_ids(self, token: str) -> int | None:
        found = self._id(token)
        return found if found is not None else self.unk_token_id

    def __call__(self, text: str | list[str], truncation: bool = False, max_length: int | None = None,
                 add_special_tokens: bool = True, return_offsets_mapping: bool = False) -> dict[str, list]:
        """{"input_ids": ...} (and "offset_mapping"), one row per text, or the row itself for one text."""
        backend = self.backend_tokenizer
        if truncation:
            backend.enable_truncation(max_length or self.model_max_length, strategy="longest_first")
        else:
            backend.no_truncation()
        texts = [text] if isinstance(text, str) else list(text)
        rows = backend.encode_batch(texts, add_special_tokens=add_special_tokens)
        result: dict[str, list] = {"input_ids": [r.ids for r in rows]}
        if return_offsets_mapping:
            result["offset_mapping"] = [r.offsets for r in rows]
        return result if not isinstance(text, str) else {k: v[0] for k, v in result.items()}


def open_tokenizer(folder: Path) -> TokenizerFile | None:
    """The folder's tokenizer.json as transformers would read it, or None when that needs transformers itself."""
    if not (folder / "tokenizer.json").is_file():
        return None
    config = _read(folder / "tokenizer_config.json")
    model_type = _read(folder / "config.json").get("model_type")
    kind = str(config.get("tokenizer_class") or _DEFAULT_CLASS.get(str(model_type), "")).removesuffix("Fast")
    if kind not in CLASSES:
        return None
    for key, value in _read(folder / "special_tokens_map.json").items():
        config.setdefault(key, value)
    try:
        return TokenizerFile(folder, kind, config)
    except Exception:  # the tokenizers library raises plain Exceptions for a file it cannot read
        return None  # transformers then says what is wrong with it
