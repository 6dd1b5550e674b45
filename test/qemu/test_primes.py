"""The prime-count server in the guest, talked to by real clients over QEMU's user network:
tf-client, netcat and Python sockets.

Accelerator: KVM when usable (the tasks are compute at CPL3, native there), TCG otherwise; the
limits are small enough for either. Checked: sums against known values of the prime-counting
function and against the Linux reference (primes-linux) for random limits; error replies; the
reply cache for repeated ids; "busy" beyond the request queue; a request through a path that
drops 10% of the datagrams each way still completes through tf-client's retries; fan-out over
two guests gives the same sum as one; no reply is longer than an unauthenticated request (every
kind of request, unpadded); with a key, only datagrams with a valid MAC and a fresh t are
answered, and the replies carry a MAC, checked here with Python's own HMAC."""
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import tfqemu
from tfqemu import ACCEL, BUILD_DIR, TF_RUN, image
from tflib import free_udp_port  # noqa: E402  (tools/tflib.py)
import primes_proto  # noqa: E402  (tools/, on the path through tfqemu)
from primes_proto import Counter, padded, seal

PRIMES = os.path.join(BUILD_DIR, "examples", "primes")
CLIENT = os.path.join(PRIMES, "tf-client")
LINUX = os.path.join(PRIMES, "primes-linux")
PI = {10**6: 78498, 10**7: 664579, 10**8: 5761455}


def unseal(key, data, t):
    """the reply without its t and MAC, checked as tf-client checks it: a valid MAC, the t sent"""
    opened = primes_proto.unseal(key, data)
    assert opened, data
    assert opened[1] == t, (t, data)
    return opened[0]


