"""Security tests: hostile CPL3 programs (test/security/hostile*.c) that try to reach the CPL0
core or take a CPU away from the runtime. Each boots the hostile image, lets its tasks do their
worst on every CPU, and checks that the core contained them (no exception report, no hang: a
CPU that never comes back makes the guest time out) and that every CPU still runs tasks.

Accelerators: the default one (KVM when usable, TCG otherwise), since what a hypervisor runs
natively at CPL3 (PVM: the host CPU's FSGSBASE, say) is part of what is tested."""
import re
import socket
import subprocess
import threading
import time
import unittest

import tfqemu
from tfqemu import boot, image
from tflib import free_udp_port

GUEST_PORT = 7070  # HOSTILE_PORT of hostile_irq.c

SMP = ["--smp", "2"]
TIMEOUT = 30  # seconds; a contained guest exits in about one


def hostile(*args, tf_run_args=SMP):
    return boot(image("test", "security", "hostile"), *args, timeout=TIMEOUT,
                tf_run_args=tf_run_args)


def read_console(pipe, chunks, ready, text=b"hostile: ready\n"):
    """Collects the console into `chunks`; sets `ready` once `text` has gone by."""
    seen = b""
    for chunk in iter(lambda: pipe.read1(65536), b""):
        chunks.append(chunk)
        seen = (seen + chunk.replace(b"\r\n", b"\n"))[-4096:]
        if text in seen:
            ready.set()


def hostile_with_card(*args, smp=1, tf_run_args=()):
    """Boots the hostile image with a network card whose guest port 7070 is forwarded from a
    free host port; once the guest says "hostile: ready", sends it a datagram every 0.2 s
    until it exits."""
    port = free_udp_port()
    cmd = [tfqemu.TF_RUN, "--accel", tfqemu.ACCEL, "--timeout", str(TIMEOUT), "--smp", str(smp),
           "--udp", f"{port}:{GUEST_PORT}", *tf_run_args, image("test", "security", "hostile"),
           "--", *args]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    chunks, ready = [], threading.Event()
    reader = threading.Thread(target=read_console, args=(proc.stdout, chunks, ready),
                              daemon=True)
    reader.start()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        while proc.poll() is None:
            if ready.wait(0.2):
                s.sendto(b"hostile", ("127.0.0.1", port))
                time.sleep(0.2)  # once set, wait() no longer waits: not a flood
    reader.join()
    out = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    return tfqemu.Boot(out, proc.returncode, time.monotonic() - start, cmd)


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


STARTUP_CALLS = ["SET_POWEROFF", "KVMCLOCK", "PIT_CALIBRATE", "SMP_SETUP", "GUARD_PAGE",
                 "FAULT_SETUP", "STARTUP_DONE", "PCI_ECAM", "PCI_WRITE"]
EPERM, EFAULT, EINVAL, ENOSYS = -1, -14, -22, -88


