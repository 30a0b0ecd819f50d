# States of a POS order that count as a sale (paid, posted or invoiced): the
# one definition used by the customer-voice sampling and the after-sales
# follow-ups.
PAID_STATES = ("paid", "done", "invoiced")