class Guest:
    """One prime-count guest with a forwarded UDP port; stopped with "quit". With `key_file` it
    gets the key as the boot module "primes-key" (tf.key_module) and so does tf-client
    (--key-file); tf.key=HEX can be among the options instead. `guest_port`: the port the server
    listens on (tf.port), 7070 unless the options change it; `memory`: its RAM (tf-run -m).

    The host port is picked free and handed to QEMU, which binds it itself: another process may
    take it in between. QEMU then refuses to start (its host forwarding rule fails), and the
    guest is started again on another port; any other failure to start is the test's."""

    ATTEMPTS = 5

    def __init__(self, *options, smp=2, key_file=None, module=True, guest_port=7070,
                 memory="256M"):
        self.key_file = key_file
        keyed = ["--module", f"{key_file}=primes-key"] if key_file and module else []
        for attempt in range(self.ATTEMPTS):
            self.port = free_udp_port()
            self.lines, self.ended, self.grown = [], False, threading.Condition()
            cmd = [TF_RUN, "--accel", ACCEL, "--smp", str(smp), "-m", memory, "--udp",
                   f"{self.port}:{guest_port}", "--timeout", "600", *keyed,
                   image("examples", "primes", "primes"), "--", "tf.allow_quit=1",
                   *(["tf.key_module=primes-key"] if keyed else []), *options]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, text=True)
            self.reader = threading.Thread(target=self.read, daemon=True)
            self.reader.start()
            if self.answers():
                return
            self.stop()
            if "host forwarding rule" not in self.output():
                break
        raise AssertionError(f"guest did not answer:\n{self.output()}")

    def answers(self, wait=120):
        """True once the guest answers a ping; False when it does not within `wait` seconds or
        its QEMU has ended (asked in short rounds, so that a QEMU that could not start is not
        waited for)"""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and self.proc.poll() is None:
            r = self.client("--timeout", "50", "--max-wait", "5", "--retry-refused", "--request",
                            "ping id=up")
            if r.stdout.startswith("pong"):
                return True
        return False

    def read(self):
        for line in self.proc.stdout:
            with self.grown:
                self.lines.append(line)
                self.grown.notify_all()
        with self.grown:
            self.ended = True
            self.grown.notify_all()

    def output(self):
        return "".join(self.lines)

    def output_with(self, text, wait=120):
        """The console output once it holds `text`, or once QEMU's output ended, or after `wait`
        seconds: a thread reads the console, and may not have read a line yet that the guest
        wrote before a reply the test already holds"""
        with self.grown:
            self.grown.wait_for(lambda: text in self.output() or self.ended, timeout=wait)
            return self.output()

    def client(self, *args, server=None):
        keyed = ["--key-file", self.key_file] if self.key_file else []
        return subprocess.run([CLIENT, "--server", server or f"127.0.0.1:{self.port}", *keyed,
                               *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=300)

    def ask(self, text, timeout=60, sock=None, pad=True):
        """one datagram, one reply, from a plain Python socket (a new one unless given), padded
        as a real client pads unless pad=False"""
        if sock is None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                return self.ask(text, timeout, s, pad)
        sock.settimeout(timeout)
        data = text if isinstance(text, bytes) else text.encode()
        sock.sendto(padded(data) if pad else data, ("127.0.0.1", self.port))
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
        """as README.md shows it: printf pads the request, -W1 ends nc after the reply"""
        r = subprocess.run(f"printf '%-255s\\n' 'primes 8 100000' | nc -u -W1 -w20 127.0.0.1 "
                           f"{self.guest.port}", shell=True, stdout=subprocess.PIPE, text=True,
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
            self.assertEqual(ok_fields(self.guest.ask("primes 4 1000000 id=reuse", sock=s))["sum"],
                             str(4 * PI[10**6]))
            self.assertEqual(self.guest.ask("primes 2 5000 id=reuse", sock=s),
                             "err id=reuse id already used for another request; "
                             "use a fresh id\n")
            self.assertEqual(ok_fields(self.guest.ask("primes 4 1000000 id=reuse", sock=s))["sum"],
                             str(4 * PI[10**6]))  # a retry
        # another client (another port, same address) with the same id gets its own answer
        f = ok_fields(self.guest.ask("primes 2 5000 id=reuse"))
        self.assertEqual((f["n"], f["limit"], f["sum"]), ("2", "5000", str(2 * 669)))

    def test_echoing_peer_gets_one_reply(self):
        """An echoing peer (or a second server) sends every reply back: the server must not
        answer replies, or one datagram would bounce between them for ever"""
        before = stats_fields(self.guest.ask("stats"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(60)
            s.sendto(padded(b"bogus id=loop"), ("127.0.0.1", self.guest.port))
            got = s.recv(2048)
            self.assertEqual(got.decode(), "err id=loop unknown request 'bogus' (primes, ping, "
                             "stats, cancel)\n")
            # echoed back: an answer to it (the bounce) would come before the probe's pong
            self.assertIsNone(reply_or_none(s, got, self.guest.port, "echoed"))
        after = stats_fields(self.guest.ask("stats"))
        self.assertEqual(after["ignored"] - before["ignored"], 1)
        for i, reply in enumerate(("ok id=x n=1 limit=10 kernel=trial sum=4 cpus=1 compute_us=3",
                                   "busy id=x", "pong id=x cpus=2", "bye",
                                   "stats id=x requests=1 ok=1 errors=0")):
            with self.subTest(reply=reply), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                self.assertIsNone(reply_or_none(s, padded(reply), self.guest.port, f"r{i}"))
        final = stats_fields(self.guest.ask("stats"))
        self.assertEqual(final["ignored"] - after["ignored"], 5)

    def test_well_known_source_ports_are_not_answered(self):
        """echo, chargen, DNS and the like answer whatever reaches them: nothing from a port
        below 1024 is a request"""
        before = stats_fields(self.guest.ask("stats"))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0 if os.geteuid() else 7))
            self.assertEqual(s.getsockname()[1], 7, "binding port 7 needs root")
            s.sendto(padded(b"ping id=from-echo"), ("127.0.0.1", self.guest.port))
            # a probe from port 7 would be ignored too: the stats reply, sent after the guest
            # dealt with the ping, is the event; a pong to port 7 would have left before it
            after = stats_fields(self.guest.ask("stats"))
            s.setblocking(False)
            self.assertRaises(BlockingIOError, s.recv, 2048)
        self.assertEqual(after["ignored"] - before["ignored"], 1)


# Every kind of request in its shortest form, unpadded: none may get a reply longer than itself.
# "quit" is left out (it would end the guest; "bye" is no longer than "quit").
SHORT_REQUESTS = ["ping", "ping id=a1", "stats", "stats id=a2", "primes 1 10", "primes 2 1000 id=a3",
                  "cancel id=a4", "bogus", "primes", "", "primes 0 1 id=a5"]


def reply_or_none(sock, data, port, probe):
    """The reply to `data`, or None when the guest sent none: a padded ping `probe` follows on the
    same socket, and the guest answers in order, so its pong coming first means no reply (no
    timing assumed)"""
    sock.settimeout(60)
    sock.sendto(data, ("127.0.0.1", port))
    sock.sendto(padded(f"ping id={probe}"), ("127.0.0.1", port))
    first = sock.recv(2048)
    if first.startswith(f"pong id={probe} ".encode()):
        return None
    assert sock.recv(2048).startswith(f"pong id={probe} ".encode())
    return first


class NoAmplificationTest(unittest.TestCase):
    """Without a key, no reply is longer than the datagram it answers (pad-or-refuse, as QUIC
    before address validation): the answer is the reply, "err id=ID pad ..." when that fits, or
    nothing. A prime-count request too short for its answer is refused before it is computed."""

    @classmethod
    def setUpClass(cls):
        cls.guest = Guest()

    @classmethod
    def tearDownClass(cls):
        cls.guest.stop()

    def test_unpadded_requests_get_no_more_bytes_than_they_sent(self):
        before = stats_fields(self.guest.ask("stats"))
        refused = 0
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i, text in enumerate(SHORT_REQUESTS):
                with self.subTest(request=text):
                    got = reply_or_none(s, text.encode(), self.guest.port, f"probe{i}")
                    full = self.guest.ask(text.replace("id=a", "id=b"))  # padded: the real reply
                    self.assertLessEqual(len(got or b""), len(text))
                    if len(full) > len(text):
                        refused += 1
                        self.assertTrue(got is None or got.startswith(b"err id="), got)
                        self.assertTrue(got is None or b" pad" in got, got)
        after = stats_fields(self.guest.ask("stats"))
        self.assertEqual(after["refused"] - before["refused"], refused)
        # the two padded prime-count requests only: none is computed for a datagram too short
        # to carry its answer
        self.assertEqual(after["ok"] - before["ok"], 2)

    def test_refusal_says_how_to_pad(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            text = b"primes 2 1000 id=pad1" + b" " * 40  # 61 bytes: the refusal fits, not the sum
            self.assertEqual(reply_or_none(s, text, self.guest.port, "probe-pad"),
                             b"err id=pad1 pad the request with blanks to 256 bytes\n")
            self.assertEqual(reply_or_none(s, b"primes 2 1000 id=pad2", self.guest.port, "p2"),
                             b"err id=pad2 pad\n")  # 21 bytes: the short refusal
            self.assertEqual(reply_or_none(s, b"primes 1 1", self.guest.port, "p5"),
                             None)  # 10 bytes: not even "err id=- pad"
            self.assertEqual(reply_or_none(s, b"ping id=pad3" + b" " * 4, self.guest.port, "p3"),
                             b"err id=pad3 pad\n")  # 16 bytes: the short refusal
            self.assertEqual(reply_or_none(s, b"ping id=pad4" + b" " * 10, self.guest.port, "p4"),
                             b"pong id=pad4 cpus=2\n")  # 22 bytes: room for the pong itself


KEY = bytes(range(0x40, 0x60))  # 32 bytes, the test's shared key


def key_file(directory, key=KEY):
    path = os.path.join(directory, "primes.key")
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write(key.hex() + "\n")
    return path


class AuthTest(unittest.TestCase):
    """A guest with a key (tf.key): tf-client with --key-file and a Python client written from
    docs/protocol.md are answered, with replies whose MAC and t they check; datagrams without a
    MAC, with a wrong one, or with a t seen before or below the window are dropped and counted."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        cls.guest = Guest(key_file=key_file(cls.dir.name))  # the key as a boot module
        cls.t = Counter()

    @classmethod
    def tearDownClass(cls):
        cls.guest.stop()
        cls.dir.cleanup()

    def sealed(self, sock, text, t=None):
        """sends `text` sealed with t (a fresh one by default); the checked reply, or None when
        the guest sent none (a sealed ping follows, as in reply_or_none: for requests answered
        at once, not for prime counts to compute)"""
        t = t or self.t()
        got = reply_or_none_sealed(sock, seal(KEY, padded(text), t), self.guest.port, self.t())
        return unseal(KEY, got, t) if got is not None else None

    def stats(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            return stats_fields(self.sealed(s, "stats id=st"))

    def test_tf_client_with_the_key(self):
        r = self.guest.client("--json", 3, 100000)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f'"sum": {3 * 9592}', r.stdout)
        r = self.guest.client("--request", "ping id=k1")
        self.assertEqual(r.stdout, "pong id=k1 cpus=2\n")

    def test_a_client_written_from_the_spec(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            self.assertEqual(self.sealed(s, "ping id=py1"), "pong id=py1 cpus=2\n")
            t = self.t()  # a prime count: pings are answered while it computes, so no probe
            s.sendto(seal(KEY, padded("primes 2 100000 id=py2"), t), ("127.0.0.1", self.guest.port))
            self.assertEqual(ok_fields(unseal(KEY, s.recv(2048), t))["sum"], str(2 * 9592))

    def test_without_a_valid_mac_nothing_is_answered(self):
        before = self.stats()
        other = bytes(32)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            forged = seal(KEY, padded("ping id=f4"), self.t())
            forged = forged[:-3] + (b"0" if forged[-3:-2] != b"0" else b"1") + forged[-2:]
            for data in (padded("ping id=f1"), seal(other, padded("ping id=f2"), self.t()),
                         padded("ping id=f3 t=5 mac=" + "0" * 64), forged, padded("quit"),
                         b"x" * 600):
                with self.subTest(data=data[:40]):
                    self.assertIsNone(reply_or_none_sealed(s, data, self.guest.port, self.t()))
        after = self.stats()
        self.assertEqual(after["auth_failed"] - before["auth_failed"], 6)
        self.assertEqual(after["replayed"], before["replayed"])
        # what was dropped is no request: only the probes' pings (7) and this stats count
        self.assertEqual(after["requests"] - before["requests"], 7 + 1)

    def test_replays_are_dropped(self):
        before = self.stats()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            t = self.t()
            data = seal(KEY, padded("primes 2 1000 id=rp1"), t)
            s.settimeout(60)
            s.sendto(data, ("127.0.0.1", self.guest.port))
            self.assertEqual(ok_fields(unseal(KEY, s.recv(2048), t))["sum"], "336")
            self.assertIsNone(reply_or_none_sealed(s, data, self.guest.port, self.t()))  # again
            old = seal(KEY, padded("ping id=rp2"), t - 100)  # below the window (64)
            self.assertIsNone(reply_or_none_sealed(s, old, self.guest.port, self.t()))
            late = self.t.jump(1000)
            self.assertEqual(self.sealed(s, "ping id=rp3", late), "pong id=rp3 cpus=2\n")
            # inside the window, never seen: taken once, even after a higher t
            self.assertEqual(self.sealed(s, "ping id=rp4", late - 10), "pong id=rp4 cpus=2\n")
            self.assertIsNone(self.sealed(s, "ping id=rp5", late - 10))
            # a retry of the first request with a fresh t: from the cache, sealed with the new t
            self.assertEqual(ok_fields(self.sealed(s, "primes 2 1000 id=rp1"))["sum"], "336")
        after = self.stats()
        self.assertEqual(after["replayed"] - before["replayed"], 3)
        self.assertEqual(after["auth_failed"], before["auth_failed"])
        self.assertEqual(after["cache_hits"] - before["cache_hits"], 1)

    def test_retries_through_a_lossy_path(self):
        """every retry carries a fresh t; the cached reply comes back sealed with the retry's,
        or the first reply late: tf-client takes either"""
        relay = LossyRelay(self.guest.port, 0.10, seed=11)
        try:
            for i in range(3):
                r = self.guest.client("--timeout", "200", "--json", 2, 200000 + i,
                                      server=f"127.0.0.1:{relay.port}")
                self.assertEqual(r.returncode, 0, r.stderr)
            self.assertGreater(relay.dropped, 0)
        finally:
            relay.close()

    def test_fan_out_to_the_guest_and_linux_with_one_key(self):
        """the guest's HMAC (its own code) and primes-linux's (OpenSSL's) answer one client"""
        for attempt in range(Guest.ATTEMPTS):  # the port may be taken before it binds it
            port = free_udp_port()
            linux = subprocess.Popen([LINUX, "--serve", str(port), "--threads", "--key-file",
                                      self.guest.key_file], stdout=subprocess.PIPE, text=True)
            first = linux.stdout.readline()
            if first or linux.wait() == 0:
                break
        try:
            self.assertIn("authenticated", first)
            r = subprocess.run([CLIENT, "--key-file", self.guest.key_file, "--json", "--server",
                                f"127.0.0.1:{self.guest.port}", "--server", f"127.0.0.1:{port}",
                                "4", "100000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, timeout=300)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('"servers": 2', r.stdout)
            self.assertIn(f'"sum": {4 * 9592}', r.stdout)
        finally:
            linux.terminate()
            linux.wait(timeout=10)
            linux.stdout.close()

    def test_keyless_client_hears_nothing(self):
        r = subprocess.run([CLIENT, "--server", f"127.0.0.1:{self.guest.port}", "--max-wait", "2",
                            "--request", "ping id=nokey"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("--key-file", r.stderr)


def reply_or_none_sealed(sock, data, port, probe_t):
    """reply_or_none for a guest with a key: the probe is a sealed ping"""
    sock.settimeout(60)
    sock.sendto(data, ("127.0.0.1", port))
    sock.sendto(seal(KEY, padded(f"ping id=probe{probe_t}"), probe_t), ("127.0.0.1", port))
    first = sock.recv(2048)
    if first.startswith(f"pong id=probe{probe_t} ".encode()):
        return None
    assert sock.recv(2048).startswith(f"pong id=probe{probe_t} ".encode())
    return first


class AuthStartAndQuitTest(unittest.TestCase):
    """tf.t_min refuses what was recorded before the guest started; quit needs a valid MAC, and
    ends the guest with status 0 when it has one"""

    def test_floor_and_quit(self):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time_ns() // 1000
            g = Guest(f"tf.t_min={t0}", f"tf.key={KEY.hex()}", key_file=key_file(d), module=False)
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    old = seal(KEY, padded("ping id=old"), t0 - 1)  # "recorded" before the start
                    self.assertIsNone(reply_or_none_sealed(s, old, g.port, t0 + 1))
                    s.sendto(padded("quit"), ("127.0.0.1", g.port))  # no MAC: ignored
                    t = time.time_ns() // 1000
                    s.sendto(seal(KEY, padded("ping id=alive"), t), ("127.0.0.1", g.port))
                    self.assertEqual(unseal(KEY, s.recv(2048), t), "pong id=alive cpus=2\n")
                    t += 1
                    s.sendto(seal(KEY, padded("quit"), t), ("127.0.0.1", g.port))
                    self.assertEqual(unseal(KEY, s.recv(2048), t), "bye\n")
                self.assertEqual(g.proc.wait(timeout=60), 0, g.output())
            finally:
                g.stop()

    def test_linux_server_floor(self):
        """primes-linux --t-min now: the same floor on the host server; a t from before its
        start gets nothing, a fresh one its sealed pong"""
        with tempfile.TemporaryDirectory() as d:
            t0 = time.time_ns() // 1000
            for attempt in range(Guest.ATTEMPTS):  # the port may be taken before it binds it
                port = free_udp_port()
                linux = subprocess.Popen([LINUX, "--serve", str(port), "--threads", "--key-file",
                                          key_file(d), "--t-min", "now"],
                                         stdout=subprocess.PIPE, text=True)
                first = linux.stdout.readline()
                if first or linux.wait() == 0:
                    break
            try:
                self.assertIn("authenticated", first)
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                    s.settimeout(60)
                    s.sendto(seal(KEY, padded("ping id=old"), t0 - 1), ("127.0.0.1", port))
                    t = time.time_ns() // 1000
                    s.sendto(seal(KEY, padded("ping id=new"), t), ("127.0.0.1", port))
                    # answered in order: a pong to the old ping would come first
                    self.assertTrue(unseal(KEY, s.recv(2048), t).startswith("pong id=new"))
                    t += 1
                    s.sendto(seal(KEY, padded("stats id=st"), t), ("127.0.0.1", port))
                    self.assertIn(" replayed=1", unseal(KEY, s.recv(2048), t))
            finally:
                linux.terminate()
                linux.wait(timeout=10)
                linux.stdout.close()


class KeyConfigTest(unittest.TestCase):
    """A key that is missing or malformed stops the guest (exit status 1, a message) rather than
    let it serve without one"""

    def test_bad_keys_stop_the_guest(self):
        img = image("examples", "primes", "primes")
        with tempfile.TemporaryDirectory() as d:
            short = os.path.join(d, "short.key")
            with open(short, "w") as f:
                f.write("00112233\n")
            for args, module, why in (
                    (["tf.key=0011"], None, "tf.key: a key is 32 to 128 hex digits"),
                    (["tf.key_module=absent"], None, "tf.key_module=absent: no boot module"),
                    (["tf.key_module=k"], f"{short}=k", "the key module k: a key is 32 to 128"),
                    ([f"tf.key={KEY.hex()}", "tf.key_module=k"], f"{key_file(d)}=k",
                     "not both")):
                with self.subTest(args=args):
                    r = tfqemu.boot(img, *args, tf_run_args=["--module", module] if module else [])
                    self.assertEqual(r.code, 1, r)
                    self.assertIn(why, r.output)


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
        self.sock.sendto(padded(text), self.addr)

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
