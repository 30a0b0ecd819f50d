"""The generator's SQL writers: rows formatted as PostgreSQL COPY text, loaded in chunks,
with ids taken from the tables' own sequences."""

import io
import json
import queue
import threading
import time

from odoo.tools import SQL
from tools.datagen_plan import DatagenError


def _copy_text(value):
    """Value -> PostgreSQL COPY text representation."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyPipe:
    """Runs the COPY statements in a second thread while the next rows are formatted.

    PostgreSQL parses and indexes the rows on one core while Python formats the
    next chunk on the other.  Only the pipe's thread uses the cursor between two
    ``join()`` calls; the generator joins before it runs any other query.
    """

    def __init__(self, cr, enabled=True):
        self.cr = cr
        self.enabled = enabled
        self.error = None
        self.queue = queue.Queue(maxsize=2) if enabled else None
        self.thread = None
        if enabled:
            self.thread = threading.Thread(target=self._work, name="datagen-copy", daemon=True)
            self.thread.start()

    def _work(self):
        while True:
            item = self.queue.get()
            try:
                if item is None:
                    return
                if self.error is None:
                    self._copy(*item)
            except Exception as exc:  # re-raised in the main thread
                self.error = exc
            finally:
                self.queue.task_done()

    def _copy(self, loader, text, count):
        start = time.perf_counter()
        self.cr._obj.copy_expert(loader.query, io.StringIO(text), size=1 << 20)
        loader.rows += count
        loader.seconds += time.perf_counter() - start

    def put(self, loader, text, count):
        if self.error is not None:
            raise self.error
        if self.enabled:
            self.queue.put((loader, text, count))
        else:
            self._copy(loader, text, count)

    def join(self):
        if self.enabled:
            self.queue.join()
        if self.error is not None:
            raise self.error

    def close(self):
        if self.enabled and self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error


class Loader:
    """COPY rows into one table; ids come from the table's own sequence."""

    def __init__(self, env, model_name, columns, pipe, table=None, extra=None):
        self.env = env
        self.cr = env.cr
        self.pipe = pipe
        self.columns = list(columns)
        if model_name:
            Model = env[model_name]
            self.table = Model._table
            extra_cols, extra_vals = _default_columns(Model, set(self.columns))
        else:
            self.table = table
            extra_cols, extra_vals = extra or ([], [])
        self.extra_cols = extra_cols
        # constant suffix appended to each row: defaults of columns we do not set
        self.suffix = "".join("\t" + v.replace("%", "%%") for v in extra_vals)
        self.query = SQL(
            "COPY %s (%s) FROM STDIN",
            SQL.identifier(self.table),
            SQL(", ").join(SQL.identifier(c) for c in self.columns + self.extra_cols),
        ).code
        self.rows = 0
        self.seconds = 0.0  # in COPY (PostgreSQL parsing, storing, indexing)
        self.format_seconds = 0.0  # in Python, building the rows

    def reserve_ids(self, count):
        """Take ``count`` consecutive ids from the table's id sequence."""
        if count <= 0:
            return 0
        self.pipe.join()  # the cursor is ours again
        seq = "%s_id_seq" % self.table
        # nextval() gives the first id; setval() moves the sequence past the block.
        self.cr.execute(SQL("SELECT nextval(%s)", seq))
        first = self.cr.fetchone()[0]
        self.cr.execute(SQL("SELECT setval(%s, %s)", seq, first + count - 1))
        return first

    def copy(self, fmt, rows, count):
        """Queue the rows (tuples formatted with ``fmt``, one per line) for COPY."""
        if not count:
            return
        start = time.perf_counter()
        line_fmt = fmt + self.suffix + "\n"
        text = "".join(map(line_fmt.__mod__, rows))
        self.format_seconds += time.perf_counter() - start
        self.pipe.put(self, text, count)


def _default_columns(Model, filled):
    """Columns Odoo would fill from field defaults at create(), as constant COPY values.

    Covers fields added by any installed addon (e.g. a NOT NULL selection with a
    default), so raw inserts produce the same rows ``create()`` would.
    """
    candidates = [
        f
        for f in Model._fields.values()
        if f.store
        and f.column_type
        and not f.compute
        and not f.related
        and not f.company_dependent
        and f.name not in filled
        and f.name != "id"
        and f.type not in ("one2many", "many2many", "binary")
    ]
    defaults = Model.default_get([f.name for f in candidates]) if candidates else {}
    cols, vals = [], []
    for f in candidates:
        if f.name not in defaults:
            if f.required:
                raise DatagenError(
                    "%s.%s is required but has no default: the generator cannot fill it"
                    % (Model._name, f.name)
                )
            continue
        value = defaults[f.name]
        if f.type in ("date", "datetime"):
            continue  # time-dependent defaults are set by the generator where needed
        if f.type == "boolean":
            value = bool(value)
        elif value is False:
            value = None
        elif f.translate and value is not None:
            value = {"en_US": value}
        elif f.type == "many2one" and value is not None and not isinstance(value, int):
            value = value.id if hasattr(value, "id") else value
        cols.append(f.name)
        vals.append(_copy_text(value))
    return cols, vals
