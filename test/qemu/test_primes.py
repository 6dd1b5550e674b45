"""The prime-count server in the guest, talked to by real clients over QEMU's user network:
tf-client, netcat and Python sockets.

Accelerator: KVM when usable (the tasks are compute at CPL3, native there), TCG otherwise; the
limits are small enough for either. Checked: sums against known values of the prime-counting
function and against the Linux reference (primes-linux) for random limits; error replies; the
reply cache for repeated ids; "busy" beyond the request queue; a request through a path that
drops 10% of the datagrams each way still completes through tf-client's retries; fan-out over
two guests gives the same sum as one."""
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

import tfqemu
from tfqemu import ACCEL, BUILD_DIR, TF_RUN, image

PRIMES = os.path.join(BUILD_DIR, "examples", "primes")
CLIENT = os.path.join(PRIMES, "tf-client")
LINUX = os.path.join(PRIMES, "primes-linux")
PI = {10**6: 78498, 10**7: 664579, 10**8: 5761455}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    """One prime-count guest with a forwarded UDP port; stopped with "quit"."""

    def __init__(self, *options, smp=2):
        self.port = free_port()
        self.lines = []
        cmd = [TF_RUN, "--accel", ACCEL, "--smp", str(smp), "-m", "256M", "--udp",
               f"{self.port}:7070", "--timeout", "600", image("examples", "primes", "primes"),
               "--", "tf.allow_quit=1", *options]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()
        r = self.client("--timeout", "50", "--max-wait", "120", "--retry-refused", "--request",
                        "ping id=up")
        if not r.stdout.startswith("pong"):
            self.stop()
            raise AssertionError(f"guest did not answer: {r.stdout}{r.stderr}\n{self.output()}")

    def read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self):
        return "".join(self.lines)

    def client(self, *args, server=None):
        return subprocess.run([CLIENT, "--server", server or f"127.0.0.1:{self.port}",
                               *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=300)

    def ask(self, text, timeout=60, sock=None):
        """one datagram, one reply, from a plain Python socket (a new one unless given)"""
        if sock is None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                return self.ask(text, timeout, s)
        sock.settimeout(timeout)
        sock.sendto(text if isinstance(text, bytes) else text.encode(), ("127.0.0.1", self.port))
        return sock.recv(2048).decode()

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.client("--max-wait", "10", "--request", "quit")
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=5)
        self.proc.stdout.close()


def stats_fields(line):
    """The counters of a stats reply, as integers"""
    m = re.match(r"stats id=\S+ (.*)", line.strip())
    assert m, line
    return {k: int(v) for k, v in (kv.split("=", 1) for kv in m.group(1).split())}


def ok_fields(line):
    m = re.match(r"ok (.*)", line.strip())
    assert m, line
    return dict(kv.split("=", 1) for kv in m.group(1).split())


class PrimesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.guest = Guest()

    @classmethod
    def tearDownClass(cls):
        cls.guest.stop()

    def primes(self, n, limit, kernel="trial"):
        r = self.guest.client("--kernel", kernel, n, limit)
        self.assertEqual(r.returncode, 0, r.stderr + self.guest.output())
        return ok_fields(r.stdout)

    def test_known_values(self):
        self.assertEqual(int(self.primes(1, 10**6)["sum"]), PI[10**6])
        self.assertEqual(int(self.primes(3, 10**6)["sum"]), 3 * PI[10**6])
        self.assertEqual(int(self.primes(2, 10**7, "sieve")["sum"]), 2 * PI[10**7])
        self.assertEqual(int(self.primes(1, 10**8, "sieve")["sum"]), PI[10**8])

    def test_reply_fields(self):
        f = self.primes(4, 300000)
        self.assertEqual(f["n"], "4")
        self.assertEqual(f["limit"], "300000")
        self.assertEqual(f["kernel"], "trial")
        self.assertEqual(f["cpus"], "2")  # 4 tasks on 2 vCPUs: both ran some
        self.assertGreater(int(f["compute_us"]), 0)

    def test_matches_linux_reference(self):
        rng = random.Random(1729)
        for _ in range(6):
            n, limit = rng.randint(1, 6), rng.randint(2, 1500000)
            kernel = rng.choice(["trial", "sieve"])
            ref = subprocess.run([LINUX, "--threads", str(n), "--kernel", kernel, str(limit)],
                                 stdout=subprocess.PIPE, text=True, check=True).stdout
            with self.subTest(n=n, limit=limit, kernel=kernel):
                self.assertEqual(self.primes(n, limit, kernel)["sum"], ok_fields(ref)["sum"])

    def test_netcat(self):
        r = subprocess.run(["nc", "-u", "-w", "20", "127.0.0.1", str(self.guest.port)],
                           input="primes 8 100000\n", stdout=subprocess.PIPE, text=True,
                           timeout=60)
        self.assertEqual(ok_fields(r.stdout)["sum"], str(8 * 9592))

    def test_error_replies_and_keeps_serving(self):
        cases = [("primes 0 100 id=e1", "err id=e1 N must be"),
                 ("primes 5000 100 id=e2", "err id=e2 N must be"),
                 ("primes 2 1000000000001 id=e3", "err id=e3 L must be"),
                 ("primes 2 abc id=e4", "err id=e4 L must be"),
                 ("primes 2 100 kernel=magic id=e5", "err id=e5 unknown kernel"),
                 ("primes 2", "err id=- usage: primes N L"),
                 ("factorize 12 id=e6", "err id=e6 unknown request"),
                 ("primes 2 100 id=bad/id", "err id=- id may hold only"),
                 ("", "err id=- empty request"),
                 (b"\x00\xff\xfe garbage", "err id=- request holds a NUL byte"),
                 ("x" * 600, "err id=- request too long")]
        before = stats_fields(self.guest.ask("stats"))
        for text, want in cases:
            with self.subTest(text=text[:40]):
                self.assertTrue(self.guest.ask(text).startswith(want), want)
        self.assertEqual(ok_fields(self.guest.ask("primes 2 1000 id=after"))["sum"], "336")
        after = stats_fields(self.guest.ask("stats"))
        self.assertEqual(after["errors"] - before["errors"], len(cases))
        self.assertEqual(after["ok"] - before["ok"], 1)
        self.assertEqual(after["requests"] - before["requests"], len(cases) + 2)  # + stats
        self.assertEqual(after["limited"], before["limited"])  # within the burst allowance

    def test_repeated_id_is_answered_from_the_cache(self):
        before = self.guest.ask("stats")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a client's retry
            first = self.guest.ask("primes 3 400000 id=cache-1", sock=s)
            again = self.guest.ask("primes 3 400000 id=cache-1", sock=s)
        self.assertEqual(first, again)  # compute_us included: not computed again
        after = self.guest.ask("stats")
        hits = lambda s: int(re.search(r"cache_hits=(\d+)", s).group(1))
        oks = lambda s: int(re.search(r" ok=(\d+)", s).group(1))
        self.assertEqual(hits(after) - hits(before), 1)
        self.assertEqual(oks(after) - oks(before), 1)
        # another id is computed
        self.assertNotEqual(self.guest.ask("primes 3 400000 id=cache-2").split()[1], "id=cache-1")

    def test_default_work_limit(self):
        """10^14 work units: the review's primes 1 10^12 (trial division to 10^12) is refused"""
        self.assertTrue(self.guest.ask("primes 1 1000000000000 id=w4").startswith(
            "err id=w4 too much work: "))
        self.assertEqual(self.guest.ask("ping id=w5"), "pong id=w5 cpus=2\n")

    def test_reused_id_never_gets_another_requests_answer(self):
        """Behind QEMU's user network every host client has the same address: the cache is
        keyed by port too, and a reused id with another request is an error, not a stale
        answer"""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(60)
            s.sendto(b"primes 4 1000000 id=reuse", ("127.0.0.1", self.guest.port))
            self.assertEqual(ok_fields(s.recv(2048).decode())["sum"], str(4 * PI[10**6]))
            s.sendto(b"primes 2 5000 id=reuse", ("127.0.0.1", self.guest.port))
            self.assertEqual(s.recv(2048).decode(),
                             "err id=reuse id already used for another request; "
                             "use a fresh id\n")
            s.sendto(b"primes 4 1000000 id=reuse", ("127.0.0.1", self.guest.port))  # a retry
            self.assertEqual(ok_fields(s.recv(2048).decode())["sum"], str(4 * PI[10**6]))
        # another client (another port, same address) with the same id gets its own answer
        f = ok_fields(self.guest.ask("primes 2 5000 id=reuse"))
        self.assertEqual((f["n"], f["limit"], f["sum"]), ("2", "5000", str(2 * 669)))

    def test_echoing_peer_gets_one_reply(self):
        """An echoing peer (or a second server) sends every reply back: the server must not
        answer replies, or one datagram would bounce between them for ever"""
        before = stats_fields(self.guest.ask("stats"))
        got = []
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            s.sendto(b"bogus id=loop", ("127.0.0.1", self.guest.port))
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and len(got) < 100:
                try:
                    data = s.recv(2048)
                except socket.timeout:
                    continue
                got.append(data.decode())
                s.sendto(data, ("127.0.0.1", self.guest.port))  # echo it back
        self.assertEqual(got, ["err id=loop unknown request 'bogus' (primes, ping, stats, "
                               "cancel)\n"])
        after = stats_fields(self.guest.ask("stats"))
        self.assertEqual(after["ignored"] - before["ignored"], 1)
        for reply in ("ok id=x n=1 limit=10 kernel=trial sum=4 cpus=1 compute_us=3", "busy id=x",
                      "pong id=x cpus=2", "bye", "stats id=x requests=1 ok=1 errors=0"):
            with self.subTest(reply=reply), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(1)
                s.sendto(reply.encode(), ("127.0.0.1", self.guest.port))
                self.assertRaises(socket.timeout, s.recv, 2048)
        final = stats_fields(self.guest.ask("stats"))
        self.assertEqual(final["ignored"] - after["ignored"], 5)

    def test_well_known_source_ports_are_not_answered(self):
        """echo, chargen, DNS and the like answer whatever reaches them: nothing from a port
        below 1024 is a request"""
        before = stats_fields(self.guest.ask("stats"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0 if os.geteuid() else 7))
            self.assertEqual(s.getsockname()[1], 7, "binding port 7 needs root")
            s.settimeout(1)
            s.sendto(b"ping id=from-echo", ("127.0.0.1", self.guest.port))
            self.assertRaises(socket.timeout, s.recv, 2048)
        after = stats_fields(self.guest.ask("stats"))
        self.assertEqual(after["ignored"] - before["ignored"], 1)


