"""Files in and results out: boot modules (tf-run --module, tf_module_*) and the output stream
(tf-run --output, tf_output_write, tf_output), with test/images/io.

Every module's size and CRC-32 as the guest computes them over the bytes it was handed must
equal the host's over the file; the output file must equal, byte for byte, what the test
computes the guest wrote.

Accelerators: the -kernel boots use KVM when it is usable (TCG otherwise, or TF_TEST_ACCEL):
they are short, and the large module and the 64 MiB output exercise the paths users run. The
GRUB ISO boots always use TCG: SeaBIOS and GRUB run in real mode, which PVM emulates
instruction by instruction, while TCG boots the ISO in a second or two."""
import array
import hashlib
import os
import random
import re
import subprocess
import sys
import tempfile
import unittest
import zlib

import tfqemu
from tfqemu import EXIT_FAULT_BASE, boot, image

PF = 14
LARGE_MODULE = int(1.1 * (1 << 30))  # over 1 GiB
LARGE_TAIL = bytes(range(0xF0, 0x100))
PATTERN_BYTES = (64 << 20) + 12345  # not a whole number of the driver's 256 KiB buffers
STDOUT_BYTES = (8 << 20) + 777


def io_image():
    return image("test", "images", "io")


def crc32_file(path):
    crc = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            crc = zlib.crc32(block, crc)
    return crc


