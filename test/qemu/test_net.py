"""Network tests: the echo example (examples/echo) on the virtio-net driver and the stack.

UserNetTest boots the guest on QEMU's user network with a UDP port forwarded from 127.0.0.1 and
talks to it with real clients (a Python socket, nc -u, socat): DHCP, a static address, the
legacy virtio interface, and KVM.

WireTest makes the test itself the wire: QEMU's dgram network sends the guest's Ethernet frames
to a UDP socket of the test, and frames the test sends to QEMU's socket arrive at the guest.
The test answers nothing; it sends ARP, ICMP and UDP requests and 10,000 malformed frames, and
checks the replies and the guest's drop counters (the echo example's "stats" datagram).

Accelerators: TCG for everything but KvmTest. TCG boots in a fraction of a second and its CPL0
is as fast as its CPL3; under PVM (what /dev/kvm is on our machines) every instruction at CPL0,
and each interrupt and system call of the receive path, is emulated. KvmTest checks that path
once, on QEMU's microvm machine (no firmware), where the card sits on a PCI Express bus reached
through ECAM with BARs the driver places itself."""
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import unittest

import tfqemu
from tflib import PortTaken, on_free_udp_ports, port_taken  # noqa: E402  (tools/, via tfqemu)

ECHO_PORT = 7
GUEST_MAC_DEFAULT = bytes.fromhex("525400123456")  # QEMU's default for the first NIC
TEST_MAC = bytes.fromhex("020000000001")  # the wire's end: locally administered
TEST_IP = "10.0.3.1"
GUEST_IP = "10.0.3.2"
ETH_IPV4, ETH_ARP = 0x0800, 0x0806
PROTO_ICMP, PROTO_UDP = 1, 17
BATTERY = 10000
BATCH = 100  # frames between two synchronising requests: fewer than the guest's 256 buffers
# tf-run's --timeout for every guest here: a backstop for a guest the test failed to stop, not a
# limit the test relies on. A guest that stops answering fails the step that waits for it (each
# with its own timeout: wait_for, receive, ask), however long the test as a whole has taken.
LIFETIME = 600


READY = r"echo: address (\S+)/(\d+) \((\w+)\), gateway (\S+), port (\d+): ready"


