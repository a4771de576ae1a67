"""`patent-match match need …`: ranked, explained patents for a need."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from sqlalchemy import or_, select

from data.settings import get_settings


def load_models():  # noqa: ANN201
    """The trained IPC model (or None) and the ranker: a learned one that won its cross-validation
    (`patent-match match learn`), else the documented default."""
    from matching.ipc import IpcClassifier
    from matching.ranker import LinearRanker

    settings = get_settings()
    ipc_model = IpcClassifier.load(settings.ipc_model_dir) if (settings.ipc_model_dir / "ipc_model.json").exists() \
        else None
    ranker = LinearRanker.load(settings.ranker_path) if settings.ranker_path.exists() else LinearRanker()
    return ipc_model, ranker


def load_matcher(engine):  # noqa: ANN001, ANN201
    from indexer.cache import EmbeddingCache
    from indexer.encoders import load_encoder
    from indexer.store import IndexConfig, load_index
    from matching.clusters import cluster_map
    from matching.matcher import NeedMatcher

    settings = get_settings()
    encoder = load_encoder(settings.encoder)
    config = IndexConfig(nprobe=settings.ann_nprobe, user_dicts=settings.user_dicts)
    index = load_index(settings.index_dir, encoder, config)
    ipc_model, ranker = load_models()
    return NeedMatcher(index, encoder, EmbeddingCache(settings.cache_path), cluster_map(settings.cluster_scheme),
                       ipc_model, ranker)


def match_lines(matches, explain: bool) -> list[str]:  # noqa: ANN001
    lines = []
    for rank, m in enumerate(matches, start=1):
        flags = "（沉睡）" if m.sleeping else ""
        lines.append(f"{rank:>2}. {m.application_number}  {m.title}{flags}  — {'、'.join(m.holders)}  "
                     f"[{m.score:.4f}]")
        if explain and m.explanation:
            lines.append(f"    {m.explanation.zh()}")
    return lines


@click.group("match")
def match() -> None:
    """Matches (供需对接)."""


@match.command("need")
@click.argument("need_id", required=False)
@click.option("--text", help="Match free text instead of a stored need.")
@click.option("--top", default=10, show_default=True)
@click.option("--include-inactive", is_flag=True, help="Also list lapsed and invalid patents.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--explain/--no-explain", default=True, show_default=True)
@click.pass_obj
def match_need(obj, need_id: str | None, text: str | None, top: int, include_inactive: bool, as_json: bool,  # noqa: ANN001
               explain: bool) -> None:
    """Patents for a need (its 需求编号 or database id), or for --text."""
    from data.db import transaction
    from data.models import Need
    from indexer.manifest import IndexMismatch
    from indexer.sources import need_text

    if bool(need_id) == bool(text):
        raise click.UsageError("give a need id or --text, not both")
    try:
        matcher = load_matcher(obj.engine)
    except IndexMismatch as exc:
        click.echo(f"{exc}", err=True)
        sys.exit(2)
    with transaction(obj.engine) as session:
        if need_id:
            condition = Need.external_id == need_id
            if need_id.isdigit():
                condition = or_(condition, Need.id == int(need_id))
            need = session.scalar(select(Need).where(condition))
            if need is None:
                click.echo(f"no need with id {need_id}", err=True)
                sys.exit(2)
            text = need_text(need)
        matches = matcher.match_text(session, text or "", k=top, include_inactive=include_inactive)
    if as_json:
        click.echo(json.dumps([asdict(m) for m in matches], ensure_ascii=False))
    else:
        click.echo("\n".join(match_lines(matches, explain)) or "no matching patents")
