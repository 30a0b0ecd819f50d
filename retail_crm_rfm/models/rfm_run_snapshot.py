"""Phase 1 of the RFM run: the snapshot rows, streamed by COPY."""

import io
from datetime import timedelta

import numpy as np

from odoo.tools import SQL

from ..tools import rfm_engine as engine
from .rfm_run_common import SNAPSHOT_COLUMNS, as_text


class RfmRunSnapshot:
    """Mixin of ``retail.crm.rfm.run``: store the scored customers as snapshot rows."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def _insert_snapshots(
        self, summary, r_score, f_score, m_score, segment_index, clusters, churn, expected, ltv
    ):
        """Snapshot rows of the scored customers, in one COPY.

        The rows are formatted column by column (numpy) and streamed to
        ``COPY ... FROM STDIN``: no statement parameters are built per row.
        """
        segment_codes = np.array(engine.SEGMENT_CODES, dtype=object)
        cluster_codes = np.array(("\\N",) + engine.CLUSTER_CODES, dtype=object)
        # the last purchase day, from the days since it (few distinct values)
        days, day_index = np.unique(summary["recency"], return_inverse=True)
        last_day = np.array(
            [(self.run_date - timedelta(days=int(day))).isoformat() for day in days.tolist()], dtype=object
        )
        columns = (
            np.full(summary["partner_id"].size, str(self.id), dtype=object),
            np.full(summary["partner_id"].size, self.run_date.isoformat(), dtype=object),
            as_text(summary["partner_id"], "%d"),
            last_day[day_index.reshape(-1)] if day_index.size else np.zeros(0, dtype=object),
            as_text(summary["recency"], "%d"),
            as_text(summary["frequency"], "%d"),
            as_text(summary["monetary"], "%.2f"),
            as_text(r_score, "%d"),
            as_text(f_score, "%d"),
            as_text(m_score, "%d"),
            segment_codes[np.asarray(segment_index, dtype=np.int64)],
            cluster_codes[np.asarray(clusters, dtype=np.int64)],
            as_text(churn, "%.4f"),
            as_text(expected, "%.4f"),
            as_text(ltv, "%.2f"),
            # band 1-5 of 20 points of churn risk (1 for 0-20 %, 5 for 80-100 %)
            as_text(np.minimum(np.floor(np.asarray(churn, dtype=float) * 5), 4) + 1, "%d"),
        )
        lines = ["\t".join(row) for row in zip(*columns, strict=True)]
        buffer = io.StringIO("\n".join(lines) + "\n" if lines else "")
        self.env.cr.copy_expert(
            SQL(
                "COPY retail_crm_rfm_snapshot (run_id, %s) FROM STDIN",
                SQL(", ").join(SQL.identifier(col) for col in SNAPSHOT_COLUMNS),
            ).code,
            buffer,
        )
