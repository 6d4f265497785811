"""``--shard K/N`` for ``sesr upscale`` and ``sesr video``: N shards write every output once, a killed shard's re-run
finishes only what is missing, and the split does not move files when an archive grows."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sesr_core.cli.main import main
from sesr_core.errors import SesrError
from sesr_core.runtime.batch import plan_batch
from sesr_core.runtime.shard import Shard, parse_shard, select_shard, shard_of
from tests.runtime_clips import decoded_frames, make_clip


@pytest.fixture
def archive(tmp_path, shared_data) -> Path:
    """Fourteen real T91 photos in two sub-folders."""
    folder = tmp_path / "archive"
    for index, path in enumerate(sorted((shared_data / "train" / "T91").glob("*.png"))[:14]):
        target = folder / ("a" if index % 2 else "b") / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return folder


def written_paths(text: str) -> list[str]:
    return re.findall(r"^wrote (.+)$", text, flags=re.MULTILINE)


def test_shard_arguments_and_a_split_that_stays_put_when_files_are_added(archive):
    assert parse_shard("2/8") == Shard(2, 8) and parse_shard(" 0 / 1 ") == Shard(0, 1)
    for bad in ("8/8", "1", "a/b", "0/0", "-1/4"):
        with pytest.raises(SesrError, match="K"):
            parse_shard(bad)
    assert shard_of("a/t1.png", 5) == shard_of("a\\t1.png", 5)  # the same key on Windows and POSIX

    before = {item.source: shard_of(item.key, 4) for item in plan_batch([archive], 2, recursive=True)}
    for path in list(archive.rglob("*.png"))[:5]:
        shutil.copy(path, path.with_name("copy-" + path.name))
    after = {item.source: shard_of(item.key, 4) for item in plan_batch([archive], 2, recursive=True)}
    assert len(after) == len(before) + 5 and all(after[source] == shard for source, shard in before.items())
    items = plan_batch([archive], 2, recursive=True)
    parts = [select_shard(items, [i.key for i in items], Shard(k, 4)) for k in range(4)]
    assert sorted(i.source for part in parts for i in part) == sorted(i.source for i in items)


def test_n_shards_write_every_output_exactly_once(default_model_path, archive, tmp_path, capsys):
    out = tmp_path / "out"
    written: list[str] = []
    for k in range(3):
        assert main(["upscale", str(archive), "-o", str(out), "--recursive", "--shard", f"{k}/3",
                     "--model", str(default_model_path)]) == 0
        written += written_paths(capsys.readouterr().err)
    expected = sorted(str(item.destination) for item in plan_batch([archive], 2, out, recursive=True))
    assert sorted(written) == expected  # each output once, by one shard
    assert sorted(str(p) for p in out.rglob("*") if p.is_file()) == expected

    # A second pass of one shard finds its outputs done; a damaged output is named, not silently replaced.
    assert main(["upscale", str(archive), "-o", str(out), "--recursive", "--shard", "1/3",
                 "--model", str(default_model_path)]) == 0
    again = capsys.readouterr()
    assert "already done)" in again.out and not written_paths(again.err)
    Path(expected[0]).write_bytes(b"not an image")
    assert main(["upscale", str(archive), "-o", str(out), "--recursive", "--skip-existing",
                 "--model", str(default_model_path)]) == 1
    assert f"'{expected[0]}' exists but is not a readable image" in capsys.readouterr().err


def test_a_killed_shard_rerun_completes_only_what_is_missing(default_model_path, archive, tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sesr_core.cli", "upscale", str(archive), "-o", str(out), "--recursive",
               "--shard", "0/2", "--model", str(default_model_path)]
    shard = select_shard(items := plan_batch([archive], 2, out, recursive=True), [i.key for i in items], Shard(0, 2))
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if line.startswith("wrote "):
            process.send_signal(signal.SIGKILL)
            break
    process.wait()
    process.stderr.close()
    done_before = [i for i in shard if i.destination.exists()]
    assert done_before

    rerun = subprocess.run(command, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    rewritten = written_paths(rerun.stderr)
    assert sorted(rewritten) == sorted(str(i.destination) for i in shard if i not in done_before)
    assert f"({len(done_before)} already done)" in rerun.stdout or len(done_before) == 0
    finished = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert finished == sorted(i.destination for i in shard)


def test_video_shards_over_a_folder(default_model_path, tmp_path, capsys):
    folder = tmp_path / "clips"
    folder.mkdir()
    for name in ("one", "two", "three"):
        make_clip(folder / f"{name}.mp4", width=64, height=48, frames=6, audio=False)
    out = tmp_path / "out"
    for k in range(2):
        assert main(["video", str(folder), "-o", str(out), "--shard", f"{k}/2", "--model", str(default_model_path),
                     "--preset", "ultrafast"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["one_x2.mp4", "three_x2.mp4", "two_x2.mp4"]
    assert all(len(decoded_frames(p)) == 6 for p in out.iterdir())
    capsys.readouterr()
    assert main(["video", str(folder), "-o", str(out), "--skip-existing", "--model", str(default_model_path)]) == 0
    assert "0 of 3 videos written" in (text := capsys.readouterr().out) and "(3 already done)" in text
