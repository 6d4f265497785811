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
from sesr_core.imaging.image_read import list_images
from sesr_core.jobs import (
    ArtefactEvent,
    CancelToken,
    EventCallback,
    FinishedEvent,
    LogEvent,
    Progress,
    ignore_events,
)
from sesr_core.runtime.complete_output import image_output_done
from sesr_core.runtime.image_file import ImageOptions, ensure_folder, format_of, output_name, upscale_image_file
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.preflight import read_header


@dataclass(frozen=True)
class BatchItem:
    """One input and its output; ``key`` is the input's path relative to the folder it was found in (its name when
    given directly), which decides its ``--shard``; ``model`` and ``reason`` say which catalog model ``--model auto``
    chose for it, and why."""

    source: Path
    destination: Path
    key: str = ""
    model: str | None = None
    reason: str = ""


@dataclass
class BatchResult:
    """What a batch did: files written, files that failed (with the reason) and whether it was cancelled."""

    written: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    skipped: list[Path] = field(default_factory=list)  # outputs a previous run had already completed

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def to_dict(self) -> dict:
        return {"written": [str(p) for p in self.written], "failed": {str(p): r for p, r in self.failed},
                "cancelled": self.cancelled, "seconds": round(self.seconds, 3),
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
            images = list_images(path, recursive=recursive)
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


def run_batch(network: LumaNetwork | NetworkForItem, items: Sequence[BatchItem], options: ImageOptions | None = None,
              on_event: EventCallback = ignore_events, cancel: CancelToken | None = None,
              skip_existing: bool = False) -> BatchResult:
    """Upscale every item; a failed file is reported and skipped, a cancel stops the batch after cleaning up.

    ``network`` is one network for every item, or a function giving each item its own (``--model auto``). With
    ``skip_existing`` (and without ``options.overwrite``) an output that is already a complete upscale of its input
    is left as it is and listed in ``skipped``: a re-run finishes only what is missing."""
    network_for = network if callable(network) else lambda _item: network
    options = options or ImageOptions()
    cancel = cancel or CancelToken()
    result = BatchResult()
    started = time.monotonic()
    sizes = [_input_pixels(item.source) for item in items]
    total, finished_pixels = sum(sizes), 0
    claimed: dict[Path, Path] = {}
    on_event(Progress(0, total, f"0/{len(items)} images"))
    for number, (item, size) in enumerate(zip(items, sizes, strict=True), start=1):
        label = f"{number}/{len(items)} {item.source.name}"

        def progress(done: int, _all: int, base: int = finished_pixels, label: str = label) -> None:
            on_event(Progress(base + done, total, label))

        try:
            cancel.raise_if_cancelled()
            _claim(claimed, item)
            if skip_existing and not options.overwrite and \
                    image_output_done(item.source, item.destination, network_for(item).scale):
                result.skipped.append(item.destination)
                finished_pixels += size
                continue
            ensure_folder(item.destination.parent)
            written = upscale_image_file(network_for(item), item.source, item.destination, options, cancel,
                                         progress, lambda note: on_event(LogEvent(note, "warning")))
        except CancelledError:
            result.cancelled = True
            break
        except SesrError as err:
            result.failed.append((item.source, str(err)))
            on_event(LogEvent(str(err), "error"))
        except Exception as err:  # a bug, not the user's doing: report it with this file and go on with the rest
            reason = f"Cannot upscale '{item.source}': internal error ({type(err).__name__}: {err}); please report it."
            result.failed.append((item.source, reason))
            on_event(LogEvent(reason, "error"))
        else:
            result.written.append(written)
            on_event(ArtefactEvent(str(written), "image"))
        finished_pixels += size
        on_event(Progress(finished_pixels, total, label))
    result.seconds = time.monotonic() - started
    on_event(FinishedEvent(result.to_dict(), cancelled=result.cancelled))
    return result


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
