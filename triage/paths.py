"""Where the bundled data lives: ``rules/`` and ``letters/``.

In a source checkout they sit beside the package; in an installed wheel they
are shipped inside it as ``triage/_data``.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    beside = _PKG.parent / name
    if beside.is_dir():
        return beside
    return _PKG / "_data" / name


def rules_dir() -> Path:
    """The folder holding taxonomy.yaml, resources.yaml and one folder per rule set."""
    return _data_dir("rules")


def letters_dir() -> Path:
    return _data_dir("letters")


def default_ruleset_dir() -> Path:
    return rules_dir() / "england"


def var_dir() -> Path:
    """Where the service keeps its state: ``$TRIAGE_HOME``, else ``var/`` beside a
    source checkout, else ``~/.local/share/triage``. Created on first use."""
    from triage.settings import settings

    home = settings().home
    if home is not None:
        path = home
    elif (_PKG.parent / "pyproject.toml").is_file():
        path = _PKG.parent / "var"
    else:
        path = Path.home() / ".local" / "share" / "triage"
    if not path.exists():
        # Owner only: it holds the store, the service secret and the demo password.
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
