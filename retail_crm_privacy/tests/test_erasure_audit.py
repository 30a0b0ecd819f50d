from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.tests import tagged

from .audit_common import AuditMixin, identifiers
from .audit_people import (
    BANK,
    BARCODE,
    GIVEN,
    NAME,
    NEW_EMAIL,
    OLD_EMAIL,
    OLD_STREET,
    STREET,
    AuditPeopleMixin,
)
from .common import ErasureTestMixin, PrivacyCommonMixin

VALUES = identifiers(
    NAME, GIVEN, ["Nana", "Ouyang"], [OLD_EMAIL, NEW_EMAIL], [OLD_STREET, STREET], BANK, BARCODE
)


@tagged("post_install", "-at_install")
class TestErasureAudit(PrivacyCommonMixin, ErasureTestMixin, AuditMixin, AuditPeopleMixin, TestPoSCommon):
    """The independent audit of an erasure: a person with everything a store
    holds about them, among customers who share or contain their name; after
    the erasure no column of any table nor any file holds one of their
    identifiers, no row that existed before them changed, the store's totals
    are the same, the audit record is the preview."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
        cls.config = cls.basic_config
        cls.audit_product = cls.create_product("丝巾", cls.categ_basic, 100.0)

    def setUp(self):
        super().setUp()
        for addon in ("retail_crm_loyalty", "retail_crm_complaints"):
            if addon not in self.env.registry._init_modules:
                self.skipTest(f"{addon} is not installed")
        # the POS test base disables tracking: the person's edits are tracked here
        self.env = self.env(
            context=dict(
                self.env.context, tracking_disable=False, mail_notrack=False, mail_create_nolog=False
            )
        )
        # the company is American, the person's numbers Chinese
        self.env.company.country_id = self.env.ref("base.us")
        self.open_new_session()

    def _erase_as_officer(self, person):
        request = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": person.id, "request_type": "erasure"})
        )
        action = request.action_open_erasure_preview()
        preview = self.env["retail.crm.erasure.preview"].with_user(self.officer).browse(action["res_id"])
        previewed = preview._previewed_lines()
        preview.confirmed = True
        preview.action_erase()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.erasure_log_id.plan_lines, previewed, "the audit record is the preview")
        return request.erasure_log_id

    def _audit(self, member):
        witnesses, _product, _orders, _complaint = self._witnesses()
        baseline = self._scan(VALUES)
        files = self._filestore()
        initial = self._db_state()
        person, _child, _orders, _cards, _complaints = self._rich_person(member=member, referrer=witnesses[4])
        # an access request answered before the erasure request
        access = (
            self.env["retail.crm.privacy.request"]
            .with_user(self.officer)
            .create({"partner_id": person.id, "request_type": "access"})
        )
        access.action_export()
        stored = self._residue(baseline, self._scan(VALUES))
        for value in (
            NAME,
            NEW_EMAIL,
            OLD_EMAIL,
            "139-5724-6813",
            "110105199011301233",
            "1990-11-30",
            STREET,
        ):
            self.assertIn(value, stored, f"{value} was not stored: the audit would prove nothing")
        totals = self._totals()
        before = self._db_state()

        self._erase_as_officer(person)
        self.env.cr.postcommit.run()

        problems = []
        for value, rows in self._residue(baseline, self._scan(VALUES)).items():
            problems.append(f"residue {value!r}: {rows}")
        new_files = self._filestore() - files
        for path, hits in self._file_residue(new_files, VALUES).items():
            problems.append(f"file {path}: {hits}")
        for path in self._orphans(new_files):
            problems.append(f"file of a deleted attachment left on disk: {path}")
        after = self._db_state()
        for change in self._collateral(initial, before, after):
            problems.append(f"collateral {change}")
        self.assertEqual(self._totals(), totals, "the store's totals")
        self.assertFalse(problems, "\n".join(problems))
        self.assertFalse(person.active)
        self.assertFalse(witnesses.filtered(lambda w: not w.active))

    def test_member_erased_no_residue_no_collateral(self):
        self._audit(member=True)

    def test_customer_erased_no_residue_no_collateral(self):
        self._audit(member=False)
