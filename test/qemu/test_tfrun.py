"""tf-run as a command: its exit-status table (tools/tf-run --help), and what it does with the
signals that end it. The guest's own statuses are in test_boot.py.

Accelerator: KVM when usable, TCG otherwise (the guests here only start and stop)."""
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import tfqemu
from tfqemu import ACCEL, TF_RUN, image


def tf_run(*args, env=None, timeout=120):
    return subprocess.run([TF_RUN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, text=True, env=env, timeout=timeout)


def qemu_children(pid):
    """QEMU processes whose parent is `pid`, zombies included"""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


class ExitStatusTest(unittest.TestCase):
    def test_bad_option(self):
        r = tf_run("--no-such-option", image("test", "images", "faults"))
        self.assertEqual(r.returncode, tfqemu.EXIT_TF_RUN_FAILED, r.stderr)
        self.assertIn("--no-such-option", r.stderr)

    def test_missing_image(self):
        r = tf_run("/nonexistent/image")
        self.assertEqual(r.returncode, tfqemu.EXIT_TF_RUN_FAILED, r.stderr)
        self.assertIn("/nonexistent/image: no such image", r.stderr)

    def test_qemu_refuses_its_command(self):
        r = tf_run("--accel", ACCEL, "--qemu-arg=-no-such-qemu-option",
                   image("test", "images", "faults"), "--", "exit", "0")
        self.assertEqual(r.returncode, tfqemu.EXIT_TF_RUN_FAILED, r.stderr)

    def test_qemu_not_found(self):
        env = dict(os.environ, PATH=tempfile.gettempdir())
        r = subprocess.run([sys.executable, TF_RUN, image("test", "images", "faults")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                           timeout=60)
        self.assertEqual(r.returncode, tfqemu.EXIT_QEMU_NOT_FOUND, r.stderr)
        self.assertIn("not found", r.stderr)

    def test_timeout(self):
        r = tf_run("--accel", ACCEL, "--timeout", "2", image("test", "images", "idle"))
        self.assertEqual(r.returncode, tfqemu.EXIT_TIMEOUT, r.stderr)
        self.assertIn("timeout after 2 s", r.stderr)

    def test_help_lists_every_status(self):
        r = tf_run("--help")
        self.assertEqual(r.returncode, 0)
        for status in ("0-93", "94", "95", "96-117", "118", "123", "124", "125", "126", "127",
                       "128+n"):
            self.assertIn(f"\n  {status} ", r.stdout)


class SignalTest(unittest.TestCase):
    """A signal to tf-run stops QEMU, reaps it and ends tf-run with 128 + the signal, also with
    --timeout 0 (where waiting inside the handler used to deadlock)."""

    def check(self, sig, *args):
        p = subprocess.Popen([TF_RUN, "--accel", ACCEL, *args, image("test", "images", "idle")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 30
        while not qemu_children(p.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        qemu = qemu_children(p.pid)
        self.assertTrue(qemu, "QEMU did not start")
        time.sleep(0.5)
        p.send_signal(sig)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            self.fail(f"tf-run did not end after signal {sig}")
        self.assertEqual(rc, 128 + sig, p.stderr.read())
        # stopped, not left running for init to adopt
        deadline = time.monotonic() + 5
        while os.path.exists(f"/proc/{qemu[0]}") and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(os.path.exists(f"/proc/{qemu[0]}"), "QEMU still runs")
        p.stdout.close()
        p.stderr.close()

    def test_sigterm_with_no_timeout(self):
        self.check(signal.SIGTERM, "--timeout", "0")

    def test_sighup(self):
        self.check(signal.SIGHUP, "--timeout", "0")

    def test_sigint(self):
        self.check(signal.SIGINT)

    def start_idle(self, timeout):
        """tf-run with the idle image and --timeout `timeout`, once its QEMU runs: (tf-run, the
        QEMU processes it started)"""
        p = subprocess.Popen([TF_RUN, "--accel", ACCEL, "--timeout", timeout,
                              image("test", "images", "idle")], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 30
        while not qemu_children(p.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        qemu = qemu_children(p.pid)
        self.assertTrue(qemu, "QEMU did not start")
        return p, qemu

    def test_qemu_ends_with_a_killed_tf_run(self):
        """tf-run killed outright (SIGKILL, which it cannot catch or forward): its QEMU does not
        go on running for init to adopt, guest and all."""
        p, qemu = self.start_idle("0")
        p.kill()
        p.wait()
        def running():  # a zombie has ended; whoever adopted it reaps it
            try:
                with open(f"/proc/{qemu[0]}/stat") as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False
        deadline = time.monotonic() + 10
        while running() and time.monotonic() < deadline:
            time.sleep(0.05)
        alive = running()
        if alive:
            os.kill(qemu[0], signal.SIGKILL)
        self.assertFalse(alive, "QEMU outlived tf-run")
        p.stdout.close()
        p.stderr.close()

    def test_qemu_killed_from_outside(self):
        """QEMU ended by a signal tf-run did not send (kill -9, the OOM killer): 128 + n, not
        tf-run's own failure (125) and not a reset (123)."""
        p, qemu = self.start_idle("60")
        os.kill(qemu[0], signal.SIGKILL)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            self.fail("tf-run did not end after QEMU was killed")
        self.assertEqual(rc, 128 + signal.SIGKILL, p.stderr.read())
        p.stdout.close()
        p.stderr.close()


class UdpForwardTest(unittest.TestCase):
    def test_bind_address(self):
        """--udp ADDR:HOST:GUEST binds the forward on ADDR; HOST:GUEST stays on 127.0.0.1."""
        r = tf_run("--dry-run", "--udp", "127.0.0.2:7071:7070", "--udp", "7072:7070",
                   image("test", "images", "idle"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("hostfwd=udp:127.0.0.2:7071-:7070", r.stderr)
        self.assertIn("hostfwd=udp:127.0.0.1:7072-:7070", r.stderr)


if __name__ == "__main__":
    tfqemu.main()
