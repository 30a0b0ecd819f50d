from odoo.addons.point_of_sale.tests.common import TestPointOfSaleCommon
from odoo.tests import tagged
from odoo.tools import SQL

from ..models import privacy_tools
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestErasure(PrivacyCommonMixin, TestPointOfSaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.pos_config.open_ui()
        cls.session = cls.pos_config.current_session_id

    def _create_orders(self, partner, count, amount=25.0):
        return self.env["pos.order"].create(
            [
                {
                    "session_id": self.session.id,
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "amount_tax": 0.0,
                    "amount_total": amount,
                    "amount_paid": amount,
                    "amount_return": 0.0,
                    "lines": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.product3.id,
                                "qty": 1,
                                "price_unit": amount,
                                "price_subtotal": amount,
                                "price_subtotal_incl": amount,
                            },
                        )
                    ],
                }
                for _i in range(count)
            ]
        )

    def _find_everywhere(self, value):
        """(table, column) of every text column of the database containing
        ``value`` (case-insensitive), checked with parameterised SQL."""
        self.env.flush_all()
        self.env.cr.execute("""
            SELECT c.table_name, c.column_name, c.data_type
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('character varying', 'text', 'character', 'jsonb', 'json')
        """)
        hits = []
        for table, column, data_type in self.env.cr.fetchall():
            column_sql = (
                SQL("%s::text", SQL.identifier(column))
                if data_type in ("jsonb", "json")
                else SQL.identifier(column)
            )
            self.env.cr.execute(
                SQL(
                    "SELECT 1 FROM %s WHERE strpos(lower(%s), lower(%s)) > 0 LIMIT 1",
                    SQL.identifier(table),
                    column_sql,
                    value,
                )
            )
            if self.env.cr.fetchone():
                hits.append((table, column))
        return hits

    def _prepare_person(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Zhang Xiaoming Erase",
                "mobile": "+86 138 1234 5678",
                "email": "zhang.xiaoming.erase@example.cn",
                "street": "66 Erasure Avenue",
                "city": "Hangzhou",
                "vat": "ERASE-VAT-0042",
                "comment": "Prefers Zhang Xiaoming Erase on parcels",
            }
        )
        portal = self.env["res.users"].create(
            {
                "name": "Zhang Xiaoming Erase",
                "login": "zhang.xiaoming.erase@example.cn",
                "partner_id": partner.id,
                "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
            }
        )
        partner.message_post(body="Call Zhang Xiaoming Erase at +86 138 1234 5678")
        self.env["ir.attachment"].create(
            {
                "name": "id_card.txt",
                "raw": b"Zhang Xiaoming Erase",
                "res_model": "res.partner",
                "res_id": partner.id,
            }
        )
        self.env["retail.crm.consent"]._record(partner, self.purpose_email, "withdrawn")
        self.env["retail.crm.consent"]._record(partner, self.purpose_sms, "withdrawn")
        orders = self._create_orders(partner, 5)
        orders[0].general_note = "Deliver to zhang.xiaoming.erase@example.cn"
        # a record of another model copying the person's name in a text field
        self.pos_config.receipt_header = "Thanks Zhang Xiaoming Erase"
        partner.with_user(self.pos_manager).read(["mobile"])
        return partner, portal, orders

    def test_preview_lists_changes_without_changing(self):
        partner, _portal, orders = self._prepare_person()
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create(
                {
                    "partner_id": partner.id,
                    "request_type": "erasure",
                }
            )
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].browse(action["res_id"])
        lines = {(line.model, line.field): line for line in preview.line_ids}
        self.assertEqual(lines[("res.partner", "mobile")].action, "clear")
        self.assertEqual(lines[("res.partner", "name")].action, "replace")
        self.assertEqual(lines[("pos.order", "")].record_count, len(orders))
        self.assertEqual(lines[("pos.order", "")].action, "keep")
        self.assertEqual(lines[("res.users", "")].action, "archive")
        self.assertEqual(lines[("mail.message", "")].action, "delete")
        self.assertIn(("pos_order", "text"), lines)
        self.assertIn(("pos_config", "text"), lines)
        # nothing changed yet
        self.assertEqual(partner.mobile, "+86 138 1234 5678")
        self.assertEqual(request.state, "new")

    def test_erasure_leaves_no_personal_data(self):
        partner, portal, orders = self._prepare_person()
        other = self.customer_other
        other_orders = self._create_orders(other, 2, amount=40.0)
        self.env.flush_all()
        total_before = sum(orders.mapped("amount_total"))
        name, email = partner.name, partner.email
        mobile_variants = privacy_tools.phone_variants(partner.mobile)
        for value in (name, email, "13812345678"):
            self.assertTrue(self._find_everywhere(value), value)

        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create(
                {
                    "partner_id": partner.id,
                    "request_type": "erasure",
                }
            )
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        preview.confirmed = True
        preview.action_erase()

        for value in [name, email, *mobile_variants]:
            self.assertEqual(self._find_everywhere(value), [], value)
        # transactions kept, totals unchanged, linked to the anonymised contact
        orders.invalidate_recordset()
        self.assertTrue(all(orders.exists()))
        self.assertEqual(sum(orders.mapped("amount_total")), total_before)
        self.assertEqual(orders.partner_id, partner)
        # the rest of the database is untouched
        self.assertEqual(other.mobile, "+8613900139000")
        self.assertEqual(sum(other_orders.mapped("amount_total")), 80.0)
        # user archived, partner anonymised and archived
        portal.invalidate_recordset()
        self.assertFalse(portal.active)
        self.assertFalse(partner.active)
        self.assertTrue(partner.privacy_erased_date)
        self.assertFalse(partner.street or partner.city or partner.vat or partner.comment)
        self.assertFalse(
            self.env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", partner.id)])
        )
        self.assertFalse(
            self.env["ir.attachment"].search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])
        )
        # consent history kept (pseudonymous), request closed, audit proves the erasure
        self.assertEqual(len(partner.privacy_consent_ids), 2)
        self.assertEqual(request.state, "done")
        log = request.erasure_log_id
        self.assertTrue(log)
        key = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        expected = privacy_tools.subject_hash(
            key, "zhang.xiaoming.erase@example.cn", *privacy_tools.phone_variants("+86 138 1234 5678")
        )
        self.assertEqual(log.subject_hash, expected)
        self.assertNotIn("Zhang", log.summary or "")

    def test_erasure_set_based_many_orders(self):
        partner = self.env["res.partner"].create(
            {
                "name": "Chen Many Orders",
                "mobile": "+8613512345678",
                "email": "chen.many@example.cn",
            }
        )
        small = self.env["res.partner"].create(
            {
                "name": "Chen Few Orders",
                "mobile": "+8613512340000",
                "email": "chen.few@example.cn",
            }
        )
        orders = self._create_orders(partner, 300, amount=3.0)
        self._create_orders(small, 3, amount=3.0)
        counts = []
        for person in (small, partner):
            self.env.flush_all()
            self.env.invalidate_all()
            queries_before = self.env.cr.sql_log_count
            person._privacy_erase()
            counts.append(self.env.cr.sql_log_count - queries_before)
        # the number of queries does not grow with the number of orders
        self.assertLess(abs(counts[1] - counts[0]), 30, counts)
        self.assertEqual(sum(orders.mapped("amount_total")), 900.0)
        self.assertEqual(self._find_everywhere("chen.many@example.cn"), [])
