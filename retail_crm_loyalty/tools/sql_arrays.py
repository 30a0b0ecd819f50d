"""Integer arrays as query parameters."""

from odoo.tools import SQL


def int_array(values):
    """``values`` (ints or None) as one ``int[]`` parameter.

    psycopg2 sends a Python list as ``ARRAY[1, 2, ...]``: PostgreSQL then
    parses and plans one expression per element, which the review pays on
    every batch (nine arrays of 5,000 members). The text form ``'{1,2,...}'``
    is a single constant. ``int()`` keeps anything but integers out.
    """
    return SQL(
        "%s::int[]", "{%s}" % ",".join("NULL" if value is None else str(int(value)) for value in values)
    )


def text_array(values):
    """``values`` (strings or None) as one ``varchar[]`` parameter, in the
    text form of :func:`int_array` (each element quoted, ``"`` and ``\\``
    escaped as PostgreSQL's array syntax requires)."""
    return SQL(
        "%s::varchar[]",
        "{%s}"
        % ",".join(
            "NULL" if value is None else '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')
            for value in values
        ),
    )
