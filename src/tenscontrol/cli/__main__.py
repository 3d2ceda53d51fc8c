"""``python -m tenscontrol.cli``: the same as the ``tens`` command."""

from tenscontrol.cli import main

main()