class Guest:
    """A guest running in the background: its console is collected line by line."""

    def __init__(self, *guest_args, accel="tcg", tf_run_args=(), timeout=LIFETIME):
        img = tfqemu.image("examples", "echo", "echo")
        cmd = [tfqemu.TF_RUN, "--accel", accel, "--timeout", str(timeout), *tf_run_args, img]
        if guest_args:
            cmd += ["--", *guest_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.lines, self.cond = [], threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append(raw.decode(errors="replace").rstrip("\r\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # end of output
            self.cond.notify_all()

    def output(self):
        with self.cond:
            return "\n".join(line for line in self.lines if line is not None)

    def wait_for(self, pattern, timeout=60):
        """The first match of `pattern` on a console line; fails when the guest ends first."""
        regex, end, seen = re.compile(pattern), time.monotonic() + timeout, 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if line is None:
                        raise AssertionError(f"guest ended before /{pattern}/:\n{self.output()}")
                    m = regex.search(line)
                    if m:
                        return m
                seen = len(self.lines)
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no /{pattern}/ after {timeout} s:\n{self.output()}")
                self.cond.wait(left)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def start_on_free_port(net_args, *guest_args, ready=READY, ready_timeout=60, **kw):
    """(guest, port, match of `ready`): a Guest whose tf-run arguments net_args(port) hand it a
    host UDP port that was free when picked, once `ready` shows on its console. QEMU binds the
    port itself, later: when another process took it meanwhile QEMU cannot start and says so,
    and the guest is started again on another port; any other failure to start is the test's."""
    def start(port):
        guest = Guest(*guest_args, tf_run_args=net_args(port), **kw)
        try:
            return guest, port, guest.wait_for(ready, timeout=ready_timeout)
        except AssertionError:
            guest.stop()
            if port_taken(guest.output(), port):
                raise PortTaken(port)
            raise
    return on_free_udp_ports(start)


class EchoMixin:
    def start(self, *guest_args, **kw):
        guest = Guest(*guest_args, **kw)
        self.addCleanup(guest.stop)
        return guest

    def start_forwarded(self, guest_port, *guest_args, tf_run_args=(), **kw):
        """(guest, host port, match of READY): a guest with a free host port forwarded to
        `guest_port` (start_on_free_port), stopped when the test ends."""
        guest, port, m = start_on_free_port(
            lambda port: ("--udp", f"{port}:{guest_port}", *tf_run_args), *guest_args, **kw)
        self.addCleanup(guest.stop)
        return guest, port, m

    def ask(self, port, data, timeout=2.0, tries=5):
        """One UDP request over the forwarded port; retried, since UDP may lose it."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            for _ in range(tries):
                s.sendto(data, ("127.0.0.1", port))
                try:
                    return s.recvfrom(65536)[0]
                except socket.timeout:
                    continue
        self.fail(f"no answer to {data[:20]!r} on port {port}")


class UserNetTest(EchoMixin, unittest.TestCase):
    """QEMU's user network: DHCP, static addresses, real clients."""

    def test_dhcp_and_clients(self):
        guest, port, m = self.start_forwarded(ECHO_PORT)
        self.assertEqual(m.groups(), ("10.0.2.15", "24", "dhcp", "10.0.2.2", str(ECHO_PORT)))
        self.assertRegex(guest.output(), r"virtio-net at PCI .*virtio 1\.0 interface.*MSI-X")
        self.assertEqual(self.ask(port, b"hello from python"), b"hello from python")
        big = bytes(random.Random(1).randrange(256) for _ in range(1472))
        self.assertEqual(self.ask(port, big), big)
        for client in (["nc", "-u", "-w", "2", "127.0.0.1", str(port)],
                       ["socat", "-T", "2", "-", f"UDP:127.0.0.1:{port}"]):
            self.assertTrue(shutil.which(client[0]),
                            f"{client[0]} not installed (tools/setup installs it)")
            r = subprocess.run(client, input=b"hello from " + client[0].encode() + b"\n",
                               stdout=subprocess.PIPE, timeout=20)
            self.assertEqual(r.stdout, b"hello from " + client[0].encode() + b"\n", client[0])

    def test_static_address_and_port_option(self):
        guest, port, m = self.start_forwarded(4007, "tf.ip=10.0.2.15/24", "tf.gw=10.0.2.2",
                                              "tf.echo_port=4007")
        self.assertEqual(m.groups(), ("10.0.2.15", "24", "static", "10.0.2.2", "4007"))
        self.assertEqual(self.ask(port, b"static"), b"static")

    def test_legacy_interface(self):
        guest, port, _ = self.start_forwarded(ECHO_PORT, tf_run_args=(
            "--nic", "virtio-net-pci,disable-modern=on"))
        self.assertRegex(guest.output(), r"virtio-net at PCI .*legacy interface.*MSI-X")
        self.assertEqual(self.ask(port, b"legacy"), b"legacy")


@unittest.skipUnless(tfqemu.kvm_usable(), tfqemu.HARDWARE + "/dev/kvm not usable")
class KvmTest(EchoMixin, unittest.TestCase):
    """The interrupt and timer path under KVM (emulated CPL0 on PVM)."""

    def test_echo_under_kvm(self):
        guest, port, _ = self.start_forwarded(ECHO_PORT, "tf.ip=10.0.2.15/24", "tf.gw=10.0.2.2",
                                              accel="kvm", ready_timeout=300)
        self.assertRegex(guest.output(), r"PCI Express configuration through ECAM at 0xe0000000")
        for i in range(20):
            data = b"kvm %d" % i
            self.assertEqual(self.ask(port, data), data)


# ---- frames, built by hand (RFC 826, 791, 792, 768) ----

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_bytes(a):
    return socket.inet_aton(a)


def eth(dst, payload, ethertype=ETH_IPV4, src=TEST_MAC):
    return dst + src + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src=TEST_IP, dst=GUEST_IP, ihl=5, options=b"", frag=0, total=None,
         good_checksum=True, version=4):
    hlen = 20 + len(options)
    total = hlen + len(payload) if total is None else total
    head = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, 0, total, 0x1234, frag, 64, proto, 0,
                       ip_bytes(src), ip_bytes(dst)) + options
    c = checksum(head)
    if not good_checksum:
        c ^= 0x5555
    return head[:10] + struct.pack("!H", c) + head[12:] + payload


def udp(sport, dport, data, src=TEST_IP, dst=GUEST_IP, good_checksum=True, length=None):
    length = 8 + len(data) if length is None else length
    pseudo = ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, PROTO_UDP, 8 + len(data))
    c = checksum(pseudo + struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data) or 0xFFFF
    if not good_checksum:
        c ^= 0x5555
    return struct.pack("!HHHH", sport, dport, length, c) + data


