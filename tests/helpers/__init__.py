"""Helpers shared by every test folder (importable as ``helpers``: tests/ is on the path
through tests/conftest.py). One copy each; folder helpers build on these."""
