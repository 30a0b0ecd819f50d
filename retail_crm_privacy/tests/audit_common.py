"""The independent auditor's tools: a fingerprint of every row of every
table (what changed, what was deleted), every file of the filestore, and the
totals a store reports; the identifiers of a person in the spellings people
write them in."""

import os
from collections import Counter
from datetime import date

from odoo.tools import SQL

from ..models import privacy_match

MOBILE = "+8613957246813"
LANDLINE = "021-6234-5678"
ID_NUMBER = "110105199011301233"
BIRTHDAY = date(1990, 11, 30)
BIRTHDAY_SPELLINGS = ["1990-11-30", "1990/11/30", "1990年11月30日", "30.11.1990", "1990.11.30"]
FULL_WIDTH_MOBILE = "１３９５７２４６８１３"


def identifiers(name, given, latin_parts, emails, streets, bank=None, barcode=None):
    """What the auditor looks for after the erasure of the person."""
    values = [name, given, *latin_parts, *emails, *streets]
    values += sorted(privacy_match.phone_spellings(MOBILE, "CN"))
    values += [FULL_WIDTH_MOBILE, "139 5724 6813", "139-5724-6813", "6234-5678", "62345678", "6234 5678"]
    values += [ID_NUMBER, "110105 19901130 1233", *BIRTHDAY_SPELLINGS]
    values += [v for v in (bank, barcode) if v]
    return values


class AuditMixin:
    """Fingerprints of the whole database and of the filestore."""

    def _tables(self):
        self.env.cr.execute("""
            SELECT t.table_name, bool_or(c.column_name = 'id' AND c.data_type = 'integer')
              FROM information_schema.tables t
              JOIN information_schema.columns c
                ON c.table_schema = t.table_schema AND c.table_name = t.table_name
             WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
          GROUP BY t.table_name
        """)
        return sorted(self.env.cr.fetchall())

    def _db_state(self):
        """{table: {id: md5 of the row}} (tables without an id: a Counter of
        the rows' md5)."""
        self.env.flush_all()
        state = {}
        for table, has_id in self._tables():
            if has_id:
                self.env.cr.execute(
                    SQL("SELECT id, md5(row_to_json(t)::text) FROM %s t", SQL.identifier(table))
                )
                state[table] = dict(self.env.cr.fetchall())
            else:
                self.env.cr.execute(
                    SQL(
                        "SELECT md5(row_to_json(t)::text), count(*) FROM %s t GROUP BY 1",
                        SQL.identifier(table),
                    )
                )
                state[table] = Counter(dict(self.env.cr.fetchall()))
        return state

    def _collateral(self, initial, before, after, ignore=()):
        """Rows that existed before the person was built (``initial``) and
        that the erasure changed or deleted (``before`` -> ``after``)."""
        changed = []
        for table, rows in initial.items():
            if table in ignore:
                continue
            if isinstance(rows, Counter):
                lost = (before.get(table, Counter()) & rows) - after.get(table, Counter())
                if lost:
                    changed.append((table, "rows", sum(lost.values())))
                continue
            for row_id in rows:
                if row_id not in before.get(table, {}):
                    continue
                if row_id not in after.get(table, {}):
                    changed.append((table, row_id, "deleted"))
                elif after[table][row_id] != before[table][row_id]:
                    changed.append((table, row_id, "changed"))
        return changed

    def _filestore(self):
        root = self.env["ir.attachment"]._filestore()
        found = set()
        for folder, _dirs, files in os.walk(root):
            # the garbage collector's marks, empty files named after the real ones
            if not os.path.relpath(folder, root).startswith("checklist"):
                found.update(os.path.join(folder, f) for f in files)
        return found

    def _orphans(self, files):
        """Files of ``files`` still on disk that no attachment references:
        the files of deleted attachments left for the garbage collection."""
        self.env.flush_all()
        self.env.cr.execute("SELECT DISTINCT store_fname FROM ir_attachment WHERE store_fname IS NOT NULL")
        Attachment = self.env["ir.attachment"]
        referenced = {Attachment._full_path(row[0]) for row in self.env.cr.fetchall()}
        return sorted(path for path in files if os.path.exists(path) and path not in referenced)

    def _file_residue(self, files, values):
        """{path: [values]} of the files holding one of ``values``."""
        residue = {}
        for path in sorted(files):
            if not os.path.exists(path):
                continue
            with open(path, "rb") as handle:
                content = handle.read().lower()
            hits = [v for v in values if v.lower().encode() in content]
            if hits:
                residue[path] = hits
        return residue

    def _totals(self):
        """What the store reports: orders, points, complaints, CSAT/NPS."""
        self.env.flush_all()
        queries = {
            "orders": "SELECT count(*), sum(amount_total), sum(amount_paid) FROM pos_order",
            "order_lines": "SELECT count(*), sum(price_subtotal_incl), sum(qty) FROM pos_order_line",
            "payments": "SELECT count(*), sum(amount) FROM pos_payment",
            "points": "SELECT count(*), sum(points) FROM loyalty_card",
            "points_history": "SELECT count(*), sum(issued), sum(used) FROM loyalty_history",
            "tier_history": "SELECT count(*) FROM retail_crm_tier_history WHERE change_type != 'override'",
            "complaints": "SELECT count(*), count(*) FILTER (WHERE is_closed) FROM retail_crm_complaint",
            "ratings": "SELECT count(*), avg(rating) FROM rating_rating WHERE consumed",
            "voice": "SELECT retail_kind, count(*), avg(retail_score) FROM survey_user_input "
            "WHERE state = 'done' GROUP BY 1 ORDER BY 1",
            "referrals": "SELECT count(*), sum(referrer_points), sum(member_points) FROM retail_crm_referral",
        }
        totals = {}
        for key, query in queries.items():
            self.env.cr.execute(query)
            totals[key] = self.env.cr.fetchall()
        return totals

    def _residue(self, baseline, after):
        """{value: rows} holding a value after the erasure that did not
        hold it before the person was built."""
        return {
            value: sorted(rows - baseline[value]) for value, rows in after.items() if rows - baseline[value]
        }