class LossyRelay:
    """A UDP path between the client and the guest that drops a share of the datagrams each way
    (and always the first request, so a retry is certain)."""

    def __init__(self, target_port, loss, seed):
        self.rng, self.loss = random.Random(seed), loss
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.target = ("127.0.0.1", target_port)
        self.port = self.front.getsockname()[1]
        self.client, self.dropped, self.passed, self.stop = None, 0, 0, False
        for sock in (self.front, self.back):
            sock.settimeout(0.2)
        self.threads = [threading.Thread(target=self.pump, args=(self.front, True), daemon=True),
                        threading.Thread(target=self.pump, args=(self.back, False), daemon=True)]
        for t in self.threads:
            t.start()

    def pump(self, sock, to_guest):
        while not self.stop:
            try:
                data, addr = sock.recvfrom(4096)
            except socket.timeout:
                continue
            if to_guest:
                self.client = addr
            if (to_guest and self.passed == 0 and self.dropped == 0) or \
                    self.rng.random() < self.loss:
                self.dropped += 1
                continue
            self.passed += 1
            if to_guest:
                self.back.sendto(data, self.target)
            elif self.client:
                self.front.sendto(data, self.client)

    def close(self):
        self.stop = True
        for t in self.threads:
            t.join()
        self.front.close()
        self.back.close()


class LossAndLoadTest(unittest.TestCase):
    def test_ten_percent_loss_completes_through_retries(self):
        g = Guest()
        relay = LossyRelay(g.port, 0.10, seed=7)
        try:
            for i in range(5):
                r = g.client("--timeout", "200", "--json", 2, 200000,
                             server=f"127.0.0.1:{relay.port}")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn('"sum": 35968', r.stdout)  # 2 x pi(200000) = 2 x 17984
            self.assertGreater(relay.dropped, 0)
        finally:
            relay.close()
            g.stop()

    def test_fan_out_over_two_guests(self):
        a, b = Guest(), Guest()
        try:
            one = a.client("--json", 6, 300000)
            both = subprocess.run([CLIENT, "--json", "--server", f"127.0.0.1:{a.port}",
                                   "--server", f"127.0.0.1:{b.port}", "6", "300000"],
                                  stdout=subprocess.PIPE, text=True, timeout=300)
            self.assertEqual(re.search(r'"sum": (\d+)', one.stdout).group(1),
                             re.search(r'"sum": (\d+)', both.stdout).group(1))
            self.assertIn('"servers": 2', both.stdout)
            self.assertIn('"sum": 155982', both.stdout)  # 6 x pi(300000) = 6 x 25997
        finally:
            a.stop()
            b.stop()