class PlatformCallTest(Contained):
    """The calls that change the platform under every CPU are the runtime's start-up's: refused
    from main and from tasks once it is over. They used to be open to any caller: a task could
    claim the power-off port, unmap pages the core reads, reset another CPU with INIT."""

    def test_startup_calls_are_refused_afterwards(self):
        b = hostile("startup-calls")
        self.assert_contained(b, ["calls", "smp-start"])
        cpus = int(re.search(r"on (\d+) CPUs", b.output).group(1))
        for who in [f"task {i}" for i in range(cpus)] + ["main"]:
            for call in STARTUP_CALLS:
                self.assertIn(f"\n{who} {call}: {EPERM}\n", b.output, b)
        self.assertEqual(self.outcome(b, "smp-start"), "returned 0")  # INIT and SIPI refused
        self.assertNotIn("a fault resumed where a task said", b.output)

    def test_unmapping_the_fault_context_is_refused(self):
        """The core reads the fault context's armed word when a task faults: unmapped, that was
        a page fault at CPL0 that stopped the machine."""
        b = hostile("guard-armed")
        self.assert_contained(b, ["guard-armed"])
        self.assertEqual(self.outcome(b, "guard-armed"), "fault 6")
        self.assertRegex(b.output, rf"guard-armed on CPU \d+: GUARD_PAGE returned {EPERM}\n")
        self.assertNotRegex(b.output, r"GUARD_PAGE returned (?!-1\n)")

    def test_mmio_map_refuses_ram(self):
        b = hostile("mmio-heap")
        self.assert_contained(b, [])
        self.assertIn(f"MMIO_MAP heap: {EPERM}\n", b.output, b)
        self.assertIn(f"MMIO_MAP image: {EPERM}\n", b.output, b)

    def test_port_range_does_not_wrap(self):
        b = hostile("port-wrap")
        self.assert_contained(b, [])
        for w in (1, 2, 4):
            self.assertIn(f"PORT_READ(-{w}, {w}): {EINVAL}\n", b.output, b)
            self.assertIn(f"PORT_WRITE(-{w}, {w}): {EINVAL}\n", b.output, b)

    def test_buffer_range_does_not_wrap(self):
        """A buffer that starts below 4 GiB and runs past it is refused, also one so long that
        its end wraps past 2^64: the core would have written out the top of the address space
        and then faulted at CPL0."""
        b = hostile("buffer-wrap")
        self.assert_contained(b, [])
        self.assertIn(f"WRITE past 4 GiB: {EFAULT}\n", b.output, b)
        self.assertIn(f"WRITE wrapping: {EFAULT}\n", b.output, b)

    def test_no_selftest_faults_in_production_images(self):
        """KABI_SYS_SELFTEST_FAULT exists only in the test suite's core: in an image linked like
        a user's it used to fault at CPL0 and stop the machine."""
        b = boot(image("test", "security", "hostile-production"), "selftest", timeout=TIMEOUT)
        self.assertEqual(b.code, 0, b)
        self.assertIn(f"SELFTEST_FAULT: {ENOSYS}\n", b.output, b)
        self.assertNotIn("*** CPU exception", b.output, b)


class InterruptVectorTest(Contained):
    """Interrupts on exception vectors: an interrupt is acknowledged and ignored, never taken
    for an exception. Vector 17 (#AC) pushes an error code as an exception and none as an
    interrupt; vectors 16 (#MF) and 19 (#XM) none either way, and are exceptions only with an
    x87 or SSE error pending. CPL3 used to send these through the network card's MSI-X table;
    that table is the core's now (PciConfigTest), so the test suite's core sends them
    (SELFTEST_IRQ, a fixed IPI: what an MSI-X message or a DMA write to the MSI range
    delivers). Each arrives at CPL3 inside a task, at CPL0 in the halt of a receive, and at
    CPL0 in the core's short park path with a GS base the task set to 0 (each time a task on
    another CPU sends it once the target halts)."""

    def check(self, b, vector, line):
        self.assert_contained(b, [])
        self.assertIn(line, b.output, b)
        self.assertIn(f"*** unexpected interrupt, vector {vector}, ", b.output, b)

    def test_exceptions_on_those_vectors_stay_exceptions(self):
        b = hostile("fp-exceptions")
        self.assert_contained(b, ["x87-divide", "sse-divide"])
        self.assertEqual(self.outcome(b, "x87-divide"), "fault 16")
        # QEMU's TCG (7.2) does not raise #XM for SSE exceptions: the division just returns
        tcg = tfqemu.ACCEL == "tcg" or (tfqemu.ACCEL == "auto" and not tfqemu.kvm_usable())
        self.assertIn(self.outcome(b, "sse-divide"),
                      ("fault 19", "returned 1") if tcg else ("fault 19",))
        self.assertNotIn("unexpected interrupt", b.output)

    def test_in_a_task(self):
        for vector in (16, 17, 19):
            with self.subTest(vector=vector):
                b = hostile("irq-task", str(vector))
                self.check(b, vector, "irq-task: returned 42\n")

    def test_in_a_receive(self):
        for vector in (16, 17, 19):
            with self.subTest(vector=vector):
                b = hostile("irq-wait", str(vector))
                self.check(b, vector, "irq-wait: woke (0)\n")
                self.assertIn("irq-wait helper: returned 2\n", b.output, b)

    def test_in_the_park_path_with_a_user_gs(self):
        for vector in (16, 17, 19):
            with self.subTest(vector=vector):
                # tf.park=hlt: the short park path (MWAIT goes the long way)
                b = hostile("irq-park", str(vector), "tf.park=hlt")
                self.assert_contained(b, ["irq-park"])
                self.assertIn(f"*** unexpected interrupt, vector {vector}, ", b.output, b)
                self.assertRegex(b.output, r"\nirq-park \d: fault 14\n", b)  # the GS-0 task
                self.assertRegex(b.output, r"\nirq-park \d: returned 2\n", b)

    def test_no_selftest_interrupts_in_production_images(self):
        b = boot(image("test", "security", "hostile-production"), "selftest", timeout=TIMEOUT)
        self.assertEqual(b.code, 0, b)
        self.assertIn(f"SELFTEST_IRQ: {ENOSYS}\n", b.output, b)


