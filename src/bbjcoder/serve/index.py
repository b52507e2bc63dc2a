"""The knowledge index: BM25 (bm25s) over document chunks, cached on disk, refreshed on change.

    kb = KnowledgeBase(["training-data"], cache_dir="~/.cache/bbjcoder/knowledge")
    hits = kb.search("open a DWC window with a grid", generation="dwc", limit=5)

Cache layout, one folder per index version, named by its content key:

    <cache_dir>/<key>/manifest.json   {"format": 1, "key": "9f2c...", "folders": ["/abs/training-data"],
                                       "files": 324, "chunks": 1012, "problems": [...]}
    <cache_dir>/<key>/chunks.jsonl    one Chunk record per line, in index order:
                                      {"source": "training-data/dwc/x.md", "line": 9, "title": "...",
                                       "section": "Code", "text": "```bbj\\n...", "generation": ["dwc"],
                                       "kind": "example", "extra": "description and tags"}
    <cache_dir>/<key>/*.index.*       the bm25s arrays and vocabulary (BM25.save)

The key hashes the format, the tokenizer, the resolved folders and every file's path and bytes, so
any edit, addition or removal gives a new key and a rebuild; older versions of the same folders are
removed after a build. A folder is written under a temporary name and renamed into place, so a
crash never leaves a half-written index that a later start would load.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .documents import Chunk, chunk_file, find_files

__all__ = ["KnowledgeIndex", "KnowledgeBase", "SearchHit", "tokenize", "content_key", "INDEX_FORMAT"]

log = logging.getLogger("bbjcoder.serve")

INDEX_FORMAT = 1  # bump when Chunk, the chunker or the tokenizer changes
_TOKENIZER = "words+camel-v1"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+")
_CAMEL = re.compile(r"[A-Z]*[a-z]+|[A-Z]+(?![a-z])|\d+")  # BBjAPI -> BBj, API
_MAX_PER_SOURCE = 2  # hits from one file in one answer: keeps one long example from filling the list


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(text: str, stopwords: frozenset[str] = frozenset()) -> list[str]:
    """Lower-cased words, with camelCase parts added, stopwords and 1-letter words left out.

    >>> tokenize("win! = BBjAPI().getWebManager()")
    ['win', 'bbjapi', 'bbj', 'api', 'getwebmanager', 'get', 'web', 'manager']
    """
    tokens: list[str] = []
    for word in _WORD.findall(text):
        low = word.lower()
        if len(low) > 1 and low not in stopwords:
            tokens.append(low)
        parts = _CAMEL.findall(word)
        if len(parts) > 1:
            tokens.extend(p.lower() for p in parts if len(p) > 1 and p.lower() not in stopwords)
    return tokens


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    score: float


def content_key(folders: list[Path], files: list[tuple[str, bytes]]) -> str:
    """The cache key: a hash of the format, the tokenizer, the folders and each file's path and bytes."""
    h = hashlib.sha256(f"bbjcoder-knowledge {INDEX_FORMAT} {_TOKENIZER}\n".encode())
    for folder in folders:
        h.update(f"folder {folder}\n".encode())
    for display, data in files:
        h.update(f"file {display} {hashlib.sha256(data).hexdigest()}\n".encode())
    return h.hexdigest()[:24]