def icmp_echo(ident, seq, data, good_checksum=True):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    c = checksum(body) ^ (0 if good_checksum else 0x5555)
    return body[:2] + struct.pack("!H", c) + body[4:]


def arp_request(target_ip, sender_ip=TEST_IP):
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IPV4, 6, 4, 1, TEST_MAC, ip_bytes(sender_ip),
                       b"\0" * 6, ip_bytes(target_ip))


class WireEnd:
    """The test as the wire's other end: frames to and from QEMU's dgram socket (self.sock,
    self.qemu), ARP answered like a host, UDP requests to the echo port."""

    def send(self, frame):
        self.sock.sendto(frame, self.qemu)

    def receive(self, match, timeout=10.0):
        """The first frame from the guest for which match(frame) is true (others are skipped)."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                self.fail("no matching frame from the guest")
            self.sock.settimeout(left)
            try:
                frame = self.sock.recv(65536)
            except socket.timeout:
                continue
            if match(frame):
                return frame
            self.answer_arp(frame)

    def answer_arp(self, frame):
        """The guest asking for our MAC address (to send a reply): answer like a host would."""
        if (frame[12:14] == struct.pack("!H", ETH_ARP) and struct.unpack("!H", frame[20:22])[0] == 1
                and frame[38:42] == ip_bytes(TEST_IP)):
            reply = struct.pack("!HHBBH6s4s6s4s", 1, ETH_IPV4, 6, 4, 2, TEST_MAC,
                                ip_bytes(TEST_IP), frame[22:28], frame[28:32])
            self.send(eth(frame[22:28], reply, ETH_ARP))
            type(self).arp_answers += 1

    def udp_reply_to(self, sport):
        def match(f):
            return (f[12:14] == struct.pack("!H", ETH_IPV4) and f[23] == PROTO_UDP and
                    struct.unpack("!H", f[36:38])[0] == sport)
        return match

    def request(self, data, sport=None):
        """Sends one UDP datagram to the echo port (as frames) and returns the reply's payload."""
        type(self).sport += 1
        sport = sport or type(self).sport
        self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(sport, ECHO_PORT, data))))
        frame = self.receive(self.udp_reply_to(sport))
        return frame[42:42 + struct.unpack("!H", frame[38:40])[0] - 8]

    def stats(self):
        text = self.request(b"stats").decode()
        return {k: int(v) for k, v in (line.split() for line in text.splitlines())}

