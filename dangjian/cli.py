"""The `dangjian` console command: Django's management commands under the project's name.

`dangjian demo`, `dangjian migrate`, `dangjian runserver` ... are the same as
`python manage.py ...`, with the development settings unless DJANGO_SETTINGS_MODULE says otherwise.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["dangjian", *sys.argv[1:]])


if __name__ == "__main__":
    main()
