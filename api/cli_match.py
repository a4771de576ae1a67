"""`patent-match match need …`: ranked, explained patents for a need."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click
from sqlalchemy import or_, select

from data.settings import get_settings
from matching.confidence import LABELS_ZH as STRENGTH_ZH
from matching.loading import load_matcher, load_models  # noqa: F401  (their home; imported from here by older callers)


def match_lines(matches, explain: bool) -> list[str]:  # noqa: ANN001
    lines = []
    for rank, m in enumerate(matches, start=1):
        flags = "（沉睡）" if m.sleeping else ""
        strength = f" {STRENGTH_ZH[m.strength]}" if m.strength else ""
        lines.append(f"{rank:>2}. {m.application_number}  {m.title}{flags}  — {'、'.join(m.holders)}  "
                     f"[{m.score:.4f}{strength}]")
        if explain and m.explanation:
            lines.append(f"    {m.explanation.zh()}")
    return lines


@click.group("match")
def match() -> None:
    """Matches (供需对接)."""


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(2)


def _matcher(obj):  # noqa: ANN001, ANN202
    from indexer.manifest import IndexMismatch

    try:
        return load_matcher(obj.engine)
    except IndexMismatch as exc:
        _fail(f"{exc}")


def find_need(session, need_id: str):  # noqa: ANN001, ANN201
    """A need by its 需求编号 or database id."""
    from data.models import Need

    condition = Need.external_id == need_id
    if need_id.isdigit():
        condition = or_(condition, Need.id == int(need_id))
    return session.scalar(select(Need).where(condition))


def _emit(as_json: bool, payload, lines: list[str], empty: str) -> None:  # noqa: ANN001
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        click.echo("\n".join(lines) or empty)


top_option = click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000))
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (the same structured data).")
explain_option = click.option("--explain/--no-explain", default=True, show_default=True,
                              help="Explain each match in Chinese.")


@match.command("need")
@click.argument("need_id", required=False)
@click.option("--text", help="Match free text instead of a stored need.")
@top_option
@click.option("--include-inactive", is_flag=True, help="Also list lapsed and invalid patents.")
@json_option
@explain_option
@click.pass_obj
def match_need(obj, need_id: str | None, text: str | None, top: int, include_inactive: bool, as_json: bool,  # noqa: ANN001
               explain: bool) -> None:
    """Patents for a need (its 需求编号 or database id), or for --text."""
    from data.db import transaction

    if bool(need_id) == bool(text):
        raise click.UsageError("give a need id or --text, not both")
    matcher = _matcher(obj)
    with transaction(obj.engine) as session:
        if need_id:
            need = find_need(session, need_id)
            if need is None:
                _fail(f"no need with id {need_id}")
            matches = matcher.match_need(session, need, k=top, include_inactive=include_inactive)
        else:
            matches = matcher.match_text(session, text or "", k=top, include_inactive=include_inactive)
    _emit(as_json, [asdict(m) for m in matches], match_lines(matches, explain), "no matching patents")


@match.command("patent")
@click.argument("patent_id")
@top_option
@json_option
@explain_option
@click.pass_obj
def match_patent(obj, patent_id: str, top: int, as_json: bool, explain: bool) -> None:  # noqa: ANN001
    """Open needs and potential licensee enterprises for a patent (申请号 or database id)."""
    from sqlalchemy.orm import selectinload

    from data.db import transaction
    from data.models import Patent, PatentHolder
    from data.normalize import normalize_application_number
    from matching.directions import PatentMatcher

    matcher = _matcher(obj)
    with transaction(obj.engine) as session:
        try:
            condition = Patent.application_number == normalize_application_number(patent_id)
        except ValueError:
            condition = Patent.id == int(patent_id) if patent_id.isdigit() else None
        patent = None if condition is None else session.scalar(select(Patent).where(condition).options(
            selectinload(Patent.holders).selectinload(PatentHolder.organization)))
        if patent is None:
            _fail(f"no patent with application number or id {patent_id}")
        result = PatentMatcher(matcher).match_patent(session, patent, k=top)
        title = patent.title
    lines = [f"{result.application_number}  {title}", "匹配需求 Needs:"]
    for rank, n in enumerate(result.needs, start=1):
        lines.append(f"{rank:>2}. {n.external_id or n.need_id}  {n.title}  — {n.organization}  [{n.score:.4f}]")
        if explain and n.shared_clusters:
            lines.append(f"    同属集群：{'、'.join(n.shared_clusters)}")
    lines.append("潜在许可实施企业 Potential licensees:")
    for rank, org in enumerate(result.licensees, start=1):
        lines.append(f"{rank:>2}. {org.name}  [{org.score:.4f}]")
        if explain:
            lines.append(f"    {'；'.join(org.evidence)}")
    _emit(as_json, asdict(result), lines, "")


@match.command("challenge")
@click.argument("challenge_id")
@top_option
@json_option
@explain_option
@click.pass_obj
def match_challenge(obj, challenge_id: str, top: int, as_json: bool, explain: bool) -> None:  # noqa: ANN001
    """Candidate solver teams for a 揭榜挂帅 challenge (its need's 需求编号, or the challenge's database id)."""
    from data.db import transaction
    from data.models import Challenge
    from matching.directions import solver_teams

    matcher = _matcher(obj)
    with transaction(obj.engine) as session:
        need = find_need(session, challenge_id)
        challenge = need.challenge if need is not None else None
        if challenge is None and challenge_id.isdigit():
            challenge = session.get(Challenge, int(challenge_id))
        if challenge is None:
            _fail(f"no challenge with id {challenge_id}")
        teams = solver_teams(session, matcher, challenge.need, k=top)
        title = challenge.need.title
    lines = [f"揭榜挂帅：{title}"]
    for rank, team in enumerate(teams, start=1):
        lines.append(f"{rank:>2}. {team.name}  [{team.score:.4f}]")
        for m in team.patents:
            lines.append(f"      {m.application_number}  {m.title}  [{m.score:.4f}]")
            if explain and m.explanation:
                lines.append(f"        {m.explanation.zh()}")
    _emit(as_json, [asdict(t) for t in teams], lines if teams else [], "no candidate teams")


@match.command("learn")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.pass_obj
def match_learn(obj, folds: int) -> None:  # noqa: ANN001
    """Learn ranker weights from match feedback and deals; kept only if cross-validation beats the default."""
    from data.db import transaction
    from matching.feedback import graded_pairs
    from matching.ranker import LinearRanker, learn_ranker

    matcher = _matcher(obj)
    with transaction(obj.engine) as session:
        pairs = graded_pairs(session, matcher)
    outcome = learn_ranker(pairs, LinearRanker(), folds=folds)
    path = get_settings().ranker_path
    if outcome.learned_wins:
        outcome.ranker.save(path)
        click.echo(f"{outcome.message}\nsaved → {path}")
        return
    if path.exists():  # an older learned ranker is not kept against today's evidence
        path.unlink()
        click.echo(f"{outcome.message}\nremoved the earlier learned ranker {path}")
        return
    click.echo(outcome.message)
