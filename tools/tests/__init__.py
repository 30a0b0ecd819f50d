"""Unit tests of tools/ (no database): ``python3 -m unittest discover -s tools/tests -t .``
from the repository; tools/test.py runs them after the addons' tests."""
