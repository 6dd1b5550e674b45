"""Boot tests: the hello example through both boot paths, and the exception reports of the core.

Accelerators: the -kernel boots use KVM when it is usable (TCG otherwise): they are short and
cover the privileged paths on the hypervisor users run. The GRUB ISO boot always uses TCG:
SeaBIOS and GRUB run in real mode, which PVM emulates instruction by instruction (~40 s), while
TCG boots the ISO in under a second."""
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

import tfqemu
from tfqemu import EXIT_FAULT_BASE, boot, image

VECTORS = {"de": (0, "#DE divide error"), "pf": (14, "#PF page fault"),
           "ud": (6, "#UD invalid opcode"), "gp": (13, "#GP general protection")}
FAULT_FUNCTIONS = {"de": "divide_error", "pf": "page_fault", "ud": "invalid_opcode",
                   "gp": "general_protection", "supervisor-write": "supervisor_write"}


class HelloTest(unittest.TestCase):
    def check_hello(self, b, argv):
        self.assertEqual(b.code, 0, b)
        self.assertIn("hello from taskfarm", b.output)
        self.assertRegex(b.output, r"cpu: \S+")
        m = re.search(r"memory: (\d+) MiB available, (\d+) MiB heap", b.output)
        self.assertTrue(m, b)
        # 128 MiB guest: the map reports nearly all of it, the heap most of it
        self.assertGreater(int(m.group(1)), 100, b)
        self.assertGreater(int(m.group(2)), 64, b)
        self.assertIn(f"argc: {len(argv)}", b.output)
        for i, a in enumerate(argv):
            self.assertIn(f"argv[{i}]: {a}\n", b.output)

    def test_kernel_multiboot1(self):
        img = image("examples", "hello", "hello")
        b = boot(img, "one", "two words", "tf.park=hlt", "three")
        self.check_hello(b, [img, "one", "two words", "three"])

    def test_grub_iso_multiboot2(self):
        img = image("examples", "hello", "hello")
        b = boot(img, "alpha", "tf.place=spread", "beta", accel="tcg", timeout=120,
                 tf_run_args=["--iso"])
        self.check_hello(b, ["/boot/kernel", "alpha", "beta"])

    def test_boot_options_are_checked(self):
        img = image("examples", "hello", "hello")
        b = boot(img, "one", "tf.place=bogus", "tf.bogus=1", "tf.spin_us=abc", "tf.park=spin")
        self.check_hello(b, [img, "one"])
        self.assertIn("taskfarm: tf.place=bogus ignored: tf.place accepts siblings|spread\n",
                      b.output)
        self.assertIn("taskfarm: tf.bogus=1 ignored: no such boot option (tf.help=1 lists "
                      "them)\n", b.output)
        self.assertIn("taskfarm: tf.spin_us=abc ignored: tf.spin_us accepts 0-1000000\n",
                      b.output)
        self.assertIn("taskfarm: park spin after 50 us of spinning", b.output)  # the default

    def test_help_option_lists_the_runtimes_and_the_programs_options(self):
        b = boot(image("examples", "primes", "primes"), "tf.help=1")
        self.assertEqual(b.code, 0, b)
        for line in ("  tf.park=hlt|mwait|spin\n", "  tf.quiet=0|1\n", "  tf.ip=A.B.C.D/PREFIX\n",
                     "boot options of the program:\n", "  tf.port=1-65535\n",
                     "  tf.queue=0-256\n", "  tf.allow_quit=0|1\n"):
            self.assertIn(line, b.output)

    def test_quiet(self):
        img = image("examples", "hello", "hello")
        self.assertIn("CPU online", boot(img, "tf.quiet=0").output)
        self.assertNotIn("CPU online", boot(img, "tf.quiet=1").output)

    def test_too_little_memory_fails_clearly(self):
        """-m 14M left no heap and put the loader's information past the end of RAM (the command
        line read as empty): the runtime says what to do and exits 95 instead"""
        img = image("examples", "hello", "hello")
        b = boot(img, "one", tf_run_args=["-m", "14M"])
        self.assertEqual(b.code, 95, b)
        self.assertRegex(b.output, r"taskfarm: not enough memory: the image takes RAM up to \d+ "
                                   r"KiB and needs a heap of 1024 KiB above it; give the guest at "
                                   r"least \d+ MiB \(tf-run -m\)")
        b = boot(img, "one", tf_run_args=["-m", "15M"])  # the smallest that boots
        self.assertEqual(b.code, 0, b)
        self.assertIn(f"argv[0]: {img}\nargv[1]: one\n", b.output)

    def test_exit_code_passes_through(self):
        for code in (0, 3, 42, 93):
            b = boot(image("test", "images", "faults"), "exit", str(code))
            self.assertEqual(b.code, code, b)

    def test_exit_codes_past_93_are_clamped(self):
        """94 and up would read as abort, a panic, an exception or tf-run's own statuses"""
        for code in (94, 95, 118, 123, 124, 127, 200):
            b = boot(image("test", "images", "faults"), "exit", str(code))
            self.assertEqual(b.code, tfqemu.EXIT_USER_MAX, b)
            self.assertIn(f"exit({code}): exit codes are 0-93; exiting with 93", b.output)

    def test_core_turns_unknown_exit_codes_into_a_panic(self):
        """An exit code past the core's own (118) reaching the exit system call is a broken
        invariant, 95, never a status tf-run gives another meaning (123 reset, 124 timeout...)"""
        for code in (119, 123, 124, 127, -1):
            b = boot(image("test", "images", "faults"), "kexit", str(code))
            self.assertEqual(b.code, 95, b)
        b = boot(image("test", "images", "faults"), "kexit", "94")  # a code the core knows
        self.assertEqual(b.code, 94, b)

    def test_triple_fault_is_a_reset_not_a_success(self):
        """QEMU with -no-reboot exits 0 on a reset; tf-run must not read that as exit(0)"""
        b = boot(image("test", "images", "faults"), "ktriple")
        self.assertEqual(b.code, tfqemu.EXIT_RESET, b)


