import importlib.util

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL, file_path

from .common import RetailLoyaltyPosCommon


@tagged("post_install", "-at_install")
class TestMemberTierTable(RetailLoyaltyPosCommon):
    """The per-company tier state lives in retail_crm_member_tier: the till's
    tier hook and the review never rewrite the wide res_partner rows (at 1M
    members the first review spent ~590 of 844 s rewriting them), and the
    partner fields still read, write, search, order and group."""

    def _row_versions(self, partners):
        """ctid of the partners' res_partner rows: any UPDATE (HOT or not)
        gives a row a new version, a row lock does not."""
        self.env.flush_all()
        return dict(
            self.env.execute_query(
                SQL("SELECT id, ctid::text FROM res_partner WHERE id = ANY(%s)", partners.ids)
            )
        )

    def test_review_and_till_do_not_rewrite_partner_rows(self):
        members = self.member | self.member2
        # the tier state as before a first review: no tier yet
        self.env.cr.execute(SQL("DELETE FROM retail_crm_member_tier WHERE partner_id = ANY(%s)", members.ids))
        self.env.invalidate_all()
        self.assertFalse(self.tier(self.member))
        before = self._row_versions(members)
        counters = self.Tier._review_company_tiers(self.company, partner_ids=members.ids)
        self.assertEqual(counters["upgraded"], 2, "every member gets a tier")
        self.assertEqual(self.tier(self.member), self.tier_normal)
        self.assertEqual(self._row_versions(members), before, "the review rewrote res_partner rows")
        # the till: an order (lock + decision) and an upgrade to Silver
        self._sync(self.member, qty=3)
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertEqual(self._row_versions(members), before, "the till's tier hook rewrote res_partner rows")
        # a downgrade notice and a manager's override
        self.tier_gold.min_spend = 1500
        self.tier_silver.min_spend = 1000
        self.Tier._review_company_tiers(self.company, partner_ids=members.ids)
        self.assertTrue(self.member.with_company(self.company).retail_tier_downgrade_date)
        self.assertEqual(self._row_versions(members), before)

    def test_partner_fields_search_order_group_and_write(self):
        Partner = self.env["res.partner"].with_company(self.company)
        self._sync(self.member, qty=3)  # Silver; member2 stays Normal
        outsider = Partner.create({"name": "张伟 (no member)"})
        scope = [("id", "in", (self.member | self.member2 | outsider).ids)]
        self.assertEqual(Partner.search([*scope, ("retail_tier_id", "=", self.tier_silver.id)]), self.member)
        self.assertEqual(Partner.search([*scope, ("retail_tier_id", "=", False)]), outsider)
        self.assertEqual(
            Partner.search([*scope, ("retail_tier_id", "!=", self.tier_silver.id)]), self.member2 | outsider
        )
        self.assertEqual(
            Partner.search([*scope, ("retail_tier_id.name", "=", self.tier_silver.name)]), self.member
        )
        self.assertEqual(
            Partner.search([*scope, ("retail_tier_id", "in", [self.tier_normal.id, False])]),
            self.member2 | outsider,
        )
        self.assertEqual(Partner.search([*scope, ("retail_tier_locked", "=", False)]).ids.__len__(), 3)
        # order and group by as a stored field (the members' list, the pivot)
        ordered = Partner.search(scope, order="retail_tier_id, id")
        self.assertEqual(ordered[-1], outsider, "no tier last")
        groups = dict(Partner._read_group(scope, ["retail_tier_id"], ["__count"]))
        self.assertEqual(groups, {self.tier_silver: 1, self.tier_normal: 1, self.env["retail.crm.tier"]: 1})
        web_groups = Partner.web_read_group(scope, ["retail_tier_id"], ["retail_tier_id"])
        self.assertEqual(web_groups["length"], 3)
        fields_info = Partner.fields_get(["retail_tier_id"], ["groupable", "sortable", "searchable"])
        self.assertTrue(all(fields_info["retail_tier_id"].values()), fields_info)
        # a manager's write (and the privacy erasure's) reaches the member's row
        Partner.browse(self.member2.id).write({"retail_tier_id": self.tier_gold.id})
        self.env.invalidate_all()
        self.assertEqual(self.tier(self.member2), self.tier_gold)
        row = self.env["retail.crm.member.tier"].search(
            [("partner_id", "=", self.member2.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(row.tier_id, self.tier_gold)
        # the tiers' member count reads the same state
        self.assertEqual(self.tier_gold.with_company(self.company).partner_count, 1)

    def test_state_is_per_company(self):
        self._sync(self.member, qty=3)
        other = self.env["res.company"].create(
            {"name": "分店 Other Co", "currency_id": self.company.currency_id.id}
        )
        self.assertEqual(self.tier(self.member), self.tier_silver)
        self.assertFalse(self.member.with_company(other).retail_tier_id)
        self.member.with_company(other).retail_tier_downgrade_date = fields.Date.today()
        self.env.invalidate_all()
        self.assertFalse(self.member.with_company(self.company).retail_tier_downgrade_date)
        self.assertEqual(self.member.with_company(other).retail_tier_downgrade_date, fields.Date.today())

    def test_migration_moves_the_company_dependent_values(self):
        """post-migrate of 18.0.1.1.0 on res_partner's old jsonb columns."""
        path = file_path("retail_crm_loyalty/migrations/18.0.1.1.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("retail_crm_loyalty_post_migrate_1_1", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        cr = self.env.cr
        self.env.flush_all()
        company, tier = str(self.company.id), self.tier_gold.id
        cr.execute(
            SQL(
                """
                ALTER TABLE res_partner ADD COLUMN retail_tier_id jsonb, ADD COLUMN retail_tier_locked jsonb,
                    ADD COLUMN retail_tier_locked_until jsonb, ADD COLUMN retail_tier_downgrade_date jsonb,
                    ADD COLUMN retail_birthday_coupon_year jsonb, ADD COLUMN retail_tier_evaluated_at timestamp
                """
            )
        )
        cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET retail_tier_id = jsonb_build_object(%(company)s, %(tier)s),
                       retail_tier_locked = jsonb_build_object(%(company)s, true),
                       retail_tier_locked_until = jsonb_build_object(%(company)s, '2030-01-31'),
                       retail_birthday_coupon_year = jsonb_build_object(%(company)s, 2026, '999999', 2025)
                 WHERE id = %(member)s
                """,
                company=company,
                tier=tier,
                member=self.member2.id,
            )
        )
        cr.execute(SQL("DELETE FROM retail_crm_member_tier WHERE partner_id = %s", self.member2.id))
        migration.migrate(cr, "18.0.1.0.0")
        self.env.invalidate_all()
        partner = self.member2.with_company(self.company)
        self.assertEqual(partner.retail_tier_id, self.tier_gold)
        self.assertTrue(partner.retail_tier_locked)
        self.assertEqual(fields.Date.to_string(partner.retail_tier_locked_until), "2030-01-31")
        self.assertEqual(partner.retail_birthday_coupon_year, 2026)
        self.assertFalse(partner.retail_tier_downgrade_date)
        cr.execute(
            SQL(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'res_partner' "
                "AND column_name IN ('retail_tier_id', 'retail_tier_evaluated_at')"
            )
        )
        self.assertEqual(cr.fetchone()[0], 0, "the old columns are dropped")

    def test_committed_batches_do_not_wait_for_the_wal_flush(self):
        """The cron commits each batch: the held cursor is materialised by
        the first commit (before the rows are counted, which would run the
        aggregate a second time) and the batches' commits are asynchronous
        (the review is resumable). 1M members: 200 commits of ~1.5 s each on
        a busy disk, and the aggregate run twice."""
        calls = []

        def on_batch(done, remaining):
            self.env.cr.execute(SQL("SHOW synchronous_commit"))
            calls.append((done, remaining, self.env.cr.fetchone()[0]))

        members = self.member | self.member2
        # a first review: both members get a tier
        self.env.cr.execute(SQL("DELETE FROM retail_crm_member_tier WHERE partner_id = ANY(%s)", members.ids))
        self.Tier._review_company_tiers(self.company, on_batch=on_batch, partner_ids=members.ids)
        self.assertEqual(calls[0][:2], (0, None), "called before the rows are counted")
        self.assertEqual(calls[1][:2], (0, 2))
        self.assertEqual(calls[-1][:2], (2, 0))
        self.assertEqual(calls[-1][2], "off", "the batch's commit waits for the WAL flush")

    def test_review_rows_carry_only_their_own_foreign_keys(self):
        """Every row the review writes (a tier row and a history line per
        member on the first run) pays one foreign-key check per referencing
        column: 1M members at 11 checks each were most of the first run
        (#13). The tier table and the history keep their own references
        only, no create/write user (the history has its own user and date)."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT c.conrelid::regclass::text, a.attname
                  FROM pg_constraint c
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
                 WHERE c.contype = 'f'
                   AND c.conrelid IN ('retail_crm_member_tier'::regclass, 'retail_crm_tier_history'::regclass)
                """
            )
        )
        references = {}
        for table, column in rows:
            references.setdefault(table, set()).add(column)
        self.assertEqual(references["retail_crm_member_tier"], {"partner_id", "company_id", "tier_id"})
        self.assertEqual(
            references["retail_crm_tier_history"],
            {"partner_id", "company_id", "old_tier_id", "new_tier_id", "order_id", "user_id"},
        )
        # the history still says who changed the tier and when
        line = self.member.retail_tier_history_ids[:1]
        self.assertTrue(line.user_id and line.date)

    def test_batch_arrays_round_trip(self):
        """The review sends its batch columns as array literals (one
        constant each instead of an expression per member): every value
        comes back unchanged, quotes, backslashes, commas, braces, NULL and
        Chinese text included."""
        reasons = ['人工调整 "VIP", {季度} \\ 复核', None, "NULL", "a,b"]
        members = [self.member.id] * len(reasons)
        changes = [
            (pid, False, False, self.tier_silver.id if i % 2 else None, "override", reason, None)
            for i, (pid, reason) in enumerate(zip(members, reasons, strict=True))
        ]
        history = self.env["res.partner"]._retail_insert_history(self.company, changes)
        lines = self.env["retail.crm.tier.history"].browse(history)
        Tier = self.env["retail.crm.tier"]
        self.assertEqual([line.reason or None for line in lines], reasons)
        self.assertEqual(
            [line.new_tier_id for line in lines], [Tier, self.tier_silver, Tier, self.tier_silver]
        )
        self.assertEqual(set(lines.mapped("change_type")), {"override"})
