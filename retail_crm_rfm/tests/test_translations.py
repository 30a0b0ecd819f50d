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
from odoo.tools.translate import TranslationModuleReader

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

    def test_files_follow_the_sources(self):
        """Every msgid of the .pot and the zh_CN.po carries exactly the references
        Odoo exports for it now: a reference left on the wrong entry (a hand merge)
        would translate that record with another text.  Repair: tools/i18n.py sync."""
        reader = TranslationModuleReader(self.env.cr, modules=[ADDON], lang=None)
        expected = {}
        for _module, kind, name, res_id, source, _value, comments in reader:
            ref = f"code:{name}" if kind == "code" else f"{kind}:{name}:{res_id}"
            # the references, and the comments saying where Odoo loads a code term
            expected.setdefault(source, set()).update([ref, *comments])
        for filename in (f"{ADDON}.pot", "zh_CN.po"):
            po = polib.pofile(os.path.join(self.path, "i18n", filename))
            found = {
                e.msgid: {ref for ref, _line in e.occurrences} | set(e.comment.split("\n")[1:])
                for e in po
                if not e.obsolete
            }
            wrong = sorted(
                f"{msgid!r}: missing {sorted(refs - found.get(msgid, set()))}, "
                f"extra {sorted(found.get(msgid, set()) - refs)}"
                for msgid, refs in expected.items()
                if found.get(msgid) != refs
            ) + sorted(f"{msgid!r} is in no source" for msgid in found.keys() - expected.keys())
            self.assertFalse(wrong, f"{filename} differs from the sources:\n" + "\n".join(wrong[:20]))

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
        self.env["ir.module.module"]._load_module_terms([ADDON], ["zh_CN"], overwrite=True)
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
