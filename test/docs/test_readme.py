"""The README's commands, run as printed (or, where running them as printed would change the
machine or repeat another test, said why not): every line of every ```sh block of README.md must
be known here, so a command added to or changed in the README fails this test until it is
checked too. Long-running commands in a block (ending in &) are started, the block's other lines
run against them, and they are stopped at the block's end.

Environment: TF_SOURCE_DIR, TF_BUILD_DIR (set by ctest)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

SOURCE = os.environ.get("TF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
README = os.path.join(SOURCE, "README.md")

# How each README line is checked: ("run", timeout s[, regex its output must match]),
# ("skip", why), or ("output", regex): the output of the block's previous command.
RUN, SKIP, OUTPUT = "run", "skip", "output"
CHECKS = {
    "tools/build": (RUN, 1800),
    "cmake --install build --prefix /opt/taskfarm": (RUN, 300),
    "tools/build && (cd build && cpack -G DEB)": (RUN, 1800),
    "apt-get install ./build/taskfarm_0.2.0_amd64.deb":
        (SKIP, "installs into /usr; package.deb unpacks and uses the same package"),
    "cmake -S myjob -B myjob/build && cmake --build myjob/build":
        (SKIP, "package.readme builds myjob from the README's own CMake and C blocks"),
    "tf-run --smp 8 --threads 2 myjob/build/myjob -- some arguments":
        (SKIP, "package.readme boots the README's myjob"),
    "tf-run --iso myjob/build/myjob -- some args":
        (SKIP, "package.readme boots the README's myjob; qemu.boot tests the ISO path"),
    "tf-run --help": (RUN, 60, r"Exit status:"),
    "tools/demo": (RUN, 900, r"primes"),
    "tools/test-all": (SKIP, "it is what runs this test"),
    "tools/tf-run --smp 4 --udp 7070:7070 build/examples/primes/primes &": (RUN, 120),
    """printf '%-255s\\n' "primes 8 10000000" | nc -u -W1 127.0.0.1 7070""": (RUN, 300),
    "openssl rand -hex 32 > primes.key && chmod 600 primes.key": (RUN, 60),
    "tools/tf-run --udp 7070:7070 --module primes.key=key build/examples/primes/primes -- "
    "tf.key_module=key &": (RUN, 120),
    "build/examples/primes/tf-client --key-file primes.key 8 1M":
        (RUN, 300, r"(?m)^ok n=8 limit=1000000 kernel=trial sum=627984 "),
    "cc -O2 prog.c $(pkg-config --cflags --libs taskfarm-host) -o prog":
        (SKIP, "package.pkg_config builds a program of its own this way"),
    "TF_CPUS=8 ./prog": (SKIP, "package.pkg_config runs the program it built"),
    "tools/tf-run --module data.bin --module labels.txt=labels --output results.bin build/myjob":
        (SKIP, "myjob and its files are the reader's; qemu.io runs --module and --output"),
    "tools/tf-run --output - build/myjob | sha256sum":
        (SKIP, "myjob is the reader's; qemu.io checks --output - byte for byte"),
    "build/examples/swsearch/swsearch-linux -q queries.fa -d db.fa --threads 4 -o hits.tsv":
        (RUN, 300),
    "tools/tf-swsearch -q queries.fa -d db.fa --smp 4 -o hits.tsv": (RUN, 600),
    "tools/tf-swsearch -q q.fa -d db.fa --matrix BLOSUM50 --gapopen 13 --gapextend 2 "
    "--max-hits 50": (RUN, 600, r"(?m)^q1\t"),
    "bench/run": (SKIP, "the whole experiment takes hours; bench.run_quick runs --quick"),
    "bench/run --quick": (SKIP, "bench.run_quick runs it"),
}


def sh_blocks(path):
    """The ```sh blocks of a Markdown file, as lists of (line, comment-free command)."""
    blocks, current = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if current is None and line.startswith("```sh"):
                current = []
            elif current is not None and line.startswith("```"):
                blocks.append(current)
                current = None
            elif current is not None:
                command = re.sub(r"\s+#.*$", "", line).strip()
                if command and not command.startswith("#"):
                    current.append(command)
    return blocks


def output_pattern(line):
    """A README output line as a regex: its numbers may differ where they are measured."""
    pattern = re.escape(line)
    for field in ("compute_us", "cpus"):
        pattern = re.sub(field + r"=\d+", field + r"=\\d+", pattern)
    return "^" + pattern


class ReadmeTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="tf-readme.")
        self.background = []
        # after the README's cmake --install, its reader has the prefix's bin/ on PATH
        self.env = dict(os.environ, PATH=os.path.join(self.work, "prefix", "bin") + os.pathsep +
                        os.environ.get("PATH", ""))

    def tearDown(self):
        for p in self.background:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def shell(self, command):
        """The command as the README's reader types it, at the top of the tree; what must not
        touch the machine goes below this test's own directory, and so do the reader's files
        (small FASTA files written here)."""
        command = command.replace("/opt/taskfarm", os.path.join(self.work, "prefix"))
        for name in ("queries.fa", "q.fa", "db.fa", "hits.tsv", "primes.key"):
            command = re.sub(rf"(?<![\w/.]){re.escape(name)}", os.path.join(self.work, name),
                             command)
        return command

    def write_fasta(self):
        queries = ">q1 first query\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQ\n" \
                  ">q2\nGSHMSLFDFFKNKGSAAATATDRQ\n"
        db = "".join(f">s{i} subject {i}\n{seq}\n" for i, seq in enumerate((
            "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "APILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ",
            "GSHMSLFDFFKNKGSAAATATDRQMKTAYIAKQ", "WWWWWCCCCCHHHHH", "A")))
        for name, text in (("queries.fa", queries), ("q.fa", queries), ("db.fa", db)):
            with open(os.path.join(self.work, name), "w") as f:
                f.write(text)

    def start(self, command):
        p = subprocess.Popen(["sh", "-c", "exec " + self.shell(command[:-1].strip())], cwd=SOURCE,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, start_new_session=True,
                             env=self.env)
        self.background.append(p)
        deadline = time.monotonic() + 60  # a server says when it listens (docs/protocol.md)
        for line in p.stdout:
            if "listening" in line or time.monotonic() > deadline:
                break
        else:
            self.fail(f"{command}: ended before it was ready")

    def test_every_command(self):
        self.write_fasta()
        unknown = [c for b in sh_blocks(README) for c in b if c not in CHECKS and
                   not re.match(r"^(ok|err|pong|busy) ", c)]
        self.assertEqual(unknown, [], "README commands this test does not know: add them")
        for block in sh_blocks(README):
            last = None
            for command in block:
                check = CHECKS.get(command, (OUTPUT,))
                with self.subTest(command=command):
                    if check[0] == SKIP:
                        continue
                    if check[0] == OUTPUT:
                        self.assertIsNotNone(last, f"{command}: output of no command")
                        self.assertRegex(last, output_pattern(command), command)
                        continue
                    if command.endswith("&"):
                        self.start(command)
                        continue
                    r = subprocess.run(["sh", "-c", self.shell(command)], cwd=SOURCE,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, timeout=check[1],
                                       env=self.env)
                    self.assertEqual(r.returncode, 0, f"{command}:\n{r.stdout[-3000:]}")
                    last = r.stdout
                    if len(check) > 2:
                        self.assertRegex(r.stdout, check[2])
            for p in self.background:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=20)
            self.background = []


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun else 1)
