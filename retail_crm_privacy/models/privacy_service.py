class PrivacyService:
    """Base of the privacy services (identity, finder, erasure planner and
    executor, export, retention): plain objects on an environment, not Odoo
    models, since they store nothing. ``res.partner`` and the wizards call
    them; they keep the partner extension small (like privacy_lookup)."""

    def __init__(self, env):
        self.env = env
