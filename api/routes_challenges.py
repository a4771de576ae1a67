"""揭榜挂帅 challenges over HTTP: publish, recommend solver teams, apply, shortlist, award, complete or cancel.

The rules live in data/challenges.py; every state change is logged with who made it.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.auth import Principal
from api.deps import MatcherDep, PathId, invalid, own_organization, principal, require, session
from api.routes_needs import get_need
from api.schemas import (
    ApplicationIn,
    ApplicationOut,
    AwardIn,
    ChallengeIn,
    ChallengeOut,
    Error,
    EventOut,
    NoteIn,
    ShortlistIn,
    SolverOut,
)
from data.challenges import ChallengeError, ReasonRequired, apply, award, move, shortlist
from data.enums import ChallengeState, Role
from data.models import Challenge, ChallengeEvent, Need, Patent, PatentHolder

router = APIRouter(prefix="/challenges", tags=["揭榜挂帅 challenges"])
publishers = require("challenges.publish")
teams = require("challenges.apply")
ERRORS = {403: {"model": Error, "description": "Not the publisher, or a role that may not do this."},
          404: {"model": Error, "description": "No such challenge."},
          409: {"model": Error, "description": "The rules do not allow this change now (state, deadline)."}}


def actor(who: Principal) -> str:
    return f"{who.role.value}#{who.key_id}"


def load_challenge(db: Session, challenge_id: int) -> Challenge:
    found = db.scalar(select(Challenge).where(Challenge.id == challenge_id).options(
        selectinload(Challenge.need), selectinload(Challenge.applications), selectinload(Challenge.events)))
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no challenge {challenge_id}")
    return found


def _managed(db: Session, challenge_id: int, who: Principal) -> Challenge:
    challenge = load_challenge(db, challenge_id)
    if who.role is Role.SME and challenge.need.organization_id != who.organization_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the publisher or an operator manages a challenge")
    return challenge


def _out(challenge: Challenge, who: Principal) -> ChallengeOut:
    sees_all = who.role is not Role.TTO and (who.role is not Role.SME or
                                             challenge.need.organization_id == who.organization_id)
    applications = [ApplicationOut(id=a.id, organization_id=a.organization_id, organization=a.organization.name,
                                   proposal=a.proposal, application_numbers=a.patent_numbers, status=a.status)
                    for a in challenge.applications if sees_all or a.organization_id == who.organization_id]
    return ChallengeOut(id=challenge.id, need_id=challenge.need_id, title=challenge.need.title, reward=challenge.reward,
                        deadline=challenge.deadline, conditions=challenge.conditions, state=challenge.state,
                        applications=applications)


def _rules(action):  # noqa: ANN001, ANN202
    """Run a state change; a rule it breaks becomes 409 with the rule's message."""
    try:
        return action()
    except ReasonRequired as exc:
        raise invalid("body.note", str(exc)) from None
    except ChallengeError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ChallengeOut, responses=ERRORS,
             summary="Publish a challenge")
def publish(body: ChallengeIn, who: Principal = Depends(publishers), db: Session = Depends(session)) -> ChallengeOut:
    """Publish one of the caller's needs as a 揭榜挂帅 challenge with a reward and a deadline."""
    need = get_need(db, body.need_id, who)
    if need.challenge is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"need {need.id} is already challenge {need.challenge.id}")
    if body.deadline < dt.date.today():
        raise invalid("body.deadline", "must not be in the past")
    challenge = Challenge(need=need, reward=body.reward, deadline=body.deadline, conditions=body.conditions,
                          state=ChallengeState.PUBLISHED)
    challenge.events.append(ChallengeEvent(from_state=None, to_state=ChallengeState.PUBLISHED, actor=actor(who),
                                           note="发布"))
    db.add(challenge)
    db.commit()
    return _out(challenge, who)


@router.get("", response_model=list[ChallengeOut], summary="List challenges")
def list_challenges(who: Principal = Depends(principal), db: Session = Depends(session),
                    state: ChallengeState | None = Query(None)) -> list[ChallengeOut]:
    """Challenges with their state; an SME sees applications to its own challenges only."""
    query = select(Challenge).options(selectinload(Challenge.need), selectinload(Challenge.applications))
    if state is not None:
        query = query.where(Challenge.state == state)
    return [_out(c, who) for c in db.scalars(query.order_by(Challenge.id))]


@router.get("/{challenge_id}", response_model=ChallengeOut, responses=ERRORS, summary="One challenge")
def read_challenge(challenge_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session)):  # noqa: ANN201
    """A challenge with its need, reward, deadline, state and the applications the caller may see."""
    return _out(load_challenge(db, challenge_id), who)


