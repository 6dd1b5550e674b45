"""The command-line tools as a user meets them: every tool answers --help with exit 0 and names
its options, and tf-client parses numbers strictly, reports a port where nothing listens at
once, prints JSON for raw requests and says when it retries, pads every request; with a shared
key (--key-file) tf-client and primes-linux --serve authenticate every datagram, and datagrams
without a valid MAC or with a t used before are dropped and counted. Real peers: primes-linux
--serve (the Linux reference server) on a loopback port, and Python sockets (one that drops a
first datagram, one that records what tf-client sends).

Environment: TF_SOURCE_DIR, TF_BUILD_DIR (set by ctest)."""
import json
import os
import socket
import subprocess
import stat
import sys
import tempfile
import threading
import unittest

SOURCE = os.environ.get("TF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE, "build"))
PRIMES = os.path.join(BUILD, "examples", "primes")
CLIENT = os.path.join(PRIMES, "tf-client")
LINUX = os.path.join(PRIMES, "primes-linux")
sys.path.insert(0, os.path.join(SOURCE, "tools"))
from primes_proto import REPLY_MAX, Counter, padded, seal, unseal  # noqa: E402


def run(*cmd, timeout=60, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          stdin=subprocess.DEVNULL, timeout=timeout, **kw)


def built(path):
    if not os.path.exists(path):
        raise AssertionError(f"{path} not built (run tools/build)")
    return path


class HelpTest(unittest.TestCase):
    """--help: exit 0, on standard output, every option named."""

    TOOLS = {
        ("tools", "tf-run"): ["--smp", "--sockets", "--cores", "--threads", "--memory", "--udp",
                              "--net", "--timeout", "--iso", "--gdb", "--qemu-arg", "--accel",
                              "Exit status"],
        ("tools", "tf-slurm"): ["submit", "task", "merge", "status", "serve", "client",
                                "service", "Exit status"],
        ("tools", "tf-mkiso"): ["--module"],
        ("tools", "build"): [],
        ("tools", "test-all"): [],
        ("tools", "coverage"): [],
        ("tools", "setup"): [],
        ("tools", "demo"): [],
        ("bench", "flood"): ["--clients", "--rate", "--seconds", "--kind", "--quick"],
        ("bench", "amplification"): ["--build", "--allow-amplification"],
    }
    PROGRAMS = {
        CLIENT: ["--server", "--kernel", "--id", "--timeout", "--max-wait", "--retry-refused",
                 "--key-file", "--request", "--json", "-v", "Exit status"],
        LINUX: ["--threads", "--procs", "--kernel", "--serve", "--key-file"],
        os.path.join(PRIMES, "primes-host"): ["--threads", "--procs", "--farm", "--kernel",
                                              "--serve", "--key-file"],
    }

    def check(self, path, words):
        r = run(path, "--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(len(r.stdout.strip().splitlines()), 1, r.stdout)
        for w in words:
            self.assertIn(w, r.stdout, f"{path} --help does not mention {w}")

    def test_scripts(self):
        for parts, words in self.TOOLS.items():
            with self.subTest(parts[-1]):
                self.check(os.path.join(SOURCE, *parts), words)

    def test_programs(self):
        for path, words in self.PROGRAMS.items():
            with self.subTest(os.path.basename(path)):
                self.check(built(path), words)


class LinuxServer:
    """primes-linux --serve on a free loopback port (with --key-file when given one)."""

    def __init__(self, *args):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([built(LINUX), "--serve", str(self.port), "--threads", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        assert "listening" in line, line

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = LinuxServer()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def client(self, *args, server=None):
        return run(built(CLIENT), "--server", server or f"127.0.0.1:{self.server.port}",
                   *map(str, args))

    def test_numbers_are_whole_or_exactly_scaled(self):
        for n, limit, want in (("2", "100000", 2 * 9592), ("2", "1e5", 2 * 9592),
                               ("1", "10k", 1229), ("1", "1M", 78498), ("3", "1e3", 3 * 168)):
            with self.subTest(n=n, limit=limit):
                r = self.client(n, limit)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn(f" sum={want} ", r.stdout)
        for n, limit, bad in (("2", "1e7x", "L '1e7x'"), ("3x", "100", "N '3x'"),
                              ("2", "10.5", "L '10.5'"), ("2", "-5", "unknown option -5"),
                              ("2", "1e", "L '1e'"), ("0", "100", "N must be from 1"),
                              ("2", "99999999999999999999", "L '99999999999999999999'")):
            with self.subTest(n=n, limit=limit):
                r = self.client(n, limit)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(bad, r.stderr)

    def test_fewer_tasks_than_servers_says_so(self):
        r = run(built(CLIENT), "--server", "127.0.0.1:1", "--server", "127.0.0.1:2", "1", "100")
        self.assertEqual(r.returncode, 2)
        self.assertIn("N = 1 tasks for 2 servers: each needs at least one", r.stderr)

    def test_nothing_listening_is_reported_at_once(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # bound, then closed: nothing listens
        r = self.client("--max-wait", "120", "2", "1000", server=f"127.0.0.1:{port}")
        self.assertEqual(r.returncode, 4, r.stderr)
        self.assertIn("nothing listens on that port", r.stderr)

    def test_json_for_raw_requests(self):
        r = self.client("--json", "--request", "ping id=j1")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertRegex(doc["reply"], r"^pong id=j1 cpus=\d+$")
        self.assertEqual(doc["retries"], 0)

    def test_retries_are_shown_as_they_happen(self):
        """A peer that ignores the first datagram: the client says it sends again"""
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(30)

        def answer_second():
            peer.recvfrom(2048)  # dropped
            data, addr = peer.recvfrom(2048)
            ident = data.decode().split("id=")[1].split()[0]
            peer.sendto(f"pong id={ident} cpus=1\n".encode(), addr)
        t = threading.Thread(target=answer_second, daemon=True)
        t.start()
        try:
            r = self.client("--timeout", "100", "--request", "ping id=r1",
                            server=f"127.0.0.1:{peer.getsockname()[1]}")
        finally:
            t.join(timeout=30)
            peer.close()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "pong id=r1 cpus=1\n")
        self.assertRegex(r.stderr, r"no answer after \d+ ms; sending again \(try 2\)")

    def test_requests_are_padded(self):
        """every request tf-client sends is padded with blanks to the longest reply"""
        got = []
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(30)

        def answer():
            for _ in range(2):
                data, addr = peer.recvfrom(2048)
                got.append(data)
                ident = data.decode().split("id=")[1].split()[0]
                peer.sendto(f"pong id={ident} cpus=1\n".encode(), addr)
        t = threading.Thread(target=answer, daemon=True)
        t.start()
        try:
            server = f"127.0.0.1:{peer.getsockname()[1]}"
            self.client("--request", "ping id=pd1", server=server)
            self.client("--id", "pd2", "1", "10", server=server)  # its pong is no ok: status 1
        finally:
            t.join(timeout=30)
            peer.close()
        self.assertEqual(got[0], b"ping id=pd1".ljust(REPLY_MAX - 1) + b"\n")
        self.assertEqual(got[1], b"primes 1 10 id=pd2 kernel=trial".ljust(REPLY_MAX - 1) + b"\n")

    def test_short_requests_get_no_longer_replies(self):
        """the Linux reference keeps the guest's rule: without a key, no reply outgrows the
        datagram it answers"""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for text, want in ((b"ping", None), (b"ping id=ab" + b" " * 4, b"err id=ab pad\n"),
                               (b"primes 2 1000 id=c" + b" " * 40,
                                b"err id=c pad the request with blanks to 256 bytes\n"),
                               (padded(b"ping id=d"), b"pong id=d cpus=%d\n" % os.cpu_count())):
                with self.subTest(text=text):
                    self.assertEqual(ask_or_none(s, text, self.server.port), want)

    def test_a_mac_needs_a_server_with_a_key(self):
        """tf-client with a key, primes-linux without one: the unsealed error reply is ignored
        and named"""
        with tempfile.TemporaryDirectory() as d:
            r = self.client("--key-file", write_key(d, KEY), "--max-wait", "1", "--request",
                            "ping id=nk")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("ignored a reply without a valid MAC", r.stderr)
        self.assertIn("t= and mac= are for a server with a key", r.stderr)


KEY = bytes(range(0x20, 0x40))


def write_key(directory, key, mode=0o600, name="primes.key"):
    path = os.path.join(directory, name)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "w") as f:
        f.write(key.hex() + "\n")
    os.chmod(path, mode)
    return path


def ask_or_none(sock, data, port, probe=None):
    """the reply to `data`, or None when none came: a padded ping (sealed by `probe`, a function
    of the text, when the server has a key) follows, and primes-linux answers in order"""
    sock.settimeout(30)
    sock.sendto(data, ("127.0.0.1", port))
    ping = padded("ping id=probe")
    sock.sendto(probe(ping) if probe else ping, ("127.0.0.1", port))
    first = sock.recv(2048)
    if first.startswith(b"pong id=probe "):
        return None
    sock.recv(2048)
    return first


class KeyTest(unittest.TestCase):
    """primes-linux --serve --key-file against tf-client --key-file and a Python client"""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.key_file = write_key(cls.dir.name, KEY)
        cls.server = LinuxServer("--key-file", cls.key_file)
        cls.t = Counter()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.dir.cleanup()

    def client(self, *args, key_file=None):
        return run(built(CLIENT), "--server", f"127.0.0.1:{self.server.port}", "--key-file",
                   key_file or self.key_file, *map(str, args))

    def probe(self, text):
        return seal(KEY, text, self.t())

    def stats(self):
        r = self.client("--request", "stats id=ks")
        self.assertEqual(r.returncode, 0, r.stderr)
        return {k: int(v) for k, v in (w.split("=") for w in r.stdout.split()[2:])}

    def test_client_with_the_key(self):
        r = self.client("2", "100000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f" sum={2 * 9592} ", r.stdout)
        r = self.client("--json", "--request", "ping id=kj")
        self.assertEqual(json.loads(r.stdout)["reply"], f"pong id=kj cpus={os.cpu_count()}")

    def test_without_the_key_nothing_is_answered(self):
        before = self.stats()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for data in (padded("ping id=n1"), seal(bytes(32), padded("ping id=n2"), self.t()),
                         padded("quit")):
                self.assertIsNone(ask_or_none(s, data, self.server.port, self.probe))
        self.assertEqual(self.stats()["auth_failed"] - before["auth_failed"], 3)
        r = run(built(CLIENT), "--server", f"127.0.0.1:{self.server.port}", "--max-wait", "1",
                "--request", "ping id=n3")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("a server with a key answers only requests with a MAC", r.stderr)

    def test_replies_carry_the_t_and_a_mac(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            t = self.t()
            data = seal(KEY, padded("ping id=m1"), t)
            s.settimeout(30)
            s.sendto(data, ("127.0.0.1", self.server.port))
            self.assertEqual(unseal(KEY, s.recv(2048)), (f"pong id=m1 cpus={os.cpu_count()}\n", t))
            before = self.stats()
            self.assertIsNone(ask_or_none(s, data, self.server.port, self.probe))  # a replay
            self.assertEqual(self.stats()["replayed"] - before["replayed"], 1)

    def test_key_files(self):
        d = self.dir.name
        r = self.client("--request", "ping id=w1", key_file=write_key(d, KEY, 0o644, "open.key"))
        self.assertEqual(r.returncode, 0, r.stderr)  # works, with a warning
        self.assertIn("other users may read the key file", r.stderr)
        with open(os.path.join(d, "bad.key"), "w") as f:
            f.write("not a key\n")
        os.chmod(os.path.join(d, "bad.key"), stat.S_IRUSR)
        for path, why in ((os.path.join(d, "bad.key"), "a key is hex digits only"),
                          (os.path.join(d, "missing.key"), "No such file")):
            for prog in (CLIENT, LINUX):
                with self.subTest(prog=os.path.basename(prog), path=path):
                    args = ["--request", "ping"] if prog == CLIENT else ["--serve", "1", "--threads"]
                    r = run(built(prog), "--key-file", path, *args)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(why, r.stderr)


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() and not result.skipped and result.testsRun else 1)
