"""What a TTO sees beside a need or a challenge: how its own organisation's patents match it.

The need → patents ranking (the one SMEs see), kept to the patents the organisation holds today and explained
for those only; it runs in the page matcher's one-at-a-time line (api/deps.py PAGE_MATCHER), like every match.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from data.models import Need
from matching.matcher import Match, NeedMatcher

SHOWN = 10


def own_matches(db: Session, need_matcher: NeedMatcher, need: Need, organization_id: int | None,
                limit: int = SHOWN) -> list[Match]:
    if organization_id is None:
        return []
    ranking = need_matcher.rank_need(db, need, include_inactive=False, depth=None)  # every candidate: then kept
    kept = [e for e in ranking.entries if organization_id in {h.organization_id for h in e.patent.holders}]
    return need_matcher.explain(db, ranking, kept[:limit])
