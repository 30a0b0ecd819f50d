#!/usr/bin/env python3
"""Generate each addon's README.rst from its readme/*.md fragments (OCA layout).

python3 tools/gen_readme.py          # rewrite README.rst of every addon
python3 tools/gen_readme.py --check  # exit 1 when a README.rst is stale
"""

import ast
import io
import os
import sys

import docutils.core

if not __package__:  # run as a file (python3 tools/x.py): import tools/ as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tools import odoo_check

SECTIONS = [
    ("DESCRIPTION.md", None),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
    ("ROADMAP.md", "Known issues / Roadmap"),
    ("CONTRIBUTORS.md", "Contributors"),
]


def heading(text, char):
    return f"{text}\n{char * len(text)}\n"


def convert(markdown):
    """Markdown fragment -> reStructuredText lines.

    Headings become bold lines, tables and code fences literal blocks; lists
    and paragraphs are already valid reStructuredText.
    """
    out = []
    literal = False
    for line in markdown.splitlines():
        if line.startswith("```"):
            literal = not literal
            out.extend(["::", ""] if literal else [""])
            continue
        if literal:
            out.append(f"    {line}")
        elif line.startswith("|"):
            if not out or not out[-1].startswith("    |"):
                out.extend(["", "::", ""])
            out.append(f"    {line}")
        else:
            if out and out[-1].startswith("    |") and line.strip():
                out.append("")
            stripped = line.lstrip("#").strip()
            out.append(f"**{stripped}**" if line.startswith("#") and stripped else line.replace("`", "``"))
    return out


def render(addon):
    path = os.path.join(odoo_check.REPO, addon)
    with open(os.path.join(path, "__manifest__.py"), encoding="utf-8") as fh:
        manifest = ast.literal_eval(fh.read())
    title = manifest["name"]
    parts = [
        "=" * len(title),
        title,
        "=" * len(title),
        "",
        f".. |license| image:: https://img.shields.io/badge/licence-{manifest.get('license', 'LGPL-3').replace('-', '--')}-blue.png",
        "",
        "|license|",
        "",
        "This file is generated from ``readme/*.md`` by ``tools/gen_readme.py``.",
        "",
    ]
    for filename, title_text in SECTIONS:
        fragment = os.path.join(path, "readme", filename)
        if not os.path.exists(fragment):
            continue
        with open(fragment, encoding="utf-8") as fh:
            body = fh.read().strip()
        if title_text:
            parts.append(heading(title_text, "="))
        parts.extend(convert(body))
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def rst_warnings(text):
    """What docutils reports on the text (Odoo renders README.rst with it and logs these)."""
    stream = io.StringIO()
    docutils.core.publish_doctree(text, settings_overrides={"warning_stream": stream, "report_level": 2})
    return stream.getvalue().strip()


def main(argv):
    stale = []
    broken = []
    for addon in odoo_check.suite_addons():
        target = os.path.join(odoo_check.REPO, addon, "README.rst")
        text = render(addon)
        warnings = rst_warnings(text)
        if warnings:
            broken.append(f"{addon}/README.rst (from readme/*.md):\n{warnings}")
        current = open(target, encoding="utf-8").read() if os.path.exists(target) else None
        if current != text:
            stale.append(addon)
            if "--check" not in argv:
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(text)
    if broken:
        print("\n".join(broken))
        return 1
    if "--check" in argv and stale:
        print(f"README.rst out of date in: {', '.join(stale)} (run python3 tools/gen_readme.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
