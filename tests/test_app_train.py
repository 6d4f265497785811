"""The Train page: a real 20-step run with live plots whose model lands in the catalog and is selected only when it
beats bicubic; Stop, then Resume (a button, no command line) or Export this checkpoint; errors become messages;
without TensorFlow the page explains how to add it; the form's defaults are a new run's spec, saved as one setting."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer  # noqa: E402

from sesr_core.jobs import StepEvent  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)


@pytest.fixture(scope="module")
def train_folders(tmp_path_factory, shared_data):
    """Six T91 images to train on and two Set5 images to validate on."""
    train = tmp_path_factory.mktemp("train")
    for path in sorted((shared_data / "train" / "T91").glob("*.png"))[:6]:
        shutil.copy(path, train)
    val = tmp_path_factory.mktemp("val")
    for name in ("baby.png", "bird.png"):
        shutil.copy(shared_data / "val" / "Set5" / "HR" / name, val)
    return train, val


def fill_form(page, train, val, steps: int, name: str, tmp_path, preset: str = "M3", init_from=None,
              learning_rate: float = 1e-3) -> None:
    form = page.form
    form.preset.setCurrentText(preset)
    form.scale.setCurrentIndex(0)
    form.qat.setChecked(False)
    form.activation.setCurrentText("relu")
    form.init_from.set_path(init_from)
    form.data_dirs.clear()
    form.add_data_dir(str(train))
    form.val_dir.set_path(str(val))
    form.steps.setValue(steps)
    form.batch.setValue(4)
    form.patch.setValue(16)
    form.learning_rate.setValue(learning_rate)
    form.eval_every.setValue(10)
    form.model_name.setText(name)
    page.runs_dir.set_path(str(tmp_path / "runs"))


def shipped_m5_x2_record():
    from sesr_core.training.records import shipped_records

    records = [r for r in shipped_records() if r.spec.model.name == "SESR-M5-x2"]
    if not records:
        pytest.skip("no shipped SESR-M5-x2 training record in resources/models/records")
    return records[0].path


def test_a_20_step_run_plots_live_and_its_model_joins_the_catalog(qtbot, window, train_folders, tmp_path):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    page = window.train
    window.show_page(page)
    # Fine-tuning the shipped M5 gives a model that beats bicubic in 20 steps (an M3 from scratch does not).
    fill_form(page, *train_folders, steps=20, name="gui-m5", tmp_path=tmp_path, preset="M5",
              init_from=shipped_m5_x2_record(), learning_rate=1e-5)
    ticks = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(len(page.plots.loss_steps)))
    timer.start()
    page.start()
    assert page.busy and not page.start_button.isEnabled() and page.stop_button.isEnabled()
    qtbot.waitUntil(lambda: not page.busy, timeout=240_000)
    timer.stop()
    assert page.result.kind == "success", page.result.message()
    assert len(ticks) > 20, "the event loop stalled during training"
    assert any(0 < count < 20 for count in ticks), "the loss plot did not grow while training"  # live
    page.plots.flush()
    assert page.plots.point_counts() == (20, 2)
    assert page.plots.baseline is not None and 25 < page.plots.baseline < 40
    assert page.stats["step"].text() == "20 / 20"

    entry = window.catalog.find("gui-m5")
    assert entry is not None and entry.scale == 2 and entry.precision == "int8" and entry.preset == "M5"
    assert entry.card["evaluation"]["psnr"] > entry.card["evaluation"]["bicubic_psnr"] > 20
    assert "selected on the Upscale page" in page.result.message()
    assert window.upscale.picker.entry().name == "gui-m5"  # selectable on the Upscale page at once
    window.models.reload()
    assert "gui-m5" in [window.models.table.item(r, 0).text() for r in range(window.models.table.rowCount())]
    assert (page.run_dir / "history.jsonl").is_file()


def test_a_model_that_loses_to_bicubic_is_not_promoted(qtbot, window, train_folders, tmp_path):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    page = window.train
    before = window.upscale.picker.entry()
    fill_form(page, *train_folders, steps=6, name="weak-m3", tmp_path=tmp_path)
    page.start()
    qtbot.waitUntil(lambda: not page.busy, timeout=240_000)
    entry = window.catalog.find("weak-m3")
    assert entry is not None, page.result.message()
    evaluation = entry.card["evaluation"]
    assert evaluation["psnr"] < evaluation["bicubic_psnr"]  # its card carries the bicubic baseline
    message = page.result.message()
    assert "not better than bicubic" in message and "more steps" in message
    assert f"{evaluation['bicubic_psnr']:.2f} dB" in message
    assert "selected on the Upscale page" not in message and page.result.kind != "success"
    after = window.upscale.picker.entry()
    assert (after.name if after else None) == (before.name if before else None) != "weak-m3"


def stop_at_step_3(qtbot, page) -> None:
    """Start the form's run and press Stop once step 3 is reported; wait until it has stopped."""
    page.start()

    def stop(event) -> None:
        if isinstance(event, StepEvent) and event.step >= 3:
            page.cancel()

    page.runner.current.event.connect(stop)
    qtbot.waitUntil(lambda: not page.busy, timeout=240_000)


