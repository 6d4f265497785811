"""``sesr-studio``: open the window; ``--screenshots DIR`` renders every page to PNG; ``sesr-studio COMMAND ...``
with a ``sesr`` subcommand acts as the ``sesr`` CLI (the desktop bundle ships one executable for both).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from app import APP_NAME, ORGANIZATION, __version__


def sesr_commands() -> set[str]:
    """The ``sesr`` CLI's subcommand names."""
    from sesr_core.cli.main import build_parser

    for action in build_parser()._actions:  # noqa: SLF001 - argparse keeps subcommands here
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return set(action.choices)
    return set()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sesr-studio", description=f"{APP_NAME}: super-resolution on the CPU, with a window. Give a sesr "
        "command (e.g. 'sesr-studio upscale in.png -o out.png') to run the command line instead.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--screenshots", metavar="DIR", help="render every page to PNG files in DIR and exit")
    parser.add_argument("--smoke-test", action="store_true",
                        help="open the window, print a line once it is shown (and what the Train page says), close it")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="colour scheme (default: follow the system)")
    parser.add_argument("paths", nargs="*", help="images, folders, videos or .tflite models to open")
    return parser


def icon_path() -> Path:
    """resources/icons/sesr-studio.png in a checkout or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parent.parent
    return root / "resources" / "icons" / "sesr-studio.png"


def create_application(argv: Sequence[str]):
    """The QApplication with names, the window icon and the theme applied."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from app.theme import apply_theme, follow_system_scheme

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("sesr-studio")
    if icon_path().is_file():
        app.setWindowIcon(QIcon(str(icon_path())))
    apply_theme(app)
    follow_system_scheme(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sesr-studio``; returns the exit status."""
    started = time.perf_counter()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-") and argv[0] in sesr_commands():
        from sesr_core.cli import main as cli_main

        return cli_main(argv)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.theme != "system":
        import os

        os.environ["SESR_STUDIO_THEME"] = args.theme
    if args.screenshots:
        from app.screenshots import take_screenshots

        app = create_application([])
        return take_screenshots(app, Path(args.screenshots))
    app = create_application([])
    from app.stop_signals import WindowStopper
    from app.window import MainWindow

    window = MainWindow()
    stopper = WindowStopper(app, window)
    window.show()
    if args.smoke_test:
        _close_once_shown(app, window, started)
    if args.paths:
        window.open_paths([Path(p).expanduser().resolve() for p in args.paths])
    status = app.exec()
    return stopper.status if stopper.status is not None else status


def _close_once_shown(app, window, started: float) -> None:
    """``--smoke-test``: once the window has painted, say so (and what the Train page offers), then close it."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    def report() -> None:
        banner = window.train.banner
        train = "training form" if window.train.form is not None else (
            banner.text.text() if not banner.isHidden() else "no training form")
        print(f"window shown {time.perf_counter() - started:.2f} s after main() started; Train page: {train}",
              flush=True)
        window.confirm_close = False
        window.close()
        app.quit()

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, report)
            return False

    window.installEventFilter(FirstPaint(window))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
