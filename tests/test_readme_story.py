"""The README's HTTP story, pasted as it stands into bash on a fresh demo: it must wait for the server,
license a patent the university still holds, and get no error answer anywhere (issue 18)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

from bench.serve import free_port

README = Path(__file__).resolve().parents[1] / "README.md"


def _story() -> str:
    blocks = re.findall(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    (story,) = [b for b in blocks if "patent-match serve --port" in b]
    return story


def test_the_readme_http_story_runs_as_one_paste(tmp_path: Path):
    env = {**os.environ, "PATENT_MATCH_HOME": str(tmp_path / "home"), "PATENT_MATCH_ENCODER": "keyword",
           "PORT": str(free_port())}
    env.pop("PATENT_MATCH_DATABASE_URL", None)
    demo = subprocess.run(["patent-match", "demo"], env=env, capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-2000:]
    script = "set -euo pipefail\n" + _story() + "\nkill %1\n"
    shell = subprocess.Popen(["bash", "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        out, err = shell.communicate(timeout=300)
    finally:
        try:
            os.killpg(shell.pid, signal.SIGTERM)  # the server, if the story stopped before its last line
        except ProcessLookupError:
            pass
    assert shell.returncode == 0, f"{out[-3000:]}\n{err[-3000:]}"
    decoder = json.JSONDecoder()  # the server's access log shares stdout with the answers
    answers = [decoder.raw_decode(line)[0] for line in out.splitlines() if line.startswith(("{", "["))]
    payment = next(a for a in answers if isinstance(a, dict) and "effective_on" in a and "offer_id" in a)
    assert payment["status"] == "in_force"
    owned = [a for a in answers if isinstance(a, dict) and "history" in a]
    assert owned[0]["holders"] == ["钟山理工大学"] and owned[-1]["holders"] == ["南京储能云科技有限公司"]
    assert "targets" in answers[-1] or "years" in answers[-1]
