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


def make_tagger(effects=None):  # noqa: ANN001, ANN201
    """The tagger with the settings' models; `effects` is what the auto path decided (effect_status),
    by default the effect classifier on disk unless the settings turn it off."""
    from api.cli_match import load_models
    from matching.clusters import cluster_map
    from matching.tags.effect_auto import load_effect_model
    from matching.tags.tagger import Tagger

    settings = get_settings()
    ipc_model, _ = load_models()
    effect_model = effects.model if effects is not None else load_effect_model(settings.effect_model_dir,
                                                                                settings.effect_classifier)
    return Tagger(cluster_map(settings.cluster_scheme), ipc_model, settings.cluster_scheme, effect_model)


def effect_status(engine):  # noqa: ANN001, ANN201
    """Train (or retrain) the effect classifier first when the settings and the patents call for it."""
    from data.db import transaction
    from matching.tags.effect_auto import ensure_effect_model
    from matching.tags.store import patent_abstracts

    with transaction(engine) as session:  # read, then train outside the transaction
        texts = patent_abstracts(session)
    settings = get_settings()
    return ensure_effect_model(texts, settings.effect_model_dir, settings.effect_classifier)


def tag_everything(engine, force: bool = False):  # noqa: ANN001, ANN201
    """What every path that tags calls (`patent-match tag`, the demo): the effect classifier first, then
    the tags of what changed. Returns the TagRun and the classifier's status (its message is for the user)."""
    from data.db import transaction
    from matching.tags.store import tag_records

    effects = effect_status(engine)
    tagger = make_tagger(effects)
    with transaction(engine) as session:
        run = tag_records(session, tagger, force=force)
    return run, effects


@click.group("tag", invoke_without_command=True)
@click.option("--all", "force", is_flag=True, help="Retag everything, not only what changed.")
@click.pass_context
def tag(ctx: click.Context, force: bool) -> None:
    """Tag patents and needs with technical field, effect and product category (only what changed)."""
    if ctx.invoked_subcommand is not None:
        return
    run, effects = tag_everything(ctx.obj.engine, force)
    click.echo(effects.message, err=effects.is_warning)
    click.echo(f"加工标引：专利 {run.patents} 件、需求 {run.needs} 项已标引，{run.unchanged} 项未变，"
               f"{run.removed} 项已删除 Tagged {run.patents} patents and {run.needs} needs; {run.unchanged} "
               f"unchanged; {run.removed} removed")


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
            raise click.ClickException(f"没有申请号或需求编号为 {record_id} 的专利或需求 "
                                       f"No patent or need with id {record_id}")
        entity, entity_id = (TagEntity.PATENT, patent.id) if patent else (TagEntity.NEED, need.id)
        tags = tags_of(session, entity, [entity_id])[entity_id]
        if not tags:
            click.echo("尚未标引：请运行 patent-match tag  No tags yet: run patent-match tag")
        for t in tags:
            click.echo(f"{t.dimension.value:<8} {t.code:<14} {t.label[:30]:<30} {t.confidence:.2f} "
                       f"{t.source.value:<9} {t.evidence}")


@tag.command("train-effects")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra patent texts (JSONL with a text field) besides the database's abstracts.")
@click.pass_obj
def train_effects(obj, corpus: Path | None) -> None:  # noqa: ANN001
    """Train the effect classifier on the cue labels of the patents' sentences (then run patent-match tag)."""
    from data.db import transaction
    from data.jsonl import read_jsonl
    from matching.tags.effect_auto import count_sentences, train_and_save
    from matching.tags.store import patent_abstracts

    with transaction(obj.engine) as session:
        texts = patent_abstracts(session)
    patents, database_sentences = len(texts), count_sentences(texts)
    extra = [str(r.get("text") or "") for _, r in read_jsonl(corpus)] if corpus else []
    settings = get_settings()
    try:
        model, manifest = train_and_save(texts + extra, settings.effect_model_dir, patents=patents,
                                         database_sentences=database_sentences, trained_by="hand",
                                         extra_texts=len(extra))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    trained_on = patents + len(extra)
    click.echo(f"技术功效分类器：已用 {trained_on} 篇文本的 {manifest.sentences} 句训练，{len(model.classes)} 个"
               f"功效类别，模型 {model.version} → {settings.effect_model_dir} Trained on {trained_on} texts "
               f"({manifest.sentences} sentences), {len(model.classes)} effect classes, model {model.version}")
    if settings.effect_classifier == "off":
        click.echo("注意：effect_classifier=off，patent-match tag 不会使用此模型（改为 auto 或 manual 后生效）")
