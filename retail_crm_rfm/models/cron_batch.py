"""The one commit idiom of retail_crm_rfm's scheduled actions.

A cron entry point runs its batch steps (``tools/batch.py``) with
``commit_batch`` as ``on_step``: the progress goes to ``ir.cron`` (Odoo's
``_notify_progress``) and the batch is committed only when the cron worker
(or "Run Manually") runs the job, i.e. when ``ir.cron`` put its progress
record in the context. Called from code or from a test, nothing is committed
and an error is raised to the caller."""


def in_cron_job(env):
    """Whether ``ir.cron`` runs the current job (its progress record is in the context)."""
    return bool(env.context.get("ir_cron_progress_id"))


def commit_batch(env, done, remaining):
    """Report a finished batch to ``ir.cron`` and commit it when a cron job runs."""
    env["ir.cron"]._notify_progress(done=done, remaining=remaining)
    if in_cron_job(env):
        env.cr.commit()  # pylint: disable=invalid-commit
