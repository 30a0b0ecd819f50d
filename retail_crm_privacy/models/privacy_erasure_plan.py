import re
from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .privacy_erasure_identity import PrivacyIdentity
from .privacy_erasure_plan_parts import DELETE_MODELS, PrivacyPlanParts
from .privacy_finder import PrivacyFinder
from .privacy_finder_base import no_jit
from .privacy_service import PrivacyService

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


class PrivacyErasurePlan(PrivacyPlanParts, PrivacyService):
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
        plans, refusals = self._plan_batch(partner)
        if refusals:
            raise UserError(refusals[partner.id])
        return plans[partner.id]

    def _plan_batch(self, partners):
        """({partner id: plan}, {partner id: why it cannot be erased}) of many
        people at once: each query runs once for the whole batch and its rows
        go to the person they belong to; each plan holds only that person's
        records (a row of two people of the batch is in both plans)."""
        # sudo: an erasure must reach every record of the person whatever the
        # record rules; callers check that the user is a data protection officer
        partners = partners.sudo().with_context(active_test=False)
        self.env.flush_all()
        no_jit(self.env.cr)
        Identity = PrivacyIdentity(self.env)
        subjects = Identity._subjects_owned(partners)
        refusals = Identity._refusals(partners, subjects)
        pids = [pid for pid in partners.ids if pid not in refusals]
        if not pids:
            return {}, refusals
        return self._plan_people(subjects, pids), refusals

    def _plan_people(self, subjects, pids):
        """{partner id: plan} of the people ``pids`` (``subjects``: {pid: the
        person and their contacts}), none refused."""
        Identity = PrivacyIdentity(self.env)
        sids = {pid: subjects[pid].ids for pid in pids}
        owner = {sid: pid for pid in pids for sid in sids[pid]}
        history = Identity._history_values_owned({pid: subjects[pid] for pid in pids})
        identity = {pid: Identity._identity(subjects[pid], history.get(pid, [])) for pid in pids}
        pattern = {pid: identity[pid]["pattern"] for pid in pids}
        found = self._found_records(pids, owner, identity)
        owned = found["owned"]
        self._add_blacklists(pids, identity, owned)
        msg_delete, msg_scrub = self._plan_messages(
            pids, owner, owned, found["mails"], found["messages_by_address"]
        )
        plans = {
            pid: {
                "partner_id": pid,
                "subject_ids": sids[pid],
                "pattern": pattern[pid],
                "identity": identity[pid],
                "steps": [],
            }
            for pid in pids
        }
        steps = PlanSteps(PrivacyFinder(self.env), plans, pattern)
        msg_owner = defaultdict(set)
        for pid in pids:
            for message_id in msg_delete[pid] | msg_scrub[pid]:
                msg_owner[message_id].add(pid)
        self._plan_attachments(steps, pids, sids, owned, msg_delete, msg_scrub, msg_owner)
        self._plan_activities_mails(steps, pids, sids, owned, found["mails"], msg_delete, msg_scrub)
        self._plan_tracking(steps, pids, owner, msg_scrub, msg_owner)
        ratings = {pid: owned[pid].pop("rating.rating", set()) for pid in pids}
        self._plan_ratings(pids, ratings, msg_delete, steps.add)
        steps.add_scrubs("rating.rating", ratings, {"feedback"})
        self._plan_owned_models(steps, pids, owned, found["by_m2m"])
        # the parts of their records (order lines, payments, points history,
        # survey answers) that quote them: scrubbed, kept with their record
        children = PrivacyFinder(self.env)._find_children_owned(
            owned, pattern, {pid: identity[pid]["needles"] for pid in pids}, skip=DELETE_MODELS
        )
        for model_name in sorted({m for found_children in children.values() for m in found_children}):
            steps.add_scrubs(model_name, {pid: children[pid].get(model_name, set()) for pid in children})
        self._plan_bus(pids, sids, pattern, {pid: identity[pid]["needles"] for pid in pids}, steps.add)
        self._plan_wizards(pids, sids, owned, steps.add)
        for pid in pids:
            steps.add(pid, "res.users", "", "archive", found["users"][pid])
        self._plan_partner(subjects, pids, steps.add)
        for plan in plans.values():
            plan["steps"].sort(key=lambda s: (ACTION_ORDER.index(s["action"]), s["model"], s["field"]))
        return plans

    def _found_records(self, pids, owner, identity):
        """The people's records found by reference and by address, sorted
        out per person: {"owned": {pid: {model: ids}} (scrubbed or deleted),
        "by_m2m", "users", "mails", "messages_by_address": {pid: ...}}."""
        Finder = PrivacyFinder(self.env)
        m2o_sid, m2m_sid = Finder._find_by_reference_owned(sorted(owner))
        by_m2o, by_m2m = defaultdict(lambda: defaultdict(set)), defaultdict(lambda: defaultdict(set))
        for found, target in ((m2o_sid, by_m2o), (m2m_sid, by_m2m)):
            for sid, models_ids in found.items():
                for model_name, ids in models_ids.items():
                    target[owner[sid]][model_name] |= ids
        by_address = Finder._find_by_address_owned(
            {pid: identity[pid]["id_pattern"] for pid in pids},
            {pid: identity[pid]["exact"] for pid in pids},
            {pid: identity[pid]["id_needles"] for pid in pids},
        )
        result = {"owned": {}, "by_m2m": by_m2m, "users": {}, "mails": {}, "messages_by_address": {}}
        for pid in pids:
            m2o, address = by_m2o[pid], by_address.get(pid, defaultdict(set))
            result["users"][pid] = m2o.pop("res.users", set())
            mails = m2o.pop("mail.mail", set()) | by_m2m[pid].pop("mail.mail", set())
            result["mails"][pid] = mails | address.pop("mail.mail", set())
            result["messages_by_address"][pid] = address.pop("mail.message", set())
            owned = result["owned"][pid] = defaultdict(set)
            for found in (m2o, address):
                for model_name, ids in found.items():
                    owned[model_name] |= ids
        return result

    def _plan_attachments(self, steps, pids, sids, owned, msg_delete, msg_scrub, msg_owner):
        """Attachments of the people's records and of their messages: deleted."""
        on_records = {
            pid: {
                "res.partner": set(sids[pid]),
                **owned[pid],
                "mail.message": msg_delete[pid] | msg_scrub[pid],
            }
            for pid in pids
        }
        attachments = PrivacyFinder(self.env)._find_by_res_id_owned("ir_attachment", on_records)
        self.env.cr.execute(
            SQL(
                "SELECT attachment_id, message_id FROM message_attachment_rel WHERE message_id = ANY(%s)",
                sorted(msg_owner),
            )
        )
        for attachment_id, message_id in self.env.cr.fetchall():
            for pid in msg_owner[message_id]:
                attachments.setdefault(pid, set()).add(attachment_id)
        for pid in pids:
            steps.add(pid, "ir.attachment", "", "delete", attachments.get(pid))

    def _plan_activities_mails(self, steps, pids, sids, owned, mails, msg_delete, msg_scrub):
        """Activities on the person: deleted; on their other records: scrubbed.
        Their mails and own messages: deleted; messages to them: scrubbed."""
        Finder = PrivacyFinder(self.env)
        activities_own = Finder._find_by_res_id_owned(
            "mail_activity", {pid: {"res.partner": set(sids[pid])} for pid in pids}
        )
        activities_on = Finder._find_by_res_id_owned("mail_activity", owned)
        activities = {}
        for pid in pids:
            steps.add(pid, "mail.activity", "", "delete", activities_own.get(pid))
            activities[pid] = (activities_on.get(pid, set()) | owned[pid].pop("mail.activity", set())) - (
                activities_own.get(pid, set())
            )
            steps.add(pid, "mail.mail", "", "delete", mails[pid])
            steps.add(pid, "mail.message", "", "delete", msg_delete[pid])
        steps.add_scrubs("mail.activity", activities)
        steps.add_scrubs("mail.message", msg_scrub)

    def _plan_tracking(self, steps, pids, owner, msg_scrub, msg_owner):
        """Field-change records of the scrubbed messages, and those whose old
        or new value is one of the people: scrubbed."""
        self.env.cr.execute(
            SQL(
                """
            SELECT v.id, v.mail_message_id, v.old_value_integer, v.new_value_integer, f.relation = 'res.partner'
              FROM mail_tracking_value v
              LEFT JOIN ir_model_fields f ON f.id = v.field_id
             WHERE v.mail_message_id = ANY(%s)
                OR (f.relation = 'res.partner' AND (v.old_value_integer = ANY(%s) OR v.new_value_integer = ANY(%s)))
            """,
                sorted({m for pid in pids for m in msg_scrub[pid]}),
                sorted(owner),
                sorted(owner),
            )
        )
        tracking = defaultdict(set)
        for value_id, message_id, old, new, on_partner in self.env.cr.fetchall():
            for pid in msg_owner.get(message_id, ()):
                if message_id in msg_scrub[pid]:
                    tracking[pid].add(value_id)
            for value in (old, new) if on_partner else ():
                if value in owner:
                    tracking[owner[value]].add(value_id)
        steps.add_scrubs("mail.tracking.value", tracking)

    def _plan_owned_models(self, steps, pids, owned, by_m2m):
        """The people's other records: deleted (DELETE_MODELS) or kept with
        their text scrubbed; records linked through a many2many: kept."""
        scrub_models = defaultdict(dict)
        for pid in pids:
            for model_name in sorted(owned[pid]):
                if model_name in DELETE_MODELS:
                    steps.add(pid, model_name, "", "delete", owned[pid][model_name])
                else:
                    scrub_models[model_name][pid] = owned[pid][model_name]
        for model_name, ids_by_pid in sorted(scrub_models.items()):
            steps.add_scrubs(model_name, ids_by_pid)
            for pid, ids in ids_by_pid.items():
                steps.add(pid, model_name, "", "keep", ids)
        for pid in pids:
            for model_name in sorted(by_m2m[pid]):
                if model_name not in owned[pid] and model_name not in DELETE_MODELS:
                    steps.add(pid, model_name, "", "keep", by_m2m[pid][model_name])

    def _erasable_fields(self):
        Partner = self.env["res.partner"]
        names = []
        for fname, field in Partner._fields.items():
            if fname in ERASURE_KEEP_FIELDS or fname in models.MAGIC_COLUMNS:
                continue
            if fname.startswith("privacy_") or not field.store or field.required:
                continue
            if field.related or (field.compute and not field.inverse):
                continue
            if field.company_dependent and field.type not in ("char", "text"):
                # the company's settings for the person (pricelist, accounts)
                continue
            if field.type in ("char", "text", "html", "date", "datetime", "binary"):
                names.append(fname)
            elif field.type == "selection" and PERSONAL_SELECTION_PATTERN.search(fname):
                names.append(fname)
            elif field.type == "many2one" and fname in ("state_id", "country_id", "title", "industry_id"):
                names.append(fname)
        return names

    def _plan_partner(self, subjects, pids, add):
        """Steps on the people's own partner records (``subjects``: {pid:
        their partners}); one query for the batch."""
        Partner = self.env["res.partner"]
        owner = {sid: pid for pid in pids for sid in subjects[pid].ids}
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
                sorted(owner),
            )
        )
        filled = defaultdict(lambda: defaultdict(set))
        for row in self.env.cr.fetchall():
            for fname, has_value in zip(columns, row[1:], strict=True):
                if has_value:
                    filled[owner[row[0]]][fname].add(row[0])
        self.env.cr.execute(
            SQL(
                "SELECT res_field, res_id FROM ir_attachment WHERE res_model = 'res.partner' "
                "AND res_id = ANY(%s) AND res_field = ANY(%s)",
                sorted(owner),
                in_files,
            )
        )
        for fname, res_id in self.env.cr.fetchall():
            filled[owner[res_id]][fname].add(res_id)
        for pid in pids:
            people = subjects[pid]
            for fname in fnames:
                add(pid, "res.partner", fname, "clear", filled[pid][fname])
            if "retail_is_member" in people._fields:
                # membership ends: a member needs a mobile number, an erased person has none
                add(
                    pid,
                    "res.partner",
                    "retail_is_member",
                    "end_membership",
                    people.filtered("retail_is_member").ids,
                )
            add(pid, "res.partner", "name", "replace", people.ids)
            add(pid, "res.partner", "active", "archive", people.filtered("active").ids)

    def _plan_lines(self, plan):
        """What the preview shows and the audit keeps: [model, field, action, count]."""
        return [[s["model"], s["field"], s["action"], len(s["ids"])] for s in plan["steps"]]


class PlanSteps:
    """The steps of the plans of a batch being built: ``add`` one step to a
    person's plan, ``add_scrubs`` the columns of their rows that hold their
    own pattern."""

    def __init__(self, finder, plans, pattern):
        self.finder = finder
        self.plans = plans
        self.pattern = pattern

    def add(self, pid, model_name, field, action, ids):
        if ids:
            self.plans[pid]["steps"].append(
                {"model": model_name, "field": field or "", "action": action, "ids": sorted(ids)}
            )

    def add_scrubs(self, model_name, ids_by_pid, skip=()):
        for pid, fields_ids in self.finder._scrub_matches_owned(model_name, ids_by_pid, self.pattern).items():
            for field, ids in fields_ids.items():
                if field not in skip:
                    self.add(pid, model_name, field, "scrub", ids)