class Replies:
    """One client socket and the replies it has read, by id."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(60)
        self.addr = ("127.0.0.1", port)
        self.seen = []

    def send(self, text):
        self.sock.sendto(text.encode(), self.addr)

    def read(self, count):
        got = [self.sock.recv(2048).decode() for _ in range(count)]
        self.seen += got
        return got

    def close(self):
        self.sock.close()


# A request that runs far longer than the test needs (minutes on one core): everything below is
# checked while it runs, and the test ends it with a cancel. No timing is assumed.
LONG = "primes 2 400000000 id=long"


class LongRequestTest(unittest.TestCase):
    """The bootstrap CPU keeps serving while a request computes: pings and stats are answered at
    once, further requests are queued or answered busy at once, cancel ends work."""

    def test_serving_while_a_long_request_runs(self):
        g = Guest("tf.queue=2")
        c = Replies(g.port)
        try:
            c.send(LONG)
            for burst in (100,) + (50,) * 6:  # one burst beyond the socket's 64, then 300 more
                for i in range(burst):
                    c.send(f"ping id=p{i}")
                got = c.read(burst)
                self.assertEqual(sorted(got), sorted(f"pong id=p{i} cpus=2\n"
                                                     for i in range(burst)))
            c.send(LONG)  # a client's retry of the running request: no second reply
            c.send("primes 3 5 id=long")  # the same id for something else: an error
            self.assertEqual(c.read(1), ["err id=long id already used for another request; "
                                         "use a fresh id\n"])
            for i in range(4):  # two wait in the queue (tf.queue=2), two are busy now
                c.send(f"primes 1 1000 id=q{i}")
            self.assertEqual(sorted(c.read(2)), ["busy id=q2\n", "busy id=q3\n"])
            c.send("cancel id=q0")  # a queued one
            self.assertEqual(sorted(c.read(2)), ["err id=q0 cancelled\n",
                                                 "ok id=q0 cancelled\n"])
            c.send("cancel id=nothing")
            self.assertEqual(c.read(1), ["err id=nothing nothing to cancel with this id\n"])
            c.send("cancel id=long")  # the running one; then q1 computes
            got = c.read(3)
            self.assertEqual(got[:2], ["ok id=long cancelled\n", "err id=long cancelled\n"])
            self.assertEqual(ok_fields(got[2])["id"], "q1")
            self.assertEqual(ok_fields(got[2])["sum"], "168")
            self.assertFalse([r for r in c.seen if r.startswith("ok id=long n=")])
            after = stats_fields(g.ask("stats"))
            self.assertEqual(after["cancelled"], 2)
            self.assertEqual(after["busy"], 2)
            # a retry of the cancelled request is computed again, not answered from the cache
            c.send("primes 2 100000 id=long")
            self.assertEqual(ok_fields(c.read(1)[0])["sum"], str(2 * 9592))
        finally:
            c.close()
            g.stop()

    def test_work_limit(self):
        g = Guest("tf.max_work=100000000")
        try:
            self.assertEqual(ok_fields(g.ask("primes 2 100000 id=w1"))["sum"], str(2 * 9592))
            self.assertEqual(g.ask("primes 4 100000 id=w2"),  # 4 x 10^5 x 316 > 10^8
                             "err id=w2 too much work: N x L x sqrt(L) (trial) or N x 64L (sieve) "
                             "must be at most 100000000 (tf.max_work)\n")
            self.assertEqual(ok_fields(g.ask("primes 4 100000 kernel=sieve id=w3"))["sum"],
                             str(4 * 9592))  # 4 x 64 x 10^5 <= 10^8
        finally:
            g.stop()


if __name__ == "__main__":
    tfqemu.main()
