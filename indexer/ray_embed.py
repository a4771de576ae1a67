"""Document embedding as a Ray job, for corpora that outgrow one machine (docs/deployment.md).

Ray Data carries the texts still missing from the embedding cache, in batches, to a pool of actors that
each run the configured encoder; the driver writes every finished batch to the cache as it arrives. The
cache keys are those of `embed_documents` (encoder id, role "document", digest of each long-text window),
so a later `patent-match index build` finds every vector there and encodes nothing.

Crashes: a killed worker is restarted by Ray and its unfinished batches are retried (Ray Data's actor
fault tolerance); a killed driver loses only the batches in flight, because a new run first drops every
digest the cache already holds. Finished work is never encoded again, and nothing is written twice.

Ray is imported inside the functions: importing this module never needs it.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from indexer.cache import EmbeddingCache
from indexer.encoders import Encoder
from indexer.text import text_digest, windows

logger = logging.getLogger(__name__)

RAY_SPEC = "ray[data]>=2.60"
ROLE = "document"
CHUNK_TEXTS = 50_000  # texts per Ray Data dataset: bounds the driver's and the object store's memory
LOOKUP_CHUNK = 20_000  # digests looked up in the cache at a time: its answer carries the vectors


class RayUnavailable(RuntimeError):
    """Ray is not installed or the cluster cannot be reached; the message is for the command line (Chinese)."""


@dataclass(frozen=True)
class RayEmbedReport:
    documents: int
    texts: int  # distinct texts to embed: a long document counts once per window
    cached: int  # already in the cache when the job started
    encoded: int  # encoded by this run and written to the cache
    workers: int
    seconds: float

    @property
    def texts_per_second(self) -> float:
        return self.encoded / self.seconds if self.seconds > 0 else 0.0


def missing_texts(encoder_id: str, texts: list[str], cache: EmbeddingCache) -> tuple[list[tuple[str, str]], int]:
    """(digest, text) of every distinct window not yet in the cache, in order, and how many distinct ones there are.
    The same windows and digests as `embed_documents`."""
    pieces = {text_digest(p): p for t in texts for p in windows(t)}
    digests = list(pieces)
    missing: list[tuple[str, str]] = []
    for start in range(0, len(digests), LOOKUP_CHUNK):
        chunk = digests[start : start + LOOKUP_CHUNK]
        known = cache.get_many(encoder_id, ROLE, chunk)
        missing.extend((d, pieces[d]) for d in chunk if d not in known)
    return missing, len(digests)


class EncodeBatches:
    """A Ray Data actor: builds the encoder once per worker process, then encodes batch after batch."""

    def __init__(self, make_encoder: Callable[[], Encoder], encoder_id: str) -> None:
        self.encoder = make_encoder()
        if self.encoder.id != encoder_id:  # another model or version on this node would mix vector spaces
            raise RuntimeError(f"this worker's encoder is {self.encoder.id}, the driver's {encoder_id}: install the "
                               "same patent-match, encoder and model on every node of the cluster")

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = np.asarray(self.encoder.encode_documents([str(t) for t in batch["text"]]), dtype=np.float32)
        return {"digest": batch["digest"], "vector": vectors}


def _check_address(address: str) -> None:
    """Fail in seconds, with the reason, instead of waiting out Ray's own connection timeout."""
    if address == "auto":
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise RayUnavailable(f"Ray 地址「{address}」无效：应为 HOST:PORT（头节点，如 10.0.0.5:6379）、"
                             "ray://HOST:10001、auto（本机已启动的集群）或 local（在本进程中启动）")
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as exc:
        raise RayUnavailable(f"无法连接 Ray 集群 {address}：{exc.strerror or exc}。请先在头节点运行 "
                             "`ray start --head --port=6379`，再用 --ray HOST:6379 指定头节点") from None


@contextmanager
def ray_session(address: str) -> Iterator[None]:
    """Connect to the cluster at `address` ("local" starts Ray in this process); reuse a connection already made
    (a test's), and shut down only what was started here."""
    try:
        import ray
    except ImportError:
        raise RayUnavailable(f"未安装 Ray：分布式批量嵌入需要它，请运行 pip install \"{RAY_SPEC}\"") from None
    if ray.is_initialized():
        yield
        return
    if address != "local":
        _check_address(address)
    try:
        if address == "local":
            ray.init(address="local", include_dashboard=False,  # a new instance, never a cluster found on this machine
                     configure_logging=True, logging_level=logging.WARNING)
        else:
            ray.init(address=address, configure_logging=True, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailable(f"无法连接 Ray 集群 {address}：{exc}。若集群启用了令牌认证（Ray 2.59 起默认），请设置 "
                             "RAY_AUTH_MODE=token，并用 RAY_AUTH_TOKEN 提供头节点 `ray get-auth-token` 给出的令牌"
                             ) from None
    try:
        yield
    finally:
        ray.shutdown()


def embed_with_ray(
    make_encoder: Callable[[], Encoder],
    encoder_id: str,
    dim: int,
    texts: list[str],
    cache: EmbeddingCache,
    workers: int | None = None,
    batch_size: int = 16,
    cpus_per_worker: float = 1,
    progress: bool = False,
    on_batch: Callable[[int, int], None] | None = None,
) -> RayEmbedReport:
    """Embed into `cache` every window of `texts` it lacks, on `workers` Ray actors (default: as many as the
    cluster's CPUs hold) of the cluster `ray_session` connected to. `make_encoder` runs once in each worker and
    must give `encoder_id` vectors of `dim`. `on_batch(done, total)` follows each batch written."""
    import ray

    started = time.perf_counter()
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // cpus_per_worker))
    missing, distinct = missing_texts(encoder_id, texts, cache)
    logger.info("%d distinct texts, %d already in the cache: embedding %d on %d Ray workers",
                distinct, distinct - len(missing), len(missing), workers)
    ray.data.DataContext.get_current().enable_progress_bars = False  # ours counts what reached the cache
    done = 0
    with tqdm(total=len(missing), unit="doc", desc=f"embedding on Ray ({encoder_id})",
              disable=not (progress and missing), smoothing=0.1) as bar:
        for start in range(0, len(missing), CHUNK_TEXTS):
            part = missing[start : start + CHUNK_TEXTS]
            batches = ray.data.from_items(
                [{"digest": d, "text": t} for d, t in part], override_num_blocks=math.ceil(len(part) / batch_size)
            ).map_batches(
                EncodeBatches, fn_constructor_args=(make_encoder, encoder_id), batch_size=batch_size,
                batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus_per_worker,
            )  # Ray Data restarts a dead actor and retries its batches by default; tests/test_ray_embed.py kills one
            for batch in batches.iter_batches(batch_size=None, batch_format="numpy"):
                vectors = np.asarray(batch["vector"], dtype=np.float32)
                if vectors.shape != (len(batch["digest"]), dim):
                    raise RuntimeError(f"a worker returned vectors of shape {vectors.shape} for "
                                       f"{len(batch['digest'])} texts of dim {dim}")
                cache.put_many(encoder_id, ROLE, zip(batch["digest"].tolist(), vectors, strict=True))
                done += len(vectors)  # committed: a crash from here on never loses this batch
                bar.update(len(vectors))
                if on_batch:
                    on_batch(done, len(missing))
            logger.info("embedded %d of %d texts, %.1f texts/s", done, len(missing),
                        done / (time.perf_counter() - started))
    return RayEmbedReport(len(texts), distinct, distinct - len(missing), done, workers, time.perf_counter() - started)
