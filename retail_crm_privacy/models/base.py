from odoo import models

from . import privacy_tools


class Base(models.AbstractModel):
    _inherit = "base"

    def export_data(self, fields_to_export):
        """Exports of customers' personal fields: masked for cashiers, logged."""
        result = super().export_data(fields_to_export)
        if self.env.su:
            return result
        Partner = self.env["res.partner"]
        personal = set(Partner._privacy_personal_fields())
        columns = []  # (index, field name, path to the partner or None)
        for index, path in enumerate(fields_to_export):
            parts = [p for p in path.split("/") if p not in ("id", ".id")]
            model = self
            for part in parts[:-1]:
                field = model._fields.get(part)
                if not field or not field.relational:
                    model = None
                    break
                model = self.env[field.comodel_name]
            if model is not None and model._name == "res.partner" and parts and parts[-1] in personal:
                columns.append((index, parts[-1], parts[:-1]))
        if not columns:
            return result
        if Partner._privacy_is_restricted():
            # an export row cannot be traced to its owner reliably (one2many
            # lines add rows): cashiers always get masked personal values
            for row in result["datas"]:
                for index, fname, _path in columns:
                    row[index] = privacy_tools.mask_value(fname, Partner._fields[fname].type, row[index])
        partners = Partner.browse()
        for _index, _fname, path in columns:
            partners |= self.mapped(".".join(path)) if path else self
        Partner._privacy_log_rows_ids(partners.ids, {c[1] for c in columns}, "export")
        return result

    def _privacy_related_personal_fields(self):
        """{field: partner m2o field} of fields of this model that show a
        customer's personal field through a relation (``partner_id.mobile``)."""
        cache = self.env.registry.__dict__.setdefault("_retail_crm_privacy_related", {})
        if self._name not in cache:
            personal = set(privacy_tools.personal_field_names(self.env["res.partner"]))
            found = {}
            if self._name != "res.partner":
                for fname, field in self._fields.items():
                    related = field.related
                    if not related or field.type not in ("char", "text", "date", "datetime"):
                        continue
                    path = related.split(".") if isinstance(related, str) else list(related)
                    first = self._fields.get(path[0])
                    if (
                        len(path) == 2
                        and path[1] in personal
                        and first is not None
                        and first.type == "many2one"
                        and first.comodel_name == "res.partner"
                    ):
                        found[fname] = path[0]
            cache[self._name] = found
        return cache[self._name]

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if self.env.su or not result or self._name == "res.partner":
            return result
        related = self._privacy_related_personal_fields()
        shown = [fname for fname in related if fname in result[0]]
        if not shown or not self.env["res.partner"]._privacy_is_restricted():
            return result
        # sudo: ownership of the customer decides, not the reader's rights
        records_sudo = self.sudo().browse([row["id"] for row in result if isinstance(row.get("id"), int)])
        partner_of = {}
        for record in records_sudo:
            partner_of[record.id] = {fname: record[related[fname]].id for fname in shown}
        all_partners = self.env["res.partner"].browse(
            {pid for values in partner_of.values() for pid in values.values() if pid}
        )
        owned = all_partners._privacy_owned_ids()
        for row in result:
            for fname in shown:
                if partner_of.get(row.get("id"), {}).get(fname) not in owned:
                    row[fname] = privacy_tools.mask_value(fname, self._fields[fname].type, row[fname])
        return result
