"""The command-line tools as a user meets them: every tool answers --help with exit 0 and names
its options, and tf-client parses numbers strictly, reports a port where nothing listens at
once, prints JSON for raw requests and says when it retries. Real peers: primes-linux --serve
(the Linux reference server) on a loopback port, and a Python socket that drops a first datagram.

Environment: TF_SOURCE_DIR, TF_BUILD_DIR (set by ctest)."""
import json
import os
import socket
import subprocess
import sys
import threading
import unittest

SOURCE = os.environ.get("TF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE, "build"))
PRIMES = os.path.join(BUILD, "examples", "primes")
CLIENT = os.path.join(PRIMES, "tf-client")
LINUX = os.path.join(PRIMES, "primes-linux")


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
        ("tools", "build"): [],
        ("tools", "test-all"): [],
        ("tools", "coverage"): [],
        ("tools", "setup"): [],
        ("tools", "demo"): [],
    }
    PROGRAMS = {
        CLIENT: ["--server", "--kernel", "--id", "--timeout", "--max-wait", "--retry-refused",
                 "--request", "--json", "-v", "Exit status"],
        LINUX: ["--threads", "--procs", "--kernel", "--serve"],
        os.path.join(PRIMES, "primes-host"): ["--threads", "--procs", "--farm", "--kernel",
                                              "--serve"],
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
    """primes-linux --serve on a free loopback port."""

    def __init__(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([built(LINUX), "--serve", str(self.port), "--threads"],
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


if __name__ == "__main__":
    result = unittest.main(verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() and not result.skipped and result.testsRun else 1)
