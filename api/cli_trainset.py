"""`patent-match eval pool | agree`: the steps that build a judged set (eval/training_set.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli_eval import eval_group
from data.settings import get_settings

if TYPE_CHECKING:
    from eval.dataset import Dataset

POOL_RANKERS = ("char_tfidf", "bm25", "dense", "full")


def _full_rankers():  # noqa: ANN202  (eval.runner.full_rankers, imported when a command runs, not at start-up)
    from eval.runner import full_rankers

    return full_rankers()


@eval_group.command("sample-sources")
@click.option("--corpus", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL of patents with _id, text and label or src (../shared/data/patents/cn_patents.jsonl).")
@click.option("--exclude-qrels", "exclude", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Patents these qrels judge relevant (grade ≥ 2) are not drawn, so no need is written for them.")
@click.option("--count", required=True, type=click.IntRange(1, 100_000))
@click.option("--seed", default=19, show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def sample_sources_command(corpus: Path, exclude: tuple[Path, ...], count: int, seed: int, out: Path) -> None:
    """Draw the source patents writers start from: stratified over the corpus, reproducible."""
    from data.jsonl import read_jsonl
    from eval.dataset import load_qrels
    from eval.training_set import sample_sources

    excluded = {d for path in exclude for docs in load_qrels(path).values() for d, g in docs.items() if g >= 2}
    chosen = sample_sources([r for _, r in read_jsonl(corpus)], excluded, count, seed)
    out.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    click.echo(f"{len(chosen)} source patents ({len(excluded)} excluded) → {out}")


@eval_group.command("pool")
@click.option("--dataset", "dataset_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--ranker", "rankers", multiple=True, help=f"Repeat for several (default: {', '.join(POOL_RANKERS)}).")
@click.option("--depth", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def pool_command(dataset_dir: Path, rankers: tuple[str, ...], depth: int, out: Path) -> None:
    """Pool each need's candidates to judge: the union of the rankers' top DEPTH, plus the patent the need was
    written from (its `source`), shuffled per need."""
    from eval.dataset import DatasetError, load_dataset
    from eval.rankers import RankerContext
    from eval.runner import run_rankers
    from eval.training_set import pool
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig
    from indexer.text import BEIR_VIEW
    from matching.clusters import cluster_map
    from matching.loading import load_adapter, load_models

    settings = get_settings()
    try:
        dataset = load_dataset(dataset_dir, require_qrels=False)
    except DatasetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    ipc_model, ranker = load_models()
    encoder = load_encoder(settings.encoder)
    context = RankerContext(ipc_model=ipc_model, clusters=cluster_map(settings.cluster_scheme), ranker=ranker,
                            adapter=load_adapter(encoder.id))
    cache = EmbeddingCache(settings.cache_path)
    try:
        runs = run_rankers(dataset, list(rankers or POOL_RANKERS), encoder, cache,
                           settings.home / "eval-indexes", IndexConfig(nprobe=settings.ann_nprobe,
                                                                       document_view=BEIR_VIEW),
                           progress=True, context=context, depth=depth)
    finally:
        cache.close()
    ids = {name: {q: [h.doc_id for h in hits] for q, hits in run.items()} for name, run in runs.items()}
    sources = {q.qid: q.attributes["source"] for q in dataset.queries.values() if q.attributes.get("source")}
    pooled = pool(ids, depth, sources)
    out.write_text(json.dumps(pooled, ensure_ascii=False, indent=0), encoding="utf-8")
    sizes = [len(d) for d in pooled.values()]
    click.echo(f"{len(pooled)} needs, {sum(sizes)} candidates to judge ({min(sizes)}–{max(sizes)} per need) from "
               f"{', '.join(runs)} at depth {depth} → {out}")


@eval_group.command("agree")
@click.option("--pool", "pool_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--judge", "judges", required=True, multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Exactly two judges' grade files.")
@click.option("--qrels", "qrels_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the summed grades (0–4) here.")
def agree_command(pool_path: Path, judges: tuple[Path, ...], qrels_path: Path | None) -> None:
    """Check two judges graded exactly the pool, report their agreement, and write the summed qrels."""
    from eval.training_set import JudgmentError, agreement, read_grades, read_pool, write_qrels

    if len(judges) != 2:
        raise click.BadParameter("give exactly two judges' files", param_hint="--judge")
    pooled = read_pool(pool_path)
    try:
        a, b = (read_grades(path, pooled) for path in judges)
    except JudgmentError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    result = agreement(a, b)
    click.echo(f"{result.pairs} pairs · exact agreement {result.exact:.3f} · "
               f"within one grade {result.within_one:.3f} · weighted κ {result.weighted_kappa:.3f} · "
               f"κ on grade 2 {result.relevant_kappa:.3f} · "
               f"κ on grade ≥ 1 {result.any_kappa:.3f}")
    if qrels_path:
        click.echo(f"{write_qrels(qrels_path, a, b)} summed grades → {qrels_path}")


@eval_group.command("tune")
@click.option("--train", "train_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The judged training set (e.g. eval/sets/needs-train).")
@click.option("--held-out", "held_out_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Sets measured only after the choice is frozen (e.g. ../shared/data/eval/needs-dev).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--associations", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A term association table (patent-match terms associate) whose expansions are tried too.")
def tune_command(train_dir: Path, held_out_dirs: tuple[Path, ...], folds: int, associations: Path | None) -> None:
    """Choose query rules, fusion and weights by cross-validation on the training set, freeze the choice, then
    measure it on the held-out sets (nDCG@10, paired tests against the default and the best single signal)."""
    from eval.tuning import measure_held_out, paired, tune, weights_literal

    train, held_out = _judged_sets(train_dir, held_out_dirs)
    with _full_rankers() as full_ranker:
        rows, frozen, refits = tune(train, full_ranker(train), folds, associations)
        default = rows[0]
        click.echo(f"{train.name}: {len(default.per_query)} needs · {folds}-fold cross-validation by need · nDCG@10 "
                   "(without the query adapter; `patent-match models adapt` validates it)")
        for row in rows:
            versus = paired(row, default)
            click.echo(f"  {row.name:<44} {row.mean:.3f}  (Δ {versus.mean_difference:+.3f} vs default, "
                       f"randomisation p {versus.randomisation_p:.3g}, W/T/L {versus.wins}/{versus.ties}/"
                       f"{versus.losses})")
            for fold, choice in enumerate(row.chosen, start=1):
                click.echo(f"      fold {fold}: {choice}")
        click.echo(f"frozen ({frozen.method}): {frozen.variant.label()} · {frozen.setting.label()} "
                   f"(mean on all of {train.name} {frozen.train_mean:.3f})")
        click.echo("  as DEFAULT_WEIGHTS: " + json.dumps(weights_literal(frozen.setting)))
        for dataset in held_out:
            evaluations, comparisons = measure_held_out(dataset, full_ranker(dataset), frozen, refits)
            click.echo(f"held out, {dataset.name} ({len(next(iter(evaluations.values())).queries)} needs), nDCG@10:")
            for name, evaluation in evaluations.items():
                click.echo(f"  {name:<44} {evaluation.mean('nDCG@10'):.3f}")
            for c in comparisons:
                click.echo(f"  {c.ranker} vs {c.baseline}: Δ {c.mean_difference:+.3f}, t-test p {c.t_test_p:.3g}, "
                           f"randomisation p {c.randomisation_p:.3g}, W/T/L {c.wins}/{c.ties}/{c.losses}")


@eval_group.command("calibrate")
@click.option("--train", "train_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--held-out", "held_out_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the cut-offs fitted on all of the training set (the shipped file is "
                   "matching/reference/confidence.json).")
def calibrate_command(train_dir: Path, held_out_dirs: tuple[Path, ...], folds: int, out: Path | None) -> None:
    """Fit the 强/中/弱 cut-offs of the default ranker on the training judgments; report each band's precision in
    the top 10 on held-out folds and on the held-out sets."""
    from eval.adapter_cv import ANCHORS, adapter_data, out_of_fold
    from eval.calibration import TOP, Band, cross_validate_bands, fit_calibration, judged_scores
    from eval.crossval import FeaturePool
    from matching.confidence import LABELS_ZH, STRENGTHS

    train, held_out = _judged_sets(train_dir, held_out_dirs)

    def show(title: str, bands: list[Band]) -> None:
        relevant = sum(b.relevant for b in bands) or 1
        click.echo(f"{title}: " + " · ".join(f"{LABELS_ZH[b.strength]} {b.shown} shown, precision {b.precision:.2f}, "
                                             f"{b.relevant / relevant:.0%} of the relevant" for b in bands))

    with _full_rankers() as full_ranker:
        ranker = full_ranker(train)
        adapter = ranker.adapter
        # With a query adapter fitted on these needs, their scores come through adapters that did not see them
        if adapter:
            anchors = ANCHORS if adapter.settings.anchor_weight > 0 else 0
            pool = out_of_fold(train, ranker, adapter_data(train, ranker, anchors=anchors, checked=0), folds,
                               adapter.settings, adapter.gate)
        else:
            pool = FeaturePool(train, ranker)
        show(f"{train.name}, {folds}-fold by need, top {TOP}", cross_validate_bands(pool, folds))
        calibration = fit_calibration(pool, f"{train.name}, {len(pool.qids)} needs (patent-match eval calibrate)",
                                      adapter=adapter)
        click.echo(f"cut-offs on all of {train.name}: strong from {calibration.strong_from:.3f}, medium from "
                   f"{calibration.medium_from:.3f} (relevance score)")
        for dataset in held_out:
            held = FeaturePool(dataset, full_ranker(dataset))
            counts = {s: [0, 0] for s in STRENGTHS}
            for score, relevant in judged_scores(held, held.qids, top=TOP):
                counts[calibration.strength(score)][0] += 1
                counts[calibration.strength(score)][1] += relevant
            show(f"held out, {dataset.name}, top {TOP}", [Band(s, *counts[s]) for s in STRENGTHS])
    if out:
        calibration.save(out)
        click.echo(f"→ {out}")


def _judged_sets(train_dir: Path, held_out_dirs: tuple[Path, ...]) -> tuple[Dataset, list[Dataset]]:
    """The training set and the held-out sets, or exit 2 naming the file that cannot be read."""
    from eval.dataset import DatasetError, load_dataset

    try:
        return load_dataset(train_dir), [load_dataset(d) for d in held_out_dirs]
    except DatasetError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)



