"""The `dangjian` console command: Django's management commands under the project's name.

`dangjian demo`, `dangjian migrate`, `dangjian runserver` ... are the same as
`python manage.py ...`, with the development settings unless DJANGO_SETTINGS_MODULE says otherwise.

`dangjian serve [ADDRESS]` (what `make run` uses) runs the development server and the background
worker side by side in the foreground; Ctrl-C stops both, and if either stops the other does too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if sys.argv[1:2] == ["serve"]:
        sys.exit(serve(sys.argv[2:]))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dangjian", *sys.argv[1:]])


def serve(runserver_args: list[str]) -> int:
    """Start `runserver ARGS` and `worker`; when either ends or we are told to stop, stop both
    (SIGTERM: the worker finishes its task) and return the first non-zero exit status."""
    command = [sys.executable, "-m", "dangjian.cli"]
    children = [
        subprocess.Popen([*command, "runserver", *runserver_args]),
        subprocess.Popen([*command, "worker"]),
    ]

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C while the worker ends
        # A terminal's Ctrl-C reached the children too: give them a moment to end by themselves.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(c.poll() is None for c in children):
            time.sleep(0.1)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    statuses = [child.returncode for child in children]
    return next((s for s in statuses if s not in (0, -signal.SIGTERM, -signal.SIGINT)), 0)


if __name__ == "__main__":
    main()
