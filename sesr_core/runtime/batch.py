"""A batch of image files and folders: where each output goes, and a job that carries on past failed files.

Outputs are named ``NAME_x2.EXT``. Without an output folder a file's result goes beside it and a folder's results go
to a sibling folder ``FOLDER_x2`` (so a second run does not pick them up as inputs); with ``recursive`` the
sub-folder structure is kept. An output that names a file (it has an image suffix) takes exactly one input image.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sesr_core.errors import CancelledError, SesrError
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EventCallback,
    ItemEvent,
    ItemState,
    LogEvent,
    Phase,
    Progress,
    ignore_events,
)
from sesr_core.runtime.complete_output import image_output_done
from sesr_core.runtime.image_file import ImageOptions, ensure_folder, format_of, output_name, upscale_image_file
from sesr_core.runtime.item_failure import report_failed_item
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.own_outputs import folder_inputs
from sesr_core.runtime.preflight import read_header


@dataclass(frozen=True)
class BatchItem:
    """One input and its output; ``key`` is the input's path relative to the folder it was found in (its name when
    given directly), which decides its ``--shard``; ``model`` and ``reason`` say which catalog model ``--model auto``
    (or a JPEG-aware family) chose for it, and why; ``jpeg_quality`` is its estimated JPEG quality, when it is a
    JPEG whose model was chosen so."""

    source: Path
    destination: Path
    key: str = ""
    model: str | None = None
    reason: str = ""
    jpeg_quality: int | None = None


@dataclass
class BatchResult:
    """What a batch did (or, as a cancel's ``partial``, had done): files written, skipped and failed (with the
    reason)."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0
    skipped: list[Path] = field(default_factory=list)  # outputs a previous run had already completed

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {"written": [str(p) for p in self.written], "failed": {str(p): r for p, r in self.failed},
                "seconds": round(self.seconds, 3),
                "skipped": [str(p) for p in self.skipped]}


def plan_batch(inputs: Sequence[str | Path], scale: int, output: str | Path | None = None,
               recursive: bool = False, fmt: str | None = None) -> list[BatchItem]:
    """Source and destination of every image to upscale; raises :class:`SesrError` for an unusable request."""
    if not inputs:
        raise SesrError("Give at least one image file or folder to upscale.")
    out = Path(output) if output is not None else None
    sources: list[tuple[Path, Path, str]] = []  # (image, folder its output goes to, shard key)
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            images, ours = folder_inputs(path, recursive)
            if not images and ours:
                raise SesrError(f"The folder '{path}' holds only SESR Studio results ({len(ours)}); give the folder "
                                "of the originals.")
            if not images:
                hint = "" if recursive else " (add --recursive to look in sub-folders)"
                raise SesrError(f"The folder '{path}' holds no PNG, JPEG, WebP, TIFF or BMP images{hint}.")
            base = out if out is not None else path.parent / f"{path.name}_x{scale}"
            sources += [(image, base / image.parent.relative_to(path), image.relative_to(path).as_posix())
                        for image in images]
        else:  # a file, or a missing path that will fail on its own while the batch goes on
            sources.append((path, out if out is not None else path.parent, path.name))
    if out is not None and format_of(out) is not None and not out.is_dir():
        if len(sources) != 1:
            raise SesrError(f"The output '{out}' names one file but {len(sources)} images were given; give a "
                            "folder with -o instead.")
        if fmt and format_of(out) != fmt.lower():
            raise SesrError(f"The output '{out}' is not a {fmt.upper()} file name; change its suffix or --format.")
        return [BatchItem(sources[0][0], out, sources[0][2])]
    return [BatchItem(source, folder / output_name(source, scale, fmt), key) for source, folder, key in sources]


NetworkForItem = Callable[[BatchItem], LumaNetwork]

# The work of one item in units of the network's time per input pixel, so that Progress counts every phase: reading
# and decoding the input, the network (per tile), and encoding and writing the output, per OUTPUT pixel and format
# (measured with SESR-M5-x2 on LiteRT, a 1.6 MP photo: a 6.6 MP PNG takes longer to write than the network takes).
READ_SHARE, NETWORK_SHARE = 0.05, 1.0
WRITE_SHARES = {"png": 0.35, "webp": 0.35, "jpeg": 0.03, "tiff": 0.05, "bmp": 0.01}


@dataclass(frozen=True)
class ItemWork:
    """Where one item's work lies on the batch's progress scale (``base`` .. ``base + total``)."""

    base: float
    read: float
    network: float
    write: float

    @property
    def total(self) -> float:
        return self.read + self.network + self.write

    def offset(self, phase: Phase) -> float:
        return {Phase.READING: 0.0, Phase.NETWORK: self.read, Phase.WRITING: self.read + self.network}[phase]


