"""The pieces of the desktop bundle that run from the source tree: ``sesr-studio --smoke-test`` and the benchmark's
docs/benchmarks.md updater. The bundle itself is built and smoke-tested by scripts/bundle_smoke.sh (CI runs it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_test_flag_shows_the_window_and_exits_cleanly(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
           "SESR_STUDIO_HOME": str(tmp_path / "home")}
    result = subprocess.run([sys.executable, "-m", "app.main", "--smoke-test"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    line = next(s for s in result.stdout.splitlines() if s.startswith("window shown"))
    assert "Train page: " in line


def test_bundle_benchmark_replaces_only_its_section_and_keeps_its_notes(tmp_path) -> None:
    from benchmarks.bundle import replace_section

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Inference\n\nfast\n\n## Desktop bundle\n\nold table\n\n### Notes\n\nby hand\n"
                   "\n## Later\n\nkept\n")
    replace_section("new table", doc)
    text = doc.read_text()
    assert "old table" not in text and "new table" in text
    assert "## Inference\n\nfast\n" in text and "### Notes\n\nby hand\n" in text and text.endswith("## Later\n\nkept\n")
    assert text.index("new table") < text.index("### Notes") < text.index("## Later")

    fresh = tmp_path / "fresh.md"
    fresh.write_text("# Benchmarks\n\n## Inference\n\nfast\n")
    replace_section("first table", fresh)
    assert fresh.read_text() == "# Benchmarks\n\n## Inference\n\nfast\n\n## Desktop bundle\n\nfirst table\n"
