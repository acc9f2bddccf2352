"""The ``triage`` command line: ``main`` assembles one Typer app from one module per command group."""
