"""`patent-match ledger show|correct`: who held a patent when, and operators' corrections (著录项目变更)."""

from __future__ import annotations

import sys

import click

from data.enums import label


@click.group("ledger")
def ledger_group() -> None:
    """The ownership ledger: holders change only through dated events with evidence."""


def _patent(session, number: str):  # noqa: ANN001, ANN202
    from sqlalchemy import select

    from data.models import Patent

    patent = session.scalar(select(Patent).where(Patent.application_number == number))
    if patent is None:
        click.echo(f"没有申请号为 {number} 的专利", err=True)
        sys.exit(2)
    return patent


@ledger_group.command("show")
@click.argument("application_number")
@click.option("--on", "on", help="Who held it on this date (default today).")
@click.pass_obj
def show(obj, application_number: str, on: str | None) -> None:  # noqa: ANN001
    """The holders on a date and every ledger event of a patent."""
    from api.cli import _date_option
    from data import ledger
    from data.db import transaction

    day = _date_option(on)
    with transaction(obj.engine) as session:
        patent = _patent(session, application_number)
        holders = "、".join(o.name for o in ledger.holders_on(session, patent, day)) or "（无）"
        click.echo(f"{patent.application_number} {patent.title}\n{day} 的权利人：{holders}")
        for entry in ledger.history(session, patent):
            why = f"；理由：{entry.reason}" if entry.reason else ""
            click.echo(f"  {entry.effective_on}  {label(entry.kind)}  {'、'.join(entry.holders)}  "
                       f"（{entry.evidence or '无证明'}{why}）")


@ledger_group.command("correct")
@click.argument("application_number")
@click.option("--holder", "holders", multiple=True, required=True, help="A holder from the date on (repeat).")
@click.option("--reason", required=True, help="Why the record is corrected (著录项目变更的依据).")
@click.option("--on", "on", help="Effective date (default today).")
@click.option("--evidence", default="", help="The notice or document, e.g. its number.")
@click.pass_obj
def correct(obj, application_number: str, holders: tuple[str, ...], reason: str, on: str | None,  # noqa: ANN001
            evidence: str) -> None:
    """Correct a patent's holders from a date on; the organisations must exist."""
    import datetime as dt

    from sqlalchemy import select

    from api.cli import _date_option
    from data import ledger
    from data.db import transaction
    from data.models import Organization

    with transaction(obj.engine) as session:
        patent = _patent(session, application_number)
        orgs = []
        for name in holders:
            org = session.scalar(select(Organization).where(Organization.name == name))
            if org is None:
                click.echo(f"--holder：没有名为 {name} 的单位；请先导入单位", err=True)
                sys.exit(2)
            orgs.append(org)
        try:
            ledger.correct(session, patent, orgs, _date_option(on), reason, dt.date.today(), evidence=evidence,
                           actor="cli")
        except ledger.LedgerInputError as exc:
            click.echo(f"--{exc.field.replace('_', '-')}：{exc.message}", err=True)
            sys.exit(2)
        click.echo(f"{patent.application_number} 的权利人已更正为 {'、'.join(holders)}")
