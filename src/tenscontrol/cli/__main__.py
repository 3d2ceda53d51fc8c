"""``python -m tenscontrol.cli``: the same as the ``tens`` command."""

from tenscontrol.cli.main import main

main()
