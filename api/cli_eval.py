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
@click.option("--weight", "weights", multiple=True, metavar="FEATURE=W",
              help="Override one of the full ranker's weights, e.g. --weight bm25=0 (repeatable).")
@click.option("--fusion", type=click.Choice(["rank", "score"]),
              help="The full ranker's retrieval features: RRF rank terms or min–max normalised scores.")
def run(dataset_dir: Path, rankers: tuple[str, ...], split: str | None, encoder: str | None,
        relevant_grade: int | None, allow_missing: bool, as_json: bool, out: Path | None,
        weights: tuple[str, ...], fusion: str | None) -> None:
    """Index the set's corpus (cached, independent of the database), run each ranker, compute metrics."""
    from eval.dataset import DatasetError
    from eval.metrics import QueryMismatch
    from eval.rankers import RANKERS
    from eval.report import summary, write_report
    from eval.runner import write_runs
    from eval.service import evaluate_judged_set

    chosen = list(rankers) or list(RANKERS)
    unknown = [r for r in chosen if r not in RANKERS]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}; choose from {', '.join(RANKERS)}", param_hint="--ranker")
    if "full" in chosen and not (get_settings().ipc_model_dir / "ipc_model.json").exists():
        click.echo("note: no IPC model (patent-match ipc train); the full ranker runs without IPC and inferred "
                   "cluster agreement", err=True)
    try:
        result = evaluate_judged_set(dataset_dir, chosen, split, encoder, relevant_grade, allow_missing,
                                     progress=not as_json, weights=parse_weights(weights), fusion=fusion)
    except (DatasetError, QueryMismatch) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
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


def parse_weights(items: tuple[str, ...]) -> dict[str, float]:
    from matching.features import FEATURES

    parsed = {}
    for item in items:
        name, _, value = item.partition("=")
        if name not in FEATURES:
            raise click.BadParameter(f"'{name}' is not a feature; choose from {', '.join(FEATURES)}",
                                     param_hint="--weight")
        try:
            parsed[name] = float(value)
        except ValueError:
            raise click.BadParameter(f"'{item}': the weight must be a number", param_hint="--weight") from None
    return parsed


