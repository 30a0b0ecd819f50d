"""What the privacy benchmarks share: inserting many customers set-based
(connection options and Odoo's bootstrap: tools/bootstrap.py)."""

from odoo.tools import SQL


def insert_customers(env, count, template, overrides):
    """``count`` copies of the ``template`` partner row in one INSERT (whatever
    columns the installed modules add), with the ``overrides`` column
    expressions (SQL over the series number ``n``)."""
    cr = env.cr
    env.flush_all()
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name != 'id'"
        )
    )
    columns = [row[0] for row in cr.fetchall()]
    overrides = {"commercial_partner_id": SQL("NULL"), **overrides}
    cr.execute(
        SQL(
            "INSERT INTO res_partner (%s) SELECT %s FROM res_partner t, generate_series(1, %s) AS n WHERE t.id = %s",
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(overrides.get(c, SQL.identifier("t", c)) for c in columns),
            count,
            template.id,
        )
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE commercial_partner_id IS NULL")
    cr.execute("ANALYZE res_partner")
    env.invalidate_all()
