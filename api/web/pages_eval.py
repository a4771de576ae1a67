"""Evaluator pages: run an evaluation on a judged set in the background and read its report with plots.

A run indexes the set's own corpus first; with a cold embedding cache that takes minutes (the default
encoder embeds about ten abstracts a second), so runs happen off the request, one at a time, and
their reports are files under `home`/eval-reports that outlive the process.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from api.web.core import WebUser, pages_for, posted, render
from data.settings import get_settings

logger = logging.getLogger(__name__)
router = APIRouter()
evaluator_pages = pages_for("web.eval")
DEFAULT_RANKERS = ("full", "hybrid_sum", "char_tfidf", "dense")
SAFE_NAME = re.compile(r"^[\w.-]+$")  # report folders and plot files: no path separators from the URL
_RUNNING = threading.Lock()


def judged_sets() -> list[str]:
    root = get_settings().eval_sets_dir
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "corpus.jsonl").exists() and (p / "queries.jsonl").exists()
                  and (p / "qrels").is_dir())


def _reports() -> list[dict]:
    root = get_settings().eval_reports_dir
    found = []
    for folder in sorted(root.glob("*"), reverse=True) if root.is_dir() else []:
        status = json.loads((folder / "status.json").read_text(encoding="utf-8")) if (folder / "status.json").exists() \
            else {}
        found.append({"name": folder.name, **status})
    return found


def _run(folder: Path, dataset_dir: Path, rankers: list[str]) -> None:
    from eval.report import summary, write_report
    from eval.service import evaluate_judged_set

    def status(**values: object) -> None:
        (folder / "status.json").write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")

    with _RUNNING:  # one run at a time: two would fight over the two cores and the embedding cache
        status(state="running", dataset=dataset_dir.name, rankers=rankers, started=dt.datetime.now().isoformat())
        try:
            result = evaluate_judged_set(dataset_dir, rankers)
            write_report(result, folder, f"patent-match eval run --dataset {dataset_dir} "
                         + " ".join(f"--ranker {r}" for r in rankers))
            (folder / "summary.json").write_text(json.dumps(summary(result), ensure_ascii=False), encoding="utf-8")
            status(state="done", dataset=dataset_dir.name, rankers=rankers, best=result.ranking[0])
        except Exception as exc:  # noqa: BLE001 (the person reads why the run failed; the log has the trace)
            logger.exception("evaluation of %s failed", dataset_dir)
            status(state="failed", dataset=dataset_dir.name, rankers=rankers, error=str(exc))


@router.get("/eval")
def eval_home(request: Request, user: WebUser = Depends(evaluator_pages)) -> Response:
    from eval.rankers import RANKERS

    return render(request, user, "eval.html", sets=judged_sets(), rankers=list(RANKERS), chosen=DEFAULT_RANKERS,
                  reports=_reports(), sets_dir=get_settings().eval_sets_dir, problem=None, ranker_name=_names(user))


@router.post("/eval")
def start(request: Request, user: WebUser = Depends(evaluator_pages), form: dict = Depends(posted)) -> Response:
    from eval.rankers import RANKERS

    name = str(form.get("dataset", ""))
    chosen = form.get("rankers", [])
    chosen = [r for r in (chosen if isinstance(chosen, list) else [chosen]) if r in RANKERS]
    if name not in judged_sets() or not chosen:
        return render(request, user, "eval.html", status=422, sets=judged_sets(), rankers=list(RANKERS),
                      chosen=chosen or DEFAULT_RANKERS, reports=_reports(), sets_dir=get_settings().eval_sets_dir,
                      problem="eval.choose", ranker_name=_names(user))
    folder = get_settings().eval_reports_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{name}"
    folder.mkdir(parents=True, exist_ok=False)
    (folder / "status.json").write_text(json.dumps({"state": "queued", "dataset": name, "rankers": chosen}),
                                        encoding="utf-8")
    threading.Thread(target=_run, args=(folder, get_settings().eval_sets_dir / name, chosen), daemon=True,
                     name=f"eval-{folder.name}").start()
    return RedirectResponse(f"/ui/eval/reports/{folder.name}", status_code=303)


def _folder(name: str) -> Path:
    folder = get_settings().eval_reports_dir / name
    if not SAFE_NAME.match(name) or not (folder / "status.json").exists():
        raise HTTPException(404, f"no report {name}")
    return folder


@router.get("/eval/reports/{name}")
def report(request: Request, name: str, user: WebUser = Depends(evaluator_pages)) -> Response:
    folder = _folder(name)
    status = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    data = json.loads((folder / "summary.json").read_text(encoding="utf-8")) if (folder / "summary.json").exists() \
        else None
    plots = sorted(p.name for p in folder.glob("*.png"))
    return render(request, user, "eval_report.html", name=name, run=status, data=data, plots=plots,
                  ranker_name=_names(user))


def _names(user: WebUser):  # noqa: ANN202
    """Rankers by their Chinese (or English) names on the pages; the code names stay in the files."""
    from eval.report import ranker_label

    return lambda name: ranker_label(str(name), user.lang)


@router.get("/eval/reports/{name}/{plot}")
def plot(name: str, plot: str, user: WebUser = Depends(evaluator_pages)) -> Response:
    path = _folder(name) / plot
    if not SAFE_NAME.match(plot) or path.suffix != ".png" or not path.exists():
        raise HTTPException(404, f"no plot {plot}")
    return FileResponse(path, media_type="image/png")
