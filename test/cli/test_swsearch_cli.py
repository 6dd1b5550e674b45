"""swsearch-linux as a user runs it: exit statuses, error messages that name the file and the
line, no output at all (and an -o file left as it was) when the input is bad, the table the same
whatever the threads and kernels, a matrix file named in the header."""
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE_DIR = os.environ.get("TF_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD_DIR = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
SWSEARCH = os.path.join(BUILD_DIR, "examples", "swsearch", "swsearch-linux")
MATRICES = os.path.join(SOURCE_DIR, "examples", "swsearch", "matrices")
sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "swsearch"))
import swgen  # noqa: E402


def run(*args):
    if not os.path.exists(SWSEARCH):
        raise AssertionError(f"{SWSEARCH} not built")
    return subprocess.run([SWSEARCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, stdin=subprocess.DEVNULL, timeout=300)


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.tmp = self.dir.name
        self.q = self.file("q.fa", ">q1 first\nMKTAYIAKQRQISFVKSHFSRQ\n>q2\nHEAGAWGHEE\n")
        self.db = self.file("db.fa", ">d1\nPAWHEAE\n>d2 x\nmktayiakqrqisfvk\n>d3\nWWWW\n")

    def tearDown(self):
        self.dir.cleanup()

    def file(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def fails(self, status, message, *args):
        r = run(*args)
        self.assertEqual(r.returncode, status, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn(message, r.stderr)
        return r

    def test_table(self):
        r = run("-q", self.q, "-d", self.db, "--max-hits", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout,
                         "# swsearch matrix=BLOSUM62 gapopen=11 gapextend=1 max_hits=2 queries=2 "
                         "subjects=3 columns=query,subject,score,query_length,subject_length\n"
                         "q1\td2\t77\t22\t16\n"
                         "q1\td1\t8\t22\t7\n"
                         "q2\td1\t17\t10\t7\n"
                         "q2\td3\t11\t10\t4\n")

    def test_usage_errors(self):
        self.assertEqual(run("--help").returncode, 0)
        self.fails(1, "both -q QUERIES and -d DATABASE are needed", "-q", self.q)
        self.fails(1, "unknown option", "-q", self.q, "-d", self.db, "--frobnicate")
        self.fails(1, "--gapextend wants an integer", "-q", self.q, "-d", self.db,
                   "--gapextend", "x")
        self.fails(1, "no matrix 'BLOSUM99'", "-q", self.q, "-d", self.db, "--matrix", "BLOSUM99")
        self.fails(1, "--threads wants an integer from 1", "-q", self.q, "-d", self.db,
                   "--threads", "0")

    def test_io_errors(self):
        missing = os.path.join(self.tmp, "nope.fa")
        self.fails(3, f"{missing}: No such file or directory", "-q", missing, "-d", self.db)
        self.fails(3, f"{self.tmp}: not a regular file", "-q", self.q, "-d", self.tmp)
        out = os.path.join(self.tmp, "no", "such", "dir", "out.tsv")
        self.fails(3, out, "-q", self.q, "-d", self.db, "-o", out)

    def test_bad_input_names_file_and_line(self):
        cases = [
            ("", "empty.fa: the file is empty"),
            ("ID   CRU4_ARATH   Reviewed;\nSQ   SEQUENCE\n", "notfasta.fa:1: not a FASTA file"),
            (">a\nACD\n>b\n>c\nW\n", "nohead.fa:3: sequence 'b' is empty"),
            (">a\nACD\n>b\n", "nohead2.fa:3: sequence 'b' is empty"),
            (">a\nAC\nD-E\n", "gap.fa:3: '-' in sequence 'a' is no amino-acid letter"),
            (">a\nAC3\n", "digit.fa:2: '3' in sequence 'a'"),
            (">a\nACDEF\n>b\nWWW", "cut.fa:4: the last line does not end with a newline"),
            (">a\nAC\x00DE\n", "binary.fa: not a FASTA file (binary data)"),
        ]
        names = ["empty.fa", "notfasta.fa", "nohead.fa", "nohead2.fa", "gap.fa", "digit.fa",
                 "cut.fa", "binary.fa"]
        for name, (text, message) in zip(names, cases):
            with self.subTest(name=name):
                path = self.file(name, text)
                self.fails(2, os.path.join(self.tmp, message), "-q", self.q, "-d", path)
                self.fails(2, os.path.join(self.tmp, message), "-q", path, "-d", self.db)

    def test_bad_matrix_file(self):
        m = self.file("bad.mat", "   A  C\nA  4 -1\nC -1 x\n")
        self.fails(2, f"{m}:3: 'x' in row 'C' is no integer", "-q", self.q, "-d", self.db,
                   "--matrix", m)

    def test_output_file_replaced_only_when_done(self):
        out = self.file("out.tsv", "previous contents\n")
        bad = self.file("bad.fa", ">a\n")
        self.fails(2, "bad.fa:1:", "-q", self.q, "-d", bad, "-o", out)
        with open(out) as f:
            self.assertEqual(f.read(), "previous contents\n")
        r = run("-q", self.q, "-d", self.db, "-o", out)
        self.assertEqual((r.returncode, r.stdout), (0, ""), r.stderr)
        with open(out) as f:
            self.assertTrue(f.read().startswith("# swsearch "))
        self.assertEqual(sorted(os.listdir(self.tmp)), ["bad.fa", "db.fa", "out.tsv", "q.fa"])

    def test_same_table_whatever_threads_and_kernels(self):
        import random
        rng = random.Random(7)
        q = os.path.join(self.tmp, "gq.fa")
        db = os.path.join(self.tmp, "gdb.fa")
        with open(q, "w") as f:
            swgen.write_fasta(f, [(f"q{i}", swgen.protein(rng, n))
                                  for i, n in enumerate([1, 30, 300, 2000])])
        with open(db, "w") as f:
            swgen.write_fasta(f, swgen.database(rng, 300000))
        tables = set()
        for args in (["--threads", "1"], ["--threads", "2"], ["--threads", "3", "--isa", "sse2"],
                     ["--isa", "sse4.1"], ["--isa", "avx2"]):
            r = run("-q", q, "-d", db, "--max-hits", "50", *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            tables.add(r.stdout)
        self.assertEqual(len(tables), 1)

    def test_matrix_file_and_residue_letters(self):
        path = os.path.join(MATRICES, "PAM250")
        r = run("-q", self.q, "-d", self.db, "--matrix", path, "--gapopen", "14",
                "--gapextend=2", "--all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("# swsearch matrix=PAM250 gapopen=14 gapextend=2 "
                                            "max_hits=all queries=2 subjects=3 "))
        self.assertEqual(len(r.stdout.splitlines()), 1 + 6)
        # U, O and J are no BLOSUM62 rows: scored as X, as the same sequence with X is
        u = self.file("u.fa", ">u\nMKUOJW\n")
        x = self.file("x.fa", ">u\nMKXXXW\n")
        self.assertEqual(run("-q", u, "-d", self.db).stdout, run("-q", x, "-d", self.db).stdout)

    def test_stats_on_stderr(self):
        r = run("-q", self.q, "-d", self.db, "--stats")
        self.assertEqual(r.returncode, 0)
        self.assertIn("swsearch-linux: isa=", r.stderr)
        self.assertIn(" cells=864 ", r.stderr)  # (22 + 10) query residues * (7 + 16 + 4)


if __name__ == "__main__":
    unittest.main()
