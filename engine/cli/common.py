"""What every command shares: the Chinese argparse, the exit codes."""
from __future__ import annotations

import argparse
import sys

from engine.errors import UserError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


class ChineseParser(argparse.ArgumentParser):
    """argparse with its own words in Chinese: users are civil servants, not programmers."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage: ", "用法：", 1)

    def format_help(self) -> str:
        return super().format_help().replace("usage: ", "用法：", 1)

    def error(self, message: str):
        self.print_usage(sys.stderr)
        raise UserError(f"命令用法有误：{_cn_argparse(message)}（用 -h 查看帮助）")


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, its width found as shutil.get_terminal_size() finds it, without importing shutil
    (argparse makes a formatter for every add_argument; shutil's imports are a measurable part of a check)."""

    def __init__(self, prog, indent_increment=2, max_help_position=24, width=None):
        if width is None:
            width = _columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _columns() -> int:
    import os

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        if columns <= 0:
            columns = size.columns or 80
    return columns


def _cn_argparse(msg: str) -> str:
    for en, cn in (("the following arguments are required", "缺少参数"), ("unrecognized arguments", "无法识别的参数"),
                   ("invalid choice", "无效的选项"), ("expected one argument", "需要一个参数"),
                   ("argument", "参数"), ("choose from", "可选")):
        msg = msg.replace(en, cn)
    return msg


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as _v
    try:
        return _v("policylint")
    except PackageNotFoundError:
        return "未安装版本"


class Progress:
    """A progress bar on stderr (rich), only when stderr is a terminal and there is enough work to wait for:
    never in pipes, logs, CI or tests. Use as a context manager; advance(n) after each piece of work."""

    def __init__(self, label: str, total: int | None, *, minimum: int = 20, stream=None):
        """total None: a count without an end (rows of a file being read)."""
        self.total, self._bar = total, None
        stream = stream or sys.stderr
        if (total is None or total >= minimum) and hasattr(stream, "isatty") and stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as _P, TextColumn, TimeRemainingColumn

            columns = ((TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("剩余"), TimeRemainingColumn())
                       if total is not None else (TextColumn(label), TextColumn("已读 {task.completed} 行")))
            self._bar = _P(*columns, console=Console(file=stream), transient=True)
            self._task = self._bar.add_task(label, total=total)

    def __enter__(self):
        if self._bar:
            self._bar.start()
        return self

    def advance(self, n: int = 1) -> None:
        if self._bar:
            self._bar.update(self._task, advance=n)

    def __exit__(self, *exc) -> None:
        if self._bar:
            self._bar.stop()
