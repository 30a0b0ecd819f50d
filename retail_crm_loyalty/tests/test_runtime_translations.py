from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRuntimeTranslations(TransactionCase):
    """Texts stored by crons in English read in the reader's language."""

    def test_tier_history_reason_in_reader_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["retail_crm_loyalty"], ["zh_CN"], overwrite=True)
        manager = new_test_user(
            self.env,
            login="rt_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            lang="zh_CN",
        )
        # enrolled by a cron / English-speaking user: the reason is stored in English
        member = (
            self.env["res.partner"]
            .with_context(lang="en_US")
            .create({"name": "欧阳娜", "mobile": "138 0013 8001", "retail_is_member": True})
        )
        history = member.retail_tier_history_ids
        self.assertEqual(history.mapped("reason"), ["Enrolment"])
        review = history.copy({"reason": "Periodic review", "change_type": "downgrade"})
        self.assertEqual(history.with_user(manager).with_context(lang=manager.lang).reason_label, "入会")
        self.assertEqual(review.with_user(manager).with_context(lang=manager.lang).reason_label, "定期评审")
        self.assertEqual(review.with_context(lang="en_US").reason_label, "Periodic review")
        # a reason typed by hand stays as typed
        manual = history.copy({"reason": "店长调整", "change_type": "override"})
        self.assertEqual(manual.with_user(manager).with_context(lang=manager.lang).reason_label, "店长调整")

    def test_no_two_fields_share_a_chinese_label(self):
        """Two fields of one screen never read the same in zh_CN (once two
        different fields were both 升级进度): the suite's fields, every model."""
        modules = (
            self.env["ir.module.module"]
            .search([("name", "=like", "retail_crm_%"), ("state", "=", "installed")])
            .mapped("name")
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(modules, ["zh_CN"], overwrite=True)
        zh = self.env(context={"lang": "zh_CN"})
        clashes = []
        for name in sorted(self.env.registry):
            model = zh[name]
            seen = {}
            for field in model._fields.values():
                if not (field._module or "").startswith("retail_crm_"):
                    continue
                label = field._description_string(zh)
                if label in seen and seen[label].string != field.string:
                    clashes.append(f"{name}: {seen[label].name} / {field.name} = {label}")
                seen.setdefault(label, field)
        self.assertEqual(clashes, [])
