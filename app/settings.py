"""Persistent settings (QSettings, INI format so tests and screenshots can point them at a folder of their own)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from app import APP_NAME, ORGANIZATION

_TRUE = ("1", "true", "yes", "on")


def use_settings_folder(folder: str | Path) -> None:
    """Keep every QSettings file under ``folder`` (tests, screenshots): nothing of the user's is read or written."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))


class Settings:
    """Typed access to the app's QSettings; keys are "group/name" strings."""

    def __init__(self) -> None:
        self._store = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APP_NAME)

    @property
    def path(self) -> str:
        return self._store.fileName()

    def text(self, key: str, default: str = "") -> str:
        value = self._store.value(key, default)
        return default if value is None else str(value)

    def integer(self, key: str, default: int = 0) -> int:
        try:
            return int(self._store.value(key, default))
        except (TypeError, ValueError):
            return default

    def number(self, key: str, default: float = 0.0) -> float:
        try:
            return float(self._store.value(key, default))
        except (TypeError, ValueError):
            return default

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._store.value(key, default)
        if isinstance(value, bool):
            return value
        return str(value).lower() in _TRUE

    def text_list(self, key: str) -> list[str]:
        value = self._store.value(key, [])
        if value is None or value == "":
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def raw(self, key: str):
        """A stored value as QSettings gives it (QByteArray for window geometry)."""
        return self._store.value(key)

    def set(self, key: str, value) -> None:
        self._store.setValue(key, value)

    def sync(self) -> None:
        self._store.sync()
