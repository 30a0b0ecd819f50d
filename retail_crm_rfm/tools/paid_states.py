"""States of ``pos.order`` that count as paid: the one definition of the addon.

Every query of retail_crm_rfm (RFM run, KPI report, cross-sell rules,
recommendations, replenishment, A/B tests, the benchmarks) imports it from
here."""

PAID_STATES = ("paid", "done", "invoiced")
