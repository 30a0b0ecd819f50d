import re
from collections import defaultdict

from odoo import models
from odoo.tools import SQL

from .privacy_erasure_identity import PrivacyIdentity
from .privacy_finder import PrivacyFinder
from .privacy_service import PrivacyService

# what an erasure does with records of these models that belong to the person
DELETE_MODELS = {
    "mail.followers",
    "mail.notification",
    "mail.mail",
    "sms.sms",
    "mailing.contact",
    "mailing.trace",
    "mail.blacklist",
    "phone.blacklist",
    "res.partner.bank",
    "discuss.channel.member",
    "bus.bus",
}
# never rewritten by an erasure
# the order the executor applies the steps in
ACTION_ORDER = ["detach", "scrub", "clear", "delete", "archive", "end_membership", "replace", "keep"]


# partner fields that an erasure keeps (technical, not about the person)
ERASURE_KEEP_FIELDS = {
    "name",
    "lang",
    "tz",
    "type",
    "active",
    "company_id",
    "user_id",
    "parent_id",
    "is_company",
    "color",
    "employee",
    "partner_share",
    "commercial_partner_id",
    "display_name",
    "complete_name",
}
PERSONAL_SELECTION_PATTERN = re.compile(r"(gender|sex|marital|religion|ethnic|nationality)")


