"""SMP bring-up tests: every vCPU QEMU is given comes up, with the APIC IDs and topology QEMU
gave it, in xAPIC and x2APIC mode; parking with HLT and (under TCG, which offers it) MWAIT.

Accelerators: KVM when usable (the hypervisor users run; it also checks that the privileged paths
work where CPL0 is emulated), TCG otherwise; the MWAIT case always uses TCG with -cpu max, the only
CPU model here that offers MONITOR/MWAIT to the guest."""
import re
import sys
import unittest

from tfqemu import ACCEL, boot, image, kvm_usable

TABLE_ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.M)


def expected_topology(sockets, cores, threads):
    """QEMU's APIC IDs: thread, core and socket fields, each as wide as its count needs."""
    def bits(n):
        return (n - 1).bit_length()
    tb, cb = bits(threads), bits(cores)
    cpus = []
    for s in range(sockets):
        for c in range(cores):
            for t in range(threads):
                cpus.append(((s << (cb + tb)) | (c << tb) | t, s, c, t))
    return sorted(cpus)


class SmpTest(unittest.TestCase):
    def boot_topology(self, sockets, cores, threads, cpu=None, accel=None, extra=()):
        args = ["--smp", str(sockets * cores * threads), "--sockets", str(sockets), "--cores",
                str(cores), "--threads", str(threads), "-m", "256M"]
        if cpu:
            args += ["--cpu", cpu]
        b = boot(image("examples", "hello", "hello"), *extra, accel=accel, timeout=120,
                 tf_run_args=args)
        self.assertEqual(b.code, 0, b)
        return b

    def check(self, b, sockets, cores, threads, mode):
        n = sockets * cores * threads
        self.assertIn(f"taskfarm: {n} CPU{'s' if n > 1 else ''} online ({mode})", b.output)
        rows = [tuple(int(x) for x in m.groups()) for m in TABLE_ROW.finditer(b.output)]
        self.assertEqual([r[0] for r in rows], list(range(n)), b)
        got = sorted((apic, pkg, core, thr) for _, apic, pkg, core, thr in rows)
        self.assertEqual(got, expected_topology(sockets, cores, threads), b)
        self.assertEqual(rows[0][1], 0, "CPU 0 is the BSP (APIC ID 0 on QEMU)")
        self.assertNotIn("did not start", b.output)

    def cpu_model(self, x2apic):
        if ACCEL == "tcg" or not kvm_usable():
            return None  # TCG's max: xAPIC only in QEMU 7.2
        return "host,-arch-capabilities," + ("+x2apic" if x2apic else "-x2apic")

    def test_topologies_x2apic_or_default(self):
        for s, c, t in ((1, 1, 1), (1, 2, 1), (1, 2, 2), (2, 3, 1), (2, 2, 2)):
            with self.subTest(f"{s}x{c}x{t}"):
                cpu = self.cpu_model(True)
                b = self.boot_topology(s, c, t, cpu=cpu)
                self.check(b, s, c, t, "x2APIC" if cpu else "xAPIC")

    def test_topologies_xapic(self):
        if not self.cpu_model(False):
            self.skipTest("xAPIC is the only mode here; covered by the other test")
        for s, c, t in ((1, 2, 2), (2, 3, 1), (2, 2, 2)):
            with self.subTest(f"{s}x{c}x{t}"):
                b = self.boot_topology(s, c, t, cpu=self.cpu_model(False))
                self.check(b, s, c, t, "xAPIC")

    def test_x2apic_off_option(self):
        cpu = self.cpu_model(True)
        if not cpu:
            self.skipTest("no x2APIC CPU model here")
        b = self.boot_topology(1, 2, 2, cpu=cpu, extra=["tf.x2apic=off"])
        self.check(b, 1, 2, 2, "xAPIC")

    def test_park_policies(self):
        b = self.boot_topology(1, 2, 1)
        self.assertRegex(b.output, r"taskfarm: park (hlt|mwait) after 50 us of spinning")
        b = self.boot_topology(1, 2, 1, extra=["tf.park=spin", "tf.spin_us=7"])
        self.assertIn("taskfarm: park spin after 7 us of spinning", b.output)

    def test_mwait_under_tcg(self):
        b = self.boot_topology(1, 2, 2, cpu="max", accel="tcg")
        self.assertIn("taskfarm: park mwait after", b.output)
        self.check(b, 1, 2, 2, "xAPIC")


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv)
