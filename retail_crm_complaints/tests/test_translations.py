"""Every string this addon shows at runtime has a Simplified Chinese translation.

Checks the addon's ``i18n/zh_CN.po`` against what its Python produces: the
literal of every ``_()`` / ``_lt()`` / ``self.env._()`` call, and the label of
every selection value of its fields (static lists as exported, and the labels
a dynamic selection returns once zh_CN is loaded).  A new string without a
translation fails CI.
"""

import ast
import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged

ADDON = __name__.split(".")[2]
TRANSLATORS = {"_", "_lt"}


def python_strings(addon_path):
    """(file, line, literal) of every translated literal in the addon's Python, tests excluded."""
    found = []
    for root, dirs, files in os.walk(addon_path):
        dirs[:] = [d for d in dirs if d not in ("tests", "static", "migrations")]
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as handle:
                tree = ast.parse(handle.read(), path)
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                literal = node.args[0]
                if (
                    called in TRANSLATORS
                    and isinstance(literal, ast.Constant)
                    and isinstance(literal.value, str)
                ):
                    found.append((os.path.relpath(path, addon_path), node.lineno, literal.value))
    return found


@tagged("post_install", "-at_install")
class TestTranslationsComplete(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.path = get_module_path(ADDON)
        po = polib.pofile(os.path.join(cls.path, "i18n", "zh_CN.po"))
        cls.zh = {entry.msgid: entry.msgstr for entry in po if not entry.obsolete and entry.msgstr}

    def test_python_strings_translated(self):
        missing = [
            f"{f}:{line} {text!r}" for f, line, text in python_strings(self.path) if text not in self.zh
        ]
        self.assertFalse(missing, "strings of _() without a zh_CN translation:\n" + "\n".join(missing))

    def test_selection_values_translated(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", ADDON), ("model", "=", "ir.model.fields.selection")]
        )
        values = self.env["ir.model.fields.selection"].browse(data.mapped("res_id")).exists()
        self.assertTrue(values, "the addon defines selection values")
        missing = sorted({v.with_context(lang="en_US").name for v in values} - set(self.zh))
        self.assertFalse(missing, "selection labels without a zh_CN translation: %s" % missing)

    def test_dynamic_selections_translated(self):
        """Selections computed by a method (e.g. copied from another model) show zh_CN labels too."""
        self.env["res.lang"]._activate_lang("zh_CN")
        # labels read from another suite addon's records (the RFM segments of
        # the customer-voice answers) are translated by that addon's terms
        suite = self.env["ir.module.module"].search(
            [("name", "=like", "retail_crm_%"), ("state", "=", "installed")]
        )
        self.env["ir.module.module"]._load_module_terms(
            sorted(set(suite.mapped("name")) | {ADDON}), ["zh_CN"], overwrite=True
        )
        zh_env = self.env(context=dict(self.env.context, lang="zh_CN"))
        untranslated = []
        for model_name in self.env.registry.keys():
            for field in self.env[model_name]._fields.values():
                if field.type != "selection" or field._module != ADDON or field.related:
                    continue
                english = dict(field._description_selection(self.env(context={"lang": "en_US"})))
                chinese = dict(field._description_selection(zh_env))
                for key, label in english.items():
                    if label and chinese.get(key) == label and self.zh.get(label) != label:
                        untranslated.append(f"{model_name}.{field.name}: {label}")
        self.assertFalse(
            untranslated, "selection labels shown in English to a zh_CN user:\n" + "\n".join(untranslated)
        )
