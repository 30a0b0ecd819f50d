#!/usr/bin/env python3
"""Keep each addon's translation files in step with its sources.

``sync`` exports ``i18n/<addon>.pot`` from a database where the addons are
installed (Odoo's own exporter, so every entry carries its ``#. module:`` and
``#: model:``/``code:`` references) and rewrites ``i18n/zh_CN.po`` with the same
entries in the same order, each keeping the translation it had for its msgid.
``check`` does the export and reports, without writing (it rolls back), the
entries whose msgid or references differ from the files, the msgids without a
zh_CN translation, and the selection labels a zh_CN user would still see in
English (selections computed by a method); it exits 1 if any.  The test
command runs it on its database after the tests.

    python3 tools/i18n.py sync  -d DB [--addons retail_crm_rfm ...]
    python3 tools/i18n.py check -d DB

Merging branches by hand can attach a reference to the wrong msgid; Odoo then
translates that record with another entry's text.  ``sync`` is the repair.
"""

import argparse
import io
import os
import sys

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import polib

from tools import bootstrap, odoo_check

LANG = "zh_CN"


def exported_template(cr, addon):
    """The addon's .pot as Odoo exports it now (a polib file)."""
    from odoo.tools.translate import trans_export  # noqa: PLC0415

    buffer = io.BytesIO()
    trans_export(None, [addon], buffer, "po", cr)
    return polib.pofile(buffer.getvalue().decode())


def references(po):
    """msgid -> the set of its references, for comparing two files."""
    return {entry.msgid: frozenset(name for name, _line in entry.occurrences) for entry in po}


def drift(expected, actual):
    """Lines describing how ``actual`` differs from ``expected``."""
    want, have = references(expected), references(actual)
    lines = [f"  missing: {msgid!r}" for msgid in want.keys() - have.keys()]
    lines += [f"  stale:   {msgid!r}" for msgid in have.keys() - want.keys()]
    for msgid in want.keys() & have.keys():
        if want[msgid] != have[msgid]:
            lines.append(
                f"  references of {msgid!r}: file has {sorted(have[msgid] - want[msgid])}, "
                f"sources have {sorted(want[msgid] - have[msgid])}"
            )
    return sorted(lines)


def translated(template, old_po):
    """The .po for ``template``: its entries, each with the translation it had."""
    known = {entry.msgid: entry.msgstr for entry in old_po if entry.msgstr and not entry.obsolete}
    po = polib.POFile(wrapwidth=template.wrapwidth)
    po.header = old_po.header or template.header
    po.metadata = dict(template.metadata, Language=LANG, **{"Plural-Forms": ""})
    po.metadata.update(
        {k: v for k, v in old_po.metadata.items() if k in ("Last-Translator", "Language-Team")}
    )
    untranslated = []
    for entry in template:
        entry.msgstr = known.get(entry.msgid, "")
        if not entry.msgstr:
            untranslated.append(entry.msgid)
        po.append(entry)
    return po, untranslated


def untranslated_selections(env, addon, translations):
    """Selection labels of the addon's fields that a zh_CN user sees in English
    (once every suite addon's zh_CN terms are loaded): static labels and the
    ones a method computes, e.g. copied from another model."""
    env["res.lang"]._activate_lang(LANG)
    suite = env["ir.module.module"].search([("name", "=like", "retail_crm_%"), ("state", "=", "installed")])
    env["ir.module.module"]._load_module_terms(suite.mapped("name"), [LANG], overwrite=True)
    english_env = env(context={"lang": "en_US"})
    chinese_env = env(context={"lang": LANG})
    found = []
    for model_name in env.registry:
        for field in env[model_name]._fields.values():
            if field.type != "selection" or field._module != addon or field.related:
                continue
            english = dict(field._description_selection(english_env))
            chinese = dict(field._description_selection(chinese_env))
            found += [
                f"  {model_name}.{field.name}: {label!r} shown in English"
                for key, label in english.items()
                if label and chinese.get(key) == label and translations.get(label) != label
            ]
    return found


def check(env, addon, template, pot_path, po_path):
    """Lines describing what is wrong with the addon's translation files."""
    problems = drift(template, polib.pofile(pot_path)) if os.path.exists(pot_path) else ["  no .pot"]
    po = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
    problems += [f"  {LANG}.po{line}" for line in drift(template, po)]
    known = {entry.msgid: entry.msgstr for entry in po if entry.msgstr and not entry.obsolete}
    problems += [f"  untranslated: {entry.msgid!r}" for entry in template if entry.msgid not in known]
    problems += untranslated_selections(env, addon, known)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("action", choices=("sync", "check"))
    bootstrap.add_connection_args(parser)
    parser.add_argument("--addons", nargs="+", default=odoo_check.suite_addons())
    args = parser.parse_args(argv)
    odoo = odoo_check.require_odoo()
    registry = bootstrap.open_registry(args)
    failed = False
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        for addon in args.addons:
            folder = os.path.join(odoo_check.REPO, addon, "i18n")
            pot_path = os.path.join(folder, f"{addon}.pot")
            po_path = os.path.join(folder, f"{LANG}.po")
            template = exported_template(cr, addon)
            if args.action == "check":
                problems = check(env, addon, template, pot_path, po_path)
                print(f"{addon}: translations {'OK' if not problems else f'{len(problems)} problems'}")
                print("\n".join(problems[:40]), end="\n" if problems else "")
                failed = failed or bool(problems)
                continue
            differences = (
                drift(template, polib.pofile(pot_path)) if os.path.exists(pot_path) else ["  no .pot"]
            )
            old_po = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
            template.save(pot_path)
            po, untranslated = translated(exported_template(cr, addon), old_po)
            po.save(po_path)
            print(
                f"{addon}: {len(template)} entries, {len(differences)} fixed in the .pot, "
                f"{len(untranslated)} without a {LANG} translation"
            )
            for msgid in untranslated[:40]:
                print(f"  untranslated: {msgid!r}")
        # check writes nothing: the zh_CN terms it loaded are rolled back
        cr.rollback()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
