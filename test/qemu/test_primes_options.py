"""The prime-count server's boot options and its stats reply (docs/protocol.md): `quit` refused
without tf.allow_quit=1 and accepted with it, tf.port, tf.quiet, tf.queue (the default 16 and
0), every counter of `stats` rising by what was sent, the error replies' rate limit (`limited`),
and the `err` reply of a request whose tasks fail (the sieve's memory cannot be had in the least
RAM the guest boots with).

Accelerator: KVM when usable, TCG otherwise (tfqemu.ACCEL); nothing here depends on speed."""
import re
import socket
import time
import unittest

import tfqemu
from test_primes import LONG, Guest, Replies, ok_fields, padded, reply_or_none, stats_fields


class QuitTest(unittest.TestCase):
    def test_quit_refused_without_allow_quit(self):
        """docs/protocol.md: quit only when booted with tf.allow_quit=1 (the last tf.allow_quit
        given wins, so this guest's is 0)"""
        g = Guest("tf.allow_quit=0")
        try:
            reply = g.ask("quit")
            self.assertTrue(reply.startswith("err id=-"), reply)
            self.assertNotIn("bye", reply)
            self.assertEqual(g.ask("ping id=still"), "pong id=still cpus=2\n")
            self.assertIsNone(g.proc.poll(), "the guest ended on a refused quit")
        finally:
            g.proc.kill()
            g.proc.wait()
            g.stop()

    def test_quit_accepted_with_allow_quit(self):
        g = Guest()  # tf.allow_quit=1
        try:
            self.assertEqual(g.ask("quit"), "bye\n")
            self.assertEqual(g.proc.wait(timeout=60), 0, g.output())  # "exit status 0"
        finally:
            g.stop()


class PortAndQuietTest(unittest.TestCase):
    def test_port_and_quiet(self):
        """tf.port=P moves the server off 7070; tf.quiet=1 leaves out the runtime's boot
        report (the CPU table) but not the server's own lines"""
        g = Guest("tf.port=7171", "tf.quiet=1", guest_port=7171)
        try:
            self.assertEqual(g.ask("ping id=moved"), "pong id=moved cpus=2\n")
            out = g.output_with("listening on 10.0.2.15:7171")  # after the boot report
            self.assertIn("listening on 10.0.2.15:7171", out)
            self.assertNotIn("CPU online", out)
            self.assertNotIn("CPUs online", out)
        finally:
            g.stop()


class StatsTest(unittest.TestCase):
    def test_every_counter_rises_by_what_was_sent(self):
        g = Guest()
        try:
            before = stats_fields(g.ask("stats id=before"))
            sent = 0
            for i in range(3):
                self.assertEqual(g.ask(f"ping id=sp{i}"), f"pong id=sp{i} cpus=2\n")
            sent += 3
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                first = g.ask("primes 2 1000 id=so1", sock=s)  # pi(999) = 168
                self.assertTrue(first.startswith("ok id=so1 ") and " sum=336 " in first, first)
                self.assertEqual(g.ask("primes 2 1000 id=so1", sock=s), first)  # the cache
            self.assertIn(" sum=25 ", g.ask("primes 1 100 id=so2"))  # pi(99) = 25
            sent += 3
            self.assertTrue(g.ask("primes 0 100 id=se1").startswith("err id=se1 "))
            self.assertTrue(g.ask("factorize 12 id=se2").startswith("err id=se2 "))
            sent += 2
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                # unpadded: its reply would be longer than it; the probe ping is a request too
                got = reply_or_none(s, b"stats", g.port, "probe")
                self.assertTrue(got is None or got.startswith(b"err id="), got)
            sent += 2
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a reply: ignored
                self.assertIsNone(reply_or_none(s, padded(b"pong id=x cpus=2"), g.port, "p2"))
            sent += 1  # the probe ping
            after = stats_fields(g.ask("stats id=after"))
            sent += 1
            delta = {k: after[k] - before[k] for k in before}
            self.assertEqual(delta["ok"], 2, delta)  # so1 once (the retry is a cache hit), so2
            self.assertEqual(delta["cache_hits"], 1, delta)
            self.assertEqual(delta["errors"], 2, delta)  # the refusal is counted apart
            self.assertEqual(delta["refused"], 1, delta)
            self.assertEqual(delta["ignored"], 1, delta)
            for quiet in ("busy", "task_faults", "limited", "cancelled", "auth_failed",
                          "replayed", "dropped"):
                self.assertEqual(delta[quiet], 0, f"{quiet}: {delta}")
            # the ignored reply is never taken as a request; the final stats counts itself
            self.assertEqual(delta["requests"], sent, delta)
            # every datagram sent here is a frame the interface received
            self.assertGreaterEqual(delta["rx_frames"], sent + 1, delta)
        finally:
            g.stop()


