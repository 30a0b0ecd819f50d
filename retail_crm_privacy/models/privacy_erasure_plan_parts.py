import json
from collections import defaultdict

from odoo.tools import SQL

from .privacy_finder import PrivacyFinder

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


class PrivacyPlanParts:
    """Parts of the erasure planner (PrivacyErasurePlan) for a batch of
    people: blacklists, messages and mails, ratings, bus messages. Each runs
    one query for the whole batch and gives each row to its person."""

    def _add_blacklists(self, pids, identity, owned):
        """Blacklist rows of every address the people ever had (archived too)."""
        for table, model_name, column, key in (
            ("mail_blacklist", "mail.blacklist", "email", "emails"),
            ("phone_blacklist", "phone.blacklist", "number", "phones"),
        ):
            by_value = defaultdict(set)
            for pid in pids:
                for value in identity[pid][key]:
                    by_value[value].add(pid)
            self.env.cr.execute(
                SQL(
                    "SELECT id, %s FROM %s WHERE %s = ANY(%s)",
                    SQL.identifier(column),
                    SQL.identifier(table),
                    SQL.identifier(column),
                    sorted(by_value),
                )
            )
            for row_id, value in self.env.cr.fetchall():
                for pid in by_value[value]:
                    owned[pid][model_name].add(row_id)

    def _plan_messages(self, pids, owner, owned, mails, messages_by_address):
        """({pid: messages deleted}, {pid: messages scrubbed}): on the person's
        own chatter, or written by them: deleted; on their other records, or
        sent to them: kept, their text scrubbed."""
        Finder = PrivacyFinder(self.env)
        all_sids = sorted(owner)
        msg_delete = defaultdict(set)
        self.env.cr.execute(
            SQL(
                "SELECT id, model = 'res.partner' AND res_id = ANY(%s), res_id, author_id FROM mail_message "
                "WHERE (model = 'res.partner' AND res_id = ANY(%s)) OR author_id = ANY(%s)",
                all_sids,
                all_sids,
                all_sids,
            )
        )
        for message_id, on_partner, res_id, author_id in self.env.cr.fetchall():
            if on_partner:
                msg_delete[owner[res_id]].add(message_id)
            if author_id in owner:
                msg_delete[owner[author_id]].add(message_id)
        on_deleted = Finder._find_by_res_id_owned(
            "mail_message",
            {pid: {m: ids for m, ids in owned[pid].items() if m in DELETE_MODELS} for pid in pids},
            "model",
        )
        for pid, ids in on_deleted.items():
            msg_delete[pid] |= ids
        mail_owner, deleted_owner = defaultdict(set), defaultdict(set)
        for pid in pids:
            for mail_id in mails[pid]:
                mail_owner[mail_id].add(pid)
            for message_id in msg_delete[pid]:
                deleted_owner[message_id].add(pid)
        self.env.cr.execute(
            SQL(
                "SELECT id, mail_message_id, is_notification FROM mail_mail "
                "WHERE id = ANY(%s) OR mail_message_id = ANY(%s)",
                sorted(mail_owner),
                sorted(deleted_owner),
            )
        )
        for mail_id, message_id, is_notification in self.env.cr.fetchall():
            for pid in mail_owner[mail_id] | deleted_owner[message_id]:
                mails[pid].add(mail_id)
                if not is_notification:
                    msg_delete[pid].add(message_id)  # mail.mail deletes its own message
        msg_scrub = defaultdict(set)
        self.env.cr.execute(
            SQL(
                "SELECT mail_message_id, res_partner_id FROM mail_message_res_partner_rel "
                "WHERE res_partner_id = ANY(%s) "
                "UNION SELECT mail_message_id, res_partner_id FROM mail_notification WHERE res_partner_id = ANY(%s)",
                all_sids,
                all_sids,
            )
        )
        for message_id, partner_id in self.env.cr.fetchall():
            msg_scrub[owner[partner_id]].add(message_id)
        on_owned = Finder._find_by_res_id_owned("mail_message", owned, "model")
        for pid in pids:
            msg_scrub[pid] |= on_owned.get(pid, set()) | messages_by_address[pid]
            msg_scrub[pid] -= msg_delete[pid]
        return msg_delete, msg_scrub

    def _plan_ratings(self, pids, ratings, msg_delete, add):
        """Ratings are kept: detached from deleted messages, feedback cleared."""
        all_ratings = sorted({r for ids in ratings.values() for r in ids})
        if not all_ratings:
            return
        self.env.cr.execute(
            SQL(
                "SELECT id, message_id, coalesce(feedback, '') != '' FROM rating_rating WHERE id = ANY(%s)",
                all_ratings,
            )
        )
        rows = self.env.cr.fetchall()
        for pid in pids:
            mine = [r for r in rows if r[0] in ratings[pid]]
            add(pid, "rating.rating", "message_id", "detach", {r[0] for r in mine if r[1] in msg_delete[pid]})
            add(pid, "rating.rating", "feedback", "clear", {r[0] for r in mine if r[2]})
            add(pid, "rating.rating", "", "keep", ratings[pid])

    def _plan_bus(self, pids, sids, pattern, needles, add):
        """Bus messages on the person's channel (the partner id read from the
        channel, one scan) or quoting them (the batch's needles select the
        rows, each tested with its own person's pattern: _match_rows)."""
        if "bus.bus" not in self.env:
            return
        owner = {sid: pid for pid in pids for sid in sids[pid]}
        self.env.cr.execute(
            SQL(
                """
            SELECT id, substring(channel from '"res\\.partner",[[:space:]]*([0-9]+)[],]')::int
              FROM bus_bus
             WHERE substring(channel from '"res\\.partner",[[:space:]]*([0-9]+)[],]')::int = ANY(%s)
            """,
                sorted(owner),
            )
        )
        found = defaultdict(set)
        for bus_id, partner_id in self.env.cr.fetchall():
            found[owner[partner_id]].add(bus_id)
        keys = {pid: pattern[pid] for pid in pids if pattern[pid]}
        if keys:
            for bus_id, pid in PrivacyFinder(self.env)._match_rows(
                "bus_bus", [SQL("t.message")], keys, needles
            ):
                found[pid].add(bus_id)
        for pid in pids:
            add(pid, "bus.bus", "", "delete", found.get(pid))

    def _plan_wizards(self, pids, sids, owned, add):
        """Wizard rows (transient models, vacuumed within hours) about the
        people: pointing at them, or at one of their records (a composer of
        the e-mail sent to them holds its rendered body): deleted now."""
        owner = {sid: pid for pid in pids for sid in sids[pid]}
        on_records = {pid: {"res.partner": set(sids[pid]), **owned[pid]} for pid in pids}
        found = defaultdict(lambda: defaultdict(set))
        for model_name in sorted(self.env.registry):
            model = self.env[model_name]
            if not model._transient:
                continue
            for field in model._fields.values():
                if (
                    field.comodel_name != "res.partner"
                    or not field.store
                    or field.type not in ("many2one", "many2many")
                ):
                    continue
                if field.type == "many2one":
                    query = SQL(
                        "SELECT id, %s FROM %s WHERE %s = ANY(%s)",
                        SQL.identifier(field.name),
                        SQL.identifier(model._table),
                        SQL.identifier(field.name),
                        sorted(owner),
                    )
                else:
                    query = SQL(
                        "SELECT %s, %s FROM %s WHERE %s = ANY(%s)",
                        SQL.identifier(field.column1),
                        SQL.identifier(field.column2),
                        SQL.identifier(field.relation),
                        SQL.identifier(field.column2),
                        sorted(owner),
                    )
                self.env.cr.execute(query)
                for row_id, sid in self.env.cr.fetchall():
                    found[owner[sid]][model_name].add(row_id)
            fields_ = model._fields
            if "res_model" in fields_ and "res_id" in fields_ and fields_["res_id"].store:
                for pid, ids in (
                    PrivacyFinder(self.env)._find_by_res_id_owned(model._table, on_records).items()
                ):
                    found[pid][model_name] |= ids
            if "model" in fields_ and "res_ids" in fields_ and fields_["res_ids"].store:
                self.env.cr.execute(
                    SQL(
                        "SELECT id, model, res_ids FROM %s WHERE model = ANY(%s) AND res_ids IS NOT NULL",
                        SQL.identifier(model._table),
                        sorted({m for records in on_records.values() for m in records}),
                    )
                )
                for row_id, res_model, res_ids in self.env.cr.fetchall():
                    try:
                        ids = set(json.loads(res_ids))
                    except (ValueError, TypeError):
                        continue
                    for pid in pids:
                        if ids & on_records[pid].get(res_model, set()):
                            found[pid][model_name].add(row_id)
        for pid in pids:
            for model_name, ids in sorted(found[pid].items()):
                add(pid, model_name, "", "delete", ids)
