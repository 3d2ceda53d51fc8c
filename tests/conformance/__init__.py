"""Tests of the conformance suite (a package, so its ``conftest.py`` has a name of its own
for mypy: ``conformance.conftest``)."""
