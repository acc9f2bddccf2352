"""Command groups shared by several modules' sub-commands.

``triage cases ...`` holds commands from more than one module (the audit
toolkit's ``generate`` and ``replay``, the store's ``export``); each module adds
its commands to this one group, and ``triage/cli.py`` registers it once.
"""

from __future__ import annotations

import typer

cases_app = typer.Typer(help="Case corpora and stored cases: generate, export, replay.", no_args_is_help=True)