def test_stop_offers_a_resume_button_without_command_line_words(qtbot, window, train_folders, tmp_path):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    page = window.train
    fill_form(page, *train_folders, steps=12, name="resumed-m3", tmp_path=tmp_path)
    stop_at_step_3(qtbot, page)
    run_dir = page.run_dir
    assert page.resumable and page.resume_button.text() == "Resume"
    shown = page.result.message() + "\n" + page.log.toPlainText()
    assert "--" not in shown and "sesr train" not in shown, shown
    assert "Resume" in page.result.message() and page.result.action.isVisibleTo(page.result)
    assert page.result.action.text() == "Resume"
    assert window.catalog.find("resumed-m3") is None
    qtbot.mouseClick(page.result.action, Qt.MouseButton.LeftButton)
    assert page.busy and page.run_dir == run_dir  # continues in place
    qtbot.waitUntil(lambda: not page.busy, timeout=240_000)
    assert page.result.kind in ("success", "info"), page.result.message()
    assert window.catalog.find("resumed-m3") is not None
    assert page.plots.loss_steps[-1] == 12 and sorted(p.name for p in run_dir.parent.iterdir()) == [run_dir.name]


def test_export_this_checkpoint_after_a_stop(qtbot, window, train_folders, tmp_path):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    page = window.train
    assert not page.export_button.isVisibleTo(page)  # nothing to export before a run
    fill_form(page, *train_folders, steps=50, name="stopped-m3", tmp_path=tmp_path)
    stop_at_step_3(qtbot, page)
    assert page.export_button.isVisibleTo(page) and page.export_button.isEnabled()
    assert window.catalog.find("stopped-m3") is None
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.busy
    qtbot.waitUntil(lambda: not page.busy, timeout=240_000)
    entry = window.catalog.find("stopped-m3")
    assert entry is not None and entry.precision == "int8", page.result.message()
    assert 3 <= entry.card["training"]["trained_steps"] < 50  # the checkpoint Stop saved
    evaluation = entry.card["evaluation"]
    assert "bicubic_psnr" in evaluation  # the same guard as a finished run: a 3-step M3 loses to bicubic
    assert evaluation["psnr"] < evaluation["bicubic_psnr"] and "not better than bicubic" in page.result.message()
    selected = window.upscale.picker.entry()
    assert selected is None or selected.name != "stopped-m3"
    assert not page.export_button.isVisibleTo(page) and page.resumable  # exported once; the run can still resume