class ExceptionReportTest(unittest.TestCase):
    def check_report(self, what, vector, name, cpl, function=None):
        img = image("test", "images", "faults")
        b = boot(img, what)
        self.assertEqual(b.code, EXIT_FAULT_BASE + vector, b)
        self.assertIn(f"*** CPU exception {vector} ({name}) at CPL{cpl} on CPU 0 (APIC ID ", b.output)
        for reg in ("rip", "error", "cr2", "rflags", "rsp", "rax", "rbx", "r15"):
            self.assertRegex(b.output, rf"\b{reg}\s+[0-9a-f]{{16}}", reg)
        cs = int(re.search(r"cs\s+([0-9a-f]{16})", b.output).group(1), 16)
        self.assertEqual(cs & 3, cpl, "CS in the report says which level faulted")
        trace = re.search(r"backtrace: ([0-9a-f ?]+)", b.output)
        self.assertTrue(trace, b)
        frames = [int(x.lstrip("?"), 16) for x in trace.group(1).split()]
        rip = int(re.search(r"rip\s+([0-9a-f]{16})", b.output).group(1), 16)
        self.assertEqual(frames[0], rip)
        if function:
            names = [tfqemu.symbolize(img, f) for f in frames]
            self.assertEqual(names[0], function)
            self.assertEqual(names[1:3], ["main", "__tfr_user_entry"], "callers in order")
        self.assertNotIn("did not fault", b.output)
        return b

    def test_cpl3_faults(self):
        for what in ("de", "pf", "ud", "gp"):
            with self.subTest(what):
                vector, name = VECTORS[what]
                self.check_report(what, vector, name, 3, FAULT_FUNCTIONS[what])

    def test_cpl0_faults(self):
        for what in ("de", "pf", "ud"):
            with self.subTest(what):
                vector, name = VECTORS[what]
                b = self.check_report("k" + what, vector, name, 0)
                if what == "pf":
                    self.assertIn("read access at CPL0 (page not present)", b.output)

    def test_unmapped_page_at_cpl3(self):
        b = self.check_report("pf", 14, "#PF page fault", 3, "page_fault")
        self.assertIn("cr2 0000100000000000", b.output)
        self.assertIn("write access at CPL3 (page not present)", b.output)

    def test_system_call_boundary(self):
        """The core refuses buffers CPL3 could not touch itself, and a jump to the SYSCALL entry
        with forged flags (the page-fault path PVM takes) cannot raise IOPL."""
        b = boot(image("test", "images", "faults"), "boundary", tf_run_args=["--smp", "2"])
        self.assertEqual(b.code, 0, b)
        self.assertIn("boundary: ok", b.output)

    def test_cpl3_write_to_supervisor_page(self):
        b = self.check_report("supervisor-write", 14, "#PF page fault", 3, "supervisor_write")
        self.assertIn("write access at CPL3 (protection violation)", b.output)


