"""Organisations (upserted on name) and needs with their 揭榜挂帅 challenges."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import CooperationMode, OrgKind
from data.imports.common import ImportContext, OrgResolver, ParsedRow, WriteCounts, assign, duplicate_errors
from data.imports.errors import RowError
from data.models import Challenge, Need, Organization
from data.normalize import infer_org_kind


class OrgsHandler:
    FIELDS = ("kind", "credit_code", "city", "province", "industry", "contact_email")

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path, _today = ctx.path, ctx.today
        errors = duplicate_errors(rows, path, "name", lambda r: r.values.get("name"), "organisation name")
        errors += duplicate_errors(rows, path, "credit_code", lambda r: r.values.get("credit_code"),
                                   "统一社会信用代码")
        holders = dict(session.execute(select(Organization.credit_code, Organization.name)
                                       .where(Organization.credit_code.is_not(None))).all())
        for row in rows:
            code, name = row.values.get("credit_code"), row.values.get("name")
            if code in holders and holders[code] != name:
                errors.append(row.error(path, "credit_code", f"{code} already belongs to {holders[code]}"))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        existing = {o.name: o for o in session.scalars(select(Organization))}
        for row in rows:
            values = row.values
            org = existing.get(values["name"])
            if org is None:
                org = Organization(name=values["name"], kind=values.get("kind") or infer_org_kind(values["name"]),
                                   kind_inferred="kind" not in values)
                session.add(org)
                counts.created += 1
            else:
                counts.updated += 1
                if "kind" in values:
                    org.kind_inferred = False
            assign(org, values, self.FIELDS)
        return counts


class NeedsHandler:
    FIELDS = ("title", "text", "industry", "city", "province", "budget", "deadline", "status")

    def validate(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> list[RowError]:
        path, _today = ctx.path, ctx.today
        errors = duplicate_errors(rows, path, "external_id", lambda r: r.values.get("external_id"), "需求编号")
        errors += duplicate_errors(
            rows, path, "title",
            lambda r: None if "external_id" in r.values or "organization" not in r.values
            else (r.values["organization"][0], r.values.get("title")),
            "need title for this organisation")
        for row in rows:
            v = row.values
            if len(v.get("organization", [])) > 1:
                errors.append(row.error(path, "organization", "name exactly one organisation"))
            if v.get("is_challenge") or "reward" in v:
                for required in ("reward", "challenge_deadline"):
                    if required not in v:
                        errors.append(row.error(path, required, "required for a 揭榜挂帅 challenge"))
        return errors

    def write(self, session: Session, rows: list[ParsedRow], ctx: ImportContext) -> WriteCounts:
        counts = WriteCounts()
        orgs = OrgResolver(session)
        needs = list(session.scalars(select(Need).options(selectinload(Need.challenge))))
        by_external = {n.external_id: n for n in needs if n.external_id}
        by_title = {(n.organization_id, n.title): n for n in needs if not n.external_id}
        for row in rows:
            v = row.values
            org = orgs.get(v["organization"][0], v.get("org_kind") or OrgKind.SME,
                           city=v.get("city"), province=v.get("province"), industry=v.get("industry"))
            session.flush()
            need = by_external.get(v["external_id"]) if "external_id" in v else by_title.get((org.id, v["title"]))
            if need is None:
                need = Need(external_id=v.get("external_id"), organization=org, cooperation_modes=[])
                session.add(need)
                counts.created += 1
            else:
                counts.updated += 1
            need.organization = org
            assign(need, v, self.FIELDS)
            if "cooperation_modes" in v:
                need.cooperation_modes = [CooperationMode(m).value for m in v["cooperation_modes"]]
            if v.get("is_challenge") or "reward" in v:
                challenge = need.challenge or Challenge(need=need)
                challenge.reward, challenge.deadline = v["reward"], v["challenge_deadline"]
                challenge.conditions = v.get("conditions", challenge.conditions or "")
                session.add(challenge)
        return counts
