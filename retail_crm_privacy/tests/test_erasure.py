from unittest.mock import patch

from odoo import tools
from odoo.addons.point_of_sale.tests.common import TestPointOfSaleCommon
from odoo.exceptions import UserError
from odoo.tests import tagged

from ..models import privacy_match, privacy_tools
from ..models.privacy_erasure import PrivacyErasure
from .common import ErasureTestMixin, PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestErasure(PrivacyCommonMixin, ErasureTestMixin, TestPointOfSaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.pos_config.open_ui()
        cls.session = cls.pos_config.current_session_id

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
        lines = {(line.model, line.field, line.action): line for line in preview.line_ids}
        self.assertIn(("res.partner", "mobile", "clear"), lines)
        self.assertIn(("res.partner", "name", "replace"), lines)
        self.assertEqual(lines[("pos.order", "", "keep")].record_count, len(orders))
        self.assertEqual(lines[("pos.order", "general_note", "scrub")].record_count, 1)
        self.assertEqual(lines[("res.users", "", "archive")].record_count, 1)
        self.assertIn(("mail.message", "", "delete"), lines)
        self.assertEqual(lines[("ir.attachment", "", "delete")].record_count, 1)
        # labels for the officer, not technical names
        self.assertEqual(
            lines[("pos.order", "", "keep")].model_label, self.env["ir.model"]._get("pos.order").name
        )
        self.assertEqual(lines[("res.partner", "mobile", "clear")].field_label, "Mobile")
        # nothing changed yet
        self.assertEqual(partner.mobile, "+86 138 1234 5678")
        self.assertEqual(request.state, "new")

    def test_cn_number_in_us_company_erased_in_every_spelling(self):
        """A Chinese mobile written without its country code in the phone
        field, in an American company, is read as phone_validation reads it
        (#18: one parser): not a valid US number, so a Chinese one, and every
        spelling of it is erased (read as the US number +1 380 013 8123
        before, ``+8613800138123`` stayed in the notes)."""
        self.env.company.country_id = self.env.ref("base.us")
        spellings = ["138 0013 8123", "+8613800138123", "8613800138123", "0086-138-0013-8123"]
        baseline = self._scan(spellings)
        partner = self.env["res.partner"].create({"name": "周敏", "phone": "138 0013 8123"})
        orders = self._create_orders(partner, 3)
        orders[0].general_note = "周敏 电话+8613800138123，送货前联系"
        orders[1].general_note = "备用号码8613800138123"
        orders[2].general_note = "Call 0086-138-0013-8123 before delivery"
        before = self._scan(spellings)
        for value in spellings:
            self.assertTrue(before[value] - baseline[value], value)
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": partner.id, "request_type": "erasure"})
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        preview.confirmed = True
        preview.action_erase()
        after = self._scan(spellings)
        for value in spellings:
            self.assertEqual(after[value] - baseline[value], set(), value)
        self.assertNotIn("0013", " ".join(orders.mapped("general_note")))

    def test_erasure_leaves_no_personal_data(self):
        values = ["Zhang Xiaoming Erase", "zhang.xiaoming.erase@example.cn"] + sorted(
            privacy_match.phone_spellings("+86 138 1234 5678", "CN")
        )
        baseline = self._scan(values)
        partner, portal, orders = self._prepare_person()
        other = self.customer_other
        other_orders = self._create_orders(other, 2, amount=40.0)
        self.env.flush_all()
        total_before = sum(orders.mapped("amount_total"))
        before = self._scan(values)
        for value in ("Zhang Xiaoming Erase", "zhang.xiaoming.erase@example.cn", "13812345678"):
            self.assertTrue(before[value] - baseline[value], value)

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
        key = "server-side key, not in the database"
        with patch.dict(tools.config.options, {"retail_crm_privacy_hash_key": key}):
            preview.action_erase()

        after = self._scan(values)
        for value in values:
            self.assertEqual(after[value] - baseline[value], set(), value)
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
        expected = privacy_tools.subject_hash(key, "zhang.xiaoming.erase@example.cn", "+8613812345678")
        self.assertEqual(log.subject_hash, expected)
        # the database secret alone does not confirm the identity
        db_secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        self.assertNotEqual(
            log.subject_hash,
            privacy_tools.subject_hash(db_secret, "zhang.xiaoming.erase@example.cn", "+8613812345678"),
        )
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

    def _find_everywhere(self, value):
        return sorted({(t, c) for t, c, _i in self._scan([value])[value]})

    def test_no_hash_without_server_key(self):
        partner = self.env["res.partner"].create({"name": "No Key", "email": "no.key@example.cn"})
        with patch.dict(tools.config.options, {"retail_crm_privacy_hash_key": ""}):
            log = partner._privacy_erase()
        self.assertFalse(log.subject_hash)

    def test_bad_input_clear_message_nothing_changed(self):
        """Un-normalisable e-mail, no country: the preview works; an internal
        user's contact is refused with a clear message and nothing changes."""
        odd = self.env["res.partner"].create(
            {"name": "Zhang San", "email": "zhangsan at qq", "phone": "0571 8888 1234", "country_id": False}
        )
        self._create_orders(odd, 1, note="zhangsan at qq called")
        plan = odd._privacy_erasure_plan()
        self.assertIn(
            ["pos.order", "general_note", "scrub", 1],
            [[*line] for line in PrivacyErasure(self.env)._plan_lines(plan)],
        )
        odd._privacy_erase()
        self.assertFalse(odd.email)
        staff_partner = self.cashier.partner_id
        self.env["ir.attachment"].create(
            {"name": "x.txt", "raw": b"x", "res_model": "res.partner", "res_id": staff_partner.id}
        )
        with self.assertRaisesRegex(UserError, "internal user"):
            staff_partner._privacy_erase()
        self.assertEqual(staff_partner.name, "Cashier Lin")
        company = self.env.company.partner_id
        with self.assertRaises(UserError):
            company._privacy_erase()

    def test_orders_rewritten_once_whatever_the_columns(self):
        """Orders carrying the person's e-mail and mobile and a note quoting them are rewritten by one UPDATE of
        pos_order, each column with its own plan: a column that does not
        quote the person keeps its value."""
        partner, _portal, orders = self._prepare_person()
        # the POS copies the customer's e-mail and mobile on each order
        self.assertEqual(set(orders.mapped("email")), {"zhang.xiaoming.erase@example.cn"})
        self.assertTrue(all(orders.mapped("mobile")))
        orders[1].general_note = "Deliver to the back door"
        orders[2].general_note = "会员手机13812345678"
        self.env.flush_all()
        plan = PrivacyErasure(self.env)._plan(partner)
        scrubbed = {
            s["field"]: s["ids"]
            for s in plan["steps"]
            if s["model"] == "pos.order" and s["action"] == "scrub"
        }
        self.assertEqual(scrubbed["email"], sorted(orders.ids))
        self.assertEqual(scrubbed["mobile"], sorted(orders.ids))
        self.assertEqual(scrubbed["general_note"], sorted((orders[0] | orders[2]).ids))
        with self.assertLogs("odoo.sql_db", "DEBUG") as logs:
            PrivacyErasure(self.env)._execute(plan)
            self.env.flush_all()
        updates = [line for line in logs.output if 'UPDATE "pos_order"' in line]
        self.assertEqual(len(updates), 1, updates)
        self.env.invalidate_all()
        self.assertEqual(set(orders.mapped("email")), {"[erased]"})
        self.assertEqual(set(orders.mapped("mobile")), {"[erased]"})
        self.assertEqual(orders[1].general_note, "Deliver to the back door")
        self.assertEqual(orders[2].general_note, "会员手机[erased]")
        self.assertNotIn("zhang", orders[0].general_note)
