"""`patent-match tag` (加工标引) and the facets that use the tags: --effect, --cluster, --product, --field."""

from __future__ import annotations

from pathlib import Path

import click

from data.enums import TagDimension, TagEntity
from data.settings import get_settings

FACETS = {"effect": TagDimension.EFFECT, "cluster": TagDimension.CLUSTER, "product": TagDimension.PRODUCT,
          "field": TagDimension.IPC, "industry": TagDimension.SEI}


def facet_options(command):  # noqa: ANN001, ANN201
    """--effect 节能降耗 --cluster 集成电路 --product 锂离子电池 --field H01M --industry 6.3 (codes or names)."""
    helps = {"effect": "Technical effect, code or name (E04, 节能降耗).",
             "cluster": "Industry cluster name (集成电路).",
             "product": "Product category, code or part of its name (P01, 电池).",
             "field": "IPC code or prefix (H01M, H01M 10/).",
             "industry": "Strategic emerging industry code or name (6.3, 太阳能产业)."}
    for name in reversed(list(FACETS)):
        command = click.option(f"--{name}", f"facet_{name}", help=helps[name])(command)
    return command


def facet_ids(session, entity: TagEntity, **facets: str | None) -> set[int] | None:  # noqa: ANN001
    """Ids tagged with every given facet (None when no facet is given)."""
    from matching.tags.store import matching_ids

    selected: set[int] | None = None
    for name, value in facets.items():
        if value:
            found = matching_ids(session, entity, FACETS[name.removeprefix("facet_")], value)
            selected = found if selected is None else selected & found
    return selected


def tag_json(tag) -> dict[str, object]:  # noqa: ANN001
    return {"dimension": tag.dimension.value, "code": tag.code, "label": tag.label, "confidence": tag.confidence,
            "source": tag.source.value, "evidence": tag.evidence}


def make_tagger():  # noqa: ANN201
    from api.cli_match import load_models
    from matching.clusters import cluster_map
    from matching.tags.effect_model import EffectClassifier
    from matching.tags.tagger import Tagger

    settings = get_settings()
    ipc_model, _ = load_models()
    trained = (settings.effect_model_dir / "effect_model.json").exists()
    effect_model = EffectClassifier.load(settings.effect_model_dir) if trained else None
    return Tagger(cluster_map(settings.cluster_scheme), ipc_model, settings.cluster_scheme, effect_model)


@click.group("tag", invoke_without_command=True)
@click.option("--all", "force", is_flag=True, help="Retag everything, not only what changed.")
@click.pass_context
def tag(ctx: click.Context, force: bool) -> None:
    """Tag patents and needs with technical field, effect and product category (only what changed)."""
    if ctx.invoked_subcommand is not None:
        return
    from data.db import transaction
    from matching.tags.store import tag_records

    tagger = make_tagger()
    with transaction(ctx.obj.engine) as session:
        run = tag_records(session, tagger, force=force)
    click.echo(f"tagged {run.patents} patents and {run.needs} needs; {run.unchanged} unchanged; "
               f"{run.removed} removed")


@tag.command("show")
@click.argument("record_id")
@click.pass_obj
def tag_show(obj, record_id: str) -> None:  # noqa: ANN001
    """The tags of a patent (申请号) or a need (需求编号), with confidence, source and evidence."""
    from sqlalchemy import select

    from api.cli_match import find_need
    from data.db import transaction
    from data.models import Patent
    from matching.tags.store import tags_of

    with transaction(obj.engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == record_id))
        need = None if patent else find_need(session, record_id)
        if patent is None and need is None:
            raise click.ClickException(f"no patent or need with id {record_id}")
        entity, entity_id = (TagEntity.PATENT, patent.id) if patent else (TagEntity.NEED, need.id)
        tags = tags_of(session, entity, [entity_id])[entity_id]
        if not tags:
            click.echo("no tags yet: run patent-match tag")
        for t in tags:
            click.echo(f"{t.dimension.value:<8} {t.code:<14} {t.label[:30]:<30} {t.confidence:.2f} "
                       f"{t.source.value:<9} {t.evidence}")


@tag.command("train-effects")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra patent texts (JSONL with a text field) besides the database's abstracts.")
@click.pass_obj
def train_effects(obj, corpus: Path | None) -> None:  # noqa: ANN001
    """Train the effect classifier on the cue labels of the patents' sentences (then run patent-match tag)."""
    from sqlalchemy import select

    from data.db import transaction
    from data.jsonl import read_jsonl
    from data.models import Patent
    from matching.tags.effect_model import EffectClassifier

    with transaction(obj.engine) as session:
        texts = [a for a in session.scalars(select(Patent.abstract)) if a]
    if corpus:
        texts += [str(r.get("text") or "") for _, r in read_jsonl(corpus)]
    try:
        model = EffectClassifier.train(texts)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    directory = get_settings().effect_model_dir
    model.save(directory)
    click.echo(f"trained on {len(texts)} texts, {len(model.classes)} effect classes → {directory}")
