from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from api.cli import main
from data.demo import demo_dir
from matching.ipc import IpcClassifier, evaluate_ipc


def demo_labels() -> tuple[list[str], list[list[str]]]:
    with (demo_dir() / "patents.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [r["名称"] + r["摘要"] for r in rows], [[c.strip()[:4] for c in r["IPC分类号"].split(";")] for r in rows]


def test_the_classifier_learns_and_round_trips_without_pickle(tmp_path):
    texts, labels = demo_labels()
    model = IpcClassifier.train(texts, labels)
    (top,) = model.predict(["一种光伏逆变器并网控制方法，检测电网电压跌落"], k=3)
    assert top[0].subclass == "H02J" and "供电或配电的电路装置" in top[0].title
    assert abs(sum(g.score for g in model.predict(["电池"], k=len(model.classes))[0]) - 1) < 1e-4
    model.save(tmp_path / "ipc")
    assert not list((tmp_path / "ipc").glob("*.pkl"))
    loaded = IpcClassifier.load(tmp_path / "ipc")
    assert [g.subclass for g in loaded.predict(texts[:20], k=1)[0]] == [g.subclass for g in model.predict(texts[:20], k=1)[0]]


def test_evaluation_counts_top_k_hits():
    texts, labels = demo_labels()
    model = IpcClassifier.train(texts, labels)
    result = evaluate_ipc(model, texts, labels, min_support=5)
    assert result.top1 >= 0.9 and result.top5 >= result.top1  # training data: nearly memorised
    assert result.f1_classes > 5 and 0 < result.macro_f1 <= 1


def test_cli_eval_ipc_on_a_labels_file(tmp_path):
    texts, labels = demo_labels()
    path = tmp_path / "labels.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["publication_number", "title", "ipc_subclasses", "fold"])
        for i, (t, ls) in enumerate(zip(texts, labels, strict=True)):
            writer.writerow([f"CN{i}", t, "|".join(ls), 5 if i % 5 == 0 else 1])
    result = CliRunner().invoke(main, ["eval", "ipc", "--labels", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["test"] == 33 and data["train"] == 130 and 0 < data["top1"] <= data["top5"] <= 1


def test_cli_ipc_train_from_the_database(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'i.db'}"]
    assert runner.invoke(main, [*db, "ipc", "train"]).exit_code == 2  # nothing to learn from yet
    assert runner.invoke(main, [*db, "demo"]).exit_code == 0
    result = runner.invoke(main, [*db, "ipc", "train"])
    assert result.exit_code == 0 and "trained on 239 texts" in result.output
    assert (tmp_path / "home" / "models" / "ipc" / "coef.npy").exists()