class QueueTest(unittest.TestCase):
    """tf.queue: while one request computes, the next Q are held and served in order, the rest
    answered busy at once (docs/protocol.md "Loss, retries and load")"""

    def held_and_busy(self, g, sent):
        """Sends LONG, then `sent` small requests and a ping: the busy replies, read up to the
        pong (answered in order, so every busy reply is in by then)"""
        c = Replies(g.port)
        c.send(LONG)
        for i in range(sent):
            c.send(f"primes 1 1000 id=q{i}")
        c.send("ping id=probe")
        got = []
        while not got or not got[-1].startswith("pong id=probe "):
            got += c.read(1)
        return c, got[:-1]

    def test_default_holds_sixteen(self):
        g = Guest()
        try:
            c, busy = self.held_and_busy(g, 18)
            self.assertEqual(busy, ["busy id=q16\n", "busy id=q17\n"])
            c.send("cancel id=long")
            got = c.read(2 + 16)
            self.assertEqual(got[:2], ["ok id=long cancelled\n", "err id=long cancelled\n"])
            self.assertEqual([ok_fields(r)["id"] for r in got[2:]], [f"q{i}" for i in range(16)])
            self.assertEqual({ok_fields(r)["sum"] for r in got[2:]}, {"168"})
            self.assertEqual(stats_fields(g.ask("stats"))["busy"], 2)
            c.close()
        finally:
            g.stop()

    def test_zero_holds_none(self):
        g = Guest("tf.queue=0")
        try:
            c, busy = self.held_and_busy(g, 2)
            self.assertEqual(busy, ["busy id=q0\n", "busy id=q1\n"])
            c.send("cancel id=long")
            self.assertEqual(c.read(2), ["ok id=long cancelled\n", "err id=long cancelled\n"])
            # nothing runs now: a request is computed, not turned away, also when it comes the
            # moment the one before was answered
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                for i in range(20):
                    self.assertEqual(ok_fields(g.ask(f"primes 1 1000 id=n{i}", sock=s))["sum"],
                                     "168")
            self.assertEqual(stats_fields(g.ask("stats"))["busy"], 2)
            c.close()
        finally:
            g.stop()


class ErrorLimitTest(unittest.TestCase):
    def test_error_replies_past_the_limit_are_counted_not_sent(self):
        """At most 20 error replies at once and 100 a second on average: of a burst of errors,
        the replies sent and `limited` add up to the burst, `errors` counts all, and no more
        were sent than the limit allows in the time the burst took (measured around it on the
        host, so a slow guest only loosens the bound)"""
        g = Guest()
        sent = 100  # within the network card's ring (256 frames): none is lost on the way
        try:
            before = stats_fields(g.ask("stats id=before"))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(60)
                start = time.monotonic()
                for i in range(sent):
                    s.sendto(padded(f"factorize {i} id=lim{i}"), ("127.0.0.1", g.port))
                s.sendto(padded(b"ping id=probe"), ("127.0.0.1", g.port))
                replies = []
                while True:
                    r = s.recv(2048).decode()
                    if r.startswith("pong id=probe "):
                        break
                    replies.append(r)
                elapsed = time.monotonic() - start
            after = stats_fields(g.ask("stats id=after"))
            self.assertTrue(all(r.startswith("err id=lim") for r in replies), replies)
            limited = after["limited"] - before["limited"]
            self.assertEqual(len(replies) + limited, sent, (len(replies), limited))
            self.assertEqual(after["errors"] - before["errors"], sent)
            self.assertLessEqual(len(replies), 20 + 100 * elapsed + 1, elapsed)
        finally:
            g.stop()


# The sieve's largest request: its base primes up to sqrt(10^12) = 10^6 take 1.5 MB (a byte and
# a word for each odd number, examples/primes/primes.c). 4096 counts are one piece each (at most
# 4096 pieces a request), so every task needs the whole 1.5 MB; its work, 4096 x 64 x 10^12, is
# past the default limit, hence tf.max_work.
NO_ROOM = "primes 4096 1000000000000 kernel=sieve id={id}"
MAX_WORK = "tf.max_work=1000000000000000000"


def least_memory():
    """The least RAM, in MiB, that the primes image boots with, as the runtime says when given
    too little (docs/FOOTPRINT.md): the image's end plus its least heap (1 MiB), rounded up"""
    r = tfqemu.boot(tfqemu.image("examples", "primes", "primes"), tf_run_args=["-m", "15M"])
    m = re.search(r"give the guest at least (\d+) MiB", r.output)
    assert r.code == 95 and m, r
    return int(m.group(1))


class TaskFailureTest(unittest.TestCase):
    def test_a_task_out_of_memory_gets_err_and_the_server_goes_on(self):
        """In the least RAM the guest boots with, the heap is at most 2 MiB and the network
        card's buffers take 1 MiB of it (256 + 256 of 2 KiB): no task finds the sieve's 1.5 MB.
        One CPU, so the first result the server takes is task 0's (the bootstrap CPU runs the
        queued tasks in order) and the reply's text is exact."""
        g = Guest(MAX_WORK, smp=1, memory=f"{least_memory()}M")
        try:
            before = stats_fields(g.ask("stats id=before"))
            for i in range(2):
                self.assertEqual(g.ask(NO_ROOM.format(id=f"nomem{i}")),
                                 f"err id=nomem{i} task 0 ran out of memory\n")
                self.assertEqual(g.ask(f"ping id=alive{i}"), f"pong id=alive{i} cpus=1\n")
            # what failed left nothing behind: the sieve (with memory of its own) and trial
            # division still count right
            self.assertEqual(ok_fields(g.ask("primes 2 100000 kernel=sieve id=small"))["sum"],
                             str(2 * 9592))
            self.assertEqual(ok_fields(g.ask("primes 2 1000 id=trial"))["sum"], "336")
            after = stats_fields(g.ask("stats id=after"))
            delta = {k: after[k] - before[k] for k in before}
            self.assertEqual(delta["errors"], 2, delta)
            self.assertEqual(delta["ok"], 2, delta)
            self.assertEqual(delta["requests"], 7, delta)  # 2 failed, 2 pings, 2 counts, stats
            for quiet in ("task_faults", "busy", "cancelled", "limited", "refused"):
                self.assertEqual(delta[quiet], 0, f"{quiet}: {delta}")
        finally:
            g.stop()


if __name__ == "__main__":
    tfqemu.main()
