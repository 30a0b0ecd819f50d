import re

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .penetration_common import PenetrationCommon

SINGLE_SPEC = {
    "recipient_single_number_itf": {},
    "recipient_single_number": {},
    "recipient_single_description": {},
}
# the fields of the composer's form the web client asks for
FORM_SPEC = (
    dict.fromkeys(
        [
            "res_model",
            "res_id",
            "res_ids",
            "composition_mode",
            "comment_single_recipient",
            "number_field_name",
            "body",
        ],
        {},
    )
    | SINGLE_SPEC
)
REFUSED = "You may only send text messages to customers assigned to you."


@tagged("post_install", "-at_install")
class TestPenetrationSms(PenetrationCommon):
    """SMS routes as the cashier, over HTTP: the composer texts only the
    customers the cashier may see; the numbers SMS were sent to
    (notifications, resend wizard) are masked like the other copies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a failed SMS to the colleague's customer, sent by the colleague
        message = cls.other.with_user(cls.colleague).message_post(
            body="Your order is ready", message_type="sms"
        )
        cls.notification = cls.env["mail.notification"].create(
            {
                "mail_message_id": message.id,
                "res_partner_id": cls.other.id,
                "author_id": cls.colleague.partner_id.id,
                "notification_type": "sms",
                "notification_status": "exception",
                "failure_type": "sms_number_format",
                "sms_number": "+8613900139000",
            }
        )
        cls.message = message

    def _context(self, partner, mode="comment"):
        return {
            "default_res_model": "res.partner",
            "default_res_id": partner.id,
            "default_composition_mode": mode,
        }

    def _refused(self, response):
        self.assertIn("error", response, response.get("result"))
        data = response["error"]["data"]
        self.assertEqual(data["name"], "odoo.exceptions.AccessError", data["message"])
        self.assertEqual(data["message"], REFUSED)

    def _sms_messages(self, partner):
        return self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id), ("message_type", "=", "sms")]
        )

    # ------------------------------------------------------------------
    # F3: the composer
    # ------------------------------------------------------------------

    def test_composer_onchange_refused(self):
        response = self._call(
            "sms.composer", "onchange", [[], {}, [], FORM_SPEC], context=self._context(self.other)
        )
        self._refused(response)
        # the probe's request: the three number fields only
        self._call("sms.composer", "onchange", [[], {}, [], SINGLE_SPEC], context=self._context(self.other))
        self.assertNoLeak()

    def test_composer_create_read_refused(self):
        response = self._call(
            "sms.composer", "create", [{"body": "Hello"}], context=self._context(self.other)
        )
        if "result" in response:
            (composer_id,) = (
                response["result"] if isinstance(response["result"], list) else [response["result"]]
            )
            self._refused(self._call("sms.composer", "read", [[composer_id], list(SINGLE_SPEC)]))
            self._refused(
                self._call("sms.composer", "web_read", [[composer_id]], {"specification": SINGLE_SPEC})
            )
        else:
            self._refused(response)
        self.assertNoLeak()

    def test_composer_send_refused(self):
        """A number typed in by the cashier skips the computes: the send
        itself is refused, nothing is posted on the customer."""
        before = self._sms_messages(self.other)
        vals = {
            "body": "Hello",
            "res_model": "res.partner",
            "res_id": self.other.id,
            "composition_mode": "comment",
            "recipient_single_number_itf": "+8613800000001",
            "number_field_name": "mobile",
        }
        composer_id = self._ok(self._call("sms.composer", "create", [vals]))
        self._refused(self._call("sms.composer", "action_send_sms", [[composer_id]]))
        self.assertEqual(self._sms_messages(self.other), before)
        self.assertNoLeak()

    def test_composer_mass_refused(self):
        vals = {
            "body": "Sale",
            "res_model": "res.partner",
            "res_ids": repr([self.own.id, self.other.id]),
            "composition_mode": "mass",
        }
        response = self._call("sms.composer", "create", [vals])
        if "result" in response:
            response = self._call("sms.composer", "action_send_sms", [[response["result"]]])
        self._refused(response)
        self.assertFalse(self.env["sms.sms"].search([("partner_id", "=", self.other.id)]))
        self.assertNoLeak()

    def test_composer_linked_record_refused(self):
        """A record whose customer (partner link) is hidden: a POS order of
        the colleague's customer."""
        context = {
            "default_res_model": "pos.order",
            "default_res_id": self.order.id,
            "default_composition_mode": "comment",
        }
        self._refused(self._call("sms.composer", "onchange", [[], {}, [], FORM_SPEC], context=context))
        self.assertNoLeak()

    def test_composer_own_customer(self):
        result = self._ok(
            self._call("sms.composer", "onchange", [[], {}, [], FORM_SPEC], context=self._context(self.own))
        )
        self.assertIn("13800138000", re.sub(r"\D", "", result["value"]["recipient_single_number_itf"]))
        composer_id = self._ok(
            self._call("sms.composer", "create", [{"body": "Hi"}], context=self._context(self.own))
        )
        (row,) = self._ok(
            self._call("sms.composer", "read", [[composer_id], ["recipient_single_number_itf"]])
        )
        self.assertIn("13800138000", re.sub(r"\D", "", row["recipient_single_number_itf"]))
        vals = {
            "body": "Sale",
            "res_model": "res.partner",
            "res_ids": repr(self.own.ids),
            "composition_mode": "mass",
        }
        composer_id = self._ok(self._call("sms.composer", "create", [vals]))
        self._ok(self._call("sms.composer", "action_send_sms", [[composer_id]]))
        self.assertEqual(self.env["sms.sms"].search_count([("partner_id", "=", self.own.id)]), 1)
        self.assertNoLeak()

    def test_composer_sudo_and_unrestricted(self):
        """Code running the composer with sudo() (crons) and unrestricted
        users are not refused."""
        admin = self.env.ref("base.user_admin")
        for env in (self.env(user=self.cashier.id, su=True), self.env(user=admin.id, su=False)):
            composer = env["sms.composer"].with_context(**self._context(self.other)).create({"body": "Hello"})
            self.assertIn("139", composer.recipient_single_number_itf)
        Composer = self.env["sms.composer"].with_user(self.cashier).with_context(**self._context(self.other))
        with self.assertRaises(AccessError):
            self.assertFalse(Composer.create({"body": "Hello"}).recipient_single_number)

    # ------------------------------------------------------------------
    # F4: the numbers SMS were sent to
    # ------------------------------------------------------------------

    def test_notification_sms_number_masked(self):
        domain = [("id", "=", self.notification.id)]
        rows = self._ok(
            self._call("mail.notification", "search_read", [domain, ["sms_number", "res_partner_id"]])
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["sms_number"], "139****9000")
        groups = self._ok(
            self._call(
                "mail.notification",
                "read_group",
                [domain, ["sms_number"], ["sms_number"]],
                {"lazy": False},
            )
        )
        self.assertEqual([g["sms_number"] for g in groups], [False])
        # no oracle in a domain either
        oracle = [*domain, ("sms_number", "like", "3900139")]
        self.assertEqual(self._ok(self._call("mail.notification", "search_count", [oracle])), 0)
        exported = self._ok(
            self._call("mail.notification", "export_data", [[self.notification.id], ["sms_number"]])
        )
        self.assertEqual(exported["datas"], [["139****9000"]])
        self.assertNoLeak()

    def test_resend_wizard_masked(self):
        context = {"default_mail_message_id": self.message.id}
        spec = {"mail_message_id": {}, "recipient_ids": {"fields": {"sms_number": {}, "partner_name": {}}}}
        result = self._ok(self._call("sms.resend", "onchange", [[], {}, [], spec], context=context))
        numbers = [cmd[2]["sms_number"] for cmd in result["value"]["recipient_ids"] if cmd[0] == 0]
        self.assertEqual(numbers, ["139****9000"])
        self.assertNoLeak()
        # sent back masked, the wizard keeps the notification's number
        Resend = self.env["sms.resend"].with_user(self.cashier).with_context(**context)
        wizard = Resend.create(
            {
                "recipient_ids": [
                    (0, 0, {"notification_id": self.notification.id, "sms_number": "139****9000"})
                ]
            }
        )
        self.assertEqual(wizard.sudo().recipient_ids.sms_number, "+8613900139000")
