"""Evaluation output: a stable JSON summary, and a Markdown report with PNG plots.

JSON (`patent-match eval run --json`), one object; keys are added over time, never renamed:
  dataset, path, encoder, queries, relevant_grade,
  rankers: {name: {nDCG@10, P@5, R@1, R@10, R@20, MRR@10, MAP, unjudged@10}},
  best,
  comparisons: [{measure, ranker, baseline, mean_difference, t_test_p, randomisation_p, wins, ties, losses}],
  breakdowns: {attribute: {value: {queries, <ranker>: mean nDCG@10}}}
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from pathlib import Path

from eval.compare import breakdown, paired_differences
from eval.metrics import MEASURE_NAMES
from eval.plots import breakdown_bars, metric_bars, query_deltas
from eval.runner import PRIMARY, EvalResult

REPORT_MEASURES = ["nDCG@10", "P@5", "R@20", "MRR@10", "MAP"]
# How the web report names each ranker (eval/rankers.py RANKERS), Chinese first; an unknown name shows as itself.
RANKER_LABELS: dict[str, tuple[str, str]] = {
    "bm25": ("BM25 关键词检索", "BM25 keywords"),
    "char_tfidf": ("字符 TF-IDF 字面检索", "Character TF-IDF"),
    "dense": ("语义向量检索", "Dense vectors"),
    "hybrid": ("混合检索（RRF 融合）", "Hybrid (RRF)"),
    "hybrid_sum": ("混合检索（加权求和）", "Hybrid (weighted sum)"),
    "full": ("完整排序（检索＋领域特征）", "Full ranker (retrieval + domain features)"),
}


def ranker_label(name: str, lang: str = "zh") -> str:
    labels = RANKER_LABELS.get(name)
    return name if labels is None else labels[1 if lang == "en" else 0]
BREAKDOWN_ATTRIBUTES = ("style", "industry", "region")


def breakdowns(result: EvalResult) -> dict[str, dict[str, dict[str, float | int]]]:
    attributes = {q.qid: q.attributes for q in result.dataset.queries.values() if q.qid in result.dataset.qrels}
    tables = {}
    for attribute in BREAKDOWN_ATTRIBUTES:
        sizes = sorted(Counter(a.get(attribute) for a in attributes.values() if a.get(attribute)).values())
        # A breakdown needs real groups: a few values, most queries sharing theirs with others.
        if 2 <= len(sizes) <= 12 and sizes[len(sizes) // 2] >= 2:
            tables[attribute] = breakdown(result.evaluations, attributes, attribute, PRIMARY)
    return tables


def summary(result: EvalResult) -> dict[str, object]:
    first = next(iter(result.evaluations.values()))
    return {
        "dataset": result.dataset.name,
        "path": str(result.dataset.path),
        "encoder": result.encoder_id,
        "queries": len(first.queries),
        "relevant_grade": first.relevant_grade,
        "rankers": {name: {**e.means(), "unjudged@10": e.unjudged_at_10} for name, e in result.evaluations.items()},
        "best": result.ranking[0],
        "comparisons": [asdict(c) for c in result.comparisons],
        "breakdowns": breakdowns(result),
    }


def _table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(result: EvalResult, out: Path, command: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    data = summary(result)
    name = result.dataset.name
    ranking = result.ranking
    parts = [f"# Evaluation: {name}", "",
             f"{data['queries']} judged queries · encoder `{data['encoder']}` · binary measures count grade ≥ "
             f"{data['relevant_grade']} as relevant · runs to depth 100 · reproduce with `{command}`", ""]
    rows = [[n, *(f"{data['rankers'][n][m]:.3f}" for m in MEASURE_NAMES), f"{data['rankers'][n]['unjudged@10']:.1f}"]
            for n in ranking]
    parts += ["## Metrics", "", _table(["ranker", *MEASURE_NAMES, "unjudged in top 10"], rows), "",
              f"![metrics]({name}-metrics.png)", ""]
    metric_bars(out / f"{name}-metrics.png", {n: result.evaluations[n].means() for n in ranking}, REPORT_MEASURES,
                f"{name}: {data['queries']} queries")
    if result.comparisons:
        rows = [[c.ranker, c.baseline, c.measure, f"{c.mean_difference:+.3f}", f"{c.t_test_p:.3g}",
                 f"{c.randomisation_p:.3g}", f"{c.wins}/{c.ties}/{c.losses}"] for c in result.comparisons]
        parts += ["## Paired comparisons against the best ranker", "",
                  "Two-sided paired t-test and paired randomisation test (10,000 resamples) over queries; "
                  "wins/ties/losses count queries where the ranker beats, equals or trails the baseline.", "",
                  _table(["ranker", "baseline", "measure", "Δ mean", "t-test p", "randomisation p", "W/T/L"], rows),
                  ""]
    if len(ranking) >= 2:
        queries, diff = paired_differences(result.evaluations[ranking[0]], result.evaluations[ranking[1]], PRIMARY)
        query_deltas(out / f"{name}-deltas.png", dict(zip(queries, diff, strict=True)), PRIMARY, ranking[0], ranking[1])
        parts += [f"![per-query deltas]({name}-deltas.png)", ""]
    for attribute, table in data["breakdowns"].items():  # type: ignore[union-attr]
        rows = [[value, row["queries"], *(f"{row[n]:.3f}" for n in ranking)] for value, row in table.items()]
        parts += [f"## {PRIMARY} by query {attribute}", "", _table([attribute, "queries", *ranking], rows), ""]
        breakdown_bars(out / f"{name}-by-{attribute}.png", table, ranking, attribute, PRIMARY)
        parts += [f"![by {attribute}]({name}-by-{attribute}.png)", ""]
    path = out / f"{name}-report.md"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
