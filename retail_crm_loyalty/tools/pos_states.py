"""POS order states the suite counts as paid (qualifying spend, referrals,
tier hook): the one definition of the addon."""

PAID_STATES = ("paid", "done", "invoiced")
