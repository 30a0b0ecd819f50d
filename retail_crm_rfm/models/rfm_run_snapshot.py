"""Phase 1 of the RFM run: the snapshot rows, streamed by binary COPY."""

import io

import numpy as np

from odoo.tools import SQL

from ..tools import rfm_engine as engine

# the columns sent by COPY (binary, fixed width); the rest is derived in SQL
COPY_COLUMNS = (
    ("partner_id", ">i4", "int4"),
    ("recency", ">i4", "int4"),
    ("frequency", ">i4", "int4"),
    ("monetary", ">f8", "float8"),
    ("r_score", ">i4", "int4"),
    ("f_score", ">i4", "int4"),
    ("m_score", ">i4", "int4"),
    ("segment", ">i4", "int4"),  # index into engine.SEGMENT_CODES
    ("cluster", ">i4", "int4"),  # 1-based index into engine.CLUSTER_CODES, 0: none
    ("churn", ">f8", "float8"),  # NaN: no model
    ("expected", ">f8", "float8"),
    ("ltv", ">f8", "float8"),
)
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def binary_copy_rows(columns):
    """PostgreSQL binary COPY data of fixed-width columns (``COPY_COLUMNS`` order).

    One numpy record per row (field count, then length and value of each
    field, big-endian): no Python object is built per row or value.
    """
    size = len(columns[0]) if columns else 0
    dtype = [("count", ">i2")]
    for (name, code, _sql), _values in zip(COPY_COLUMNS, columns, strict=True):
        dtype += [(f"{name}_len", ">i4"), (name, code)]
    rows = np.zeros(size, dtype=dtype)
    rows["count"] = len(COPY_COLUMNS)
    for (name, code, _sql), values in zip(COPY_COLUMNS, columns, strict=True):
        rows[f"{name}_len"] = np.dtype(code).itemsize
        values = np.asarray(values, dtype=float)
        rows[name] = values if code == ">f8" else np.rint(values).astype(np.int64)
    return COPY_HEADER + rows.tobytes() + COPY_TRAILER


class RfmRunSnapshot:
    """Mixin of ``retail.crm.rfm.run``: store the scored customers as snapshot rows."""

    # no instance attributes of its own: Odoo models have fixed slots
    __slots__ = ()

    def _insert_snapshots(
        self, summary, r_score, f_score, m_score, segment_index, clusters, churn, expected, ltv
    ):
        """Snapshot rows of the scored customers: one binary COPY, one INSERT.

        The per-customer figures go as fixed-width binary rows (numpy) to a
        temporary table, then one ``INSERT ... SELECT`` into the run's
        partition adds the run, the dates, the codes, the rounding and the
        churn band: no value is formatted in Python.
        """
        cr = self.env.cr
        cr.execute(
            SQL(
                "CREATE TEMPORARY TABLE IF NOT EXISTS retail_crm_rfm_snapshot_in (%s) ON COMMIT DROP",
                SQL(", ").join(
                    SQL("%s %s", SQL.identifier(name), SQL(sql)) for name, _c, sql in COPY_COLUMNS
                ),
            )
        )
        cr.execute(SQL("TRUNCATE retail_crm_rfm_snapshot_in"))
        data = binary_copy_rows(
            [
                summary["partner_id"],
                summary["recency"],
                summary["frequency"],
                summary["monetary"],
                r_score,
                f_score,
                m_score,
                segment_index,
                clusters,
                churn,
                expected,
                ltv,
            ]
        )
        cr.copy_expert("COPY retail_crm_rfm_snapshot_in FROM STDIN WITH (FORMAT binary)", io.BytesIO(data))
        self.env["retail.crm.rfm.snapshot"]._insert_run_partition(
            self.id,
            SQL(
                """
            SELECT %(run)s, %(run_date)s, partner_id, %(run_date)s::date - recency, recency, frequency,
                   round(monetary::numeric, 2), r_score, f_score, m_score,
                   (%(segments)s::varchar[])[segment + 1],
                   (%(clusters)s::varchar[])[NULLIF(cluster, 0)],
                   round(NULLIF(churn, 'NaN')::numeric, 4),
                   round(NULLIF(expected, 'NaN')::numeric, 4),
                   round(NULLIF(ltv, 'NaN')::numeric, 2),
                   -- band 1-5 of 20 points of churn risk (1 for 0-20 points, 5 for 80-100)
                   (LEAST(floor(NULLIF(churn, 'NaN') * 5), 4) + 1)::int::varchar
              FROM retail_crm_rfm_snapshot_in
            """,
                run=self.id,
                run_date=self.run_date,
                segments=list(engine.SEGMENT_CODES),
                clusters=list(engine.CLUSTER_CODES),
            ),
        )
        cr.execute(SQL("TRUNCATE retail_crm_rfm_snapshot_in"))
