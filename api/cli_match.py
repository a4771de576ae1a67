"""`patent-match match need|patent|challenge|learn`: ranked, explained matches in each direction."""

from __future__ import annotations

import json
import re
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


PATENT_FORMS = ("中国申请号（如 202110123456.7，可带 CN 或 ZL 前缀）、境外申请号（以国别代码开头，如 US17123456、"
                "EP21812345.6）、PCT 国际申请号（如 PCT/CN2024/123456）或数据库编号")


class PatentNotFound(LookupError):
    """No patent for the number given, or no number of a known form; the message is in Chinese."""


def find_patent(session, text: str):  # noqa: ANN001, ANN201
    """A patent by the numbers the importer stores (data.imports.values): a Chinese or foreign application number
    (US17123456), a PCT application number (the family member filed in the receiving office's country when the
    PCT number is on several rows), or a database id."""
    from sqlalchemy.orm import selectinload

    from data.imports.values import patent_number, pct_number
    from data.models import Patent, PatentHolder

    def one(condition):  # noqa: ANN001, ANN202
        return session.scalar(select(Patent).where(condition).options(
            selectinload(Patent.holders).selectinload(PatentHolder.organization)))

    raw = text.strip()
    packed = re.sub(r"[\s/]+", "", raw).upper()
    try:
        number, problem = patent_number(raw), ""
    except ValueError as exc:
        number, problem = None, str(exc)
    if number is not None:
        found = one(Patent.application_number == number)
        if found is None:
            raise PatentNotFound(f"数据库中没有申请号为 {number} 的专利（输入“{raw}”）")
        return found
    if raw.isdigit():
        found = one(Patent.id == int(raw))
        if found is None:
            raise PatentNotFound(f"数据库中没有编号为 {raw} 的专利，也不是有效的中国申请号（8 或 12 位数字加校验位）")
        return found
    if packed.startswith("PCT"):
        try:
            pct = pct_number(raw)
        except ValueError as exc:
            raise PatentNotFound(f"{exc}；可用的写法：{PATENT_FORMS}") from None
        members = session.scalars(select(Patent).where(Patent.pct_number == pct)
                                  .order_by(Patent.application_number)).all()
        if not members:
            raise PatentNotFound(f"数据库中没有 PCT 申请号为 {pct} 的专利（国际申请须有进入国家阶段的专利记录）")
        office = pct.split("/")[1][:2]  # PCT/CN2024/… was filed at CNIPA: its Chinese member
        chosen = members if len(members) == 1 else [m for m in members if m.jurisdiction == office]
        numbers = "、".join(m.application_number for m in members)
        if len(chosen) != 1:
            raise PatentNotFound(f"PCT 申请号 {pct} 对应多件专利：{numbers}；请改用其中一件的申请号")
        if len(members) > 1:  # on stderr, so --json output stays clean
            click.echo(f"PCT 申请号 {pct} 对应 {len(members)} 件专利（{numbers}），取受理局 {office} 的 "
                       f"{chosen[0].application_number}", err=True)
        return one(Patent.id == chosen[0].id)
    if packed.startswith("WO"):
        raise PatentNotFound(f"“{raw}”是 PCT 国际公布号（WO），数据库按 PCT 国际申请号和各国申请号登记专利；"
                             f"请改用其 PCT 申请号（如 PCT/CN2024/123456）或某一国家/地区的申请号")
    raise PatentNotFound(f"“{raw}”不是可识别的专利号（{problem}）；可用的写法：{PATENT_FORMS}")


@match.command("patent")
@click.argument("patent_id")
@top_option
@json_option
@explain_option
@click.pass_obj
def match_patent(obj, patent_id: str, top: int, as_json: bool, explain: bool) -> None:  # noqa: ANN001
    """Open needs and potential licensee enterprises for a patent (申请号 — Chinese, foreign such as US17123456,
    or PCT/CN2024/123456 — or database id)."""
    from data.db import transaction
    from matching.directions import PatentMatcher

    matcher = _matcher(obj)
    with transaction(obj.engine) as session:
        try:
            patent = find_patent(session, patent_id)
        except PatentNotFound as exc:
            _fail(str(exc))
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
