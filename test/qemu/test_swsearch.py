"""The swsearch guest image, through tools/tf-swsearch (modules in, output stream out): its table
is byte for byte swsearch-linux's for the same files and options, with every kernel and several
CPU counts, for generated sequences (lengths 1 to 5000, identical pairs long enough for the
16-bit and 32-bit paths, all X) and real globins; bad input ends it with the file and line, the
exit status of swsearch-linux and no output.

Accelerator: TF_TEST_ACCEL (default: KVM when usable; the searches are small enough for TCG), and
TCG for the CPU models (the one place where QEMU's model is what the guest sees)."""
import os
import random
import subprocess
import sys
import tempfile
import unittest

import tfqemu
from tfqemu import ACCEL, BUILD_DIR, SOURCE_DIR

sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "swsearch"))
import swgen  # noqa: E402

WRAPPER = os.path.join(SOURCE_DIR, "tools", "tf-swsearch")
LINUX = os.path.join(BUILD_DIR, "examples", "swsearch", "swsearch-linux")
MATRICES = os.path.join(SOURCE_DIR, "examples", "swsearch", "matrices")
GLOBINS = "/usr/share/EMBOSS/test/data/hmm/globins630.fa"  # emboss-test (tools/setup)


def run(cmd, timeout=600):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=timeout)


