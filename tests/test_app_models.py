"""The Models page: the catalog with cards; import (validated), rename and delete user models; shipped ones stay."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("PySide6")

from sesr_core.models.catalog import list_models, listed  # noqa: E402

pytest_plugins = ("tests.app_fixtures",)


def test_import_a_valid_model_and_use_it_at_once(window, tiny_models, tmp_path):
    page = window.models
    window.show_page(page)
    source = tmp_path / "download" / "my-sesr.tflite"
    source.parent.mkdir()
    shutil.copy(tiny_models.path(4, "int8"), source)  # no card beside it: a minimal one is made
    imported = page.import_files([source])
    assert [e.name for e in imported] == ["my-sesr"]
    entry = imported[0]
    assert entry.scale == 4 and entry.precision == "int8" and not entry.shipped
    assert entry.path.parent == window.catalog.entries()[0].path.parent or entry in window.catalog.entries()
    assert json.loads(entry.path.with_suffix(".json").read_text())["training"]["notes"] == "imported without a card"
    assert page.banner.kind == "success"
    assert page.selected_entry().name == "my-sesr"
    assert "my-sesr" in page.details.toPlainText()
    window.upscale.select_model("my-sesr")
    assert window.upscale.picker.scale == 4 and window.upscale.picker.entry().name == "my-sesr"

    again = page.import_files([tiny_models.path(2, "int8")])  # with its card: name and evaluation come along
    assert again[0].name == "tiny-x2-int8" and again[0].card["model"]["m"] == 1
    assert page.table.rowCount() == len(listed(list_models()))


def test_an_invalid_model_is_refused_with_a_sentence(window, tmp_path):
    page = window.models
    fake = tmp_path / "fake.tflite"
    fake.write_text("not a model at all")
    assert page.import_files([fake]) == []
    assert page.banner.kind == "error"
    assert "fake.tflite" in page.banner.message() and "not a valid TFLite model" in page.banner.message()
    picture = tmp_path / "photo.png"
    picture.write_bytes(b"\x89PNG")
    assert page.import_files([picture]) == []
    assert "not a .tflite file" in page.banner.message()
    assert [e for e in list_models() if not e.shipped] == []


def test_rename_and_delete_a_user_model(window, x2_model):
    page = window.models
    window.catalog.refresh()
    window.upscale.picker.select("tiny-x2")  # the Upscale page uses it: a rename must not lose that choice
    page.select("tiny-x2")
    renamed = page.rename_selected("My sharp model")
    assert renamed.name == "My sharp model" and renamed.path.name == "My-sharp-model.tflite"
    assert not x2_model.exists() and renamed.path.with_suffix(".json").is_file()
    assert window.upscale.picker.entry().name == "My sharp model"
    assert page.rename_selected("") is None and "cannot be empty" in page.banner.message()
    assert page.delete_selected(confirm=False)
    assert not renamed.path.exists() and not renamed.path.with_suffix(".json").exists()
    assert [e for e in window.catalog.entries() if not e.shipped] == []


def test_shipped_models_cannot_be_deleted_or_renamed(window, tiny_models, tmp_path, monkeypatch):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for suffix in (".tflite", ".json"):
        shutil.copy(tiny_models.path(2, "int8").with_suffix(suffix), shipped / f"tiny-x2-int8{suffix}")
    (shipped / "defaults.txt").write_text("tiny-x2-int8\n")
    monkeypatch.setattr("sesr_core.models.catalog.shipped_models_dir", lambda: shipped)
    window.catalog.refresh()
    page = window.models
    page.select("tiny-x2-int8")
    assert page.selected_entry().shipped and page.selected_entry().default
    assert not page.delete_button.isEnabled() and not page.rename_button.isEnabled()
    assert not page.delete_selected(confirm=False)
    assert "shipped model and cannot be deleted" in page.banner.message()
    assert (shipped / "tiny-x2-int8.tflite").is_file()
    assert "shipped" in page.table.item(0, 6).text()


def test_a_models_card_says_what_it_started_from():
    from app.widgets.model_card_view import card_html

    started = [e for e in list_models() if e.shipped and (e.card.get("training") or {}).get("parent_run")]
    assert started, "shipped models record the run they started from"
    assert any(e.name == e.card["training"]["parent_run"]["name"] for e in started), "a re-quantised model is shipped"
    for entry in started:
        parent = entry.card["training"]["parent_run"]
        text = card_html(entry)
        assert f"{parent['steps']:,} fp32 steps" in text
        if parent["name"] == entry.name.removesuffix("-fp32"):  # re-trained from its own record (a new QAT)
            assert f"an earlier {parent['name']}: " in text
        elif parent["name"] == parent["model"]:  # started from a shipped model's record: named once
            assert f"{parent['name']}: " in text and f"({parent['model']}" not in text
        else:  # a run folder: its name, then the model it holds
            assert f"{parent['name']} ({parent['model']}): " in text


def test_experimental_and_photo_models_say_so():
    from app.formatting import model_description
    from app.widgets.model_card_view import card_html, table_values
    from sesr_core.models.catalog import list_models

    by_name = {m.name: m for m in list_models()}
    assert "experimental" in table_values(by_name["SESR-M11-x2"])[-1]
    assert "experimental" in card_html(by_name["SESR-M11-x2"])
    assert model_description(by_name["SESR-M11-x2"]).endswith("experimental")
    assert "experimental" not in table_values(by_name["SESR-M5-x2"])[-1]
    assert model_description(by_name["SESR-M5-x2-photo"]).split(" · ")[-1].startswith("photo")


def test_a_card_shows_its_bicubic_baseline_and_its_jpeg_score():
    from app.widgets.model_card_view import card_html
    from sesr_core.models.catalog import list_models

    photo = next(m for m in list_models() if m.name == "SESR-M5-x2-photo")
    html = card_html(photo)
    degraded = photo.card["evaluation"]["degraded"]
    assert "Bicubic" in html
    assert f"{photo.card['evaluation']['bicubic_psnr']:.2f} dB" in html
    assert "LR jpeg=75" in html and f"{degraded['psnr']:.2f} dB (bicubic {degraded['bicubic_psnr']:.2f})" in html


def _fit_1024(window):
    window.resize(1024, 700)
    window.show_page(window.models)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()


def test_full_model_names_at_1024x700(window):
    _fit_1024(window)
    table = window.models.table
    metrics = table.fontMetrics()
    for row in range(table.rowCount()):
        name = table.item(row, 0).text()
        assert metrics.horizontalAdvance(name) <= table.columnWidth(0), name
    assert table.columnViewportPosition(0) + table.columnWidth(0) <= table.viewport().width()


def test_the_psnr_column_names_its_data_set(window, install_model):
    page = window.models
    heading = page.table.horizontalHeaderItem(5).text()
    assert heading == "PSNR (dB)\non Set5"
    source = [e for e in list_models() if e.name == "SESR-M5-x2"][0].path
    target = install_model(source, "my-div2k")
    card = json.loads(target.with_suffix(".json").read_text())
    card["evaluation"] = {"dataset": "DIV2K-val", "psnr": 34.5, "ssim": 0.93}
    target.with_suffix(".json").write_text(json.dumps(card))
    window.catalog.refresh()
    assert "Set5" not in page.table.horizontalHeaderItem(5).text()
    cells = {page.table.item(r, 0).text(): page.table.item(r, 5).text() for r in range(page.table.rowCount())}
    assert cells["my-div2k"] == "34.50 on DIV2K-val" and cells["SESR-M5-x2"] == "37.05 on Set5"


def test_importing_the_same_model_twice_is_noticed(window, tmp_path):
    page = window.models
    source = tmp_path / "mine.tflite"
    shutil.copy([e for e in list_models() if e.name == "SESR-M5-x4"][0].path, source)
    page.import_files([source])
    copy = tmp_path / "again" / "same.tflite"
    copy.parent.mkdir()
    shutil.copy(source, copy)
    assert page.import_files([copy]) == []
    assert page.banner.kind == "error"
    assert "is already in your models as" in page.banner.message() and "'same.tflite'" in page.banner.message()


def test_a_jpeg_aware_family_is_listed_once_with_its_files(photo_family, window):
    page = window.models
    window.catalog.refresh()
    names = [page.table.item(row, 0).text() for row in range(page.table.rowCount())]
    family = photo_family.family.name
    assert family in names and not any("-q" in name for name in names)
    page.select(family)
    row = names.index(family)
    assert "JPEG-aware (7 files)" in page.table.item(row, 6).text()
    card = page.details.toPlainText()
    assert "JPEG-aware: 7 files, picked by each JPEG's quality" in card
    assert "JPEG-aware family" in card and "JPEG quality 45" in card and photo_family.name(45) in card
