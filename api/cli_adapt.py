"""`patent-match models adapt`: fit the need-vector correction (matching/query_adapter.py) on judged needs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from api.cli_index import models
from api.cli_trainset import _full_rankers, _judged_sets


@models.command("adapt")
@click.option("--train", "train_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Judged needs to fit on (e.g. eval/sets/needs-train).")
@click.option("--held-out", "held_out_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Sets measured only after the adapter is fitted (e.g. ../shared/data/eval/needs-dev).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the adapter (the shipped one is matching/reference/query_adapter).")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--rank", default=8, show_default=True, type=click.IntRange(1, 128))
@click.option("--steps", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--penalty", default=0.1, show_default=True, type=click.FloatRange(0, 100))
def adapt_command(train_dir: Path, held_out_dirs: tuple[Path, ...], out_dir: Path | None, folds: int, rank: int,
                  steps: int, penalty: float) -> None:
    """Fit the need-vector correction on judged needs: cross-validated by need first (dense alone and the full
    ranker, without and with it), then fitted on all of them, then measured on the held-out sets."""
    from eval.adapter_cv import DENSE_ALONE, adapter_data, adapter_rows, fit_on
    from eval.crossval import DEFAULT, FeaturePool
    from eval.tuning import fixed, paired
    from matching.query_adapter import AdapterSettings

    settings = AdapterSettings(rank=rank, steps=steps, penalty=penalty)
    train, held_out = _judged_sets(train_dir, held_out_dirs)
    metrics: dict[str, float] = {}

    def show(plain, adapted, where: str) -> None:  # noqa: ANN001
        versus = paired(adapted, plain)
        click.echo(f"  {plain.name:<36} {plain.mean:.3f}\n  {adapted.name:<36} {adapted.mean:.3f}  (Δ "
                   f"{versus.mean_difference:+.3f}, randomisation p {versus.randomisation_p:.3g}, "
                   f"W/T/L {versus.wins}/{versus.ties}/{versus.losses})")
        metrics.update({f"{where}: {plain.name}": plain.mean, f"{where}: {adapted.name}": adapted.mean})

    with _full_rankers() as full_ranker:
        ranker = full_ranker(train)
        rows = adapter_rows(train, ranker, folds, settings)
        judged = [q for q in train.queries if q in train.qrels]
        click.echo(f"{train.name}: {len(judged)} needs · {folds}-fold by need · nDCG@10")
        show(rows[0], rows[1], f"{train.name} ({folds}-fold)")
        show(rows[2], rows[3], f"{train.name} ({folds}-fold)")
        adapter = fit_on(adapter_data(train, ranker), judged, ranker.encoder.id,
                         f"{train.name}, {len(judged)} judged needs (patent-match models adapt)", settings)
        for dataset in held_out:
            held = full_ranker(dataset)
            pools = [FeaturePool(dataset, held.with_adapter(a)) for a in (None, adapter)]
            click.echo(f"held out, {dataset.name}:")
            for setting in (DENSE_ALONE, DEFAULT):
                plain, adapted = (fixed(pool, replace(setting, name=f"{setting.name}, {label}"))
                                  for pool, label in zip(pools, ("no adapter", "adapter"), strict=True))
                show(plain, adapted, f"{dataset.name} (held out)")
    if out_dir:
        adapter = replace(adapter, metrics=metrics)
        adapter.save(out_dir)
        click.echo(f"→ {out_dir} (adapter {adapter.id})")
