"""Batch steps of the addon's scheduled actions (pure Python).

A long pass (replenishment refresh, reminders) is written as a generator
that yields ``(done, remaining)`` after each unit of work that may be
committed, and returns its result. Code and tests run it to the end with
``run_steps(steps)``; the cron entry point passes ``on_step``, which reports
the progress to ``ir.cron`` and commits (``models/cron_batch.py``): the one
place where the addon's crons commit."""


def run_steps(steps, on_step=None):
    """Run the generator ``steps`` to its end, calling ``on_step(done,
    remaining)`` after each step; returns the generator's return value."""
    while True:
        try:
            done, remaining = next(steps)
        except StopIteration as stop:
            return stop.value
        if on_step is not None:
            on_step(done, remaining)