class PciConfigTest(Contained):
    """The network card's PCI configuration and MSI-X table are the core's (hostile_pci.c).
    CPL3 could write configuration space (through the ECAM pages or PCI_WRITE) and the MSI-X
    table: move the BAR of the common configuration to where it maps it, turn bus mastering
    on for any device, have the card send an NMI or vector 3. Now every configuration write
    after start-up is refused, bus mastering and the card's MSI-X capability even before, the
    ECAM pages are supervisor-only, and a store into the MSI-X table faults; the card keeps
    its BAR, bus mastering and MSI-X, and still receives. On the old core the calls return 0
    and the stores go through."""

    def results(self, b):
        return dict(re.findall(r"(?m)^pci-config (\S+): (-?\w+)$", b.output))

    def check(self, b):
        results = self.results(b)
        rounds = ["write-msix-nmi", "write-msix-low"]
        if results.get("ecam") == "yes":
            rounds.append("write-ecam")
            self.assertEqual(results.get("ecam-map"), str(EINVAL), b)
        self.assert_contained(b, rounds)
        for what in ("startup-master", "bar", "master-off", "msix-off", "msix-table-offset",
                     "host-master", "host-same"):
            self.assertEqual(results.get(what), str(EPERM), f"{what}\n{b}")
        self.assertEqual(results.get("msix-entry"), "0", b)  # the core's own message again
        self.assertEqual(results.get("msix-beyond"), str(EINVAL), b)
        for name in rounds:
            self.assertEqual(self.outcome(b, name), "fault 14", name)
        self.assertEqual(results.get("bar-moved"), "0", b)
        self.assertEqual(results.get("master"), "1", b)
        self.assertEqual(results.get("msix-on"), "1", b)
        self.assertRegex(b.output, r"\npci-config: received 7\n", b)
        return results

    def test_default_machine(self):
        """tf-run's default for a card: microvm with pcie=on (ECAM) under KVM, pc under TCG"""
        self.check(hostile_with_card("pci-config", smp=2))

    def test_q35_with_ecam(self):
        results = self.check(hostile_with_card("pci-config", smp=2,
                                               tf_run_args=("--machine", "q35")))
        self.assertEqual(results.get("ecam"), "yes")

    def test_legacy_card(self):
        """The legacy interface's MSI-X table lives in a memory BAR too"""
        b = hostile_with_card("pci-config", smp=2, tf_run_args=(
            "--machine", "q35", "--nic", "virtio-net-pci,disable-modern=on"))
        self.assertRegex(b.output, r"virtio-net at PCI .*legacy interface", b)
        self.check(b)


EBUSY = -16
BAD_BUFFERS = ["core-code", "core-data", "core-stacks", "below-stacks", "descriptors",
               "used-ring", "wrap", "huge", "device-window", "msi"]


