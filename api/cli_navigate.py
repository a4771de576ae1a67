"""`patent-match navigate`: a landscape report (专利导航) of a selection as report.html, PNG charts and report.xlsx."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from data.db import transaction
from data.settings import get_settings


def _day(value: str | None, hint: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise click.BadParameter(f"日期“{value}”应写作 YYYY-MM-DD", param_hint=hint) from None


@click.group("navigate", invoke_without_command=True)
@click.option("--cluster", help="产业集群名称，如 新型电力(新能源)装备")
@click.option("--scheme", type=click.Choice(["jiangsu", "zhejiang"]), help="集群方案（默认：配置的 cluster_scheme）")
@click.option("--ipc", multiple=True, help="IPC 前缀，可多次给出：--ipc H01M --ipc 'H02J 3/'")
@click.option("--holder", multiple=True, help="权利人全称，可多次给出")
@click.option("--universities", is_flag=True, help="只看高校院所持有的专利")
@click.option("--region", help="苏南 / 苏中 / 苏北、城市或省份（权利人所在地）")
@click.option("--from", "date_from", help="申请日起 YYYY-MM-DD")
@click.option("--to", "date_to", help="申请日止 YYYY-MM-DD")
@click.option("--query", default="", help="技术描述（用检索索引，保留相关度不低于最高分 --relevance 倍的专利）")
@click.option("--relevance", default=0.5, type=click.FloatRange(0, 1), show_default=True)
@click.option("--top", default=15, type=click.IntRange(1, 50), show_default=True, help="矩阵中的技术分支数")
@click.option("--subfields", type=click.Choice(["ipc", "topics"]), default="ipc", show_default=True,
              help="技术分支：IPC 主组，或学习到的主题（先运行 patent-match navigate topics fit）")
@click.option("--as-of", "as_of", help="统计日（默认今天）")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True,
              help="矩阵单元格链接到的平台地址（/ui/patents）")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="报告目录（必填，子命令除外）")
@click.pass_context
def navigate(ctx, cluster, scheme, ipc, holder, universities, region, date_from, date_to, query, relevance,  # noqa: ANN001, PLR0913
             top, subfields, as_of, base_url, out) -> None:  # noqa: ANN001
    """Write a landscape report: report.html (charts embedded), the charts as PNG, report.xlsx (one sheet per table).
    `navigate topics …` fits and stores the learned topics that --subfields topics uses."""
    if ctx.invoked_subcommand:
        return
    if out is None:
        raise click.UsageError("缺少报告目录 --out DIR")
    from api.navigation_report import write_report
    from api.routes_navigation import landscape_for
    from data.ipc_scheme import IpcSchemeError
    from matching.landscape import Selection, SubFields
    from matching.landscape.selection import SelectionError

    obj = ctx.obj

    selection = Selection(cluster=cluster or None, scheme=scheme or get_settings().cluster_scheme, ipc=tuple(ipc),
                          query=query.strip(), relevance=relevance, holders=tuple(holder), universities=universities,
                          region=region or None, date_from=_day(date_from, "--from"), date_to=_day(date_to, "--to"))
    today = _day(as_of, "--as-of") or dt.date.today()

    def retriever():  # noqa: ANN202
        from api.cli_match import load_matcher

        return load_matcher(obj.engine)

    started = time.perf_counter()
    with transaction(obj.engine) as session:
        try:
            found = landscape_for(session, selection, retriever, today, top, SubFields(subfields))
        except SelectionError as exc:
            raise click.BadParameter(str(exc), param_hint=f"--{exc.field}") from None
        except IpcSchemeError as exc:
            raise click.ClickException(str(exc)) from None
    files = write_report(found, out, base_url.rstrip("/") + "/ui/patents")
    click.echo(f"专利导航 {found.description}：{found.patents} 件专利，用时 {time.perf_counter() - started:.2f} s")
    for path in files:
        click.echo(f"  {path}")


@navigate.group("topics")
def topics_group() -> None:
    """Learned topics as sub-fields (--subfields topics): fit, assign to the stored patents, show."""


def _model_dir(directory: Path | None) -> Path:
    from matching.landscape.topic_tags import default_dir

    return directory or default_dir()


def _read_corpus(path: Path) -> list[tuple[str, str]]:
    """(title, abstract) of each line of a JSONL corpus with `title` and `text` or `abstract`."""
    from data.jsonl import read_jsonl

    found = []
    try:
        for number, record in read_jsonl(path):
            title, text = record.get("title"), record.get("abstract", record.get("text"))
            if not isinstance(title, str) or not isinstance(text, str):
                raise click.ClickException(f"{path} 第 {number} 行：须有文本字段 title 和 abstract（或 text）")
            found.append((title, text))
    except ValueError as exc:  # read_jsonl names the file and line
        raise click.ClickException(f"语料文件不是合法的 JSONL：{exc}") from None
    return found


def _print_model(model, titles: list[str] | None = None, assigned=None, examples: int = 0) -> None:  # noqa: ANN001
    c = model.coherence
    click.echo(f"{len(model.topics)} 个主题，{model.documents} 篇文档，词表 {len(model.vocabulary)} 个词项")
    click.echo(f"主题一致性 NPMI（前 10 个主题词，文档共现）：平均 {c.mean:.3f}；"
               f"随机词组（按文档频率抽取）{c.baseline_mean:.3f} ± {c.baseline_sd:.3f}")
    for k, topic in enumerate(model.topics):
        click.echo(f"{topic.code}\t{topic.documents} 篇\tNPMI {topic.coherence:.3f}\t{topic.name}\t"
                   f"{' '.join(topic.terms)}")
        if examples and titles is not None and assigned is not None:
            best = sorted((a[1], i) for i, a in enumerate(assigned) if a and a[0] == k)[::-1][:examples]
            for _, i in best:
                click.echo(f"\t\t{titles[i]}")


@topics_group.command("fit")
@click.option("--topics", "count", default=20, type=click.IntRange(2, 200), show_default=True, help="主题数")
@click.option("--seed", default=0, show_default=True)
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="模型目录（默认 PATENT_MATCH_TOPIC_MODEL 或 数据目录/models/topics）")
@click.option("--corpus", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="改在 JSONL 语料（title + abstract/text）上拟合；不写入数据库，之后可用 topics assign")
@click.option("--examples", default=0, type=click.IntRange(0, 20), help="每个主题列出权重最高的几篇标题（供人工阅读）")
@click.pass_obj
def topics_fit(obj, count: int, seed: int, directory: Path | None, corpus: Path | None, examples: int) -> None:  # noqa: ANN001
    """Fit topics (NMF over jieba terms of title + abstract), save them, and store each patent's topic."""
    from matching.landscape.topic_tags import assign_stored
    from matching.landscape.topics import TopicModelError, fit, save

    target = _model_dir(directory)
    try:
        if corpus is not None:
            records = _read_corpus(corpus)
            model, assigned = fit([f"{t}\n{a}" for t, a in records], topics=count, seed=seed)
            titles = [t for t, _ in records]
        else:
            from matching.landscape.topic_tags import fit_stored_with_titles

            with transaction(obj.engine) as session:
                model, assigned, titles = fit_stored_with_titles(session, count, seed)
    except TopicModelError as exc:
        raise click.ClickException(str(exc)) from None
    save(model, target)
    click.echo(f"主题模型已保存：{target}")
    _print_model(model, titles, assigned, examples)
    if corpus is None:
        with transaction(obj.engine) as session:
            run = assign_stored(session, model)
        click.echo(f"已为 {run.assigned} 件专利写入主题标签（{run.unassigned} 件无可用词项，记为未分类）")


@topics_group.command("assign")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def topics_assign(obj, directory: Path | None) -> None:  # noqa: ANN001
    """Store each patent's topic with the saved model (after an import, or a fit on another corpus)."""
    from matching.landscape.topic_tags import assign_stored
    from matching.landscape.topics import TopicModelError, load

    try:
        model = load(_model_dir(directory))
    except TopicModelError as exc:
        raise click.ClickException(str(exc)) from None
    with transaction(obj.engine) as session:
        run = assign_stored(session, model)
    click.echo(f"已为 {run.assigned} 件专利写入主题标签（{run.unassigned} 件无可用词项，记为未分类）")


@topics_group.command("show")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
def topics_show(directory: Path | None) -> None:
    """Print the saved topics: names, top terms, coherence against random term sets."""
    from matching.landscape.topics import TopicModelError, load

    try:
        _print_model(load(_model_dir(directory)))
    except TopicModelError as exc:
        raise click.ClickException(str(exc)) from None