@eval_group.command("effects")
@click.option("--gold", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Gold sentences: patent_id, sentence, effects (| separated), split.")
@click.option("--patents", "patents_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The patents the ids refer to (JSONL with _id and text).")
@click.option("--split", help="Only this split (dev or heldout); default: each split and all.")
@click.option("--with-classifier", is_flag=True,
              help="Also train the effect classifier on the other patents of --patents and score cues + classifier.")
def effects_command(gold: Path, patents_path: Path, split: str | None, with_classifier: bool) -> None:
    """Precision and recall of the technical-effect tagger, per class, against hand-labelled sentences."""
    from eval.effects import evaluate_effects, silver_classifier

    taggers = [("cues", None)]
    if with_classifier:
        taggers.append(("cues + classifier", silver_classifier(gold, patents_path)))
    for (tagger, model), name in [(t, n) for t in taggers for n in ([split] if split else ["dev", "heldout", None])]:
        try:
            result = evaluate_effects(gold, patents_path, name, model)
        except ValueError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        p, r, f = result.micro()
        click.echo(f"\n{tagger}, {name or 'all'}: {result.sentences} sentences ({result.labelled} with an effect) · "
                   f"micro P {p:.3f} R {r:.3f} F1 {f:.3f}")
        click.echo("| code | effect | gold | tagged | correct | precision | recall |\n|---|---|---|---|---|---|---|")
        for c in result.classes:
            if c.support or c.predicted:
                pr = f"{c.precision:.2f}" if c.precision is not None else "–"
                rc = f"{c.recall:.2f}" if c.recall is not None else "–"
                click.echo(f"| {c.code} | {c.label} | {c.support} | {c.predicted} | {c.true_positives} | {pr} | {rc} |")


@eval_group.command("learn")
@click.option("--dataset", "dataset_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
def learn_command(dataset_dir: Path, folds: int) -> None:
    """Cross-validate a learned ranker against the default, with a judged set standing in for feedback."""
    from api.cli_match import load_models
    from eval.dataset import load_dataset
    from eval.learning import learn_from_judgments
    from eval.rankers import FullRanker, RankerContext
    from eval.runner import dataset_index_dir, ensure_index
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig
    from indexer.text import BEIR_VIEW
    from matching.clusters import cluster_map
    from matching.loading import load_adapter

    settings = get_settings()
    dataset = load_dataset(dataset_dir)
    encoder = load_encoder(settings.encoder)
    ipc_model, _ = load_models()
    cache = EmbeddingCache(settings.cache_path)
    try:
        index = ensure_index(dataset_index_dir(settings.home / "eval-indexes", dataset), dataset, encoder, cache,
                             IndexConfig(nprobe=settings.ann_nprobe, document_view=BEIR_VIEW), progress=True)
        context = RankerContext(dataset.corpus, ipc_model, cluster_map(settings.cluster_scheme),
                                adapter=load_adapter(encoder.id))
        outcome = learn_from_judgments(dataset, FullRanker(index, encoder, cache, context), folds)
    finally:
        cache.close()
    click.echo(f"{dataset.name}: {outcome.pairs} judged pairs over {outcome.needs} queries, {folds}-fold by query")
    click.echo(outcome.message)
    if outcome.learned_wins:
        click.echo("learned weights: " + ", ".join(f"{k} {v:+.3f}" for k, v in outcome.ranker.weights.items()))


@eval_group.command("export-judgments")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def export_judgments_command(obj, out: Path) -> None:  # noqa: ANN001
    """Write the database's match feedback and completed deals as a BEIR set for `eval run`."""
    from data.db import transaction
    from eval.judgments import export_judgments

    with transaction(obj.engine) as session:
        report = export_judgments(session, out)
    click.echo(f"{report.queries} needs, {report.documents} patents, {report.judgments} judgments "
               f"({report.from_feedback} from feedback, {report.from_deals} from deals) → {out}")
    if not report.queries:
        click.echo("no judgments yet: grade matches or record deals with their source need first", err=True)


def read_ipc_labels(path: Path) -> list[tuple[str, list[str], str]]:
    """CSV with title, ipc_subclasses (| separated) and fold, as ../shared/data/ipc/cn_titles_ipc.csv."""
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"title", "ipc_subclasses", "fold"} - set(reader.fieldnames or [])
        if missing:
            raise click.BadParameter(f"{path} lacks columns {', '.join(sorted(missing))}", param_hint="--labels")
        return [(r["title"], [s for s in r["ipc_subclasses"].split("|") if s], r["fold"]) for r in reader]


@eval_group.command("ipc")
@click.option("--labels", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--test-fold", default="5", show_default=True, help="Held-out fold; the others train.")
@click.option("--json", "as_json", is_flag=True)
def ipc_command(labels: Path, test_fold: str, as_json: bool) -> None:
    """Top-1/top-5 subclass accuracy and macro-F1 (subclasses with ≥ 10 test titles) on a held-out fold."""
    import time

    from matching.ipc import IpcClassifier, evaluate_ipc

    rows = read_ipc_labels(labels)
    train = [(t, ls) for t, ls, f in rows if f != test_fold and ls]
    test = [(t, ls) for t, ls, f in rows if f == test_fold and ls]
    if not test:
        raise click.BadParameter(f"no rows in fold {test_fold}", param_hint="--test-fold")
    start = time.perf_counter()
    model = IpcClassifier.train([t for t, _ in train], [ls for _, ls in train])
    result = evaluate_ipc(model, [t for t, _ in test], [ls for _, ls in test])
    data = {"train": len(train), "test": len(test), "top1": result.top1, "top5": result.top5,
            "macro_f1": result.macro_f1, "f1_subclasses": result.f1_classes, "classes": len(model.classes),
            "seconds": round(time.perf_counter() - start, 1)}
    if as_json:
        click.echo(json.dumps(data))
    else:
        click.echo(f"IPC subclass inference, {data['train']} training and {data['test']} test titles "
                   f"({data['classes']} subclasses): top-1 {result.top1:.3f} · top-5 {result.top5:.3f} · "
                   f"macro-F1 {result.macro_f1:.3f} over {result.f1_classes} subclasses with ≥ 10 test titles")


@click.group("ipc")
def ipc_group() -> None:
    """IPC subclass inference for needs and for patents without codes."""


@ipc_group.command("train")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra labelled titles (title, ipc_subclasses, fold) besides the database's patents.")
@click.pass_obj
def ipc_train(obj, labels: Path | None) -> None:  # noqa: ANN001
    """Train on every patent in the database that has IPC codes; saved under the data directory."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from data.db import transaction
    from data.models import Patent
    from matching.ipc import IpcClassifier

    with transaction(obj.engine) as session:
        patents = session.scalars(select(Patent).options(selectinload(Patent.ipcs))).all()
        pairs = [(f"{p.title} {p.abstract}", sorted({i.subclass for i in p.ipcs})) for p in patents if p.ipcs]
    if labels:
        pairs += [(t, ls) for t, ls, _ in read_ipc_labels(labels) if ls]
    if not pairs:
        click.echo("no patents with IPC codes to learn from; import patents first", err=True)
        sys.exit(2)
    model = IpcClassifier.train([t for t, _ in pairs], [ls for _, ls in pairs])
    directory = get_settings().ipc_model_dir
    model.save(directory)
    click.echo(f"trained on {len(pairs)} texts, {len(model.classes)} subclasses → {directory}")
