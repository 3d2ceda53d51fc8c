"""Tests of the device driver (a package, so its ``conftest.py`` has a name of its own for
mypy: ``device.conftest``; its helpers are imported as ``device.device_helpers``)."""
