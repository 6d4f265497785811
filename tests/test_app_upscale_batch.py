"""The Upscale page as a thin front of the core batch: the model of each item (automatic, as `sesr upscale --model
auto`, and overridden per item), our own results left out of folders, state that follows the queue, Replace / Keep
both, unreadable files that stay failed, honest progress and a loading preview."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image  # noqa: E402

from app.widgets.model_picker import AUTOMATIC  # noqa: E402
from app.widgets.queue_list import DONE, FAILED, WAITING  # noqa: E402
from sesr_core.imaging.image_read import read_image  # noqa: E402
from sesr_core.jobs import Phase, Progress  # noqa: E402
from tests.test_app_upscale import drop, run_batch  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)
SAMPLES = Path(__file__).resolve().parents[1] / "resources" / "samples"


@pytest.fixture
def three_kinds(tmp_path) -> list[Path]:
    """The same photo as a JPEG at quality 50, as a PNG, and as a JPEG at quality 98."""
    folder = tmp_path / "kinds"
    folder.mkdir()
    image = Image.open(SAMPLES / "coffee.png").convert("RGB").crop((0, 0, 160, 120))
    image.save(folder / "low.jpg", quality=50)
    image.save(folder / "clean.png")
    image.save(folder / "high.jpg", quality=98)
    return [folder / "low.jpg", folder / "clean.png", folder / "high.jpg"]


def _cli_models(capsys, paths: list[Path], out: Path, *options: str) -> list[str]:
    """The models `sesr upscale --json` names for ``paths``, in order."""
    from sesr_core.cli import main as sesr

    capsys.readouterr()
    assert sesr(["upscale", *map(str, paths), "-o", str(out), "--json", "--threads", "1", *options]) == 0
    return [json.loads(line)["model"] for line in capsys.readouterr().out.splitlines()]


def test_the_queue_shows_the_models_sesr_upscale_auto_chooses(qtbot, photo_family, window, three_kinds, tmp_path,
                                                              capsys):
    page = window.upscale
    assert page.picker.automatic  # "Automatic" is the default
    page.open_paths(three_kinds)
    shown = [item.model for item in page.queue.items]
    assert shown == [photo_family.name(45), "SESR-M5-x2", "SESR-M5-x2"]  # the photo family's file for quality 50
    assert "photo model for JPEG quality 45" in page.queue.items[0].reason
    assert "clean model" in page.queue.items[1].reason
    tooltip = page.queue.data(page.queue.index(0), 3)  # Qt.ToolTipRole
    assert photo_family.name(45) in tooltip and page.queue.items[0].reason in tooltip
    assert photo_family.name(45) in page.queue.items[0].detail_text()
    assert _cli_models(capsys, three_kinds, tmp_path / "cli") == shown

    page.select_model(photo_family.family.name)  # the family picked for all: each image still gets its file
    shown = [item.model for item in page.queue.items]
    assert shown == [photo_family.name(45), photo_family.family.name, photo_family.family.name]
    assert page.queue.items[0].reason == "chosen in the model picker; JPEG, quality about 50: its file for JPEG " \
        "quality 45"
    assert _cli_models(capsys, three_kinds, tmp_path / "named", "--model", photo_family.family.name) == shown


def test_a_model_for_one_image_overrides_the_automatic_choice(qtbot, photo_family, window, x2_model, three_kinds,
                                                              tmp_path):
    page = window.upscale
    page.catalog.refresh()  # tiny-x2 was installed after the window opened
    page.open_paths(three_kinds)
    photo = photo_family.name(45)
    page.list.setCurrentIndex(page.queue.index(1))
    page.list.selectionModel().select(page.queue.index(1), page.list.selectionModel().SelectionFlag.Select)
    page._fill_model_menu()  # what the context menu "Model for this image" shows
    offered = {a.data(): a for a in page.model_menu.actions() if a.data()}
    assert "tiny-x2" in offered and photo_family.family.name in offered
    assert not any(name.startswith(f"{photo_family.family.name}-q") for name in offered), "the family stands for them"
    assert offered[photo_family.family.name].text() == f"{photo_family.family.name} (per JPEG quality)"
    offered["tiny-x2"].trigger()
    assert [i.model for i in page.queue.items] == [photo, "tiny-x2", "SESR-M5-x2"]
    page.select_model("SESR-M5-x2")  # a model for all in the picker: the per-image choice still wins
    assert [i.model for i in page.queue.items] == ["SESR-M5-x2", "tiny-x2", "SESR-M5-x2"]
    page.select_model(AUTOMATIC)
    assert [i.model for i in page.queue.items] == [photo, "tiny-x2", "SESR-M5-x2"]
    page.set_item_model([0, 1], photo_family.family.name)  # the family for two images: each gets its own file
    assert [i.model for i in page.queue.items] == [photo, photo_family.family.name, "SESR-M5-x2"]
    assert page.queue.items[1].reason == "chosen for this image; lossless PNG: its file for lossless input"
    page.set_item_model([1], "tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    run_batch(qtbot, page, timeout=120_000)
    assert [i.state for i in page.queue.items] == [DONE, DONE, DONE]
    with Image.open(tmp_path / "out" / "clean_x2.png") as written:
        assert "model tiny-x2" in written.getexif()[0x0131]
    with Image.open(tmp_path / "out" / "low_x2.jpg") as written:
        assert f"model {photo}" in written.getexif()[0x0131]


def test_add_folder_leaves_out_our_own_results(qtbot, window, x2_model, images, tmp_path):
    page = window.upscale
    page.select_model("tiny-x2")
    page.open_paths([images])
    run_batch(qtbot, page)  # results beside their inputs: coffee_x2.png, camera_x2.png
    shutil.copy(images / "coffee_x2.png", images / "renamed.png")  # known by its tag alone
    page.clear()
    page.open_paths([images])
    assert sorted(i.path.name for i in page.queue.items) == ["camera.png", "coffee.png"]


def test_clear_and_delete_leave_no_stale_state(qtbot, window, x2_model, images, tmp_path):
    (images / "notes.png").write_text("not an image")
    page = window.upscale
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    page.open_paths([images])
    qtbot.waitUntil(lambda: all(i.in_size or i.error for i in page.queue.items))
    run_batch(qtbot, page)
    assert page.banner.message() and "3 of 3" in page.progress.format()
    page.list.setCurrentIndex(page.queue.index(0))
    page.list.selectionModel().select(page.queue.index(0), page.list.selectionModel().SelectionFlag.Select)
    page.remove_selected()
    assert page.progress.format() == "" and page.progress.value() == 0 and not page.banner.message()
    page.clear()
    assert page.progress.format() == "" and page.progress_text.text() == "Add images to start."
    assert not page.banner.message() and page.compare.caption.text() == ""
    assert not page.compare_view.has_content()


def test_unreadable_files_stay_failed_with_their_reason(qtbot, window, x2_model, images, tmp_path):
    data = (images / "coffee.png").read_bytes()
    (images / "cut.png").write_bytes(data[:40])
    page = window.upscale
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    page.open_paths([images])
    qtbot.waitUntil(lambda: all(i.in_size or i.error for i in page.queue.items))
    cut = next(i for i in page.queue.items if i.path.name == "cut.png")
    assert cut.state == FAILED and "truncated" in cut.error and "not a supported" not in cut.error
    assert page.progress_text.text().startswith("2 images to upscale")
    page.start()
    assert cut.state == FAILED and "truncated" in cut.error and cut.size_text() == "unreadable"
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert cut.state == FAILED and "cut.png" in page.banner.message()


def test_replace_or_keep_both_instead_of_an_overwrite_flag(qtbot, window, x2_model, images, tmp_path):
    page = window.upscale
    page.select_model("tiny-x2")
    out = tmp_path / "out"
    page.options.folder.set_path(str(out))
    page.open_paths([images / "coffee.png"])
    run_batch(qtbot, page)
    first = (out / "coffee_x2.png").read_bytes()
    page.queue.update(0, state=WAITING)  # again
    page.start()
    assert not page.busy and "already exists" in page.banner.message()
    assert "--overwrite" not in page.banner.message()
    assert page.banner.action.text() == "Replace" and page.banner.second_action.text() == "Keep both"
    page.banner.second_action.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert sorted(p.name for p in out.iterdir()) == ["coffee_x2 (2).png", "coffee_x2.png"]
    assert (out / "coffee_x2.png").read_bytes() == first
    page.queue.update(0, state=WAITING)
    page.start()
    page.banner.action.click()  # Replace
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert sorted(p.name for p in out.iterdir()) == ["coffee_x2 (2).png", "coffee_x2.png"]
    assert page.queue.items[0].state == DONE


def test_the_bar_is_not_full_while_the_last_file_is_written(qtbot, window, x2_model, images, tmp_path):
    page = window.upscale
    page.select_model("tiny-x2")
    page.options.folder.set_path(str(tmp_path / "out"))
    page.open_paths([images / "coffee.png", images / "camera.png"])
    qtbot.waitUntil(lambda: all(i.in_size for i in page.queue.items))
    page.start()
    seen = []

    def after(event) -> None:  # connected after the page's slot: what the user sees once the event is shown
        if isinstance(event, Progress) and event.phase == Phase.WRITING and event.item not in [s[0] for s in seen]:
            seen.append((event.item, page.progress.value(), page.queue.items[event.item].progress))

    page.runner.current.event.connect(after)
    qtbot.waitUntil(lambda: not page.busy, timeout=60_000)
    assert [item for item, _bar, _row in seen] == [0, 1]
    assert all(bar < 1000 and row < 1 for _item, bar, row in seen)
    assert page.progress.value() == 1000 and all(i.state == DONE for i in page.queue.items)


def test_the_preview_says_it_is_loading_right_after_a_drop(qtbot, window, x2_model, images):
    page = window.upscale
    page.select_model("tiny-x2")
    drop(window, [images / "coffee.png"])
    assert page.compare_view.shown_text().startswith("Loading coffee.png")
    qtbot.waitUntil(lambda: page.compare_view.has_content() and not page.preview.busy, timeout=30_000)
    assert np.array(read_image(images / "coffee.png").pixels).shape[:2] == (400, 600)