class WireTest(WireEnd, unittest.TestCase):
    """The test is the wire (QEMU -netdev dgram over loopback UDP)."""

    @classmethod
    def setUpClass(cls):
        cls.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        cls.sock.bind(("127.0.0.1", 0))
        cls.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        ours = cls.sock.getsockname()[1]
        # The battery's 10,000 frames take minutes under TCG on a loaded machine: no lifetime
        # limit but the backstop; each exchange waits for its own reply (receive)
        cls.guest, qemu_port, _ = start_on_free_port(
            lambda port: ("--net", f"dgram:{port}:{ours}"), f"tf.ip={GUEST_IP}/24",
            f"tf.gw={TEST_IP}", accel="tcg", ready=r"echo: .*ready")
        cls.qemu = ("127.0.0.1", qemu_port)
        cls.guest_mac = GUEST_MAC_DEFAULT
        cls.sport = 40000
        cls.arp_answers = 0  # ARP replies sent to the guest: frames it counts too

    @classmethod
    def tearDownClass(cls):
        cls.guest.stop()
        cls.sock.close()

    def test_spoofed_source_does_not_stall_the_guest(self):
        """A datagram from an on-link address nobody answers ARP for: its reply waits for ARP,
        and the guest goes on serving (it used to stop for three seconds of ARP requests)"""
        spoofed = "10.0.3.77"
        before = self.stats()
        self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(7, ECHO_PORT, b"x", src=spoofed),
                                          src=spoofed)))
        self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(4242, ECHO_PORT, b"real"))))
        asked = []

        def reply_or_arp(f):
            if (f[12:14] == struct.pack("!H", ETH_ARP) and
                    struct.unpack("!H", f[20:22])[0] == 1 and f[38:42] == ip_bytes(spoofed)):
                asked.append(f)
                return False
            return self.udp_reply_to(4242)(f)
        frame = self.receive(reply_or_arp)
        self.assertEqual(frame[42:46], b"real")
        self.assertLessEqual(len(asked), 1, "the reply waited for the unanswered ARP requests")
        deadline = time.monotonic() + 10  # the guest keeps asking for it (three requests)
        while len(asked) < 3 and time.monotonic() < deadline:
            try:
                self.receive(lambda f: reply_or_arp(f) and False, timeout=0.5)
            except AssertionError:
                pass
        self.assertEqual(len(asked), 3)
        deadline = time.monotonic() + 10  # a second after the last request it gives up
        while self.stats()["tx_arp_dropped"] == before["tx_arp_dropped"] and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.stats()["tx_arp_dropped"] - before["tx_arp_dropped"], 1)

    def test_impossible_sources_are_dropped(self):
        before = self.stats()
        for src in ("255.255.255.255", "10.0.3.255", "224.0.0.1", GUEST_IP, "127.0.0.1"):
            self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(4000, ECHO_PORT, b"s", src=src),
                                              src=src)))
        after = self.stats()  # answered after the five: none of them was echoed
        self.assertEqual(after["drop_bad_source"] - before["drop_bad_source"], 5)
        self.assertEqual(after["rx_udp_delivered"] - before["rx_udp_delivered"], 1)  # stats

    def test_arp_request_answered(self):
        self.send(eth(b"\xff" * 6, arp_request(GUEST_IP), ETH_ARP))
        frame = self.receive(lambda f: f[12:14] == struct.pack("!H", ETH_ARP) and
                             struct.unpack("!H", f[20:22])[0] == 2)
        self.assertEqual(frame[0:6], TEST_MAC)
        self.assertEqual(frame[22:28], self.guest_mac)  # sender hardware address
        self.assertEqual(frame[28:32], ip_bytes(GUEST_IP))
        self.assertEqual(frame[38:42], ip_bytes(TEST_IP))

    def test_ping_answered(self):
        data = b"ping payload 0123456789"
        self.send(eth(self.guest_mac, ipv4(PROTO_ICMP, icmp_echo(0x77, 3, data))))
        frame = self.receive(lambda f: f[23] == PROTO_ICMP and f[34] == 0)
        icmp = frame[34:34 + struct.unpack("!H", frame[16:18])[0] - 20]
        self.assertEqual(struct.unpack("!HH", icmp[4:8]), (0x77, 3))
        self.assertEqual(icmp[8:], data)
        self.assertEqual(checksum(icmp), 0)

    def test_closed_port_dropped_and_counted(self):
        before = self.stats()
        for port in (9, 1234, 65535):
            self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(5000, port, b"nobody"))))
        after = self.stats()
        self.assertEqual(after["drop_no_listener"] - before["drop_no_listener"], 3)

    def battery(self, rng):
        """BATTERY malformed frames as (frame, counter it must land in, or None: any drop)."""
        mac = self.guest_mac
        good_udp = udp(5000, ECHO_PORT, b"x" * 20)
        kinds = [
            lambda: (mac[:rng.randrange(1, 6)], "drop_bad_length"),  # shorter than a MAC
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp))[:rng.randrange(14, 34)],
                     "drop_bad_length"),  # IPv4 header cut short
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, ihl=rng.randrange(0, 5))),
                     "drop_bad_length"),
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, total=rng.randrange(200, 1500))),
                     "drop_bad_length"),  # longer than the frame
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, total=rng.randrange(0, 20))),
                     "drop_bad_length"),  # shorter than the header
            lambda: (eth(mac, ipv4(PROTO_UDP, udp(5000, ECHO_PORT, b"y" * 8,
                                                  length=rng.randrange(100, 400)))),
                     "drop_bad_length"),  # UDP length beyond the packet
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, good_checksum=False)),
                     "drop_bad_checksum"),
            lambda: (eth(mac, ipv4(PROTO_UDP, udp(5000, ECHO_PORT, b"z" * 9,
                                                  good_checksum=False))), "drop_bad_checksum"),
            lambda: (eth(mac, ipv4(PROTO_ICMP, icmp_echo(1, 2, b"q", good_checksum=False))),
                     "drop_bad_checksum"),
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, frag=rng.choice([0x2000, 0x0001, 0x2010]))),
                     "drop_fragment"),
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, ihl=6, options=b"\x01\x01\x01\x00")),
                     "drop_ip_options"),
            lambda: (eth(mac, bytes(rng.randrange(256) for _ in range(46)),
                         rng.choice([0x86DD, 0x88CC, 0x8100, 0x1234])), "drop_unsupported"),
            lambda: (eth(mac, ipv4(rng.choice([2, 6, 41, 47, 200]), b"\0" * 30)),
                     "drop_unsupported"),  # IP protocols other than ICMP and UDP
            lambda: (eth(mac, b"\0" * rng.randrange(1501, 2000)), "drop_oversize"),
            lambda: (eth(bytes.fromhex("020000000099"), ipv4(PROTO_UDP, good_udp)),
                     "drop_not_for_us"),
            lambda: (eth(mac, ipv4(PROTO_UDP, good_udp, dst="10.0.3.77")), "drop_not_for_us"),
            lambda: (eth(mac, ipv4(PROTO_UDP, udp(5000, 9999, b"closed"))), "drop_no_listener"),
            lambda: (mac + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 120))),
                     None),  # random bytes after our MAC
        ]
        return [rng.choice(kinds)() for _ in range(BATTERY)]

    def test_malformed_battery(self):
        frames = self.battery(random.Random(20240601))
        arp_before = WireTest.arp_answers
        before = self.stats()  # its text is made before the guest may resolve our address
        for i in range(0, len(frames), BATCH):
            for frame, _ in frames[i:i + BATCH]:
                self.send(frame)
            self.stats()  # the guest has taken the whole batch (frames arrive in order)
        after = self.stats()
        delta = {k: after[k] - before.get(k, 0) for k in after}
        syncs = len(range(0, len(frames), BATCH)) + 1  # "stats" requests, each answered
        arp = WireTest.arp_answers - arp_before
        self.assertEqual(delta["rx_frames"], len(frames) + syncs + arp, delta)
        self.assertEqual(delta["rx_udp_delivered"], syncs, delta)
        drops = sum(v for k, v in delta.items() if k.startswith("drop_"))
        self.assertEqual(drops, len(frames), delta)
        expected = {}
        for _, counter in frames:
            if counter:
                expected[counter] = expected.get(counter, 0) + 1
        randoms = sum(1 for _, c in frames if c is None)
        for counter, n in expected.items():
            self.assertGreaterEqual(delta[counter], n, (counter, delta))
            self.assertLessEqual(delta[counter], n + randoms, (counter, delta))
        # Still serving: a valid ping and a valid echo
        self.send(eth(self.guest_mac, ipv4(PROTO_ICMP, icmp_echo(9, 9, b"after"))))
        self.receive(lambda f: f[23] == PROTO_ICMP and f[34] == 0)
        self.assertEqual(self.request(b"still here"), b"still here")