def run_batch(network: LumaNetwork | NetworkForItem, items: Sequence[BatchItem], options: ImageOptions | None = None,
              on_event: EventCallback = ignore_events, cancel: CancelToken | None = None,
              skip_existing: bool = False, scale: int | None = None) -> BatchResult:
    """Upscale every item; returns what was written, skipped and failed. A failed file is reported (an
    :class:`ItemEvent` with its sentence) and the batch goes on; a cancel cleans up and raises
    :class:`CancelledError` with ``partial`` = the :class:`BatchResult` of what was finished.

    ``network`` is one network for every item, or a function giving each item its own (``--model auto``). With
    ``skip_existing`` (and without ``options.overwrite``) an output that is already a complete upscale of its input
    is left as it is and listed in ``skipped``: a re-run finishes only what is missing. Events: an ItemEvent per
    item as it starts (working) and ends (done, skipped, failed), and Progress (with phase and item) whose ``done``
    reaches ``total`` only when the last output is written (``scale`` weighs the writing when ``network`` is a
    function; default 2)."""
    network_for = network if callable(network) else lambda _item: network
    options = options or ImageOptions()
    cancel = cancel or CancelToken()
    result = BatchResult()
    started = time.monotonic()
    works = plan_work(items, scale or (2 if callable(network) else network.scale), options.format)
    total = sum(work.total for work in works)
    claimed: dict[Path, Path] = {}
    on_event(Progress(0, total, f"0/{len(items)} images"))
    for index, (item, work) in enumerate(zip(items, works, strict=True)):
        label = f"{index + 1}/{len(items)} {item.source.name}"
        state = {"phase": Phase.READING}

        def report(done: float, phase: Phase, work: ItemWork = work, label: str = label, index: int = index) -> None:
            on_event(Progress(work.base + done, total, label, phase, index))

        def phase_began(phase: Phase, work: ItemWork = work, state: dict = state, report=report) -> None:
            state["phase"] = phase
            report(work.offset(phase), phase)

        def tiles(done: int, all_tiles: int, work: ItemWork = work, report=report) -> None:
            report(work.read + work.network * (done / all_tiles if all_tiles else 1.0), Phase.NETWORK)

        item_started = time.monotonic()
        try:
            cancel.raise_if_cancelled()
            _claim(claimed, item)
            on_event(ItemEvent(index, ItemState.WORKING, str(item.source), str(item.destination), item.model,
                               item.reason))
            if skip_existing and not options.overwrite and \
                    image_output_done(item.source, item.destination, network_for(item).scale):
                result.skipped.append(item.destination)
                on_event(ItemEvent(index, ItemState.SKIPPED, str(item.source), str(item.destination), item.model,
                                   item.reason))
            else:
                ensure_folder(item.destination.parent)
                written = upscale_image_file(network_for(item), item.source, item.destination, options, cancel,
                                             tiles, lambda note: on_event(LogEvent(note, "warning")), phase_began)
                result.written.append(written)
                on_event(ArtefactEvent(str(written), "image"))
                on_event(ItemEvent(index, ItemState.DONE, str(item.source), str(written), item.model, item.reason,
                                   seconds=time.monotonic() - item_started))
        except CancelledError:
            on_event(ItemEvent(index, ItemState.WAITING, str(item.source), str(item.destination), item.model,
                               item.reason))
            result.seconds = time.monotonic() - started
            raise CancelledError(partial=result) from None
        except Exception as err:  # a user error or a bug: reported with this file, and the batch goes on
            result.failed.append((item.source, report_failed_item(index, item.source, err, on_event, item.model,
                                                                  item.reason)))
        report(work.total, state["phase"])
    result.seconds = time.monotonic() - started
    return result


def plan_work(items: Sequence[BatchItem], scale: int = 2, fmt: str | None = None) -> list[ItemWork]:
    """Each item's share of the batch's work, from its header and its output format (``fmt``, else the output's
    suffix); an unreadable file counts for one pixel."""
    works, base = [], 0.0
    for item in items:
        pixels = max(1, _input_pixels(item.source))
        write = WRITE_SHARES.get((fmt or format_of(item.destination) or "png").lower(), WRITE_SHARES["png"])
        work = ItemWork(base, READ_SHARE * pixels, NETWORK_SHARE * pixels, write * pixels * scale * scale)
        works.append(work)
        base += work.total
    return works


def _input_pixels(path: Path) -> int:
    header = read_header(path)
    return header.pixels if header else 0


def _claim(claimed: dict[Path, Path], item: BatchItem) -> None:
    """Two inputs of one batch must not write the same output (e.g. a.png and a.jpg with --format png)."""
    key = item.destination.resolve()
    if key in claimed:
        raise SesrError(f"Cannot write '{item.destination}': the output of '{claimed[key]}' has the same name; "
                        "upscale them into different folders.")
    claimed[key] = item.source
