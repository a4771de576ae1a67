"""`patent-match`: one command line with subcommands over the same storage the API uses."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path

import click
from sqlalchemy import Engine

from api.cli_tags import facet_ids, facet_options, tag_json
from data.db import current_revision, make_engine, transaction, upgrade
from data.enums import LegalStatus, TagEntity, parse_enum
from data.imports.errors import ImportFileError, ImportRejected
from data.imports.loader import ImportReport, import_file
from data.imports.schemas import SCHEMAS
from data.normalize import parse_date
from data.settings import get_settings


class Context:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url or get_settings().resolved_database_url
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        """Connect and bring the schema up to date (idempotent) on first use."""
        if self._engine is None:
            self._engine = make_engine(self.database_url)
            upgrade(self._engine)
        return self._engine


def _date_option(value: str | None) -> dt.date:
    try:
        return parse_date(value) if value else dt.date.today()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--as-of") from None


@click.group()
@click.option("--db", "database_url", envvar="PATENT_MATCH_DATABASE_URL",
              help="Database URL (default: a SQLite file in ~/.patent-match).")
@click.option("-v", "--verbose", is_flag=True, help="Log progress to stderr.")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, verbose: bool) -> None:
    """专利供需对接平台 — match idle university patents with SME technology needs."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    ctx.obj = Context(database_url)


def _register_subgroups() -> None:
    from api import cli_adapt, cli_embed, cli_trainset  # noqa: F401  (their commands join main, models and eval)
    from api.cli_eval import eval_group, ipc_group
    from api.cli_index import index, models, terms
    from api.cli_keys import keys, serve
    from api.cli_ledger import ledger_group
    from api.cli_match import match
    from api.cli_navigate import navigate
    from api.cli_programmes import programmes_group
    from api.cli_tags import tag
    for group in (index, models, terms, eval_group, ipc_group, match, tag, keys, serve, ledger_group,
                  programmes_group, navigate):
        main.add_command(group)


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(obj: Context) -> None:
    """Create or migrate the schema to the newest revision."""
    engine = obj.engine
    click.echo(f"{engine.url.render_as_string(hide_password=True)} is at revision {current_revision(engine)}")


def _print_report(report: ImportReport) -> None:
    click.echo(f"{report.path.name}: {report.rows} rows → {report.created} created, {report.updated} updated"
               + (f", {report.rejected} rejected (see {report.rejects_path})" if report.rejected else ""))
    if report.ignored_columns:
        click.echo(f"  ignored columns: {', '.join(report.ignored_columns)}")
    if report.extra.get("legal_status_review"):
        click.echo(f"  法律状态待核实 {report.extra['legal_status_review']} rows flagged for review "
                   "(list them: patent-match patents --status review)")
    if report.extra.get("legal_events"):
        click.echo(f"  法律事件 {report.extra['legal_events']} ownership events recorded from legal-event entries")
    for warning in report.warnings[:50]:
        click.echo(f"  warning: {warning}")
    if len(report.warnings) > 50:
        click.echo(f"  … and {len(report.warnings) - 50} more warnings")


