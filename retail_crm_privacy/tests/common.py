from odoo.tests import new_test_user


class PrivacyCommonMixin:
    """Users per role and customers assigned to them."""

    @classmethod
    def _setup_privacy_fixtures(cls):
        env = cls.env
        cls.cashier = new_test_user(
            env,
            login="prv_cashier",
            name="Cashier Lin",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export,point_of_sale.group_pos_user",
        )
        cls.cashier_2 = new_test_user(
            env,
            login="prv_cashier2",
            name="Cashier Zhou",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export,point_of_sale.group_pos_user",
        )
        cls.pos_manager = new_test_user(
            env,
            login="prv_manager",
            name="Store Manager",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export,point_of_sale.group_pos_manager",
        )
        cls.admin_user = new_test_user(
            env,
            login="prv_admin",
            name="Privacy Admin",
            groups="base.group_user,base.group_system",
        )
        cls.officer = new_test_user(
            env,
            login="prv_dpo",
            name="Data Officer",
            groups="base.group_user,retail_crm_privacy.group_privacy_officer",
        )
        Partner = env["res.partner"]
        cls.customer_own = Partner.create(
            {
                "name": "Wang Fang Privacy",
                "mobile": "+8613800138000",
                "email": "wang.fang@example.cn",
                "street": "88 Nanjing Road",
                "city": "Shanghai",
                "zip": "200001",
                "user_id": cls.cashier.id,
            }
        )
        cls.customer_other = Partner.create(
            {
                "name": "Li Na Privacy",
                "mobile": "+8613900139000",
                "email": "li.na@example.cn",
                "street": "1 Huaihai Road",
                "city": "Shanghai",
                "zip": "200020",
                "user_id": cls.cashier_2.id,
            }
        )
        cls.purpose_sms = env.ref("retail_crm_privacy.purpose_marketing_sms")
        cls.purpose_email = env.ref("retail_crm_privacy.purpose_marketing_email")
        cls.purpose_profiling = env.ref("retail_crm_privacy.purpose_profiling")
