"""User-facing errors: each carries one clear sentence naming the file and the fix."""

from __future__ import annotations


class SesrError(Exception):
    """An error a user can cause; ``str(err)`` is the sentence shown in the GUI and the CLI."""


class ImageReadError(SesrError):
    """An image file could not be read."""


class ImageWriteError(SesrError):
    """An output file could not be written."""


class DatasetError(SesrError):
    """A training or validation folder is missing, empty or unusable."""


class ModelError(SesrError):
    """A model file is missing, corrupt, or not the kind of model asked for."""


class CancelledError(SesrError):
    """A job was cancelled by the user; ``partial`` is the job's typed result for what it finished first (files
    written, the last checkpoint), or None."""

    def __init__(self, message: str = "Cancelled by the user.", partial: object | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class EngineUnavailableError(SesrError):
    """An inference engine was asked for by name but cannot be loaded on this machine."""
