"""SMP bring-up tests: every vCPU QEMU is given comes up, with the APIC IDs and topology QEMU
gave it, in xAPIC and x2APIC mode; parking with HLT and (under TCG, which offers it) MWAIT.

Accelerators: KVM when usable (the hypervisor users run; it also checks that the privileged paths
work where CPL0 is emulated), TCG otherwise; the MWAIT case always uses TCG with -cpu max, the only
CPU model here that offers MONITOR/MWAIT to the guest. The machine is tf-run's default, microvm,
which starts the kernel without PC firmware: firmware is slow where real mode is emulated."""
import re
import sys
import unittest

import tfqemu
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

    def default_mode(self):
        """KVM's host CPU model offers x2APIC; TCG's max does not in QEMU 7.2."""
        return "x2APIC" if self.accel() == "kvm" else "xAPIC"

    def accel(self):
        return "kvm" if ACCEL != "tcg" and kvm_usable() else "tcg"

    def test_topologies(self):
        for s, c, t in ((1, 1, 1), (1, 2, 1), (1, 2, 2), (2, 3, 1), (2, 2, 2)):
            with self.subTest(f"{s}x{c}x{t}"):
                b = self.boot_topology(s, c, t)
                self.check(b, s, c, t, self.default_mode())

    def test_topologies_xapic(self):
        """xAPIC on a CPU that offers x2APIC, by the boot option. (QEMU's -cpu ...,-x2apic is no
        way to get there under PVM: its CPUID still offers x2APIC, and enabling it faults.)"""
        if self.default_mode() == "xAPIC":
            tfqemu.skip_for_hardware("an x2APIC (xAPIC is the default here, covered by "
                                     "test_topologies)")
        for s, c, t in ((1, 2, 2), (2, 3, 1), (2, 2, 2)):
            with self.subTest(f"{s}x{c}x{t}"):
                b = self.boot_topology(s, c, t, extra=["tf.x2apic=off"])
                self.check(b, s, c, t, "xAPIC")

    def test_park_policies(self):
        b = self.boot_topology(1, 2, 1)
        self.assertRegex(b.output, r"taskfarm: park (hlt|mwait) after 50 us of spinning")
        b = self.boot_topology(1, 2, 1, extra=["tf.park=spin", "tf.spin_us=7"])
        self.assertIn("taskfarm: park spin after 7 us of spinning", b.output)

    def test_mwait_under_tcg(self):
        b = self.boot_topology(1, 2, 2, cpu="max", accel="tcg")
        self.assertIn("taskfarm: park mwait after", b.output)
        self.check(b, 1, 2, 2, "xAPIC")


class X2apicPast255Test(unittest.TestCase):
    """A CPU whose APIC ID does not fit in 8 bits: only x2APIC addresses it, and QEMU gives one
    only with interrupt remapping in extended mode (intel-iommu eim=on, which needs the split
    irqchip). One CPU at boot, plus a hot-added one on socket 1, core 130 of 2 x 144 cores: QEMU
    numbers APIC IDs socket << 8 | core (8 bits for 144 cores, none for one thread), so 386.
    KVM only: TCG refuses APIC IDs past 255."""

    QEMU = ["-M", "q35,kernel-irqchip=split", "-device", "intel-iommu,intremap=on,eim=on",
            "-smp", "1,maxcpus=288,sockets=2,cores=144",
            "-device", "host-x86_64-cpu,socket-id=1,core-id=130,thread-id=0"]
    APIC_ID = (1 << 8) | 130

    def test_tasks_run_on_a_cpu_with_apic_id_386(self):
        if ACCEL == "tcg" or not kvm_usable():
            tfqemu.skip_for_hardware("KVM (TCG refuses APIC IDs past 255)")
        args = ["--accel", "kvm", "--cpu", "host,-arch-capabilities"]
        for a in self.QEMU:
            args += ["--qemu-arg", a]
        b = boot(image("test", "images", "api"), "where", accel="kvm", timeout=120,
                 tf_run_args=args)
        self.assertEqual(b.code, 0, b)
        self.assertIn("taskfarm: 2 CPUs online (x2APIC)", b.output)
        rows = [tuple(int(x) for x in m.groups()) for m in TABLE_ROW.finditer(b.output)]
        self.assertEqual(rows, [(0, 0, 0, 0, 0), (1, self.APIC_ID, 1, 130, 0)], b)
        self.assertIn(f"api: task 0 ran on cpu 1, apic {self.APIC_ID}, package 1, core 130, "
                      f"thread 0, x2apic id {self.APIC_ID}\n", b.output)
        self.assertIn("api: ok", b.output)


if __name__ == "__main__":
    tfqemu.main()
