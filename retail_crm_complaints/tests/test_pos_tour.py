from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon
from odoo.tests import tagged


@tagged("post_install", "-at_install")
class TestComplaintPosTour(TestPointOfSaleHttpCommon):
    def test_pos_complaint_button(self):
        partner = self.env["res.partner"].create({"name": "Complaint Customer"})
        self.main_pos_config.with_user(self.pos_user).open_ui()
        self.start_pos_tour("RetailCrmComplaintTour")
        complaint = self.env["retail.crm.complaint"].search([("config_id", "=", self.main_pos_config.id)])
        self.assertEqual(len(complaint), 1)
        self.assertEqual(complaint.partner_id, partner)
        self.assertEqual(complaint.channel, "store")
        self.assertEqual(complaint.create_uid, self.pos_user)
        self.assertEqual(complaint.product_ids.mapped("name"), ["Desk Organizer"])
        self.assertIn("Box was torn at the till", complaint.description)
        self.assertTrue(complaint.pos_reference)
