"""The field specification Odoo's web client sends for a view (``web_read`` /
``web_search_read``), built from the view's arch: what the generator's
checks open, the way the screens do."""

from lxml import etree


def view_spec(Model, view_type):
    """web_read/web_search_read specification of the fields a view shows."""
    views = Model.get_views([(False, view_type)])
    arch = etree.fromstring(views["views"][view_type]["arch"])
    fields_ = Model._fields
    spec = {}

    def sub_spec(node, comodel):
        sub = {}
        for sub_view in node:
            if sub_view.tag in ("list", "tree", "kanban"):
                for f in sub_view.iter("field"):
                    name = f.get("name")
                    if name in Model.env[comodel]._fields:
                        sub[name] = _leaf(Model.env[comodel]._fields[name])
        return sub

    def walk(node):
        for child in node:
            if child.tag == "field":
                name = child.get("name")
                field = fields_.get(name)
                if field is None:
                    continue
                if field.type in ("one2many", "many2many"):
                    sub = sub_spec(child, field.comodel_name)
                    sub.setdefault("display_name", {})
                    spec[name] = {"fields": sub, "limit": 40}
                else:
                    spec[name] = _leaf(field)
                continue  # do not descend into a field's own sub-views
            walk(child)

    walk(arch)
    return spec


def _leaf(field):
    if field.type == "many2one":
        return {"fields": {"display_name": {}}}
    if field.type in ("one2many", "many2many"):
        return {"fields": {"display_name": {}}}
    return {}
