import re

from odoo import fields
from odoo.tools import SQL, html2plaintext

from .privacy_erasure_identity import PrivacyIdentity
from .privacy_finder import PrivacyFinder
from .privacy_finder_base import no_jit
from .privacy_service import PrivacyService

SECRET_FIELD_PATTERN = re.compile(r"(password|token|secret|totp|api_key|signature|access_url)")
# one2many followed one level down from a record of the person (lines, payments,
# points history...); the mail ones are exported as their own sections
SKIPPED_ONE2MANY_MODELS = {
    "mail.message",
    "mail.followers",
    "mail.activity",
    "rating.rating",
    "ir.attachment",
    "mail.notification",
}
SKIPPED_FIELDS = {"id", "create_uid", "write_uid", "write_date", "display_name", "message_main_attachment_id"}


class PrivacyExport(PrivacyService):
    """Access request (P3): everything held about a person, readable by
    them: labels and display names in their language, links as names, the
    lines of their documents, their messages with the changes recorded."""

    def __init__(self, env):
        super().__init__(env)
        # per model: [(fname, field, label)], computed once for all its records
        self._fields_cache = {}

    def _exported_fields(self, model):
        """[(fname, field, label in the export's language)] of ``model``."""
        if model._name not in self._fields_cache:
            self._fields_cache[model._name] = [
                (fname, field, field._description_string(self.env))
                for fname, field in model._fields.items()
                if (field.store or field.type == "one2many")
                and fname not in SKIPPED_FIELDS
                and field.type != "binary"
                and not SECRET_FIELD_PATTERN.search(fname)
                and field.groups != "base.group_no_one"
                and not (field.type == "one2many" and field.comodel_name in SKIPPED_ONE2MANY_MODELS)
                and not fname.startswith("message_")
                and not fname.startswith("activity_")
            ]
        return self._fields_cache[model._name]

    def _prefetch(self, records):
        """Read the exported fields of ``records`` and of their one2many
        children in one query per model and field set, not per record."""
        fields_ = self._exported_fields(records)
        records.fetch([fname for fname, field, _label in fields_ if field.store])
        for fname, field, _label in fields_:
            if field.type == "one2many":
                children = records[fname]
                if children:
                    children.fetch([f for f, fld, _label in self._exported_fields(children) if fld.store])

    def _values(self, record, depth=0):
        """[[label, value]] of the filled fields, children of one2many one level down."""
        values, children = [], []
        selections = self._fields_cache.setdefault("__selections__", {})
        for fname, field, label in self._exported_fields(record):
            value = record[fname]
            if field.type == "one2many":
                if depth == 0 and value:
                    children.append(
                        {
                            "label": label,
                            "records": [self._record(child, depth + 1) for child in value],
                        }
                    )
                continue
            if field.type == "many2many" and depth > 0:
                continue
            if field.type == "html":
                value = html2plaintext(value or "")
            elif field.type == "selection":
                if not value:
                    continue
                key = (record._name, fname)
                if key not in selections:
                    selections[key] = dict(field._description_selection(self.env))
                value = selections[key].get(value, value)
            elif field.type in ("many2one", "many2many", "date", "datetime", "boolean"):
                if field.type != "boolean" and not value:
                    continue
                value = field.convert_to_export(value, record)
            if value in (False, None, "", []):
                continue
            values.append([label, value])
        return values, children

    def _record(self, record, depth=0):
        values, children = self._values(record, depth)
        data = {"id": record.id, "name": record.display_name, "values": values}
        if children:
            data["children"] = children
        if record._name == "mail.message":
            data["changes"] = [
                {
                    "field": tracking.field_id.with_context(lang=self.env.lang).field_description
                    or (tracking.field_info or {}).get("desc"),
                    "old": tracking.old_value_char or tracking.old_value_text or tracking.old_value_integer,
                    "new": tracking.new_value_char or tracking.new_value_text or tracking.new_value_integer,
                }
                for tracking in record.sudo().tracking_value_ids
            ]
        if record._name == "ir.attachment":
            data["size"] = record.file_size
            data["mimetype"] = record.mimetype
        return data

    def _collect(self, partner):
        """{model: ids} of what is held about the person: the planner's
        finders, without the erasure's refusals."""
        Erasure = PrivacyFinder(self.env)
        Identity = PrivacyIdentity(self.env)
        subjects = Identity._subjects(partner)
        identity = Identity._identity(subjects)
        by_m2o, by_m2m = Erasure._find_by_reference(subjects)
        found = {"res.partner": set(subjects.ids)}
        for source in (
            by_m2o,
            by_m2m,
            Erasure._find_by_address(identity["id_pattern"], identity["exact"], identity["id_needles"]),
        ):
            for model_name, ids in source.items():
                found.setdefault(model_name, set()).update(ids)
        found.pop("retail.crm.erasure.log", None)
        found.setdefault("mail.blacklist", set()).update(
            Erasure._fetch_ids(SQL("SELECT id FROM mail_blacklist WHERE email = ANY(%s)", identity["emails"]))
        )
        found.setdefault("phone.blacklist", set()).update(
            Erasure._fetch_ids(
                SQL("SELECT id FROM phone_blacklist WHERE number = ANY(%s)", identity["phones"])
            )
        )
        messages = Erasure._fetch_ids(
            SQL(
                "SELECT id FROM mail_message WHERE author_id = ANY(%s) "
                "UNION SELECT mail_message_id FROM mail_message_res_partner_rel WHERE res_partner_id = ANY(%s)",
                subjects.ids,
                subjects.ids,
            )
        )
        owned = {m: ids for m, ids in found.items() if m not in ("mail.message", "res.users")}
        messages |= Erasure._find_by_res_id("mail_message", owned, "model")
        found.setdefault("mail.message", set()).update(messages)
        attachments = Erasure._find_by_res_id("ir_attachment", found)
        attachments |= Erasure._fetch_ids(
            SQL(
                "SELECT attachment_id FROM message_attachment_rel WHERE message_id = ANY(%s)",
                sorted(messages),
            )
        )
        found.setdefault("ir.attachment", set()).update(attachments)
        # activities planned on the person and their records (a call to make, a visit)
        found.setdefault("mail.activity", set()).update(Erasure._find_by_res_id("mail_activity", owned))
        for model_name in ("mail.notification", "mail.followers", "bus.bus"):
            found.pop(model_name, None)
        return {m: ids for m, ids in found.items() if ids}

    def _export(self, partner, lang=None):
        """JSON-serialisable export of everything held about ``partner``."""
        partner.ensure_one()
        lang = lang or partner.lang or self.env.lang
        # sudo: an access request returns all data of the person whatever the
        # record rules; the request checks that the user is a data protection officer
        export = PrivacyExport(
            self.env(su=True, context=dict(self.env.context, lang=lang, active_test=False))
        )
        export.env.flush_all()
        no_jit(export.env.cr)
        sections = []
        for model_name, ids in sorted(export._collect(partner).items()):
            records = export.env[model_name].browse(sorted(ids))
            export._prefetch(records)
            sections.append(
                {
                    "model": model_name,
                    "label": export.env["ir.model"]._get(model_name).name or model_name,
                    "records": [export._record(record) for record in records],
                }
            )
        return {
            "exported_at": fields.Datetime.to_string(fields.Datetime.now()),
            "language": lang,
            "person": partner.with_context(lang=lang).display_name,
            "sections": sections,
        }
