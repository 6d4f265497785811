"""Several videos (files and folders) in one job, for archives: plan the outputs, skip finished ones, go on past
failures.

Outputs are named as for one video (``NAME_x2.EXT``); a folder's videos go to a sibling folder ``FOLDER_x2`` (or
under ``-o``), keeping sub-folders with ``recursive``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sesr_core.errors import CancelledError, SesrError
from sesr_core.jobs import CancelToken, EventCallback, ItemEvent, ItemState, LogEvent, Progress, ignore_events
from sesr_core.runtime.batch import BatchItem
from sesr_core.runtime.complete_output import video_output_done
from sesr_core.runtime.image_file import ensure_folder
from sesr_core.runtime.item_failure import report_failed_item
from sesr_core.runtime.luma import LumaNetwork
from sesr_core.runtime.video_file import VideoOptions, default_destination, upscale_video

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv")


def list_videos(folder: Path, recursive: bool = False) -> list[Path]:
    """The video files (by extension) in ``folder``, sorted; hidden files (our partial outputs) are skipped."""
    pattern = "**/*" if recursive else "*"
    return sorted(p for p in folder.glob(pattern)
                  if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file() and not p.name.startswith("."))


def plan_videos(inputs: Sequence[str | Path], scale: int, codec: str, output: str | Path | None = None,
                recursive: bool = False) -> list[BatchItem]:
    """Source, destination and shard key of every video; raises :class:`SesrError` for an unusable request."""
    if not inputs:
        raise SesrError("Give at least one video file or folder to upscale.")
    out = Path(output) if output is not None else None
    if out is not None and out.suffix and not out.is_dir():
        if len(inputs) != 1 or Path(inputs[0]).is_dir():
            raise SesrError(f"The output '{out}' names one file but several videos were given; give a folder with "
                            "-o instead.")
        return [BatchItem(Path(inputs[0]), out, Path(inputs[0]).name)]
    items: list[BatchItem] = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            videos = list_videos(path, recursive)
            if not videos:
                hint = "" if recursive else " (add --recursive to look in sub-folders)"
                raise SesrError(f"The folder '{path}' holds no videos ({', '.join(VIDEO_EXTENSIONS)}){hint}.")
            base = out if out is not None else path.parent / f"{path.name}_x{scale}"
            items += [BatchItem(video, default_destination(video, scale, codec, base / video.parent.relative_to(path)),
                                video.relative_to(path).as_posix()) for video in videos]
        else:  # a file, or a missing one that fails on its own while the others go on
            items.append(BatchItem(path, default_destination(path, scale, codec, out), path.name))
    return items


@dataclass
class VideoBatchResult:
    """Videos written, skipped (a previous run finished them) and failed (with the reason); as a cancel's
    ``partial``, what was finished before it."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0


def run_video_batch(network: LumaNetwork | Callable[[BatchItem], LumaNetwork], items: Sequence[BatchItem],
                    options: VideoOptions | None = None, on_event: EventCallback = ignore_events,
                    cancel: CancelToken | None = None, skip_existing: bool = False) -> VideoBatchResult:
    """Upscale each video in turn; a failure is reported (an :class:`ItemEvent` with its sentence) and the batch
    goes on; with ``skip_existing`` outputs that are already complete are left. ``network`` is one network for
    every video, or a function giving each its own (``--model auto``). Each video's Progress carries its ``item``
    index; a cancel raises :class:`CancelledError` with ``partial`` = the :class:`VideoBatchResult` so far."""
    network_for = network if callable(network) else lambda _item: network
    options = options or VideoOptions()
    cancel = cancel or CancelToken()
    result = VideoBatchResult()
    started = time.monotonic()
    for index, item in enumerate(items):
        def forward(event, index: int = index) -> None:
            on_event(replace(event, item=index) if isinstance(event, Progress) else event)

        item_started = time.monotonic()
        try:
            cancel.raise_if_cancelled()
            luma = network_for(item)
            on_event(ItemEvent(index, ItemState.WORKING, str(item.source), str(item.destination), item.model,
                               item.reason))
            if skip_existing and not options.overwrite and video_output_done(item.source, item.destination,
                                                                             luma.scale):
                result.skipped.append(item.destination)
                on_event(ItemEvent(index, ItemState.SKIPPED, str(item.source), str(item.destination), item.model,
                                   item.reason))
                continue
            on_event(LogEvent(f"{index + 1}/{len(items)}: {item.source}"))
            ensure_folder(item.destination.parent)
            video = upscale_video(luma, item.source, item.destination, options, forward, cancel)
        except CancelledError:
            result.seconds = time.monotonic() - started
            raise CancelledError(partial=result) from None
        except Exception as err:  # a user error or a bug: reported with this file, and the batch goes on
            result.failed.append((item.source, report_failed_item(index, item.source, err, on_event, item.model,
                                                                  item.reason)))
            continue
        result.written.append(video.path)
        on_event(ItemEvent(index, ItemState.DONE, str(item.source), str(video.path), item.model, item.reason,
                           seconds=time.monotonic() - item_started))
    result.seconds = time.monotonic() - started
    return result
