"""A progress bar on stderr for the import and export commands (no dependency needed)."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class ProgressBar:
    def __init__(self, label: str, *, stream: TextIO | Any = None, width: int = 30) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._last < 0.2 and done != total:
            return
        self._last = now
        rate = done / max(now - self.started, 1e-9)
        if total:
            filled = int(self.width * min(done, total) / total)
            bar = "█" * filled + "·" * (self.width - filled)
            text = (
                f"\r{self.label} [{bar}] {done * 100 // total:3d}% {done}/{total} {rate:,.0f} 行/秒"
            )
        else:
            text = f"\r{self.label} {done} {rate:,.0f} 行/秒"
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
