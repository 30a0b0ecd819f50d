from odoo.tests import new_test_user, tagged

from .penetration_common import CASHIER_GROUPS, PenetrationCommon


@tagged("post_install", "-at_install")
class TestPenetrationCopies(PenetrationCommon):
    """Routes found by a hostile cashier's probe after the others: values
    returned by ``copy_data``, Odoo's own searches in SQL of their own (the
    number search, the same-tax-ID warning, the duplicate search), and the
    bank accounts of another salesperson's customer."""

    def test_copy_data_is_masked(self):
        partner = self._ok(self._call("res.partner", "copy_data", [[self.other.id]]))
        self.assertTrue(partner and partner[0]["name"])
        order = self._ok(self._call("pos.order", "copy_data", [[self.order.id]]))
        self.assertEqual(order[0]["partner_id"], self.other.id)
        bank = self._ok(self._call("res.partner.bank", "copy_data", [[self.bank.id]]))
        self.assertTrue(bank[0]["acc_number"])
        self.assertNoLeak()
        # the cashier's own customer is copied in clear
        own = self._ok(self._call("res.partner", "copy_data", [[self.own.id]]))
        self.assertEqual(own[0]["email"], "wang.fang@example.cn")
        # duplicating the colleague's order (a refund copies it) stores no mask
        copy = self.order.with_user(self.cashier).copy()
        self.assertEqual(copy.sudo().partner_id, self.other)
        self.assertNotIn("*", copy.sudo().email or "")

    def test_number_search_is_no_oracle(self):
        """Prefix after prefix, Odoo's number search would spell out the
        hidden mobile: it finds no hidden customer, whatever the guess."""
        for prefix, expected in (("+86139001", 0), ("+86138", 0), ("+8613900139000", 0)):
            for model, field in (
                ("res.partner", "phone_mobile_search"),
                ("pos.order", "partner_id.phone_mobile_search"),
                ("res.partner.bank", "partner_id.phone_mobile_search"),
            ):
                record = self.order if model == "pos.order" else self.other
                if model == "res.partner.bank":
                    record = self.bank
                count = self._ok(
                    self._call(model, "search_count", [[("id", "=", record.id), (field, "=like", prefix)]])
                )
                self.assertEqual(count, expected, f"{model} {field} {prefix}")
        for operator, value in (("ilike", "65432109"), ("=", "02165432109"), ("!=", "02165432109")):
            found = self._ok(
                self._call(
                    "res.partner",
                    "search_count",
                    [[("id", "=", self.other.id), ("phone_mobile_search", operator, value)]],
                )
            )
            self.assertEqual(found, 0, f"{operator} {value}")
        # the cashier's own customer is found by number as before
        own = self._ok(
            self._call(
                "res.partner",
                "search_count",
                [[("id", "=", self.own.id), ("phone_mobile_search", "ilike", "13800138000")]],
            )
        )
        self.assertEqual(own, 1)

    def test_same_tax_id_warning_is_no_oracle(self):
        spec = {"vat": {}, "same_vat_partner_id": {"fields": {"display_name": {}}}}
        guess = self._ok(
            self._call(
                "res.partner", "onchange", [[], {"name": "x", "vat": "310101199001011234"}, ["vat"], spec]
            )
        )
        self.assertFalse(guess["value"].get("same_vat_partner_id"))
        # about the cashier's own customer, Odoo's warning stays
        self.own.vat = "310101198001015678"
        own = self._ok(
            self._call(
                "res.partner", "onchange", [[], {"name": "x", "vat": "310101198001015678"}, ["vat"], spec]
            )
        )
        self.assertEqual(own["value"]["same_vat_partner_id"]["id"], self.own.id)

    def test_duplicate_search_is_no_oracle(self):
        Wizard = "base.partner.merge.automatic.wizard"
        # the cashier's own customer with the colleague's customer's e-mail
        self._ok(
            self._call("res.partner", "create", [{"name": "猜测", "email": "FangFang.Secret@example.cn"}])
        )
        wizard = self._ok(self._call(Wizard, "create", [{"group_by_email": True, "maximum_group": 0}]))
        refused = self._call(Wizard, "action_start_manual_process", [[wizard]])
        self.assertIn("error", refused)
        self.assertIn("AccessError", refused["error"]["data"]["name"])
        # a store manager runs it; the group with a customer of another store is left out
        other_company = self.env["res.company"].create({"name": "Other Store Company"})
        self.other.sudo().write({"company_id": other_company.id})
        new_test_user(
            self.env,
            login="pen_manager",
            groups=CASHIER_GROUPS + ",point_of_sale.group_pos_manager",
            company_id=self.env.company.id,
            company_ids=[self.env.company.id],
        )
        self.authenticate("pen_manager", "pen_manager")
        wizard = self._ok(self._call(Wizard, "create", [{"group_by_email": True, "maximum_group": 0}]))
        self._ok(self._call(Wizard, "action_start_manual_process", [[wizard]]))
        lines = self.env[Wizard].browse(wizard).line_ids
        self.assertFalse(lines.filtered(lambda line: str(self.other.id) in line.aggr_ids))
        self.assertNoLeak()

    def test_bank_accounts_of_others_are_read_only(self):
        for method, args in (
            ("write", [[self.bank.id], {"acc_number": "6222111122223333"}]),
            ("create", [{"partner_id": self.other.id, "acc_number": "6222444455556666"}]),
            ("unlink", [[self.bank.id]]),
            ("action_archive", [[self.bank.id]]),
        ):
            response = self._call("res.partner.bank", method, args)
            self.assertIn("error", response, method)
        self.assertEqual(self.bank.acc_number, "6222020202027788")
        self.assertTrue(self.bank.active)
        # the cashier's own customer's accounts are theirs to keep
        account = self._ok(
            self._call(
                "res.partner.bank", "create", [{"partner_id": self.own.id, "acc_number": "6222777788889999"}]
            )
        )
        self._ok(self._call("res.partner.bank", "write", [[account], {"acc_number": "6222777788880000"}]))
