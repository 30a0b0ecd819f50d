"""tools/test.py's runner returns when Odoo exits, whatever it left behind."""

import os
import tempfile
import threading
import unittest

from tools import test as test_command


def alive(pid):
    """Whether ``pid`` still runs (a killed child not yet reaped by init is a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


class TestRunOdoo(unittest.TestCase):
    def test_returns_when_the_process_exits_leaving_a_child(self):
        """A browser left by a tour kept the log pipe open and the runner
        waited for it forever; the child is now killed with Odoo's group."""
        script = "sleep 300 & echo child $!; echo done; exit 3"
        result = {}
        with tempfile.TemporaryDirectory() as folder:
            log = os.path.join(folder, "odoo.log")
            runner = threading.Thread(
                target=lambda: result.update(out=test_command.run_odoo(["bash", "-c", script], log, False)),
                daemon=True,
            )
            runner.start()
            runner.join(120)  # liveness, not speed: the old runner waited for the child's 300 s
            self.assertFalse(runner.is_alive(), "the runner still waits for the left-over child")
        lines, returncode = result["out"]
        self.assertEqual(returncode, 3)
        self.assertIn("done\n", lines)
        child = int(lines[0].split()[1])
        self.assertFalse(alive(child), "the left-over child still runs")


if __name__ == "__main__":
    unittest.main()
