"""The ``tens`` command line: a thin click layer, the only place errors become exit codes."""

from tenscontrol.cli.main import main

__all__ = ["main"]
