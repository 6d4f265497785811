"""The run folder's state.json and history.jsonl as typed records: written and read in one place, in the file format
other tools read (a ``type`` key a line), tolerant of a line cut short and of older state files."""

from __future__ import annotations

import json

import pytest

from sesr_core.errors import SesrError
from sesr_core.training.run_folder import EvalRecord, RunFolder, RunState, StepRecord


def test_state_is_a_typed_record_that_older_files_still_read_into(tmp_path):
    run = RunFolder(tmp_path)
    assert run.read_state() == RunState()  # before the first checkpoint
    (tmp_path / "state.json").write_text(json.dumps({"step": 34, "elapsed_seconds": 9.0, "retired_key": 1}))
    state = run.read_state()
    assert (state.step, state.elapsed_seconds, state.phase, state.finished) == (34, 9.0, "fp32", False)
    written = run.write_state(step=40, phase="qat", best_psnr_qat=30.5)
    assert written == run.read_state() and written.best_psnr() == 30.5 and written.best_psnr("fp32") is None
    assert json.loads((tmp_path / "state.json").read_text())["step"] == 40  # the format scripts and tests read
    (tmp_path / "state.json").write_text("{not json")
    with pytest.raises(SesrError, match="state.json"):
        run.read_state()


def test_history_records_round_trip_and_a_cut_line_is_left_out(tmp_path):
    run = RunFolder(tmp_path)
    run.append_history(EvalRecord(0, 30.0, 0.9, {"baby": (31.0, 0.91)}, baseline=True))
    for step in (10, 20):
        run.append_history(StepRecord(step, "fp32", 0.1 / step, 5e-4, step / 10))
    run.append_history(EvalRecord(20, 31.5, 0.92, {"baby": (32.0, 0.93)}))
    with run.history.open("a") as handle:
        handle.write('{"type": "step", "step": 3')  # a killed process's last line
    history = run.read_history()
    assert [r.step for r in history.steps] == [10, 20] and history.steps_per_second() == pytest.approx(10.0)
    assert history.baseline.mean_psnr == 30.0 and history.best_psnr == history.final_psnr == 31.5
    assert history.evaluations[0].images == {"baby": (32.0, 0.93)}
    lines = [json.loads(line) for line in run.history.read_text().splitlines()[:4]]
    assert [line["type"] for line in lines] == ["baseline", "step", "step", "eval"]
    run.truncate_history(10)
    assert [r.step for r in run.read_history().records] == [0, 10]
