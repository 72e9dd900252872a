#!/usr/bin/env python
"""Django's command-line utility for Kyodo Portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyodo_portal.settings")
    # manage.py is the developer's tool: with DEBUG unset it runs in development mode. Production
    # (Gunicorn, kyodo_portal.wsgi) defaults to DEBUG off, and its manage.py runs export DEBUG=0.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