def test_a_failing_run_becomes_a_message(qtbot, window, train_folders, tmp_path):
    pytest.importorskip("tensorflow", reason="the training extra (TensorFlow) is not installed")
    page = window.train
    fill_form(page, *train_folders, steps=5, name="never", tmp_path=tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    page.form.data_dirs.clear()
    page.form.add_data_dir(str(empty))
    page.start()
    qtbot.waitUntil(lambda: not page.busy, timeout=120_000)
    assert page.result.kind == "error" and "holds no images" in page.result.message()
    assert "Traceback" not in page.result.message()
    page.form.data_dirs.clear()
    page.start()  # a form error is a message too, before any job
    assert not page.busy and "Add at least one folder" in page.result.message()


def test_without_tensorflow_the_page_says_how_to_add_it(qtbot, app_home, monkeypatch):
    from app.catalog_store import CatalogStore
    from app.pages.train import TrainPage
    from app.settings import Settings

    monkeypatch.setattr("app.pages.train.training_missing", lambda: "tensorflow")
    page = TrainPage(CatalogStore(), Settings())
    qtbot.addWidget(page)
    assert page.form is None and not page.start_button.isEnabled()
    assert "pip install 'sesr-studio[train]'" in page.banner.message()
    monkeypatch.setattr("sys.frozen", True, raising=False)
    from app.jobs.training import install_message

    assert "full bundle" in install_message("tensorflow")


def test_start_from_lists_shipped_records_and_says_what_starting_from_them_does(qtbot, window, tmp_path):
    from sesr_core.errors import SesrError
    from sesr_core.training.records import shipped_records

    form = window.train.form
    if form is None:
        pytest.skip("the training extra (TensorFlow) is not installed: the page shows no form")
    records = {r.spec.model.scale: r for r in shipped_records() if r.spec.model.preset == "M5"}
    if 2 not in records:
        pytest.skip("no shipped SESR-M5 x2 training record in resources/models/records")
    picker = form.init_from
    labels = [picker.combo.itemText(i) for i in range(picker.combo.count())]
    assert labels[0].startswith("Nothing") and labels[-1].startswith("Other")
    assert any(label.startswith("SESR-M5-x2 (shipped)") for label in labels)

    form.data_dirs.clear()
    form.add_data_dir(str(tmp_path))
    picker.set_path(records[2].path)
    form.scale.setCurrentIndex(0)
    form.preset.setCurrentText("M5")
    assert "fine-tune" in picker.hint.text()
    assert form.spec().init_from == str(records[2].path)
    form.scale.setCurrentIndex(1)
    assert "x2 -> x4 transfer" in picker.hint.text()
    form.preset.setCurrentText("M11")
    assert "grow SESR-M5-x2 into SESR-M11-x4" in picker.hint.text()
    form.preset.setCurrentText("M3")
    assert "fewer blocks" in picker.hint.text()
    with pytest.raises(SesrError, match="fewer blocks"):
        form.spec()
    picker.set_path(None)
    assert picker.path() == "" and form.spec().init_from is None


def test_a_qat_run_from_the_form_pins_the_residual_at_x2_only(qtbot, window, tmp_path):
    form = window.train.form
    if form is None:
        pytest.skip("the training extra (TensorFlow) is not installed: the page shows no form")
    form.data_dirs.clear()
    form.add_data_dir(str(tmp_path))
    form.init_from.set_path(None)
    form.qat.setChecked(True)
    form.scale.setCurrentIndex(0)
    assert form.spec().model.scale == 2 and form.spec().qat_residual_grid is True
    form.scale.setCurrentIndex(1)
    assert form.spec().model.scale == 4 and form.spec().qat_residual_grid is False
    form.qat.setChecked(False)
    form.scale.setCurrentIndex(0)
    assert form.spec().qat_residual_grid is False


def test_the_form_starts_from_a_new_runs_spec_and_keeps_the_last_one_as_one_setting(qtbot, app_home, tmp_path):
    import json

    from app.settings import Settings
    from app.widgets.train_form import TrainForm
    from sesr_core.cli.main import build_parser
    from sesr_core.cli.train_cmd import spec_from_args
    from sesr_core.training.spec import new_run_spec

    form = TrainForm()
    qtbot.addWidget(form)
    form.add_data_dir(str(tmp_path))
    cli = spec_from_args(build_parser().parse_args(["train", "--data", str(tmp_path), "--out", str(tmp_path / "r")]))
    assert form.spec() == cli == new_run_spec(data_dirs=(str(tmp_path),))  # the app and the CLI start the same run
    assert (cli.batch_size, cli.patch_size, cli.eval_every) == (16, 48, 100)
    form.qat.setChecked(True)
    assert form.spec().model.activation == "relu" and form.spec().qat_steps == 200  # a fifth of 1,000 steps

    form.preset.setCurrentText("M3")
    form.steps.setValue(321)
    spec = form.spec()
    settings = Settings()
    form.save(settings, spec)
    assert json.loads(settings.text("train/spec")) == spec.to_dict()  # one setting, the spec's JSON
    again = TrainForm()
    qtbot.addWidget(again)
    again.restore(settings)
    assert again.spec() == spec


def test_made_for_photos_is_the_clis_jpeg_aware_run_and_survives_a_restart(qtbot, app_home, tmp_path):
    from app.settings import Settings
    from app.widgets.train_form import TrainForm
    from sesr_core.cli.main import build_parser
    from sesr_core.cli.train_cmd import spec_from_args

    form = TrainForm()
    qtbot.addWidget(form)
    form.add_data_dir(str(tmp_path))
    form.qat.setChecked(True)
    form.pictures.setCurrentIndex(form.pictures.findData("photo"))
    cli = spec_from_args(build_parser().parse_args(
        ["train", "--data", str(tmp_path), "--out", str(tmp_path / "r"), "--qat", "--degrade", "photo-aware",
         "--jpeg-aware", "--val-degrade", "jpeg=75"]))
    assert form.spec() == cli and cli.jpeg_aware and cli.trains_variants

    form.save(Settings(), form.spec())
    again = TrainForm()
    qtbot.addWidget(again)
    again.restore(Settings())
    assert again.pictures.currentData() == "photo" and again.spec() == cli


def test_a_photo_runs_plot_names_its_validation_jpeg(qtbot, window):
    from sesr_core.models.catalog import RESOURCES

    record = RESOURCES / "records" / "SESR-M5-x2-photo"
    if not (record / "spec.json").is_file():
        pytest.skip("no shipped SESR-M5-x2-photo training record in resources/models/records")
    page = window.train
    assert page.show_run(record)
    title = page.plots.psnr_plot.getPlotItem().titleLabel.text
    assert "Validation PSNR (LR jpeg=75)" in title and page.plots.eval_values  # the record's JPEG-75 curve
    assert page.form is None or page.form.pictures.currentData() == "photo"


def test_the_loss_axis_shows_the_loss_as_it_is_after_a_theme_change(qtbot, window):
    from sesr_core.models.catalog import RESOURCES

    record = RESOURCES / "records" / "SESR-M5-x2"
    if not (record / "spec.json").is_file():
        pytest.skip("no shipped SESR-M5-x2 training record in resources/models/records")
    page = window.train
    window.show()
    window.show_page(page)
    qtbot.waitExposed(window)
    assert page.show_run(record)
    page.plots.flush()
    loss_axis = page.plots.loss_plot.getPlotItem().getAxis("left")
    qtbot.waitUntil(lambda: loss_axis.range[1] < 0.5)  # the axis spans the run's losses (about 0.01-0.03)
    page.plots.apply_palette()  # what a light/dark switch does, with a run's curves shown
    page.plots.set_validation_degradation("jpeg=75")
    for plot in (page.plots.loss_plot, page.plots.psnr_plot):
        axis = plot.getPlotItem().getAxis("left")
        assert axis.autoSIPrefixScale == 1.0 and axis.labelUnitPrefix == ""  # 0.02 reads 0.02, not 20
