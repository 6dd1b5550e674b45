"""The public API's documented errors and figures in the guest (test/images/api.c), and the exit
statuses tf-run documents for abort() and a fatal signal (94).

Accelerator: KVM when usable, TCG otherwise; the checks do not depend on speed."""
import unittest

import tfqemu
from tfqemu import boot, image

EXIT_SIGNAL = 94  # tools/tf-run --help: "the guest called abort() or raised a fatal signal"


class ApiTest(unittest.TestCase):
    def run_api(self, mode, cpus, *args):
        b = boot(image("test", "images", "api"), mode, *args, timeout=120,
                 tf_run_args=["--smp", str(cpus)])
        self.assertEqual(b.code, 0, b)
        self.assertIn("api: ok", b.output)
        self.assertNotIn("FAILED", b.output)
        return b

    def test_errors_on_one_and_two_cpus(self):
        """With one CPU every task runs on the bootstrap CPU inside a wait: still TF_EPERM"""
        for cpus in (1, 2):
            with self.subTest(cpus=cpus):
                b = self.run_api("errors", cpus)
                # one CPU: the task runs on the bootstrap CPU; two: the idle worker takes it
                self.assertIn(f"api: network calls from a task on cpu {cpus - 1} checked",
                              b.output)

    def test_cpu_stats_move(self):
        self.run_api("stats", 2, "tf.park=hlt", "tf.spin_us=0")


class SignalExitTest(unittest.TestCase):
    def test_abort_exits_94(self):
        b = boot(image("test", "images", "api"), "abort")
        self.assertEqual(b.code, EXIT_SIGNAL, b)
        self.assertNotIn("api: ok", b.output)

    def test_fatal_signal_exits_94(self):
        b = boot(image("test", "images", "api"), "raise")
        self.assertEqual(b.code, EXIT_SIGNAL, b)


if __name__ == "__main__":
    tfqemu.main()
