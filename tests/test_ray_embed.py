"""Distributed batch embedding on a local Ray instance (indexer/ray_embed.py, `patent-match embed --ray`).

Every test compares the cache the Ray job filled with the single-process path (`embed_documents`), and counts
encodes per text across worker processes (a counting encoder writes what it encoded to one file per process).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli import main
from indexer.cache import EmbeddingCache
from indexer.embed import embed_documents
from indexer.encoders.keyword import KeywordEncoder
from indexer.ray_embed import RAY_SPEC, RayUnavailable, embed_with_ray, missing_texts, ray_session
from indexer.sources import documents_from_beir
from indexer.text import WINDOW_CHARS, text_digest, windows
from tests.test_imports import HEADER, row

ray = pytest.importorskip("ray", reason=f"Ray is not installed: pip install \"{RAY_SPEC}\"")
pytest.importorskip("ray.data", reason=f"Ray Data is not installed: pip install \"{RAY_SPEC}\"")
# The counting encoder travels to the workers by value: they cannot import the tests package.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])

BATCH = 8


class CountingEncoder(KeywordEncoder):
    """The keyword encoder, recording each text it encoded in `log_dir`/<pid>.txt. With `stall_after`, the first
    worker to reach that many batches announces its pid in `log_dir`/victim and stops before encoding, so a
    test can kill it mid-job; the restarted worker finds the claim taken and goes on."""

    def __init__(self, log_dir: str, stall_after: int | None = None) -> None:
        super().__init__()
        self.log_dir = Path(log_dir)
        self.stall_after = stall_after
        self.batches = 0

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        self.batches += 1
        if self.stall_after is not None and self.batches > self.stall_after:
            try:
                fd = os.open(self.log_dir / "victim", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpid()).encode())
                os.close(fd)
                time.sleep(600)  # until the test kills this process
        vectors = super().encode_documents(texts)
        with (self.log_dir / f"{os.getpid()}.txt").open("a", encoding="utf-8") as log:
            log.write("".join(text_digest(t) + "\n" for t in texts))
        return vectors


def encodes(log_dir: Path) -> Counter[str]:
    return Counter(line for path in log_dir.glob("*.txt") for line in path.read_text().split())


def corpus_texts(count: int = 120) -> list[str]:
    """Patent-like texts, every fifth longer than one window, two exact duplicates."""
    texts = [f"一种用于第{i}类锂电池极片的涂布装置，包括涂布辊{i % 7}、烘箱与张力控制器。" * (1 + 30 * (i % 5 == 0))
             for i in range(count)]
    return [*texts, texts[3], texts[10]]


def distinct_digests(texts: list[str]) -> set[str]:
    return {text_digest(p) for t in texts for p in windows(t)}


def assert_cache_matches_single_process(texts: list[str], cache: EmbeddingCache) -> None:
    """What `index build` would do next: everything comes from the cache, and equals a single-process run."""
    reference = KeywordEncoder()
    from_cache, stats = embed_documents(reference, texts, cache)
    assert stats.encoded == 0 and stats.cached == len(distinct_digests(texts))
    single, _ = embed_documents(KeywordEncoder(), texts, None)
    assert np.array_equal(from_cache, single)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, configure_logging=False)
    yield
    ray.shutdown()


def run(texts: list[str], cache: EmbeddingCache, log_dir: Path, **kwargs):  # noqa: ANN003, ANN201
    log_dir.mkdir(exist_ok=True)
    reference = KeywordEncoder()
    stall_after = kwargs.pop("stall_after", None)
    return embed_with_ray(partial(CountingEncoder, str(log_dir), stall_after), reference.id, reference.dim, texts,
                          cache, workers=2, batch_size=BATCH, **kwargs)


def test_two_workers_fill_the_cache_as_one_process_would(local_ray, tmp_path):
    texts = corpus_texts()
    assert any(len(t) > WINDOW_CHARS for t in texts)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    report = run(texts, cache, tmp_path / "log")
    digests = distinct_digests(texts)
    assert (report.documents, report.texts, report.cached, report.encoded) == (len(texts), len(digests), 0,
                                                                             len(digests))
    assert encodes(tmp_path / "log") == Counter(dict.fromkeys(digests, 1))
    assert len({p.stem for p in (tmp_path / "log").glob("*.txt")}) == 2  # both workers took part
    assert_cache_matches_single_process(texts, cache)

    again = run(texts, cache, tmp_path / "log-again")  # a second run finds everything done
    assert (again.cached, again.encoded) == (len(digests), 0) and not encodes(tmp_path / "log-again")


def test_a_killed_worker_loses_nothing_and_repeats_nothing(local_ray, tmp_path):
    texts = corpus_texts(200)
    log_dir = tmp_path / "log"
    log_dir.mkdir()
    killed: list[int] = []

    def kill_the_victim() -> None:  # the worker stalls mid-job; the test kills its process from outside
        deadline = time.monotonic() + 120
        while not (log_dir / "victim").exists() or not (log_dir / "victim").read_text():
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        pid = int((log_dir / "victim").read_text())
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_the_victim, daemon=True)
    killer.start()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    report = run(texts, cache, log_dir, stall_after=3)
    killer.join(timeout=5)
    assert killed and killed[0] != os.getpid()
    digests = distinct_digests(texts)
    assert report.encoded == len(digests)
    assert encodes(log_dir) == Counter(dict.fromkeys(digests, 1))  # the killed batch was redone once, by another
    assert len(list(log_dir.glob("*.txt"))) >= 2  # the victim's encodes before its death are in the count
    assert_cache_matches_single_process(texts, cache)


def test_after_a_driver_crash_only_the_missing_texts_are_encoded(local_ray, tmp_path):
    texts = corpus_texts(200)
    digests = distinct_digests(texts)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")

    class DriverCrash(Exception):
        pass

    def crash(done: int, total: int) -> None:
        if done >= 3 * BATCH:
            raise DriverCrash

    with pytest.raises(DriverCrash):
        run(texts, cache, tmp_path / "first", on_batch=crash)
    missing, _ = missing_texts(KeywordEncoder().id, texts, cache)
    kept = len(digests) - len(missing)
    assert 3 * BATCH <= kept < len(digests)
    assert sum(encodes(tmp_path / "first").values()) >= kept  # what was encoded before the crash and kept

    resumed = run(texts, cache, tmp_path / "second")
    assert (resumed.cached, resumed.encoded) == (kept, len(missing))
    assert encodes(tmp_path / "second") == Counter(dict.fromkeys((d for d, _ in missing), 1))
    assert_cache_matches_single_process(texts, cache)


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATENT_MATCH_HOME": str(tmp_path / "home"), "PATENT_MATCH_ENCODER": "keyword"}
    command = [sys.executable, "-c", "from api.cli import main; main()", "--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    return subprocess.run([*command, "embed", *args], capture_output=True, text=True, env=env, timeout=240)


def test_the_command_line_embeds_the_database_and_index_build_encodes_nothing(tmp_path):
    patents = tmp_path / "patents.csv"
    rows = [row(7000 + i, title=f"一种第{i}类锂电池极片涂布装置", abstract=t) for i, t in enumerate(corpus_texts(30))]
    patents.write_text("\n".join([HEADER, *rows]), encoding="utf-8")
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    imported = runner.invoke(main, [*db, "import", "patents", str(patents), "--no-index-update"])
    assert imported.exit_code == 0, imported.output

    done = _cli(tmp_path, "--ray", "local", "--workers", "2")  # its own process: Ray started by the command
    assert done.returncode == 0, done.stderr
    assert "on 2 Ray workers" in done.stdout and "0 of " in done.stdout

    built = runner.invoke(main, [*db, "index", "build"])  # the same home as the command: conftest
    assert built.exit_code == 0, built.output
    assert f"{len(rows)} patents ({len(rows)} added" in built.output and "embeddings: 0 encoded" in built.output


def test_the_command_line_embeds_a_corpus_in_its_document_view(local_ray, tmp_path):
    texts = corpus_texts(40)
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": f"CN{i}", "title": f"标题{i}", "text": t}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(texts)), encoding="utf-8")
    done = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'cli.db'}", "embed", "--ray", "local",
                                     "--workers", "2", "--corpus", str(corpus)])  # reuses the test's Ray
    assert done.exit_code == 0, done.output
    texts = [d.embed_text for d in documents_from_beir(corpus)]  # the view `index build` embeds: normalised
    assert f"embedded {len(distinct_digests(texts))} texts on 2 Ray workers" in done.output
    assert_cache_matches_single_process(texts, EmbeddingCache(tmp_path / "home" / "cache" / "embeddings.sqlite"))


@pytest.mark.parametrize(("address", "message", "advice"), [
    ("127.0.0.1:1", "无法连接 Ray 集群 127.0.0.1:1", "ray start --head"),  # nothing listens on port 1
    ("head-node", "Ray 地址「head-node」无效", "HOST:PORT"),
])
def test_a_bad_address_is_refused_in_chinese(tmp_path, address, message, advice):
    refused = _cli(tmp_path, "--ray", address)
    assert refused.returncode == 2
    assert message in refused.stderr and advice in refused.stderr
    assert "Traceback" not in refused.stderr


def test_without_ray_the_message_names_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # as if Ray were not installed: its import fails
    with pytest.raises(RayUnavailable, match=r"未安装 Ray.*pip install \"ray\[data\]"):
        with ray_session("local"):
            pass
