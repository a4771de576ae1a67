"""`patent-match eval …`: measure match quality on judged sets."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import click

from data.settings import get_settings


@click.group("eval")
def eval_group() -> None:
    """Evaluate rankers on BEIR-layout judged sets (see README, "Evaluating match quality")."""


@eval_group.command("run")
@click.option("--dataset", "dataset_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--ranker", "rankers", multiple=True, help="Repeat for several (default: all).")
@click.option("--split", help="qrels/<split>.tsv (default: test.tsv, or the only file).")
@click.option("--encoder", help="Encoder for dense rankers (default: the configured one).")
@click.option("--relevant-grade", type=int, help="Lowest grade binary measures count (default: 2 on 0–4 sets, else 1).")
@click.option("--allow-missing", is_flag=True, help="Score judged queries without results 0 and skip unjudged ones.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (stable keys; see eval/report.py).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write TREC runs, a report and plots.")
def run(dataset_dir: Path, rankers: tuple[str, ...], split: str | None, encoder: str | None,
        relevant_grade: int | None, allow_missing: bool, as_json: bool, out: Path | None) -> None:
    """Index the set's corpus (cached, independent of the database), run each ranker, compute metrics."""
    from eval.dataset import DatasetError, load_dataset
    from eval.metrics import QueryMismatch
    from eval.rankers import RANKERS
    from eval.report import summary, write_report
    from eval.runner import run_evaluation, write_runs
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig

    settings = get_settings()
    chosen = list(rankers) or list(RANKERS)
    unknown = [r for r in chosen if r not in RANKERS]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}; choose from {', '.join(RANKERS)}", param_hint="--ranker")
    cache = EmbeddingCache(settings.cache_path)
    try:
        dataset = load_dataset(dataset_dir, split)
        result = run_evaluation(dataset, chosen, load_encoder(encoder or settings.encoder), cache,
                                settings.home / "eval-indexes", IndexConfig(nprobe=settings.ann_nprobe),
                                allow_missing, relevant_grade, progress=not as_json)
    except (DatasetError, QueryMismatch) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    finally:
        cache.close()
    data = summary(result)
    if out:
        write_runs(result, out)
        report = write_report(result, out, "patent-match " + shlex.join(sys.argv[1:]) if sys.argv else "")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{data['dataset']}: {data['queries']} queries · encoder {data['encoder']} · "
               f"binary measures count grade ≥ {data['relevant_grade']}")
    measures = ["nDCG@10", "P@5", "R@1", "R@10", "R@20", "MRR@10", "MAP", "unjudged@10"]
    click.echo(f"  {'ranker':<12}" + "".join(f"{m:>10}" for m in measures))
    for name in result.ranking:
        click.echo(f"  {name:<12}" + "".join(f"{data['rankers'][name][m]:>10.3f}" for m in measures))
    for c in result.comparisons:
        click.echo(f"  {c.ranker} vs {c.baseline} on {c.measure}: Δ {c.mean_difference:+.3f}, t-test p "
                   f"{c.t_test_p:.3g}, randomisation p {c.randomisation_p:.3g}, W/T/L {c.wins}/{c.ties}/{c.losses}")
    if out:
        click.echo(f"  report: {report}")