class PrivacyErasurePlan(PrivacyService):
    """The planner: every record of the person, found by reference (each
    many2one/many2many to them, res_model/res_id links) and by their exact
    addresses, with what the erasure does to it. Nothing is modified: the
    preview shows the plan, the executor applies the very same plan."""

    def _plan(self, partner):
        """The plan of the erasure of ``partner``: {partner_id, subject_ids,
        pattern, identity, steps: [{model, field, action, ids}]}.

        Called by the preview and by the execution: what the preview lists is
        what the execution does (the wizard compares both)."""
        partner.ensure_one()
        # sudo: an erasure must reach every record of the person whatever the
        # record rules; callers check that the user is a data protection officer
        partner = partner.sudo()
        self.env.flush_all()
        Identity = PrivacyIdentity(self.env)
        Finder = PrivacyFinder(self.env)
        subjects = Identity._subjects(partner)
        Identity._check_erasable(partner, subjects)
        identity = Identity._identity(subjects)
        pattern = identity["pattern"]
        sids = subjects.ids
        by_m2o, by_m2m = Finder._find_by_reference(subjects)
        by_address = Finder._find_by_address(identity["id_pattern"])
        users = by_m2o.pop("res.users", set())
        mails = by_m2o.pop("mail.mail", set()) | by_m2m.pop("mail.mail", set())
        mails |= by_address.pop("mail.mail", set())
        messages_by_address = by_address.pop("mail.message", set())
        owned = defaultdict(set)
        for found in (by_m2o, by_address):
            for model_name, ids in found.items():
                owned[model_name] |= ids
        owned["mail.blacklist"] |= Finder._fetch_ids(
            SQL("SELECT id FROM mail_blacklist WHERE email = ANY(%s)", identity["emails"])
        )
        owned["phone.blacklist"] |= Finder._fetch_ids(
            SQL("SELECT id FROM phone_blacklist WHERE number = ANY(%s)", identity["phones"])
        )
        # messages: on the person's own chatter, or written by them: deleted;
        # on their other records, or sent to them: kept, their text scrubbed
        msg_delete = Finder._fetch_ids(
            SQL(
                "SELECT id FROM mail_message WHERE (model = 'res.partner' AND res_id = ANY(%s)) "
                "OR author_id = ANY(%s)",
                sids,
                sids,
            )
        )
        msg_delete |= Finder._find_by_res_id(
            "mail_message", {m: ids for m, ids in owned.items() if m in DELETE_MODELS}, "model"
        )
        if mails:
            self.env.cr.execute(
                SQL(
                    "SELECT id, mail_message_id, is_notification FROM mail_mail "
                    "WHERE id = ANY(%s) OR mail_message_id = ANY(%s)",
                    sorted(mails),
                    sorted(msg_delete),
                )
            )
        else:
            self.env.cr.execute(
                SQL(
                    "SELECT id, mail_message_id, is_notification FROM mail_mail WHERE mail_message_id = ANY(%s)",
                    sorted(msg_delete),
                )
            )
        for mail_id, message_id, is_notification in self.env.cr.fetchall():
            mails.add(mail_id)
            if not is_notification:
                msg_delete.add(message_id)  # mail.mail deletes its own message
        msg_scrub = Finder._fetch_ids(
            SQL(
                "SELECT mail_message_id FROM mail_message_res_partner_rel WHERE res_partner_id = ANY(%s) "
                "UNION SELECT mail_message_id FROM mail_notification WHERE res_partner_id = ANY(%s)",
                sids,
                sids,
            )
        )
        msg_scrub |= Finder._find_by_res_id("mail_message", owned, "model") | messages_by_address
        msg_scrub -= msg_delete
        steps = []

        def add(model_name, field, action, ids):
            if ids:
                steps.append(
                    {"model": model_name, "field": field or "", "action": action, "ids": sorted(ids)}
                )

        on_records = {"res.partner": set(sids), **owned, "mail.message": msg_delete | msg_scrub}
        attachments = Finder._find_by_res_id("ir_attachment", on_records)
        attachments |= Finder._fetch_ids(
            SQL(
                "SELECT attachment_id FROM message_attachment_rel WHERE message_id = ANY(%s)",
                sorted(msg_delete | msg_scrub),
            )
        )
        add("ir.attachment", "", "delete", attachments)
        activities_own = Finder._find_by_res_id("mail_activity", {"res.partner": set(sids)})
        add("mail.activity", "", "delete", activities_own)
        activities = (Finder._find_by_res_id("mail_activity", owned) | owned.pop("mail.activity", set())) - (
            activities_own
        )
        for field, ids in Finder._scrub_matches("mail.activity", activities, pattern).items():
            add("mail.activity", field, "scrub", ids)
        add("mail.mail", "", "delete", mails)
        add("mail.message", "", "delete", msg_delete)
        for field, ids in Finder._scrub_matches("mail.message", msg_scrub, pattern).items():
            add("mail.message", field, "scrub", ids)
        tracking = Finder._fetch_ids(
            SQL(
                """
            SELECT v.id FROM mail_tracking_value v
              LEFT JOIN ir_model_fields f ON f.id = v.field_id
             WHERE v.mail_message_id = ANY(%s)
                OR (f.relation = 'res.partner' AND (v.old_value_integer = ANY(%s) OR v.new_value_integer = ANY(%s)))
            """,
                sorted(msg_scrub),
                sids,
                sids,
            )
        )
        for field, ids in Finder._scrub_matches("mail.tracking.value", tracking, pattern).items():
            add("mail.tracking.value", field, "scrub", ids)
        ratings = owned.pop("rating.rating", set())
        if ratings:
            self.env.cr.execute(
                SQL(
                    "SELECT id, message_id, coalesce(feedback, '') != '' FROM rating_rating WHERE id = ANY(%s)",
                    sorted(ratings),
                )
            )
            rows = self.env.cr.fetchall()
            add("rating.rating", "message_id", "detach", {r[0] for r in rows if r[1] in msg_delete})
            add("rating.rating", "feedback", "clear", {r[0] for r in rows if r[2]})
            for field, ids in Finder._scrub_matches("rating.rating", ratings, pattern).items():
                if field != "feedback":
                    add("rating.rating", field, "scrub", ids)
            add("rating.rating", "", "keep", ratings)
        for model_name in sorted(owned):
            ids = owned[model_name]
            if model_name in DELETE_MODELS:
                add(model_name, "", "delete", ids)
                continue
            for field, field_ids in Finder._scrub_matches(model_name, ids, pattern).items():
                add(model_name, field, "scrub", field_ids)
            add(model_name, "", "keep", ids)
        for model_name in sorted(by_m2m):
            if model_name not in owned and model_name not in DELETE_MODELS:
                add(model_name, "", "keep", by_m2m[model_name])
        if "bus.bus" in self.env:
            channel = '"res\\.partner",[[:space:]]*(?:' + "|".join(map(str, sids)) + ")[],]"
            add(
                "bus.bus",
                "",
                "delete",
                Finder._fetch_ids(
                    SQL(
                        "SELECT id FROM bus_bus WHERE channel ~ %s OR message ~* %s", channel, pattern or "$^"
                    )
                ),
            )
        add("res.users", "", "archive", users)
        self._plan_partner(subjects, add)
        steps.sort(key=lambda s: (ACTION_ORDER.index(s["action"]), s["model"], s["field"]))
        return {
            "partner_id": partner.id,
            "subject_ids": sids,
            "pattern": pattern,
            "identity": identity,
            "steps": steps,
        }

    def _erasable_fields(self):
        Partner = self.env["res.partner"]
        names = []
        for fname, field in Partner._fields.items():
            if fname in ERASURE_KEEP_FIELDS or fname in models.MAGIC_COLUMNS:
                continue
            if fname.startswith("privacy_") or not field.store or field.required:
                continue
            if field.related or field.company_dependent or (field.compute and not field.inverse):
                continue
            if field.type in ("char", "text", "html", "date", "datetime", "binary"):
                names.append(fname)
            elif field.type == "selection" and PERSONAL_SELECTION_PATTERN.search(fname):
                names.append(fname)
            elif field.type == "many2one" and fname in ("state_id", "country_id", "title", "industry_id"):
                names.append(fname)
        return names

    def _plan_partner(self, subjects, add):
        """Steps on the person's own partner records (the planner calls it)."""
        Partner = self.env["res.partner"]
        fnames = self._erasable_fields()
        in_files = [
            f for f in fnames if Partner._fields[f].type == "binary" and Partner._fields[f].attachment
        ]
        columns = [f for f in fnames if f not in in_files]
        # one query for the columns, one for the images kept as attachments
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM res_partner WHERE id = ANY(%s)",
                SQL(", ").join(
                    SQL("%s IS NOT NULL AND %s::text != ''", SQL.identifier(f), SQL.identifier(f))
                    for f in columns
                ),
                subjects.ids,
            )
        )
        filled = defaultdict(set)
        for row in self.env.cr.fetchall():
            for fname, has_value in zip(columns, row[1:], strict=True):
                if has_value:
                    filled[fname].add(row[0])
        self.env.cr.execute(
            SQL(
                "SELECT res_field, res_id FROM ir_attachment WHERE res_model = 'res.partner' "
                "AND res_id = ANY(%s) AND res_field = ANY(%s)",
                subjects.ids,
                in_files,
            )
        )
        for fname, res_id in self.env.cr.fetchall():
            filled[fname].add(res_id)
        for fname in fnames:
            add("res.partner", fname, "clear", filled[fname])
        if "retail_is_member" in subjects._fields:
            # membership ends: a member needs a mobile number, an erased person has none
            add(
                "res.partner", "retail_is_member", "end_membership", subjects.filtered("retail_is_member").ids
            )
        add("res.partner", "name", "replace", subjects.ids)
        add("res.partner", "active", "archive", subjects.filtered("active").ids)

    def _plan_lines(self, plan):
        """What the preview shows and the audit keeps: [model, field, action, count]."""
        return [[s["model"], s["field"], s["action"], len(s["ids"])] for s in plan["steps"]]
