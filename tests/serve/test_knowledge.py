"""Knowledge documents and the BM25 index: chunks, generation labels, search, cache, refresh, confinement."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import pytest

from bbjcoder.errors import ConfigError
from bbjcoder.serve import config, documents, index, repair
from bbjcoder.serve.documents import chunk_file, detect_generations
from bbjcoder.serve.index import KnowledgeBase, KnowledgeIndex

from .support import DOC_HTML, EXAMPLE_DWC, EXAMPLE_UNLABELLED


@pytest.mark.parametrize("module", [config, documents, index, repair])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0


def test_example_chunks_by_section_with_front_matter_labels() -> None:
    chunks, problems = chunk_file("kb/dwc/styled-button.md", EXAMPLE_DWC.encode())
    assert problems == []
    assert [(c.section, c.line) for c in chunks] == [("Code", 10), ("Expected Behavior", 24), ("Explanation", 28)]
    code = chunks[0]
    assert code.title == "Open a DWC window with a styled button"
    assert code.generation == ("dwc",) and code.kind == "example"
    assert code.text.startswith("```bbj\nsysgui! = BBjAPI()") and "teal" in code.text
    assert "browser" in code.extra and "setstyle" in code.extra  # description and tags are searchable


def test_labels_detected_when_front_matter_has_none() -> None:
    chunks, _ = chunk_file("kb/read.md", EXAMPLE_UNLABELLED.encode())
    assert {c.generation for c in chunks} == {("all",)}
    assert detect_generations("wm! = BBjAPI().getWebManager()\nwm!.executeAsyncScript(js$)") == ("dwc",)
    assert detect_generations("x! = BBjAPI().getSysGui()") == ("bbj-gui",)
    assert detect_generations("print (1)'window'(10,10,100,100,\"x\")\nid = ctrl(1,101,2)") == ("vpro5",)
    assert detect_generations("print 'CS',@(0,0),\"Menu\"") == ("character",)
    assert detect_generations("api! = BBjAPI()\nprint 'CS'") == ("bbj-gui",)  # 'CS' counts only without BBjAPI


def test_html_docs_become_sections_without_scripts() -> None:
    chunks, problems = chunk_file("docs/webmanager.html", DOC_HTML.encode())
    assert problems == []
    assert [c.section for c in chunks] == ["", "executeAsyncScript"]
    assert all(c.title == "BBjWebManager" and c.line == 0 and c.kind == "doc" for c in chunks)
    assert "var x" not in "".join(c.text for c in chunks)
    assert "```\nwm! = BBjAPI().getWebManager()" in chunks[1].text
    assert chunks[1].generation == ("dwc",)


def test_unreadable_files_are_reported_not_skipped_silently() -> None:
    chunks, problems = chunk_file("kb/latin1.md", "caf\xe9".encode("latin-1"))
    assert chunks == [] and problems == ["kb/latin1.md: not indexed: not UTF-8 (byte 3)"]
    chunks, problems = chunk_file("kb/bad.md", b"---\ntitle: [x\n---\n## Code\n\nprint 1\n")
    assert [c.section for c in chunks] == ["Code"]
    assert problems[0].startswith("kb/bad.md: front matter is not valid YAML")


def test_long_sections_are_cut_at_paragraphs() -> None:
    body = "## Notes\n\n" + "\n\n".join(f"paragraph {i} " + "word " * 150 for i in range(12))
    chunks = documents.chunk_markdown("n.md", body)
    assert len(chunks) > 2 and all(len(c.text) <= documents.CHUNK_CHARS for c in chunks)
    assert {c.section for c in chunks} == {"Notes"}


def test_search_ranks_and_filters_by_generation(knowledge_dir: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase([str(knowledge_dir)], tmp_path / "cache")
    assert kb.index.files == 5 and kb.index.problems == []
    top = kb.search("addButton teal Save", limit=3)
    assert top[0].chunk.source == f"{knowledge_dir}/dwc/styled-button.md"
    assert top[0].chunk.section == "Code" and top[0].score > 0
    # a label matches chunks with that label or 'all'; 'all' and None match everything
    character = kb.search("window button screen keyed file", generation="character", limit=20)
    assert character and all({"character", "all"} & set(h.chunk.generation) for h in character)
    assert not any("styled-button" in h.chunk.source for h in character)
    assert len(kb.search("file screen button", generation="all", limit=20)) == len(
        kb.search("file screen button", limit=20))
    assert kb.search("zzzz qqqq") == [] and kb.search("the of and") == []


def test_search_keeps_at_most_two_hits_per_file(knowledge_dir: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase([str(knowledge_dir)], tmp_path / "cache")
    hits = kb.search("styled button window teal css browser setstyle", limit=10)
    sources = [h.chunk.source for h in hits]
    assert max(sources.count(s) for s in sources) <= 2


def test_index_is_cached_by_content_and_rebuilt_on_change(knowledge_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = KnowledgeIndex.open([str(knowledge_dir)], cache)
    again = KnowledgeIndex.open([str(knowledge_dir)], cache)
    assert not first.from_cache and again.from_cache and again.key == first.key
    assert [c.to_record() for c in again.chunks] == [c.to_record() for c in first.chunks]
    assert sorted(p.name for p in cache.iterdir()) == [first.key]
    (knowledge_dir / "docs" / "strings.md").write_text("# Strings\n\n## LEN\n\n`len(s$)` counts characters.\n")
    changed = KnowledgeIndex.open([str(knowledge_dir)], cache)
    assert changed.key != first.key and not changed.from_cache
    assert sorted(p.name for p in cache.iterdir()) == [changed.key]  # the stale version is gone
    assert any("counts characters" in c.text for c in changed.chunks)


def test_corrupt_cache_is_rebuilt(knowledge_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = KnowledgeIndex.open([str(knowledge_dir)], cache)
    (cache / first.key / "chunks.jsonl").write_text('{"broken": tru\n')
    again = KnowledgeIndex.open([str(knowledge_dir)], cache)
    assert not again.from_cache and len(again.chunks) == len(first.chunks)


def test_running_base_picks_up_new_files(knowledge_dir: Path, tmp_path: Path) -> None:
    kb = KnowledgeBase([str(knowledge_dir)], tmp_path / "cache", refresh_seconds=0)
    assert kb.search("mkeyed") == []
    (knowledge_dir / "docs" / "mkeyed.md").write_text('# MKEYED\n\nCreates a multi-keyed file: mkeyed "x",[0:1:10],0\n')
    hits = kb.search("mkeyed")
    assert hits and hits[0].chunk.source.endswith("docs/mkeyed.md")


def test_links_out_of_the_folder_are_not_indexed(knowledge_dir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n\npassword hunter2\n")
    os.symlink(secret, knowledge_dir / "docs" / "link.md")
    os.symlink(tmp_path, knowledge_dir / "outside")
    os.symlink(tmp_path / "gone.md", knowledge_dir / "dangling.md")
    kb = KnowledgeBase([str(knowledge_dir)], tmp_path / "cache")
    assert kb.search("password hunter2") == []
    assert kb.index.problems == [
        f"{knowledge_dir}/outside: not indexed: a linked folder (give its target as a knowledge folder)",
        f"{knowledge_dir}/dangling.md: not indexed: a link to {tmp_path / 'gone.md'}, which does not exist",
        f"{knowledge_dir}/docs/link.md: not indexed: a link to {secret}, outside {knowledge_dir}"]


def test_missing_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"knowledge: folder\(s\) not found: .*nowhere .*fix --knowledge"):
        KnowledgeBase([str(tmp_path / "nowhere")], tmp_path / "cache")