def pattern(n):
    """The io image's pattern: 8-byte little-endian words, word k at offset 8k holding k."""
    if sys.byteorder != "little":
        raise unittest.SkipTest("the pattern is built with the host's byte order")
    return array.array("Q", range((n + 7) // 8)).tobytes()[:n]


def text(lines):
    return "".join(f"line {i} of {lines}\n" for i in range(lines)).encode()


def listed_modules(output):
    """{index: (size, crc32, name)} from the image's "module I size S crc32 C name=[N]" lines."""
    found = {}
    for m in re.finditer(r"^module (\d+) size (\d+) crc32 ([0-9a-f]{8}) name=\[(.*)\]$", output,
                         re.M):
        found[int(m.group(1))] = (int(m.group(2)), int(m.group(3), 16), m.group(4))
    return found


class ModuleFiles:
    """Module files in a temporary directory: name -> path."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="tf-test-io.")
        self.paths = {}

    def add(self, filename, data):
        path = os.path.join(self.dir.name, filename)
        with open(path, "wb") as f:
            f.write(data)
        self.paths[filename] = path
        return path


class ModulesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = ModuleFiles()
        rng = random.Random(7)
        # (file, name given to --module or None, contents)
        cls.modules = [
            ("random.bin", None, rng.randbytes(3 * 4096 + 123)),
            ("words.txt", "two words", b"some text\n" * 1000),
            ("empty", "empty one", b""),
            ("quoted", 'it\'s "quoted" \\ here, too', rng.randbytes(5000)),
            ("page.bin", "page", rng.randbytes(2 << 20)),
        ]
        for filename, _, data in cls.modules:
            cls.files.add(filename, data)

    @classmethod
    def tearDownClass(cls):
        cls.files.dir.cleanup()

    def module_args(self):
        args = []
        for filename, name, _ in self.modules:
            path = self.files.paths[filename]
            args += ["--module", path if name is None else f"{path}={name}"]
        return args

    def check_listed(self, b):
        self.assertEqual(b.code, 0, b)
        self.assertIn("io: ok", b.output)
        self.assertIn(f"modules: {len(self.modules)}\n", b.output)
        found = listed_modules(b.output)
        for i, (filename, name, data) in enumerate(self.modules):
            want = (len(data), zlib.crc32(data), name if name is not None else filename)
            self.assertEqual(found.get(i), want, f"module {i} ({filename})\n{b}")

    def test_by_index_and_name(self):
        """Modules in --module order, each with its exact bytes and its name (the file's name
        without a NAME, names with blanks, quotes, a backslash and a comma), an empty one; the
        image also checks tf_module_find for every name, the API's errors, and that the heap
        keeps off the modules."""
        b = boot(io_image(), "modules", tf_run_args=self.module_args())
        self.check_listed(b)
        self.assertRegex(b.output, r"taskfarm: 5 boot modules, \d+ KiB, read-only")

    def test_grub_iso_multiboot2(self):
        """The same modules through GRUB's module2 lines (tf-mkiso), Multiboot2 module tags."""
        b = boot(io_image(), "modules", accel="tcg", timeout=120,
                 tf_run_args=["--iso", *self.module_args()])
        self.check_listed(b)

    def test_missing_module(self):
        b = boot(io_image(), "find", "page", "no such module", "two",
                 tf_run_args=self.module_args())
        self.assertEqual(b.code, 0, b)
        self.assertIn("find no such module: absent\n", b.output)
        self.assertIn("find two: absent\n", b.output)  # names match whole
        data = self.modules[4][2]
        self.assertIn(f"find page: size {len(data)} head {data[:16].hex()} "
                      f"tail {data[-16:].hex()}\n", b.output)

    def test_no_modules(self):
        b = boot(io_image(), "modules")
        self.assertEqual(b.code, 0, b)
        self.assertIn("modules: 0\n", b.output)
        self.assertIn("io: ok", b.output)
        self.assertNotIn("boot module", b.output)

    def test_read_only(self):
        """A task's write to a module faults, the core will not write into one, and the bytes
        stay as they were."""
        b = boot(io_image(), "readonly", tf_run_args=self.module_args())
        self.assertEqual(b.code, 0, b)
        self.assertIn("readonly: task write: task faulted: #PF page fault", b.output)
        self.assertIn("readonly: core write: -14", b.output)
        self.assertIn("io: ok", b.output)

    def test_write_outside_a_task(self):
        b = boot(io_image(), "poke", tf_run_args=self.module_args())
        self.assertEqual(b.code, EXIT_FAULT_BASE + PF, b)
        self.assertIn("write access at CPL3 (protection violation)", b.output)

    def test_module_larger_than_ram(self):
        """QEMU places a module past the end of a 128 MiB guest's RAM: the runtime leaves it out
        and says why; the guest runs on."""
        path = os.path.join(self.files.dir.name, "too-large")
        with open(path, "wb") as f:
            f.truncate(200 << 20)
        b = boot(io_image(), "find", "too large", tf_run_args=["--module", f"{path}=too large"])
        self.assertEqual(b.code, 0, b)
        self.assertIn('module 0 "too large" [', b.output)
        self.assertIn("dropped: it is not in available RAM", b.output)
        self.assertIn("find too large: absent\n", b.output)


class LargeModuleTest(unittest.TestCase):
    """A module over 1 GiB (a sparse file with known bytes at its end) in a 2 GiB guest. Its
    pages sit below 4 GiB (Multiboot's module addresses are 32-bit), inside the identity map."""

    def test_large_module(self):
        with tempfile.TemporaryDirectory(prefix="tf-test-io.") as d:
            path = os.path.join(d, "large")
            with open(path, "wb") as f:
                f.truncate(LARGE_MODULE - len(LARGE_TAIL))
                f.seek(0, os.SEEK_END)
                f.write(LARGE_TAIL)
            b = boot(io_image(), "find", "large", timeout=180,
                     tf_run_args=["-m", "2G", "--module", f"{path}=large"])
        self.assertEqual(b.code, 0, b)
        self.assertIn(f"find large: size {LARGE_MODULE} head {bytes(16).hex()} "
                      f"tail {LARGE_TAIL.hex()}\n", b.output)
        self.assertRegex(b.output, r"taskfarm: 1 boot module, 1153433 KiB, read-only")


class OutputTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="tf-test-io.")
        self.out = os.path.join(self.dir.name, "out.bin")

    def tearDown(self):
        self.dir.cleanup()

    def output(self):
        with open(self.out, "rb") as f:
            return f.read()

    def assert_same(self, got, want):
        """Equal bytes; on failure, where they first differ (not megabytes of both)."""
        if got == want:
            return
        at = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y),
                  min(len(got), len(want)))
        self.fail(f"output differs at byte {at}: {len(got)} bytes written, {len(want)} expected")

    def test_pattern_64_mib(self):
        """64 MiB in chunks of assorted sizes through tf_output_write and fwrite; main returns
        without flushing, the runtime's exit does. Identical to the pattern, by SHA-256."""
        b = boot(io_image(), "pattern", str(PATTERN_BYTES), timeout=180,
                 tf_run_args=["--output", self.out])
        self.assertEqual(b.code, 0, b)
        self.assertIn("io: ok", b.output)
        want = pattern(PATTERN_BYTES)
        got = self.output()
        self.assertEqual(hashlib.sha256(got).hexdigest(), hashlib.sha256(want).hexdigest(),
                         f"{len(got)} bytes written")
        self.assertIn(f"pattern: {PATTERN_BYTES} bytes crc32 {zlib.crc32(want):08x}", b.output)

    def test_text_flushed_at_exit(self):
        """fprintf(tf_output()) lines, then exit(0) from a nested call without a flush."""
        b = boot(io_image(), "text", "100000", tf_run_args=["--output", self.out])
        self.assertEqual(b.code, 0, b)
        self.assert_same(self.output(), text(100000))

    def test_stdout(self):
        """--output -: the stream on tf-run's standard output, the serial console on standard
        error. The test reads the pipe slowly, so the guest has to wait for it."""
        cmd = [tfqemu.TF_RUN, "--accel", tfqemu.ACCEL, "--timeout", "120", "--output", "-",
               io_image(), "--", "pattern", str(STDOUT_BYTES)]
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL) as p:
            got = bytearray()
            for chunk in iter(lambda: p.stdout.read(4096), b""):
                got += chunk
            err = p.stderr.read().decode(errors="replace")
            code = p.wait(timeout=150)
        self.assertEqual(code, 0, err)
        self.assertIn("io: ok", err)
        self.assert_same(bytes(got), pattern(STDOUT_BYTES))

    def test_no_output_port(self):
        b = boot(io_image(), "nooutput")
        self.assertEqual(b.code, 0, b)
        self.assertIn("nooutput: no such device", b.output)
        self.assertIn("io: ok", b.output)

    def test_other_cpu_refused(self):
        b = boot(io_image(), "worker", tf_run_args=["--smp", "2", "--output", self.out])
        self.assertEqual(b.code, 0, b)
        self.assertIn("worker: refused", b.output)
        self.assertEqual(self.output(), b"main\n")

    def test_grub_iso_multiboot2(self):
        """The output port through the ISO path (PC machine, SeaBIOS, GRUB), with a module."""
        mod = os.path.join(self.dir.name, "m")
        with open(mod, "wb") as f:
            f.write(b"module through GRUB")
        b = boot(io_image(), "text", "5000", accel="tcg", timeout=120,
                 tf_run_args=["--iso", "--module", mod, "--output", self.out])
        self.assertEqual(b.code, 0, b)
        self.assertIn("taskfarm: 1 boot module", b.output)
        self.assert_same(self.output(), text(5000))


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=sys.argv)
