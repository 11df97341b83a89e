"""bench/quality.py itself: metrics against hand-computed values, a run on a tiny collection;
bench/depth.py, which asks the same collections at other rerank depths."""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parent.parent
COLLECTION = Path(__file__).parent / "fixtures" / "quality"


def _load_bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"{name}_bench", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


quality = _load_bench("quality")
depth = _load_bench("depth")

# "a" is relevant with grade 2, "c" with grade 1, "x" is judged not relevant; "b" is unjudged.
JUDGED = {"a": 2, "c": 1, "x": 0}


def test_ndcg_uses_graded_gains_and_the_ideal_from_the_qrels() -> None:
    # DCG = 0/log2(2) + 2/log2(3) + 1/log2(4); ideal = 2/log2(2) + 1/log2(3).
    expected = (2 / math.log2(3) + 1 / 2) / (2 + 1 / math.log2(3))
    assert quality.ndcg_at(["b", "a", "c"], JUDGED, 10) == pytest.approx(expected)
    assert expected == pytest.approx(0.669672, abs=1e-6)
    assert quality.ndcg_at(["a", "c", "b"], JUDGED, 10) == pytest.approx(1.0)
    assert quality.ndcg_at(["b", "x"], JUDGED, 10) == 0.0


def test_ndcg_cuts_at_k() -> None:
    # Only "b" is inside the cut; the ideal is cut at 1 too: 2/log2(2).
    assert quality.ndcg_at(["b", "a"], JUDGED, 1) == 0.0
    assert quality.ndcg_at(["c", "a"], JUDGED, 1) == pytest.approx(1 / 2)


def test_recall_counts_only_positive_grades() -> None:
    assert quality.recall_at(["b", "a", "c"], JUDGED, 2) == pytest.approx(0.5)
    assert quality.recall_at(["b", "a", "c"], JUDGED, 3) == pytest.approx(1.0)
    assert quality.recall_at(["x"], JUDGED, 10) == 0.0


def test_reciprocal_rank_of_the_first_relevant_within_k() -> None:
    assert quality.rr_at(["b", "x", "c", "a"], JUDGED, 10) == pytest.approx(1 / 3)
    assert quality.rr_at(["b", "x", "c"], JUDGED, 2) == 0.0


def test_mean_is_over_judged_queries_and_a_missing_run_scores_zero() -> None:
    qrels = {"q1": JUDGED, "q2": {"z": 1}, "q3": {"y": 0}}  # q3 has no relevant document
    result = quality.evaluate({"q1": ["b", "a", "c"]}, qrels)
    assert result["queries"] == 2
    assert result["ndcg@10"] == pytest.approx(0.669672 / 2, abs=1e-4)
    assert result["mrr@10"] == pytest.approx(0.25)
    assert result["recall@10"] == pytest.approx(0.5)


def test_a_document_ranks_at_its_best_passage() -> None:
    passages = [("d1", 3.0), ("d2", 2.5), ("d1", 2.0), ("d3", 1.0)]
    assert quality.doc_ranking(passages, 10) == [("d1", 3.0), ("d2", 2.5), ("d3", 1.0)]
    assert quality.doc_ranking(passages, 2) == [("d1", 3.0), ("d2", 2.5)]


def test_trec_run_format(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "x.trec"
    quality.write_trec(path, {"q1": [("d1", 3.0), ("d2", 2.5)]}, "briefbot")
    assert path.read_text().splitlines() == [
        "q1 Q0 d1 1 3.000000 briefbot",
        "q1 Q0 d2 2 2.500000 briefbot",
    ]


def test_collection_is_read_with_a_header_line_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    shutil.copytree(COLLECTION, folder)
    qrels = folder / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\n" + qrels.read_text())
    coll = quality.load_collection(folder)
    assert [d["id"] for d in coll.docs] == ["d1", "d2", "d3", "d4", "d5"]
    assert coll.qrels["q1"] == {"d1": 2, "d2": 1}
    assert coll.answers["q2"] == ["on Tuesday"]


def test_held_out_articles_go_whole() -> None:
    coll = quality.load_collection(COLLECTION)
    gone = quality.held_out(coll.docs)
    # d1 and d2 share the title "Caspian oil": one article, held out or kept together.
    assert ("d1" in gone) == ("d2" in gone)
    assert gone == quality.held_out(list(reversed(coll.docs)))  # order does not matter


def test_baseline_is_rank_bm25_over_title_and_text() -> None:
    coll = quality.load_collection(COLLECTION)
    run = quality.baseline_run(coll.docs, {"q": "caspian"}, 10)
    # Only d1 and d2 hold "caspian" (d2 only in its title); then the rest, in corpus order.
    assert [d for d, _ in run["q"]] == ["d1", "d2", "d3", "d4", "d5"]
    assert run["q"][1][1] > 0 == run["q"][2][1]


def test_whole_run_prints_figures_and_writes_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert quality.main([str(COLLECTION), "--out", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["queries"] == 3  # q4 has no relevant document
    # Every judged question has its document first, for the product and the baseline.
    assert result["product"] == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    assert result["baseline"]["ndcg@10"] == 1.0
    assert result["difference"]["ndcg@10"] == 0.0
    # "on Tuesday" and "back wages" are in the quoted sentence of the first hit.
    assert result["quotes"]["answer_in_quote_at_1"] == 1.0
    assert result["quotes"]["questions"] == 2
    refusal = result["refusal"]
    assert refusal["unanswerable"] + refusal["answerable"] == 3
    product = (tmp_path / "quality.product.trec").read_text().splitlines()
    assert product[0].startswith("q1 Q0 d1 1 ")
    assert (tmp_path / "quality.baseline.trec").exists()


def test_depth_bench_compares_each_depth_with_the_shipped_one_and_puts_it_back(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from retrieval import archive

    shipped = archive.RERANK_DEPTH
    assert depth.main([str(COLLECTION), "--depth", "1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["depth"] for r in rows] == [shipped, 1]
    first = rows[0]
    assert first["questions"] == 4  # every question in the qrels (q4 with no relevant one)
    nothing = {
        "answers_differ": 0,
        "docs_shown_differ": 0,
        "success@3_lost": 0,
        "success@3_gained": 0,
        "confidence_differs": 0,
    }
    assert first["full"] == nothing
    assert first["half"] == nothing
    same, total = first["top10_as_shipped"].split(" / ")
    assert same == total
    assert first["ndcg@10"] == 1.0  # every judged question has its document first
    assert shipped == archive.RERANK_DEPTH
