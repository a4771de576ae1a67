"""What `phrase` (matching/features.py) adds to a match: reading the wording of the candidates some retriever ranks
in its top PHRASE_DEPTH, and scoring every candidate's copied wording, against the whole match in the same run.

    patent-match --db sqlite:///demo.db demo
    python -m bench.phrase sqlite:///demo.db

The wordings read are at most three retrievers' top PHRASE_DEPTH whatever the corpus size, each one row by its key.
"""

from __future__ import annotations

import statistics
import sys
import time

from sqlalchemy import select

from api.cli_match import load_matcher
from data.db import make_engine, transaction
from data.models import Need
from indexer.sources import need_text
from matching.features import phrase_features, reads_wording
from matching.matcher import EXCLUDED_BY_DEFAULT
from matching.records import legal_statuses, patent_wordings


def main() -> None:
    engine = make_engine(sys.argv[1])
    matcher = load_matcher(engine)
    step, read, whole = [], [], []
    with transaction(engine) as session:
        for need in session.scalars(select(Need).order_by(Need.id)).all():
            text = need_text(need)
            candidates = matcher.candidates.generate(text)
            statuses = legal_statuses(session, [c.doc_id for c in candidates])  # as the matcher filters them
            ids = {number: pid for number, (pid, status) in statuses.items() if status not in EXCLUDED_BY_DEFAULT}
            candidates = [c for c in candidates if c.doc_id in ids]
            started = time.perf_counter()
            wordings = patent_wordings(session, [ids[c.doc_id] for c in candidates if reads_wording(c.ranks)])
            for candidate in candidates:
                phrase_features(text, candidate.ranks, wordings.get(ids[candidate.doc_id], ""))
            step.append(time.perf_counter() - started)
            read.append(len(wordings))
            started = time.perf_counter()
            matcher.match_need(session, need, k=20)
            whole.append(time.perf_counter() - started)
    print(f"{len(step)} needs: wordings read p50 {statistics.median(read):g} (max {max(read)}); phrase step p50 "
          f"{statistics.median(step) * 1000:.1f} ms (max {max(step) * 1000:.1f}); whole match, explained top 20, p50 "
          f"{statistics.median(whole) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