class SwsearchGuest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tfqemu.image("examples", "swsearch", "swsearch")
        if not os.path.exists(LINUX):
            raise AssertionError(f"{LINUX} not built")
        cls.dir = tempfile.TemporaryDirectory()
        tmp = cls.dir.name
        rng = random.Random(4242)
        same = swgen.protein(rng, 7000)  # its self score needs 32 bits
        queries = [(f"q{i}", swgen.protein(rng, n))
                   for i, n in enumerate(swgen.spread_lengths(rng, 8, 1, 5000))]
        queries += [("q_same", same), ("q_x", "X" * 40), ("q_w", "W")]
        db = [(f"s{i}", swgen.protein(rng, n))
              for i, n in enumerate(swgen.spread_lengths(rng, 400))]
        db += [("s_same", same.lower()), ("s_copy", queries[3][1]), ("s_x", "X" * 500)]
        cls.q = os.path.join(tmp, "queries.fa")
        cls.db = os.path.join(tmp, "db.fa")
        for path, recs in ((cls.q, queries), (cls.db, db)):
            with open(path, "w") as f:
                swgen.write_fasta(f, recs)

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def out(self, name):
        return os.path.join(self.dir.name, name)

    def guest(self, *args, smp=2):
        return run([WRAPPER, "--accel", ACCEL, "--smp", str(smp), "--timeout", "500", *args])

    def same_as_linux(self, *args, smp=2):
        """the guest's table equals swsearch-linux's, byte for byte"""
        linux = run([LINUX, *args])
        self.assertEqual(linux.returncode, 0, linux.stderr)
        g = self.guest(*args, smp=smp)
        self.assertEqual(g.returncode, 0, g.stderr.decode(errors="replace"))
        self.assertTrue(g.stdout.startswith(b"# swsearch "))
        self.assertEqual(g.stdout, linux.stdout)
        return g

    def test_default_search(self):
        g = self.same_as_linux("-q", self.q, "-d", self.db, "--stats")
        self.assertIn(b"swsearch: isa=", g.stderr)
        self.assertIn(b"rescored32=", g.stderr)

    def test_every_pair_with_a_matrix_file(self):
        self.same_as_linux("-q", self.q, "-d", self.db, "--all", "--matrix",
                           os.path.join(MATRICES, "BLOSUM50"), "--gapopen", "13",
                           "--gapextend", "2")

    def test_every_kernel_and_cpu_count(self):
        for isa, smp in (("sse2", 1), ("sse4.1", 3), ("avx2", 2)):
            with self.subTest(isa=isa, smp=smp):
                linux_best = run([LINUX, "--isa", isa, "-q", self.q, "-d", self.db])
                if linux_best.returncode != 0:
                    self.fail(f"swsearch-linux --isa {isa}: {linux_best.stderr}")
                g = self.guest("--isa", isa, "-q", self.q, "-d", self.db, "--max-hits", "25",
                               "--matrix", "PAM250", "--stats", smp=smp)
                if g.returncode == 1 and b"offers" in g.stderr:
                    self.fail(f"the guest's CPU lacks {isa}: {g.stderr}")
                self.assertEqual(g.returncode, 0, g.stderr)
                self.assertIn(f"isa={isa} cpus={smp} ".encode(), g.stderr)
                linux = run([LINUX, "-q", self.q, "-d", self.db, "--max-hits", "25",
                             "--matrix", "PAM250"])
                self.assertEqual(g.stdout, linux.stdout)

    def test_guest_detects_the_kernels_linux_does(self):
        """under KVM with the host's CPU model, CPUID (through tf_cpuid) and XCR0 give the guest
        the kernels Linux picks"""
        if ACCEL == "tcg" or (ACCEL == "auto" and not tfqemu.kvm_usable()):
            tfqemu.skip_for_hardware("KVM (the guest's CPU model is the host's only there)")
        linux = run([LINUX, "-q", self.q, "-d", self.db, "--stats"])
        isa = [w for w in linux.stderr.split() if w.startswith(b"isa=")][0]
        g = self.guest("-q", self.q, "-d", self.db, "--stats")
        self.assertIn(isa + b" ", g.stderr)

    def test_kernels_follow_the_virtual_cpu(self):
        """the guest picks its kernels from the virtual CPU (tf_cpuid) and the XCR0 the runtime
        set: without AVX2, or without XSAVE (AVX offered, but no YMM state in XCR0), no AVX2
        kernels; with a CPU model of SSE2 only, the SSE2 kernels; the table stays the same.
        Under TCG, whatever TF_TEST_ACCEL says: it is where QEMU's CPU model is the guest's CPU
        (KVM under PVM reports the host's features whatever the model)."""
        q, db = self.out("small_q.fa"), self.out("small_db.fa")
        rng = random.Random(11)
        for path, n in ((q, 3), (db, 60)):
            with open(path, "w") as f:
                swgen.write_fasta(f, [(f"x{i}", swgen.protein(rng, 1 + rng.randrange(400)))
                                      for i in range(n)])
        want = run([LINUX, "-q", q, "-d", db]).stdout
        for model, isa in (("max", "avx2"), ("max,-avx2", "sse4.1"), ("max,-xsave", "sse4.1"),
                           ("qemu64", "sse2")):
            with self.subTest(cpu=model):
                g = run([WRAPPER, "--accel", "tcg", "--cpu", model, "--smp", "2", "--timeout",
                         "300", "-q", q, "-d", db, "--stats"])
                self.assertEqual(g.returncode, 0, g.stderr)
                self.assertIn(f"isa={isa} ".encode(), g.stderr)
                self.assertEqual(g.stdout, want)

    def test_real_globins(self):
        if not os.path.exists(GLOBINS):
            self.fail(f"{GLOBINS} missing (tools/setup installs emboss-test)")
        self.same_as_linux("-q", self.q, "-d", GLOBINS, "--max-hits", "5")

    def test_bad_input_no_output(self):
        bad = self.out("bad.fa")
        with open(bad, "w") as f:
            f.write(">a\nACDEF\n>b\n>c\nWW\n")
        target = self.out("keep.tsv")
        with open(target, "w") as f:
            f.write("old table\n")
        for args, status, message in (
                (["-q", self.q, "-d", bad], 2, f"{bad}:3: sequence 'b' is empty"),
                (["-q", bad, "-d", self.db], 2, f"{bad}:3: sequence 'b' is empty"),
                (["-q", self.q, "-d", self.db, "--gapopen", "-3"], 1, "--gapopen wants"),
                (["-q", self.q, "-d", self.db, "--matrix", "BLOSUM99"], 1, "no matrix"),
                (["-q", self.out("missing.fa"), "-d", self.db], 3, "missing.fa")):
            with self.subTest(args=args):
                linux = run([LINUX, *args])
                g = self.guest(*args, "-o", target)
                self.assertEqual((g.returncode, linux.returncode), (status, status),
                                 g.stderr.decode(errors="replace"))
                self.assertIn(message.encode(), g.stderr)
                self.assertEqual(g.stdout, b"")
                with open(target) as f:
                    self.assertEqual(f.read(), "old table\n")

    def test_output_file(self):
        target = self.out("hits.tsv")
        g = self.guest("-q", self.q, "-d", self.db, "-o", target)
        self.assertEqual((g.returncode, g.stdout), (0, b""), g.stderr)
        with open(target, "rb") as f:
            self.assertEqual(f.read(), run([LINUX, "-q", self.q, "-d", self.db]).stdout)
        self.assertEqual([n for n in os.listdir(self.dir.name) if n.startswith(".tf-swsearch")],
                         [])  # no temporary file left behind


if __name__ == "__main__":
    tfqemu.main()