@router.get("/{challenge_id}/events", response_model=list[EventOut], responses=ERRORS, summary="A challenge's history")
def events(challenge_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session)) -> list[EventOut]:
    """Every state change of a challenge with who made it, when and why."""
    challenge = load_challenge(db, challenge_id)
    if who.role is Role.TTO or (who.role is Role.SME and challenge.need.organization_id != who.organization_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the log is for the publisher, operators and evaluators")
    return [EventOut(from_state=e.from_state, to_state=e.to_state, actor=e.actor, note=e.note, at=e.at)
            for e in challenge.events]


@router.get("/{challenge_id}/solvers", response_model=list[SolverOut], responses={**ERRORS, 503: {"model": Error}},
            summary="Candidate solver teams")
def solvers(challenge_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session),
            need_matcher: MatcherDep = None, top: int = Query(10, ge=1, le=50)) -> list[SolverOut]:
    """Universities and institutes ranked by their patents' relevance (matching/directions.py)."""
    from matching.directions import solver_teams

    need = db.get(Need, load_challenge(db, challenge_id).need_id)
    ranked = solver_teams(db, need_matcher, need, top)
    return [SolverOut(organization_id=t.organization_id, name=t.name, kind=t.kind, score=t.score,
                      patents=[m.application_number for m in t.patents]) for t in ranked]


@router.post("/{challenge_id}/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationOut,
             responses=ERRORS, summary="Apply to a challenge")
def submit(challenge_id: PathId, body: ApplicationIn, who: Principal = Depends(teams),
           db: Session = Depends(session)) -> ApplicationOut:
    """A university's or institute's application (揭榜) with its proposal and its own patents, while the challenge is
    published and before its deadline."""
    challenge = load_challenge(db, challenge_id)
    team = own_organization(db, who)
    held = set(db.scalars(select(Patent.application_number).join(PatentHolder).where(
        PatentHolder.organization_id == team.id, Patent.application_number.in_(body.application_numbers))))
    foreign = [n for n in body.application_numbers if n not in held]
    if foreign:
        raise invalid("body.application_numbers",
                      f"不是{team.name}（登记簿上的当前权利人）的专利：{', '.join(foreign)}")
    application = _rules(lambda: apply(challenge, team, body.proposal, body.application_numbers, dt.date.today()))
    db.commit()
    return ApplicationOut(id=application.id, organization_id=team.id, organization=team.name,
                          proposal=application.proposal, application_numbers=application.patent_numbers,
                          status=application.status)


def _change(db: Session, challenge_id: int, who: Principal, action) -> ChallengeOut:  # noqa: ANN001
    """A publisher's or operator's state change: checked by the rules, stored, then shown."""
    challenge = _managed(db, challenge_id, who)
    _rules(lambda: action(challenge))
    db.commit()
    return _out(challenge, who)


@router.post("/{challenge_id}/shortlist", response_model=ChallengeOut, responses=ERRORS,
             summary="Shortlist applications")
def shortlist_applications(challenge_id: PathId, body: ShortlistIn, who: Principal = Depends(publishers),
                           db: Session = Depends(session)) -> ChallengeOut:
    """The publisher or an operator shortlists applications of a published challenge."""
    return _change(db, challenge_id, who, lambda c: shortlist(c, set(body.application_ids), actor(who)))


@router.post("/{challenge_id}/award", response_model=ChallengeOut, responses=ERRORS, summary="Award a challenge")
def award_application(challenge_id: PathId, body: AwardIn, who: Principal = Depends(publishers),
                      db: Session = Depends(session)) -> ChallengeOut:
    """Award exactly one shortlisted application."""
    return _change(db, challenge_id, who, lambda c: award(c, body.application_id, actor(who)))


@router.post("/{challenge_id}/complete", response_model=ChallengeOut, responses=ERRORS, summary="Complete a challenge")
def complete(challenge_id: PathId, body: NoteIn, who: Principal = Depends(publishers),
             db: Session = Depends(session)) -> ChallengeOut:
    """Mark an awarded challenge completed."""
    return _change(db, challenge_id, who, lambda c: move(c, ChallengeState.COMPLETED, actor(who), body.note))


@router.post("/{challenge_id}/cancel", response_model=ChallengeOut, responses=ERRORS, summary="Cancel a challenge")
def cancel(challenge_id: PathId, body: NoteIn, who: Principal = Depends(publishers),
           db: Session = Depends(session)) -> ChallengeOut:
    """Cancel a challenge from any open state, with a reason."""
    return _change(db, challenge_id, who, lambda c: move(c, ChallengeState.CANCELLED, actor(who), body.note))
