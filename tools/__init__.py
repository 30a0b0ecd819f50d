"""The suite's commands (tests, demo, data generator, benchmarks, lint, translations).

A package: run a command as ``python3 tools/<command>.py`` (README) or
``python3 -m tools.<command>``.  Each command module starts with the same two
lines making the package importable when it is run as a file; the Odoo
bootstrap and the connection options every command shares live in
``tools/bootstrap.py``.
"""