class FaultContainmentTest(unittest.TestCase):
    """fault_call ends the call, not the machine: each CPL3 fault, and a stack overflow into the
    bootstrap CPU's guard page, comes back as a vector, and calls keep working afterwards."""

    def test_contained_faults(self):
        b = boot(image("test", "images", "faults"), "contained")
        self.assertEqual(b.code, 0, b)
        self.assertNotIn("*** CPU exception", b.output)
        for what, vector in (("de", 0), ("pf", 14), ("ud", 6), ("gp", 13), ("overflow", 14)):
            self.assertRegex(b.output, rf"contained {what}: vector {vector} ", b)
        self.assertIn("contained pf: vector 14 error 0x6 cr2 0x100000000000", b.output)
        self.assertIn("contained answer: returned 42", b.output)


POWEROFF_TIMEOUT = 120  # seconds: SeaBIOS and GRUB under TCG take a few; a halted guest all


def qemu_without_exit_device(machine, *boot_args):
    """QEMU run directly on `machine` with its own firmware (SeaBIOS) and nothing tf-run adds:
    no isa-debug-exit, so the guest can leave only by ACPI S5, after which QEMU exits 0."""
    cmd = ["qemu-system-x86_64", "-machine", machine, "-accel", "tcg", "-m", "128M", "-smp", "2",
           "-no-user-config", "-nodefaults", "-display", "none", "-serial", "stdio", *boot_args]
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=POWEROFF_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace").replace("\r\n", "\n")
        raise AssertionError(f"{machine}: still running after {POWEROFF_TIMEOUT} s:\n{out}")
    return r.returncode, r.stdout.decode(errors="replace").replace("\r\n", "\n")


class IdleWakeupsTest(unittest.TestCase):
    """An idle guest leaves nothing ticking: the 8254's counter 0 comes out of reset as an
    18.2 Hz square wave, and QEMU's own PIT (microvm's) wakes its main loop at each edge, 37
    times a second, though the guest masks the interrupt. The runtime stops the counter at
    start-up; what is left is QEMU's own once-a-second housekeeping. The test counts the QEMU
    process's voluntary context switches (each a wake-up from a sleep) over a window: a count of
    events, which host load does not raise."""

    WINDOW = 3.0  # seconds; the square wave would give about 110 wake-ups in it

    @staticmethod
    def wakeups(pid):
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        return total

    def test_idle_guest_wakes_the_host_about_once_a_second(self):
        cmd = [tfqemu.TF_RUN, "--accel", tfqemu.ACCEL, "--timeout", "60",
               image("test", "images", "idle")]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL)
        try:
            out = b""
            while b"idle: ready" not in out:
                line = proc.stdout.readline()
                self.assertTrue(line, f"the idle image ended early: {out!r}")
                out += line
            children = subprocess.run(["pgrep", "-P", str(proc.pid)], stdout=subprocess.PIPE,
                                      text=True).stdout.split()
            self.assertEqual(len(children), 1, "tf-run's QEMU")
            qemu = int(children[0])
            time.sleep(1.0)  # let the boot's own device activity settle
            before = self.wakeups(qemu)
            time.sleep(self.WINDOW)
            woken = self.wakeups(qemu) - before
            # one a second from QEMU's timers, plus a wide margin; far below the square wave's
            self.assertLess(woken, 8 * self.WINDOW, f"{woken} host wake-ups in {self.WINDOW} s")
        finally:
            proc.terminate()  # tf-run stops its QEMU and exits 128 + SIGTERM
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()


class PowerOffTest(unittest.TestCase):
    """Without an exit device (real machines, clouds, other hypervisors) exit() powers the
    machine off through ACPI: the PM1a control port of the FADT with the sleep type of the
    DSDT's \\_S5. It used to halt the CPU and leave the machine running."""

    def check(self, code, out, argv0):
        self.assertEqual(code, 0, out)
        self.assertIn("hello from taskfarm", out)
        self.assertIn(f"argv[0]: {argv0}\n", out)
        self.assertNotIn("halted", out)

    def test_kernel_on_q35_and_pc(self):
        img = image("examples", "hello", "hello")
        for machine in ("q35", "pc"):
            with self.subTest(machine=machine):
                code, out = qemu_without_exit_device(machine, "-kernel", img, "-append", "one")
                self.check(code, out, img)

    def test_grub_iso_on_q35(self):
        img = image("examples", "hello", "hello")
        with tempfile.TemporaryDirectory() as tmp:
            iso = os.path.join(tmp, "hello.iso")
            subprocess.run([os.path.join(tfqemu.SOURCE_DIR, "tools", "tf-mkiso"), img, iso,
                            "--", "one"], check=True, stdout=subprocess.DEVNULL)
            code, out = qemu_without_exit_device("q35", "-cdrom", iso)
        self.check(code, out, "/boot/kernel")


if __name__ == "__main__":
    tfqemu.main()
