from odoo.tests import TransactionCase, tagged

from ..models import privacy_tools
from .common import PrivacyCommonMixin


@tagged("post_install", "-at_install")
class TestPrivacyCachesFollowTheModels(PrivacyCommonMixin, TransactionCase):
    """The privacy caches (personal fields, copies, render candidates) are
    ``ormcache``s (#18): a personal field added once the registry is loaded
    (a custom field, a module installed later) is masked at once, since the
    registry clears them when it sets its models up again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()

    def setUp(self):
        # the custom fields leave the registry after each test, last (after the rollback)
        self.addCleanup(self.registry.reset_changes)
        super().setUp()

    def _add_char_field(self, model, name):
        self.env["ir.model.fields"].create(
            {
                "model_id": self.env["ir.model"]._get_id(model),
                "name": name,
                "ttype": "char",
                "field_description": name,
            }
        )

    def test_custom_personal_field_masked_at_once(self):
        # the caches are filled by reads first
        self.customer_other.with_user(self.cashier).read(["mobile"])
        self.assertNotIn("x_wechat", self.env["res.partner"]._privacy_personal_fields())
        self._add_char_field("res.partner", "x_wechat")
        self._add_char_field("pos.order", "x_delivery_mobile")
        self.assertIn("x_wechat", self.env["res.partner"]._privacy_personal_fields())
        (self.customer_own | self.customer_other).x_wechat = "wxid_privacy_1990"
        rows = (self.customer_own | self.customer_other).with_user(self.cashier).read(["x_wechat"])
        shown = {row["id"]: row["x_wechat"] for row in rows}
        self.assertEqual(shown[self.customer_own.id], "wxid_privacy_1990", "the cashier's own customer")
        masked = privacy_tools.mask_value("x_wechat", "char", "wxid_privacy_1990")
        self.assertNotEqual(masked, "wxid_privacy_1990")
        self.assertEqual(shown[self.customer_other.id], masked, "another cashier's customer")
        # a copy on another model, and what QWeb output is checked against
        self.assertEqual(
            self.env["pos.order"]._privacy_related_personal_fields().get("x_delivery_mobile"), "partner_id"
        )
        self.assertIn(
            ("pos.order", "x_delivery_mobile", "partner_id"),
            self.env["res.partner"]._privacy_render_candidates(),
        )