DHCP_SERVER, DHCP_CLIENT, DHCP_MAGIC = 67, 68, 0x63825363
DHCP_DISCOVER, DHCP_OFFER, DHCP_REQUEST, DHCP_ACK = 1, 2, 3, 5


def dhcp_reply(request, kind):
    """A server's reply (RFC 2131) of `kind` to the client's `request` (its BOOTP message),
    offering GUEST_IP on a /24 with us as router and server, by broadcast as the client asks."""
    xid, chaddr = request[4:8], request[28:44]
    options = (bytes([53, 1, kind, 54, 4]) + ip_bytes(TEST_IP) + bytes([1, 4, 255, 255, 255, 0]) +
               bytes([3, 4]) + ip_bytes(TEST_IP) + bytes([51, 4]) + struct.pack("!I", 86400) +
               bytes([255]))
    msg = (bytes([2, 1, 6, 0]) + xid + b"\0" * 4 + b"\0" * 4 + ip_bytes(GUEST_IP) +
           ip_bytes(TEST_IP) + b"\0" * 4 + chaddr + b"\0" * 192 + struct.pack("!I", DHCP_MAGIC) +
           options)
    return eth(b"\xff" * 6, ipv4(PROTO_UDP, udp(DHCP_SERVER, DHCP_CLIENT, msg,
                                                  dst="255.255.255.255"), dst="255.255.255.255"))


