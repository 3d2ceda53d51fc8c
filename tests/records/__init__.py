"""Tests of the health-data records (a package, so its ``conftest.py`` has a name of its
own for mypy: ``records.conftest``)."""
