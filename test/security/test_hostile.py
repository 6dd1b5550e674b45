"""Security tests: hostile CPL3 programs (test/security/hostile*.c) that try to reach the CPL0
core or take a CPU away from the runtime. Each boots the hostile image, lets its tasks do their
worst on every CPU, and checks that the core contained them (no exception report, no hang: a
CPU that never comes back makes the guest time out) and that every CPU still runs tasks.

Accelerators: the default one (KVM when usable, TCG otherwise), since what a hypervisor runs
natively at CPL3 (PVM: the host CPU's FSGSBASE, say) is part of what is tested."""
import re
import unittest

import tfqemu
from tfqemu import boot, image

SMP = ["--smp", "2"]
TIMEOUT = 30  # seconds; a contained guest exits in about one


def hostile(*args, tf_run_args=SMP):
    return boot(image("test", "security", "hostile"), *args, timeout=TIMEOUT,
                tf_run_args=tf_run_args)


class Contained(unittest.TestCase):
    """Checks shared by the tests: what every contained run shows."""

    def assert_contained(self, b, rounds):
        self.assertEqual(b.code, 0, b)
        self.assertNotIn("*** CPU exception", b.output, b)
        self.assertNotIn("*** unexpected", b.output.replace("unexpected interrupt", ""), b)
        self.assertIn("normal: every CPU ran a task", b.output, b)
        cpus = int(re.search(r"hostile: \S+ on (\d+) CPUs", b.output).group(1))
        for name in rounds:
            for i in range(cpus):
                self.assertRegex(b.output, rf"\n{name} {i}: (returned|fault|error) ", b)

    def outcome(self, b, name):
        """Every task of a round ended the same way: that way ("fault 14", "returned 1", ...)."""
        found = set(re.findall(rf"\n{name} \d+: (\w+ -?\d+)", b.output))
        self.assertEqual(len(found), 1, f"{name}: {found}\n{b}")
        return found.pop()


class GsBaseTest(Contained):
    """A task that changes its GS base (the runtime's per-CPU block) is ended or returns, and
    its CPU gets the runtime's GS back; it used to hang its CPU in the fault recovery, which
    reads the context through GS."""

    def test_selector_load(self):
        b = hostile("gs-selector")
        self.assert_contained(b, ["selector-return", "selector-fault"])
        self.assertEqual(self.outcome(b, "selector-return"), "fault 14")  # GS base 0: page 0
        self.assertEqual(self.outcome(b, "selector-fault"), "fault 6")

    def test_set_user_gs(self):
        b = hostile("gs-syscall")
        self.assert_contained(b, ["syscall-zero-return", "syscall-zero-fault",
                                  "syscall-other-block", "syscall-non-canonical"])
        self.assertEqual(self.outcome(b, "syscall-zero-return"), "fault 14")
        self.assertEqual(self.outcome(b, "syscall-zero-fault"), "fault 6")
        self.assertEqual(self.outcome(b, "syscall-other-block"), "fault 13")
        # WRMSR of a non-canonical base would raise #GP at CPL0: refused
        self.assertEqual(self.outcome(b, "syscall-non-canonical"), "returned -22")

    def test_wrgsbase(self):
        """#UD where CR4.FSGSBASE is off; where the hypervisor runs CPL3 on a host CPU that has
        it on (PVM), the base changes and the task ends with the page fault at GS 0."""
        b = hostile("gs-wrgsbase")
        self.assert_contained(b, ["wrgsbase-return", "wrgsbase-fault"])
        self.assertIn(self.outcome(b, "wrgsbase-return"), ("fault 6", "fault 14"))
        self.assertEqual(self.outcome(b, "wrgsbase-fault"), "fault 6")


if __name__ == "__main__":
    tfqemu.main()