class KnowledgeIndex:
    """One immutable version of the index: chunks plus their BM25 scores."""

    def __init__(self, chunks: list[Chunk], retriever, key: str, problems: list[str], *,
                 files: int = 0, from_cache: bool = False) -> None:
        self.chunks = chunks
        self.retriever = retriever  # bm25s.BM25, None when there are no chunks
        self.key = key
        self.problems = problems
        self.files = files
        self.from_cache = from_cache
        self._stopwords = _stopwords()

    @classmethod
    def open(cls, folders: list[str], cache_dir: str | Path) -> "KnowledgeIndex":
        """Load the cached index of these folders' current contents, or build and cache it."""
        roots = [Path(f).resolve() for f in folders]
        found, problems = find_files(folders)
        contents = []
        for f in found:
            try:
                contents.append((f.display, f.path.read_bytes()))
            except OSError as exc:
                problems.append(f"{f.display}: not indexed: cannot read ({exc.strerror})")
        key = content_key(roots, contents)
        where = Path(cache_dir).expanduser() / key
        if (where / "manifest.json").is_file():
            try:
                return cls._load(where, key)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("knowledge cache %s unreadable (%s); rebuilding", where, exc)
        index = cls._build(contents, key, problems)
        if contents:
            index._save(Path(cache_dir).expanduser(), roots)
        return index

    @classmethod
    def _build(cls, contents: list[tuple[str, bytes]], key: str, problems: list[str]) -> "KnowledgeIndex":
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs each build at DEBUG
        chunks: list[Chunk] = []
        for display, data in contents:
            file_chunks, file_problems = chunk_file(display, data)
            chunks += file_chunks
            problems = problems + file_problems
        retriever = None
        if chunks:
            stop = _stopwords()
            retriever = bm25s.BM25()
            retriever.index([tokenize(c.index_text(), stop) or [""] for c in chunks], show_progress=False)
        return cls(chunks, retriever, key, problems, files=len(contents))

    def _save(self, cache_dir: Path, roots: list[Path]) -> None:
        """Write into a temporary folder, rename it to <key>, then drop older versions of these folders."""
        target = cache_dir / self.key
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=cache_dir))
        except OSError as exc:
            log.warning("cannot cache the knowledge index in %s (%s); it stays in memory", cache_dir, exc)
            return
        try:
            if self.retriever is not None:
                self.retriever.save(str(tmp), show_progress=False)
            with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as out:
                for chunk in self.chunks:
                    out.write(json.dumps(chunk.to_record(), ensure_ascii=False) + "\n")
            manifest = {"format": INDEX_FORMAT, "key": self.key, "folders": [str(r) for r in roots],
                        "files": self.files, "chunks": len(self.chunks), "problems": self.problems,
                        "built": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
            try:
                tmp.rename(target)
            except OSError:  # another process cached the same key first: theirs is as good
                pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        self._prune(cache_dir, [str(r) for r in roots])

    def _prune(self, cache_dir: Path, folders: list[str]) -> None:
        for other in cache_dir.iterdir():
            if other.name == self.key or other.name.startswith("."):
                continue
            try:
                manifest = json.loads((other / "manifest.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if manifest.get("folders") == folders:
                shutil.rmtree(other, ignore_errors=True)

    @classmethod
    def _load(cls, where: Path, key: str) -> "KnowledgeIndex":
        import bm25s

        manifest = json.loads((where / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != INDEX_FORMAT or manifest.get("key") != key:
            raise ValueError(f"manifest format {manifest.get('format')} / key {manifest.get('key')}")
        with open(where / "chunks.jsonl", encoding="utf-8") as lines:
            chunks = [Chunk.from_record(json.loads(line)) for line in lines if line.strip()]
        if len(chunks) != manifest["chunks"]:
            raise ValueError(f"{len(chunks)} chunks, manifest says {manifest['chunks']}")
        retriever = bm25s.BM25.load(str(where)) if chunks else None
        return cls(chunks, retriever, key, list(manifest.get("problems", [])), files=manifest.get("files", 0),
                   from_cache=True)

    def search(self, query: str, generation: str | None = None, limit: int = 5) -> list[SearchHit]:
        """Best chunks for the query, best first; generation None or 'all' matches every chunk, a
        label matches chunks carrying it or 'all'. Chunks that share no word with the query are not hits."""
        import numpy as np

        words = tokenize(query, self._stopwords)
        if self.retriever is None or not words:
            return []
        scores = self.retriever.get_scores(words)
        if generation and generation != "all":
            mask = np.array([generation in c.generation or "all" in c.generation for c in self.chunks])
            scores = np.where(mask, scores, 0.0)
        hits: list[SearchHit] = []
        per_source: dict[str, int] = {}
        for i in np.argsort(-scores, kind="stable"):
            if scores[i] <= 0 or len(hits) >= limit:
                break
            chunk = self.chunks[int(i)]
            if per_source.get(chunk.source, 0) >= _MAX_PER_SOURCE:
                continue
            per_source[chunk.source] = per_source.get(chunk.source, 0) + 1
            hits.append(SearchHit(chunk, float(scores[i])))
        return hits


@dataclass
class KnowledgeBase:
    """The index of the configured folders, kept current: searches re-check the files at most every
    refresh_seconds and switch to a rebuilt index when any changed. Thread-safe."""

    folders: list[str]
    cache_dir: str | Path
    refresh_seconds: float = 10.0
    index: KnowledgeIndex = field(init=False)
    _signature: tuple = field(init=False, default=())
    _checked: float = field(init=False, default=0.0)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        missing = [f for f in self.folders if not Path(f).is_dir()]
        if missing:
            raise ConfigError(f"knowledge: folder(s) not found: {', '.join(missing)} "
                              f"(working directory {os.getcwd()}); fix --knowledge or use absolute paths")
        self._signature = self._stat_signature()
        self.index = KnowledgeIndex.open(self.folders, self.cache_dir)
        self._checked = time.monotonic()

    def _stat_signature(self) -> tuple:
        files, _ = find_files(self.folders)
        stats = []
        for f in files:
            try:
                st = f.path.stat()
            except OSError:  # removed since the walk: the next check sees the folder settled
                continue
            stats.append((f.display, st.st_size, st.st_mtime_ns))
        return tuple(stats)

    def refresh(self, force: bool = False) -> bool:
        """Rebuild when files were added, removed or changed; True when the index changed."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._checked < self.refresh_seconds:
                return False
            self._checked = now
            signature = self._stat_signature()
            if signature == self._signature and not force:
                return False
            for folder in self.folders:
                if not Path(folder).is_dir():
                    log.warning("knowledge folder %s has gone; searching without it", folder)
            index = KnowledgeIndex.open(self.folders, self.cache_dir)
            self._signature = signature
            changed = index.key != self.index.key
            self.index = index
        if changed:
            log.info("knowledge index rebuilt: %d chunks from %d files", len(index.chunks), index.files)
        return changed

    def search(self, query: str, generation: str | None = None, limit: int = 5) -> list[SearchHit]:
        self.refresh()
        return self.index.search(query, generation, limit)
