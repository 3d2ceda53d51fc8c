"""Fault-survival tests on real processes (a package, so its ``conftest.py`` has a name of
its own for mypy: ``survival.conftest``; its helpers are ``survival.survival_helpers``)."""
