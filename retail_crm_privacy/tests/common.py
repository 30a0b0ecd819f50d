from odoo.tests import new_test_user
from odoo.tools import SQL


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


class ErasureTestMixin:
    """POS orders and a scan of every text column of the database."""

    def _create_orders(self, partner, count, amount=25.0, note=None):
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
                    "general_note": note,
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

    def _text_tables(self):
        self.env.cr.execute("""
            SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position),
                   array_agg(c.data_type::text ORDER BY c.ordinal_position),
                   bool_or(c.column_name = 'id')
              FROM information_schema.columns c
              JOIN information_schema.tables t
                ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
               AND (c.data_type IN ('character varying', 'text', 'character', 'jsonb', 'json')
                    OR c.column_name = 'id')
          GROUP BY c.table_name
        """)
        return self.env.cr.fetchall()

    def _scan(self, values):
        """{value: {(table, column, row id)}} of every row of every table
        holding one of ``values`` in a text/varchar/jsonb column
        (case-insensitive, exact substring)."""
        self.env.flush_all()
        hits = {value: set() for value in values}
        patterns = [
            "%" + v.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for v in values
        ]
        for table, columns, types, has_id in self._text_tables():
            text_columns = [
                (c, t) for c, t in zip(columns, types, strict=True) if c != "id" or t != "integer"
            ]
            text_columns = [
                (c, t)
                for c, t in text_columns
                if t in ("character varying", "text", "character", "jsonb", "json")
            ]
            for column, _data_type in text_columns:
                expr = SQL("lower(%s::text)", SQL.identifier(column))
                self.env.cr.execute(
                    SQL(
                        "SELECT %s, %s FROM %s WHERE %s LIKE ANY(%s)",
                        SQL.identifier("id") if has_id else SQL("NULL"),
                        expr,
                        SQL.identifier(table),
                        expr,
                        patterns,
                    )
                )
                for row_id, text in self.env.cr.fetchall():
                    for value in values:
                        if value.lower() in text:
                            hits[value].add((table, column, row_id))
        return hits

    def _rows(self, table, ids):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, row_to_json(t)::text FROM %s t WHERE id = ANY(%s) ORDER BY id",
                SQL.identifier(table),
                list(ids),
            )
        )
        return self.env.cr.fetchall()
