"""Values for records of the suite's own models (complaints, consents), known by convention only."""

import datetime

from odoo.tools import SQL
from tools import datagen_data as D


def selection(Model, fname):
    field = Model._fields[fname]
    sel = field.selection
    if callable(sel):
        sel = sel(Model)
    elif isinstance(sel, str):
        sel = getattr(Model, sel)()
    return sel or []


FILLED_OPTIONAL = {
    "name",
    "subject",
    "description",
    "channel",
    "purpose",
    "category",
    "category_id",
    "severity",
    "date",
    "date_received",
    "state",
    "granted",
    "config_id",
}
GOOD_STATES = ("granted", "given", "active", "new", "draft")


def _link_vals(Model, partner_id):
    """The customer and their last POS order, on the fields that hold them."""
    vals = {}
    fields_ = Model._fields
    for fname in ("partner_id", "customer_id"):
        f = fields_.get(fname)
        if f and f.type == "many2one" and f.comodel_name == "res.partner":
            vals[fname] = partner_id
            break
    order_field = next(
        (
            n
            for n, f in fields_.items()
            if f.type == "many2one" and f.comodel_name == "pos.order" and f.store and not f.compute
        ),
        None,
    )
    if order_field:
        Model.env.cr.execute(
            SQL(
                "SELECT id FROM pos_order WHERE partner_id = %s ORDER BY date_order DESC LIMIT 1",
                partner_id,
            )
        )
        row = Model.env.cr.fetchone()
        if row:
            vals[order_field] = row[0]
    return vals


def _to_fill(Model, vals):
    """(name, field) of the fields a record needs: required ones and the usual ones, without a default."""
    for fname, f in Model._fields.items():
        if fname in vals or not f.store or f.compute or f.related or f.readonly and not f.required:
            continue
        if not f.required and fname not in FILLED_OPTIONAL:
            continue
        default = Model.default_get([fname]).get(fname)
        if default not in (None, False) and fname != "state":
            continue
        yield fname, f


def _selection_value(Model, fname, f, rng):
    keys = [k for k, _l in selection(Model, fname)]
    if fname != "state":
        return keys[int(rng.integers(0, len(keys)))] if keys else None
    if f.required and keys:  # consents: mostly granted, some withdrawn
        good = [k for k in keys if k in GOOD_STATES]
        return good[0] if good and rng.random() < 0.85 else keys[-1]
    return None


def _date_value(Model, f, rng, gen):
    # complaints are recent (open tickets with live SLAs), consents span the history
    first = max(gen.n_days - 60, 0) if "complaint" in Model._name else 0
    day = gen.days[int(rng.integers(first, gen.n_days))]
    if f.type == "date":
        return day
    return datetime.datetime.combine(day, datetime.time(int(rng.integers(1, 13))))


def _many2one_value(Model, f, rng, gen):
    if f.comodel_name == "pos.config":
        return gen.configs[int(rng.integers(0, len(gen.configs)))]["id"]
    comodel = Model.env[f.comodel_name]
    # consents: marketing purposes (a guardian's or a sensitive-data consent needs more than a generic value)
    domain = [("marketing_channel", "!=", False)] if "marketing_channel" in comodel._fields else []
    recs = comodel.search(domain, limit=20, order="id")
    return recs[int(rng.integers(0, len(recs)))].id if recs else None


def _field_value(Model, fname, f, rng, gen):
    """A plausible value of one field, or None to leave it out."""
    if f.type == "selection":
        return _selection_value(Model, fname, f, rng)
    if f.type in ("char", "text", "html"):
        if "complaint" in Model._name:
            return D.COMPLAINT_TEXTS[int(rng.integers(0, len(D.COMPLAINT_TEXTS)))]
        return "%s (%s)" % (Model._description or Model._name, fname)
    if f.type == "boolean":
        return True
    if f.type in ("date", "datetime"):
        return _date_value(Model, f, rng, gen)
    if f.type == "many2one":
        return _many2one_value(Model, f, rng, gen)
    return None


def generic_vals(Model, partner_id, rng, gen):
    """Values for one record of a suite model we know only by convention."""
    vals = _link_vals(Model, partner_id)
    for fname, f in _to_fill(Model, vals):
        value = _field_value(Model, fname, f, rng, gen)
        if value is not None:
            vals[fname] = value
    return vals
