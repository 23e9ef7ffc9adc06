"""Model families: how the task enters a model, how its tokens are pooled, and how a model folder is recognised.

- instructor: INSTRUCTOR (T5 + Dense); [task, note] pairs, mean over the note's tokens only.
- qwen3: Qwen3-Embedding; "Instruct: {task}\\nQuery:" before the note, left padding, <|endoftext|> closes every
  input, the last token is the vector.
- e5-instruct: multilingual-e5-large-instruct (XLM-R); "Instruct: {task}\\nQuery: " before the note, mean over all
  tokens.
- sentence: a plain sentence-transformers model (the bundled MiniLM); the task is prepended and left out of the mean.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

TASK = "{task}"


@dataclass(frozen=True)
class Family:
    name: str
    template: str  # what comes before the note; TASK stands for the task
    pooling: str  # "mean-text" (the task's tokens left out), "mean" (all tokens) or "last" (the last real token)
    padding_side: str = "right"
    end_token: str = ""  # a token every input must end with (appended when the tokenizer does not add it)
    instruction_tuned: bool = True

    def prompt(self, task: str) -> str:
        """The text put before each note for `task`; no task, no prompt."""
        if self.template == TASK:
            return task
        return self.template.replace(TASK, task.strip()) if task.strip() else ""

    def cache_instruction(self, task: str) -> str:
        """What vectors of `task` are cached under: the task itself for INSTRUCTOR and plain models (as projects
        have always recorded it), the family and its whole prompt otherwise, so no two ways of embedding share
        vectors."""
        return task if self.template == TASK else f"{self.name}|{self.prompt(task)}"


INSTRUCTOR = Family("instructor", TASK, "mean-text")
QWEN3 = Family("qwen3", "Instruct: {task}\nQuery:", "last", padding_side="left", end_token="<|endoftext|>")
E5_INSTRUCT = Family("e5-instruct", "Instruct: {task}\nQuery: ", "mean")
SENTENCE = Family("sentence", TASK, "mean-text", instruction_tuned=False)
FAMILIES = {f.name: f for f in (INSTRUCTOR, QWEN3, E5_INSTRUCT, SENTENCE)}

_STAMPED = ("config.json", "config_sentence_transformers.json")  # the files detection reads


def _read(path: Path) -> dict | list:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict | list) else {}


def _prompts(folder: Path) -> list[str]:
    config = _read(folder / "config_sentence_transformers.json")
    prompts = config.get("prompts") if isinstance(config, dict) else None
    return [str(p) for p in prompts.values()] if isinstance(prompts, dict) else []


def _detect(folder: Path) -> Family:
    config = _read(folder / "config.json")
    model_type = str(config.get("model_type", "")) if isinstance(config, dict) else ""
    if model_type == "t5":
        return INSTRUCTOR
    if model_type == "qwen3":
        return QWEN3
    if model_type == "xlm-roberta":
        names = [folder.name] + [part for part in folder.parts if part.startswith("models--")]  # hub snapshots
        if any(p.startswith("Instruct:") for p in _prompts(folder)) or any("instruct" in n.lower() for n in names):
            return E5_INSTRUCT
    return SENTENCE


@lru_cache(maxsize=64)
def _detect_stamped(folder: str, stamp: tuple[int, ...]) -> Family:
    return _detect(Path(folder))


def detect_family(folder: str | os.PathLike) -> Family:
    """The family of the model in `folder`, from its config.json and sentence-transformers files. Detection is
    remembered until one of those files changes."""
    folder = Path(folder)
    stamp: list[int] = []
    for name in _STAMPED:
        try:
            info = (folder / name).stat()
            stamp += [info.st_mtime_ns, info.st_size]
        except OSError:
            stamp += [0, 0]
    return _detect_stamped(str(folder), tuple(stamp))


def _hub_folder(repo_id: str) -> Path | None:
    """The cached snapshot of a hub model, found without the network; None when it is not cached."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, "config.json")
    except (ImportError, ValueError, OSError):
        return None
    return Path(found).parent if isinstance(found, str) else None


def family_of(model) -> Family | None:
    """The family of a ModelSpec, a model folder, or a model id as projects record it (a folder or a cached hub
    id); None when the model cannot be found on this machine (the bundled model is a plain one)."""
    if isinstance(model, Family):
        return model
    path = getattr(model, "path", None)
    if path is not None:
        return detect_family(path)
    name = str(model)
    if name == "bundled":
        return SENTENCE
    folder = Path(name).expanduser()
    if folder.is_dir():
        return detect_family(folder)
    if name.count("/") == 1 and not folder.is_absolute():
        hub = _hub_folder(name)
        return detect_family(hub) if hub is not None else _by_name(name)
    return None


def _by_name(repo_id: str) -> Family | None:
    """A hub model not on this machine, recognised by its name, so that its saved vectors stay found."""
    name = repo_id.lower()
    if "qwen3-embedding" in name:
        return QWEN3
    if "e5" in name and "instruct" in name:
        return E5_INSTRUCT
    return INSTRUCTOR if "instructor" in name else None


def cache_instruction(model: str, task: str) -> str:
    """The instruction under which `model`'s vectors for `task` are cached (see Family.cache_instruction)."""
    family = family_of(model)
    return task if family is None else family.cache_instruction(task)