class DmaTest(Contained):
    """DMA into the core through the network card (hostile_dma.c). The receive queue's
    descriptors were CPL3's to write: a task could point one at the core's code and have the
    card write a frame there. The core owns the descriptor tables now: it refuses every buffer
    outside user RAM, and a task that writes the table or the used ring directly faults."""

    def test_posts_into_the_core_are_refused(self):
        b = hostile_with_card("dma-post", smp=2)
        self.assert_contained(b, ["post", "write-descriptor", "write-used"])
        results = dict(re.findall(r"(?m)^dma-post (\S+ queue \d+): (-?\d+)$", b.output))
        # the network card's two queues are the first the core gave out
        for q in (0, 1):
            for what in BAD_BUFFERS:
                self.assertEqual(results.get(f"{what} queue {q}"), str(EFAULT), f"{what}\n{b}")
            self.assertEqual(results.get(f"flags queue {q}"), str(EINVAL), b)
        # the receive queue's buffers are fixed slots: any other address is refused
        self.assertEqual(results.get("held queue 0"), str(EFAULT), b)
        for key, rc in results.items():
            self.assertIn(int(rc), (EFAULT, EBUSY, EINVAL), key)
        bound = dict(re.findall(r"(?m)^dma-bound (\S+): (-?\d+)$", b.output))
        self.assertEqual(bound, {
            "bind-again": str(EBUSY),  # the card's receive queue is bound already
            "fill": "64", "overfill": str(EBUSY),  # a 64-entry ring of 4 slots takes 64, no more
            "put-slot": str(EINVAL), "put-long": str(EFAULT), "put-huge": str(EFAULT),
            "put-empty": str(EFAULT), "put-none": str(EINVAL), "put-four": str(EINVAL),
            "put-unbound": str(EINVAL),
            "post-own": "1", "bind-posted": str(EBUSY),  # buffers posted: it stays unbound
            "bind-core": "0", "put-core": str(EFAULT), "post-core": str(EFAULT),
            "bind-across": "0", "put-across": str(EFAULT), "put-across-again": str(EFAULT),
        }, b)
        self.assertEqual(self.outcome(b, "post"), "returned 0")  # none accepted
        self.assertEqual(self.outcome(b, "write-descriptor"), "fault 14")
        self.assertEqual(self.outcome(b, "write-used"), "fault 14")
        self.assertRegex(b.output, r"\ndma-post: received 7\n", b)  # "hostile": still receiving

    def common_results(self, b):
        return dict(re.findall(r"(?m)^dma-common (\S+): (-?\d+)$", b.output))

    def test_the_common_configuration_is_the_cores(self):
        """The queue address registers are the core's: a task that writes the receive queue's
        descriptor address (pointing the card at a table of its own) faults on the page, and
        the calls refuse a second registration, features the core's rings do not serve and a
        queue the core did not open. On a core without them the calls are -ENOSYS and the
        write goes to the card."""
        b = hostile_with_card("dma-common", smp=2)
        self.assert_contained(b, ["write-common"])
        results = self.common_results(b)
        self.assertEqual(results.get("open"), str(EPERM), b)
        for what in ("indirect", "packed", "queue"):
            self.assertEqual(results.get(what), str(EINVAL), f"{what}\n{b}")
        self.assertEqual(self.outcome(b, "write-common"), "fault 14")
        self.assertRegex(b.output, r"\ndma-common: received 7\n", b)

    def test_the_legacy_queue_address_port_is_the_cores(self):
        """A legacy card's queue address (QUEUE_PFN), queue select and status ports refuse
        CPL3's writes, also one that only overlaps them; its doorbell does not."""
        b = hostile_with_card("dma-common", smp=2,
                              tf_run_args=("--machine", "q35", "--nic", "virtio-net-pci,disable-modern=on"))
        self.assert_contained(b, [])
        self.assertRegex(b.output, r"virtio-net at PCI .*legacy interface", b)
        results = self.common_results(b)
        for what in ("legacy-pfn", "legacy-select", "legacy-status", "legacy-wide"):
            self.assertEqual(results.get(what), str(EPERM), f"{what}\n{b}")
        self.assertEqual(results.get("legacy-notify"), "0", b)
        self.assertRegex(b.output, r"\ndma-common: received 7\n", b)


if __name__ == "__main__":
    tfqemu.main()
