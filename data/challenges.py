"""揭榜挂帅 challenges as a state machine: every change is validated against the rules and logged.

    draft → published → shortlisted → awarded → completed
      └────────┴────────────┴────────────┴──→ cancelled

- Research teams (universities and institutes) apply while the challenge is published and its
  deadline has not passed; one application per organisation, with the team's own patents.
- Shortlisting picks at least one submitted application (the others are rejected).
- Awarding picks exactly one shortlisted application (the other shortlisted ones are rejected).
- A completed or cancelled challenge is final.
"""

from __future__ import annotations

import datetime as dt

from data.enums import ApplicationStatus, ChallengeState, OrgKind
from data.models import Challenge, ChallengeApplication, ChallengeEvent, Organization

TRANSITIONS: dict[ChallengeState, set[ChallengeState]] = {
    ChallengeState.DRAFT: {ChallengeState.PUBLISHED, ChallengeState.CANCELLED},
    ChallengeState.PUBLISHED: {ChallengeState.SHORTLISTED, ChallengeState.CANCELLED},
    ChallengeState.SHORTLISTED: {ChallengeState.AWARDED, ChallengeState.CANCELLED},
    ChallengeState.AWARDED: {ChallengeState.COMPLETED, ChallengeState.CANCELLED},
    ChallengeState.COMPLETED: set(),
    ChallengeState.CANCELLED: set(),
}
SOLVER_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


class ChallengeError(ValueError):
    """A change the rules do not allow; the message says which rule."""


class ReasonRequired(ChallengeError):
    """A change that must say why (撤榜): missing input rather than a conflict."""


def move(challenge: Challenge, to: ChallengeState, actor: str, note: str = "") -> ChallengeEvent:
    if to not in TRANSITIONS[challenge.state]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[challenge.state])) or "none (it is final)"
        raise ChallengeError(f"a {challenge.state.value} challenge cannot become {to.value}; allowed: {allowed}")
    if to is ChallengeState.CANCELLED and not note.strip():  # the solvers who applied are owed a reason
        raise ReasonRequired("撤榜须写明理由（note），理由记入状态日志")
    event = ChallengeEvent(from_state=challenge.state, to_state=to, actor=actor, note=note)
    challenge.state = to
    challenge.events.append(event)
    return event


def apply(challenge: Challenge, team: Organization, proposal: str, patent_numbers: list[str],
          today: dt.date) -> ChallengeApplication:
    if challenge.state is not ChallengeState.PUBLISHED:
        raise ChallengeError(f"applications are taken while the challenge is published; it is {challenge.state.value}")
    if today > challenge.deadline:
        raise ChallengeError(f"the deadline {challenge.deadline} has passed")
    if team.kind not in SOLVER_KINDS:
        raise ChallengeError("only universities and research institutes apply (揭榜)")
    if any(a.organization_id == team.id for a in challenge.applications):
        raise ChallengeError(f"{team.name} has already applied")
    application = ChallengeApplication(organization=team, organization_id=team.id, proposal=proposal,
                                       patent_numbers=patent_numbers)
    challenge.applications.append(application)
    return application


def shortlist(challenge: Challenge, application_ids: set[int], actor: str) -> ChallengeEvent:
    chosen = [a for a in challenge.applications if a.id in application_ids]
    if not chosen or len(chosen) != len(application_ids):
        raise ChallengeError(f"shortlist names applications of this challenge: {sorted(application_ids)}")
    event = move(challenge, ChallengeState.SHORTLISTED, actor, f"入围申请 {sorted(application_ids)}")
    for application in challenge.applications:
        application.status = ApplicationStatus.SHORTLISTED if application.id in application_ids \
            else ApplicationStatus.REJECTED
    return event


def award(challenge: Challenge, application_id: int, actor: str) -> ChallengeEvent:
    winner = next((a for a in challenge.applications if a.id == application_id), None)
    if winner is None or winner.status is not ApplicationStatus.SHORTLISTED:
        raise ChallengeError(f"application {application_id} is not on this challenge's shortlist")
    event = move(challenge, ChallengeState.AWARDED, actor, f"授榜：申请 {application_id}（{winner.organization.name}）")
    for application in challenge.applications:
        if application.status is ApplicationStatus.SHORTLISTED:
            application.status = ApplicationStatus.AWARDED if application is winner else ApplicationStatus.REJECTED
    return event
