from datetime import date

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from ..models.privacy_erasure_identity import PrivacyIdentity
from ..models.privacy_finder import PrivacyFinder
from .common import PrivacyCommonMixin

OLD_DAY = "2020-01-01 10:00:00"


@tagged("post_install", "-at_install")
class TestRetentionScale(PrivacyCommonMixin, TransactionCase):
    """What makes retention and erasure fast on large databases must not
    change what they find: the needles (a LIKE that selects the rows worth
    a regular expression) find every spelling the expression matches; the
    candidates are read from their own activity only; the identities of a
    batch are read together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_privacy_fixtures()
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

    def test_needles_find_every_spelling_the_pattern_matches(self):
        """Full-width digits, dashes typed with a Chinese input method,
        +86-/0086 prefixes, a landline of the number's own region, an
        upper-case e-mail, a name inside a sentence, the last digits after
        尾号, a birthday: each row the regex matches is found through the
        needles, and only those (other people's numbers stay out)."""
        Partner = self.env["res.partner"]
        vals = {
            "name": "欧阳娜娜",
            "mobile": "+86 139 5724 6813",
            "phone": "021-6234-5678",
            "email": "Zhang.San@QQ.com",
            "street": "人民路88号",
            "country_id": self.env.ref("base.cn").id,
        }
        if "retail_birthday" in Partner._fields:
            vals["retail_birthday"] = date(1990, 11, 30)
        person = Partner.create(vals)
        identity = PrivacyIdentity(self.env)._identity(person)
        # the exact identifiers (id_pattern, searched in every table)
        found_id = [
            "手机１３９５７２４６８１３无人接听",
            "＋８６ １３９－５７２４－６８１３",
            "+86-139-5724-6813",
            "0086 139 5724 6813",
            "电话139—5724—6813。",
            "5724 6813",
            "座机(021) 6234.5678",
            "+86 21 6234 5678",
            "请回复ZHANG.SAN@QQ.COM谢谢",
        ]
        # names, street, last digits, birthday: on the person's own records only
        found_name = ["我是欧阳娜娜", "会员娜娜来电", "手机尾号６８１３", "住人民路88号"]
        if "retail_birthday" in Partner._fields:
            found_name += ["客户生日1990-11-30", "生日1990年11月30日", "30/11/1990"]
        found = found_id + found_name
        missed = [
            "13800006813",
            "139572468130",
            "积分6813",
            "尾号68130",
            "zhang.san@qq.community",
            "62345678901",
        ]
        messages = self.env["mail.message"].create(
            [
                {"model": "res.partner", "res_id": self.env.company.partner_id.id, "subject": text}
                for text in found + missed
            ]
        )
        text_of = dict(zip(messages.ids, found + missed, strict=True))
        Finder = PrivacyFinder(self.env)
        for key, needles, expected in (
            ("pattern", "needles", set(found)),
            ("id_pattern", "id_needles", set(found_id)),
        ):
            pattern = identity[key]
            self.env.cr.execute(
                SQL("SELECT id FROM mail_message WHERE id = ANY(%s) AND subject ~* %s", messages.ids, pattern)
            )
            by_regex = {row[0] for row in self.env.cr.fetchall()}
            self.assertEqual({text_of[i] for i in by_regex}, expected, key)
            # the person's own rows
            rows = Finder._match_rows(
                "mail_message", [SQL("t.subject")], {7: pattern}, {7: identity[needles]}, {7: messages.ids}
            )
            self.assertEqual({row for row, _key in rows}, by_regex, key)
            self.assertEqual({k for _row, k in rows}, {7})
            # every row of the table
            rows = Finder._match_rows(
                "mail_message", [SQL("t.subject")], {7: pattern}, {7: identity[needles]}
            )
            self.assertEqual({row for row, _key in rows} & set(messages.ids), by_regex, key)

    def test_candidates_see_contacts_and_logins(self):
        """A customer is kept by the recent activity of a contact (address)
        of theirs, or by a login of their portal user; old activity alone
        does not keep them."""
        Partner = self.env["res.partner"]
        dormant, parent, portal_person = Partner.create(
            [{"name": "Dormant 1"}, {"name": "Parent 2"}, {"name": "Portal 3", "email": "portal3@example.cn"}]
        )
        child = Partner.create({"name": "Delivery", "parent_id": parent.id, "type": "delivery"})
        old_consent = self.env["retail.crm.consent"]._record(dormant, self.purpose_sms, "granted")
        self.env["retail.crm.consent"]._record(child, self.purpose_sms, "granted")
        portal = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": "portal3",
                    "partner_id": portal_person.id,
                    "groups_id": [(6, 0, [self.env.ref("base.group_portal").id])],
                }
            )
        )
        self.env["res.users.log"].with_user(portal).sudo().create({})
        self._age("res_partner", (dormant | parent | child | portal_person).ids, "create_date")
        self._age("retail_crm_consent", old_consent.ids, "create_date")
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        candidates = Partner._privacy_retention_candidates()
        self.assertIn(dormant, candidates)
        self.assertNotIn(parent, candidates, "their delivery address gave a consent today")
        self.assertNotIn(child, candidates, "a contact is erased with its customer")
        self.assertNotIn(portal_person, candidates, "logged in today")

    def test_identities_read_once_per_batch(self):
        """Reading who the people of a batch are (fields, users) costs the
        same number of queries for 3 or 30 people."""
        self.icp.set_param("retail_crm_privacy.retention_days", "365")
        self.icp.set_param("retail_crm_privacy.retention_auto", "True")
        counts = []
        for count, tag in ((3, 1), (30, 2)):
            people = self.env["res.partner"].create(
                [
                    {
                        "name": f"批量{tag}-{n}",
                        "mobile": f"+86 136 {tag:04d} {n:04d}",
                        "email": f"b{tag}.{n}@example.cn",
                    }
                    for n in range(count)
                ]
            )
            self._age("res_partner", people.ids, "create_date")
            before = self.env.cr.sql_log_count
            logs = self.env["res.partner"]._cron_privacy_retention(batch_size=50)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(sorted(logs.partner_id.ids), people.ids)
        self.assertLess(counts[1] - counts[0], 10, counts)
