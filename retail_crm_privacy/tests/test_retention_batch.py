from odoo.addons.point_of_sale.tests.common import TestPointOfSaleCommon
from odoo.tests import tagged
from odoo.tools import SQL

from ..models import privacy_match
from .common import ErasureTestMixin, PrivacyCommonMixin

MOBILE = "+8613957246813"
OLD_DAY = "2020-03-01 10:00:00"


@tagged("post_install", "-at_install")
class TestRetentionBatch(PrivacyCommonMixin, ErasureTestMixin, TestPointOfSaleCommon):
    """The retention cron erases a batch of people together: each person is
    erased exactly as if alone (their own records, their own identifiers),
    with a number of queries that does not grow with the batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.pos_config.open_ui()
        cls.session = cls.pos_config.current_session_id
        cls.icp = cls.env["ir.config_parameter"].sudo()

    def _age(self, table, ids, column, day=OLD_DAY):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET %s = %s WHERE id = ANY(%s)",
                SQL.identifier(table),
                SQL.identifier(column),
                day,
                list(ids),
            )
        )
        self.env.invalidate_all()

    def _people(self):
        Partner = self.env["res.partner"]
        member_vals = {"retail_is_member": True} if "retail_is_member" in Partner._fields else {}
        dormant = Partner.create(
            [
                {"name": "王芳", "mobile": MOBILE, "email": "wangfang@example.cn", **member_vals},
                {"name": "张伟", "mobile": "+86 139 0000 2222", **member_vals},
                {"name": "Li Lei", "email": "li.lei@example.cn", "phone": "021-6234-5678"},
            ]
        )
        witnesses = Partner.create(
            [
                # same name, same last four digits, still shopping
                {"name": "王芳", "mobile": "+8613800006813", "comment": "<p>王芳 手机尾号6813</p>"},
                {"name": "王芳华", "email": "wangfanghua@example.cn"},
            ]
        )
        wang, zhang, li = dormant
        orders = self._create_orders(wang, 2, note="会员 王芳 手机尾号6813，积分6813")
        refund = self._create_orders(
            wang, 1, amount=-25.0, note="退货：王芳 尾号：６８１３ 电话139－5724－6813"
        )
        zhang_orders = self._create_orders(zhang, 2, note="王芳介绍的朋友 张伟，尾号2222")
        witness_orders = self._create_orders(witnesses[0], 1, note="王芳 手机尾号6813 买围巾")
        wang.message_post(body="手机１３９５７２４６８１３无人接听，尾号6813")
        zhang.message_post(body="张伟 电话 +86-139-0000-2222")
        if "retail.crm.tier.history" in self.env:
            self.env["retail.crm.tier.history"].create(
                [{"partner_id": p.id, "change_type": "enrol", "reason": "开卡"} for p in (wang, zhang)]
            )
        complaint = None
        if "retail.crm.complaint" in self.env:
            complaint = self.env["retail.crm.complaint"].create(
                {"subject": "围巾起球", "partner_id": wang.id, "description": "<p>王芳来电，尾号6813</p>"}
            )
            closed = self.env["retail.crm.complaint.stage"].search([("is_closed", "=", True)], limit=1)
            cause = self.env["retail.crm.complaint.cause"].create({"name": "面料问题"})
            complaint.write(
                {"root_cause_id": cause.id, "corrective_action": "更换新品", "stage_id": closed.id}
            )
            self._age("retail_crm_complaint", complaint.ids, "date_received")
            self.env["rating.rating"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("retail.crm.complaint"),
                    "res_id": complaint.id,
                    "partner_id": wang.id,
                    "rating": 5,
                    "feedback": "很好，王芳",
                    "consumed": True,
                }
            )
        self._age("res_partner", dormant.ids, "create_date")
        self._age("pos_order", (orders | zhang_orders).ids, "date_order")
        self._age("pos_order", refund.ids, "date_order", "2020-03-05 16:00:00")  # refund on another day
        self._age(
            "mail_message", self.env["mail.message"].search([("author_id", "in", dormant.ids)]).ids, "date"
        )
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        return dormant, witnesses, orders | refund, zhang_orders, witness_orders, complaint

    def _state(self, tables):
        return {table: self._rows(table, ids) for table, ids in tables.items()}

    def test_batch_erases_each_person_as_if_alone(self):
        """A batch gives, row for row, what erasing each person alone gives:
        a name of one person in another's order stays (not their record), the
        last four digits go only where the text says they are the person's,
        witnesses with the same name or the same last digits are untouched."""
        dormant, witnesses, orders, zhang_orders, witness_orders, complaint = self._people()
        wang, zhang, _li = dormant
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "in", witnesses.ids)]
        )
        tables = {"pos_order": (orders | zhang_orders).ids}
        if complaint:
            tables["retail_crm_complaint"] = complaint.ids
        witness_state = self._state(
            {"res_partner": witnesses.ids, "pos_order": witness_orders.ids, "mail_message": messages.ids}
        )
        self.assertEqual(dormant & self.env["res.partner"]._privacy_retention_candidates(), dormant)
        # erased one by one (the previous cron), then undone
        alone = {}
        with self.assertRaises(InterruptedError), self.env.cr.savepoint():
            for person in dormant:
                alone[person.id] = person._privacy_erase(reason="retention").plan_lines
            self.env.flush_all()
            alone_state = self._state(tables)
            raise InterruptedError
        self.env.invalidate_all()
        self.assertTrue(wang.mobile, "the one-by-one erasure was rolled back")

        logs = self.env["res.partner"]._cron_privacy_retention(batch_size=10)
        self.assertEqual(sorted(logs.partner_id.ids), sorted(dormant.ids))
        self.assertEqual({log.partner_id.id: log.plan_lines for log in logs}, alone, "audit = the plan alone")
        self.assertEqual(self._state(tables), alone_state)
        self.assertEqual(
            self._state(
                {"res_partner": witnesses.ids, "pos_order": witness_orders.ids, "mail_message": messages.ids}
            ),
            witness_state,
        )
        notes = dict(zip(orders.ids, orders.mapped("general_note"), strict=True))
        self.assertEqual(notes[orders[0].id], "会员 [erased] 手机尾号[erased]，积分6813")
        self.assertEqual(notes[orders[2].id], "退货：[erased] 尾号：[erased] 电话[erased]")
        self.assertEqual(set(zhang_orders.mapped("general_note")), {"王芳介绍的朋友 [erased]，尾号[erased]"})
        self.assertEqual(sum(orders.mapped("amount_total")), 25.0, "totals kept, refund included")
        if complaint:
            self.assertEqual(complaint.description, "<p>[erased]来电，尾号[erased]</p>")
            rating = self.env["rating.rating"].search(
                [("res_model", "=", "retail.crm.complaint"), ("res_id", "=", complaint.id)]
            )
            self.assertEqual(rating.rating, 5)
            self.assertFalse(rating.feedback)
        if "retail_is_member" in wang._fields:
            self.assertFalse(wang.retail_is_member or zhang.retail_is_member)
        self.assertFalse(self.env["res.partner"]._cron_privacy_retention(), "idempotent")

    def _dormant(self, count, tag):
        Partner = self.env["res.partner"]
        people = Partner.create(
            [
                {
                    "name": f"休眠顾客{tag}{n}",
                    "mobile": f"+86 137 {n:04d} {tag:04d}",
                    "email": f"d{tag}.{n}@example.cn",
                }
                for n in range(count)
            ]
        )
        self.env["mail.message"].create(
            [
                {"model": "res.partner", "res_id": p.id, "message_type": "comment", "body": f"{p.name} 来电"}
                for p in people
            ]
        )
        self._age("res_partner", people.ids, "create_date")
        self._age("mail_message", self.env["mail.message"].search([("res_id", "in", people.ids)]).ids, "date")
        return people

    def test_queries_do_not_grow_with_the_batch(self):
        """One query per table for the whole batch, not per person."""
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        counts = []
        for count, tag in ((3, 1), (15, 2)):
            people = self._dormant(count, tag)
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            logs = self.env["res.partner"]._cron_privacy_retention(batch_size=50)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(sorted(logs.partner_id.ids), people.ids)
        self.assertLess(counts[1] - counts[0], 25, counts)

    def test_patterns_full_width_and_last_digits(self):
        """Numbers typed with a Chinese input method (full-width digits and
        dashes) match; the last four digits only after words saying so."""
        pattern = privacy_match.combine(
            [privacy_match.phone_pattern(MOBILE, "CN"), privacy_match.phone_tail_pattern(MOBILE, "CN")]
        )
        address = privacy_match.phone_pattern(MOBILE, "CN")
        cases = {
            "手机１３９５７２４６８１３": "手机[erased]",
            "＋８６ １３９－５７２４－６８１３": "[erased]",
            "电话139—5724—6813。": "电话[erased]。",
            "手机尾号6813，尾号：６８１３": "手机尾号[erased]，尾号：[erased]",
            "积分6813，单号16813，尾号68130": "积分6813，单号16813，尾号68130",
        }
        for text, expected in cases.items():
            self.env.cr.execute("SELECT regexp_replace(%s, %s, '[erased]', 'gi')", [text, pattern])
            self.assertEqual(self.env.cr.fetchone()[0], expected, text)
        # the address search over every table never uses the last digits
        self.env.cr.execute("SELECT %s ~* %s", ["尾号6813", address])
        self.assertFalse(self.env.cr.fetchone()[0])