def dhcp_message(frame):
    """(type, BOOTP message) of a DHCP message from the client, or None."""
    if (frame[12:14] != struct.pack("!H", ETH_IPV4) or frame[23] != PROTO_UDP or
            struct.unpack("!H", frame[36:38])[0] != DHCP_SERVER):
        return None
    msg = frame[42:]
    i = 240
    while i + 1 < len(msg) and msg[i] != 255:
        if msg[i] == 53:
            return msg[i + 2], msg
        i += 1 if msg[i] == 0 else 2 + msg[i + 1]
    return None


class EarlyRequestTest(WireEnd, unittest.TestCase):
    """Datagrams that come while the guest is still asking DHCP for its address. The test is
    the DHCP server, so it sends them at a moment it chooses: after the client's DISCOVER,
    before the OFFER. They used to be dropped as not for us and never answered."""

    def setUp(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.addCleanup(self.sock.close)
        ours = self.sock.getsockname()[1]
        EarlyRequestTest.sport = 42000  # requests after the early datagrams'
        EarlyRequestTest.arp_answers = 0
        # The driver's line: QEMU has its dgram socket (it runs no guest without); the guest
        # then asks DHCP, and the test decides when it answers
        self.guest, qemu_port, _ = start_on_free_port(
            lambda port: ("--net", f"dgram:{port}:{ours}"), accel="tcg",
            ready=r"virtio-net at PCI")
        self.addCleanup(self.guest.stop)
        self.qemu = ("127.0.0.1", qemu_port)

    def early(self, datagrams):
        """Waits for the DISCOVER, sends `datagrams` to the echo port (one source port each),
        then serves the DHCP exchange; returns the guest's MAC and the source ports used."""
        def dhcp_of(kind):
            return lambda f: (dhcp_message(f) or (None,))[0] == kind
        discover = dhcp_message(self.receive(dhcp_of(DHCP_DISCOVER), timeout=30))[1]
        self.guest_mac = discover[28:34]
        ports = [41000 + i for i in range(len(datagrams))]
        for port, data in zip(ports, datagrams):
            self.send(eth(self.guest_mac, ipv4(PROTO_UDP, udp(port, ECHO_PORT, data))))
        self.send(dhcp_reply(discover, DHCP_OFFER))
        request = dhcp_message(self.receive(dhcp_of(DHCP_REQUEST)))[1]
        self.send(dhcp_reply(request, DHCP_ACK))
        return ports

    def test_request_before_the_address_is_answered(self):
        [port] = self.early([b"first"])
        frame = self.receive(self.udp_reply_to(port))
        self.assertEqual(frame[42:47], b"first")
        self.guest.wait_for(r"echo: address 10\.0\.3\.2/24 \(dhcp\).*ready")
        st = self.stats()
        self.assertEqual(st["rx_held"], 0, st)
        self.assertEqual(st["drop_not_for_us"], 0, st)

    def test_at_most_four_are_held(self):
        """Six early datagrams: the two oldest are given up (not for us), four are answered"""
        ports = self.early([b"early%d" % i for i in range(6)])
        replies = {}
        while len(replies) < 4:
            frame = self.receive(lambda f: any(self.udp_reply_to(p)(f) for p in ports))
            replies[struct.unpack("!H", frame[36:38])[0]] = frame[42:48]
        self.assertEqual(replies, {ports[i]: b"early%d" % i for i in range(2, 6)})
        st = self.stats()
        self.assertEqual(st["drop_not_for_us"], 2, st)
        self.assertEqual(st["rx_held"], 0, st)


if __name__ == "__main__":
    tfqemu.main()