@main.command("import")
@click.argument("kind", type=click.Choice(list(SCHEMAS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows; write the rejects to a CSV.")
@click.option("--rejects", type=click.Path(path_type=Path), help="Where to write rejects (default FILE.rejects.csv).")
@click.option("--as-of", help="Today's date for date checks and sleeping-patent detection.")
@click.option("--correct-holders", metavar="REASON",
              help="Patents only: let the file change the holders of stored patents (著录项目变更); the reason "
                   "is kept with each correction in the ownership ledger.")
@click.option("--no-index-update", is_flag=True,
              help="Patents only: leave the search index as it is (default: update it now, when there is one).")
@click.pass_obj
def import_command(obj: Context, kind: str, file: Path, skip_invalid: bool, rejects: Path | None,
                   as_of: str | None, correct_holders: str | None, no_index_update: bool) -> None:
    """Import orgs, patents, needs, transactions or offers from CSV, XLSX or JSONL.

    All-or-nothing unless --skip-invalid. Re-importing updates records instead of duplicating them.
    See `patent-match formats` for the accepted column headers."""
    try:
        report = import_file(obj.engine, kind, file, skip_invalid=skip_invalid, rejects_path=rejects,
                             today=_date_option(as_of), correct_holders=correct_holders, actor="cli")
    except (ImportFileError, ImportRejected) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    _print_report(report)
    if kind == "patents" and (report.created or report.updated):
        from api.cli_index import update_after_import

        update_after_import(obj.engine, skip=no_index_update)


@main.command("formats")
@click.argument("kind", required=False, type=click.Choice(list(SCHEMAS)))
def formats(kind: str | None) -> None:
    """Print the accepted column headers of each import kind (Markdown)."""
    from api.formats import formats_markdown

    click.echo(formats_markdown([kind] if kind else list(SCHEMAS)))


@main.command("patents")
@click.option("--sleeping", is_flag=True, help="Only sleeping patents (沉睡专利), with the reason.")
@click.option("--holder", help="Holder name contains this text.")
@click.option("--status", help="Legal status: valid/pending/lapsed/invalid or 有效/审中/失效/无效; review (待核实): "
                                "the patents whose imported legal status could not be read.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per patent.")
@click.option("--as-of", help="Re-run sleeping detection as of this date first (default today).")
@facet_options
@click.pass_obj
def patents(obj: Context, sleeping: bool, holder: str | None, status: str | None, limit: int, as_json: bool,
            as_of: str | None, **facets: str | None) -> None:
    """List patents; --sleeping re-runs detection first so the verdicts are current. The facets
    (--effect, --cluster, --product, --field, --industry) read the tags of `patent-match tag`."""
    from sqlalchemy import select

    from api.views import patents_text
    from data.models import Patent
    from data.queries import list_patents
    from data.sleeping import SleepingRule, refresh_sleeping
    from matching.tags.store import tags_of

    try:
        review = status in ("review", "待核实")
        wanted_status = parse_enum(LegalStatus, status) if status and not review else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--status") from None
    with transaction(obj.engine) as session:
        if sleeping:
            rule = SleepingRule.from_settings(get_settings())
            count = refresh_sleeping(session, _date_option(as_of), rule)
            if not as_json:
                click.echo(f"沉睡专利 {count} sleeping patents (rule: {rule.describe()})\n")
        ids = facet_ids(session, TagEntity.PATENT, **facets)
        if review:
            flagged = set(session.scalars(select(Patent.id).where(Patent.legal_status_review.is_(True))))
            ids = flagged if ids is None else ids & flagged
        found = list_patents(session, sleeping=True if sleeping else None, holder=holder,
                             status=wanted_status, ids=ids, limit=limit)  # type: ignore[arg-type]
        tags = tags_of(session, TagEntity.PATENT, [p.id for p in found])
        if as_json:
            for p in found:
                click.echo(json.dumps({
                    "application_number": p.application_number, "title": p.title,
                    "holders": [h.organization.name for h in p.holders], "legal_status": p.legal_status.value,
                    "legal_status_raw": p.legal_status_raw, "legal_status_review": p.legal_status_review,
                    "grant_date": p.grant_date.isoformat() if p.grant_date else None, "main_ipc": p.main_ipc,
                    "ipc": [i.code for i in p.ipcs], "sleeping": p.is_sleeping, "sleeping_reason": p.sleeping_reason,
                    "tags": [tag_json(t) for t in tags[p.id]],
                }, ensure_ascii=False))
        else:
            click.echo(patents_text(found, show_reason=sleeping, tags=tags if any(facets.values()) else None))


@main.command("needs")
@click.option("--status", help="open/matched/closed or 开放/已对接/关闭 (default: all).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per need.")
@facet_options
@click.pass_obj
def needs(obj: Context, status: str | None, limit: int, as_json: bool, **facets: str | None) -> None:
    """List needs with their tags; the facets select by tag (--effect 节能降耗, --cluster 集成电路, …)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from api.views import needs_text
    from data.enums import NeedStatus
    from data.models import Need
    from matching.tags.store import tags_of

    query = select(Need).options(selectinload(Need.organization)).order_by(Need.id).limit(limit)
    if status:
        try:
            query = query.where(Need.status == parse_enum(NeedStatus, status))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--status") from None
    with transaction(obj.engine) as session:
        ids = facet_ids(session, TagEntity.NEED, **facets)
        if ids is not None:
            query = query.where(Need.id.in_(ids))
        found = session.scalars(query).all()
        tags = tags_of(session, TagEntity.NEED, [n.id for n in found])
        if as_json:
            for n in found:
                click.echo(json.dumps({"id": n.id, "external_id": n.external_id, "title": n.title,
                                       "organization": n.organization.name, "industry": n.industry,
                                       "status": n.status.value, "tags": [tag_json(t) for t in tags[n.id]]},
                                      ensure_ascii=False))
        else:
            click.echo(needs_text(found, tags))


@main.command("summary")
@click.pass_obj
def summary_command(obj: Context) -> None:
    """What the platform holds: organisations, patents by holder and cluster, needs, deals."""
    _print_summary(obj.engine)


def _demo_matches(engine: Engine, need_id: str = "XQ-2026-01", top: int = 5) -> None:
    """Train IPC inference on the demo patents and show one need's explained matches."""
    from sqlalchemy import select

    from api.cli_match import load_matcher, match_lines
    from data.models import Need, Patent
    from matching.ipc import IpcClassifier

    with transaction(engine) as session:
        patents = session.scalars(select(Patent)).all()
        pairs = [(f"{p.title} {p.abstract}", sorted({i.subclass for i in p.ipcs})) for p in patents if p.ipcs]
        IpcClassifier.train([t for t, _ in pairs], [ls for _, ls in pairs]).save(
            get_settings().home / "models" / "ipc")
        need = session.scalar(select(Need).where(Need.external_id == need_id))
        matches = load_matcher(engine).match_need(session, need, k=top)
        click.echo(f"\n供需对接 Matches for need {need_id} 「{need.title}」 (patent-match match need {need_id})")
        click.echo("\n".join(match_lines(matches, explain=True)))


def _demo_tags(engine: Engine) -> None:
    """Tag the demo records (field, effect, product) with the IPC model the demo just trained; the effect
    classifier as `patent-match tag` decides it (239 demo abstracts are too few: the cues alone, said so)."""
    from api.cli_tags import tag_everything

    run, effects = tag_everything(engine)
    click.echo(f"\n{effects.message}", err=effects.is_warning)  # failed training, or a model it may not use
    click.echo(f"加工标引 Tagged {run.patents} patents and {run.needs} needs with technical field, effect and "
               "product category (patent-match tag; patent-match patents --effect 节能降耗)")


def _print_summary(engine: Engine) -> None:
    from api.views import summary_text
    from data.summary import summarize
    from matching.clusters import cluster_map

    with transaction(engine) as session:
        click.echo(summary_text(summarize(session), cluster_map(get_settings().cluster_scheme)))


@main.command("demo")
@click.option("--as-of", help="Today's date for the demo (default today).")
@click.pass_obj
def demo(obj: Context, as_of: str | None) -> None:
    """Load the bundled demo data into the database and show what the platform holds."""
    from data.demo import load_demo

    engine = obj.engine
    click.echo(f"patent-match demo — database {engine.url.render_as_string(hide_password=True)}\n")
    for report in load_demo(engine, today=_date_option(as_of)):
        _print_report(report)
    from api.cli_index import build_or_update

    build_or_update(engine)
    click.echo("")
    _print_summary(engine)
    from api.cli_programmes import programme_summary

    programme_summary(engine, _date_option(as_of).year - 1)  # the latest complete year, as programmes check
    _demo_matches(engine)
    _demo_tags(engine)
    _demo_sign_in(engine)
    click.echo("\nNext: patent-match serve (web interface http://127.0.0.1:8000/ui/)   ·   "
               "patent-match patents --sleeping   ·   patent-match import patents YOUR_EXPORT.xlsx")


def _demo_sign_in(engine: Engine) -> None:
    """Print one sign-in key per role and keep them, readable by this user only, beside the database."""
    from api.cli_keys import demo_keys

    keys = demo_keys(engine)
    path = get_settings().home / "demo-keys.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    lines = [f"{role.value:<9}  {key}  {org or ''}".rstrip() for role, org, key in keys]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    click.echo(f"\n演示登录密钥 Demo sign-in keys (also in {path}; earlier demo keys are revoked):")
    for line in lines:
        click.echo("  " + line)


_register_subgroups()
