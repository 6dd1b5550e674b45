"""primes_proto: the prime-count protocol's datagrams for Python clients (docs/protocol.md):
padding requests, sealing them with a shared key, opening sealed replies. Standard library only;
the tests, bench/run and bench/flood use it, and it is a small reference for clients in other
languages."""
import hashlib
import hmac
import re
import time

__all__ = ["REPLY_MAX", "padded", "seal", "unseal", "Counter"]

REPLY_MAX = 256  # PROTO_REPLY_MAX: no reply is longer; requests are padded to it
REQUEST_LABEL = b"primes-request\n"
REPLY_LABEL = b"primes-reply\n"


def padded(text):
    """a request as a client sends it: blanks up to REPLY_MAX bytes, its newline last (a server
    without a key answers no datagram with more bytes than it holds)"""
    data = text if isinstance(text, bytes) else text.encode()
    return data.rstrip(b"\n").ljust(REPLY_MAX - 1) + b"\n"


def seal(key, text, t, label=REQUEST_LABEL):
    """the datagram (final newline dropped), " t=T ", then "mac=" and the HMAC-SHA-256 of the
    label and everything before "mac=", and a newline"""
    data = text if isinstance(text, bytes) else text.encode()
    body = data.rstrip(b"\n") + f" t={t} ".encode()
    return body + b"mac=" + hmac.new(key, label + body, hashlib.sha256).hexdigest().encode() + b"\n"


SEALED = re.compile(rb"(.*)[ \t]t=([0-9]{1,20})[ \t]+mac=([0-9a-f]{64})[ \t\r\n]*", re.S)


def unseal(key, data, label=REPLY_LABEL):
    """(message, t) of a sealed datagram whose MAC is right, or None: the message without its
    trailing blanks, with a newline"""
    m = SEALED.fullmatch(data)
    if not m:
        return None
    body = data[:m.start(3) - len(b"mac=")]
    want = hmac.new(key, label + body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(want, m.group(3)):
        return None
    return m.group(1).rstrip(b" \t").decode() + "\n", int(m.group(2))


class Counter:
    """t values as tf-client makes them: microseconds since the Unix epoch, strictly increasing
    (one Counter per socket, or one for all)"""

    def __init__(self):
        self.last = 0

    def __call__(self):
        self.last = max(self.last + 1, time.time_ns() // 1000)
        return self.last

    def jump(self, by):
        """a t `by` past the next one, which later ones follow"""
        self.last = self() + by
        return self.last
