"""What a batch (images or videos) does with an item that fails: one sentence, reported, and the batch goes on."""

from __future__ import annotations

from pathlib import Path

from sesr_core.errors import SesrError
from sesr_core.jobs import EventCallback, ItemEvent, ItemState, LogEvent


def failure_sentence(source: Path, err: BaseException) -> str:
    """The user's sentence for ``err``: a :class:`SesrError`'s own, else a bug's with the file named."""
    if isinstance(err, SesrError):
        return str(err)
    return f"Cannot upscale '{source}': internal error ({type(err).__name__}: {err}); please report it."


def report_failed_item(index: int, source: Path, err: BaseException, on_event: EventCallback,
                       model: str | None = None, reason: str = "") -> str:
    """Send the failed item's :class:`ItemEvent` (and an error :class:`LogEvent`); returns its sentence."""
    sentence = failure_sentence(source, err)
    on_event(LogEvent(sentence, "error"))
    on_event(ItemEvent(index, ItemState.FAILED, str(source), model=model, reason=reason, error=sentence))
    return sentence
