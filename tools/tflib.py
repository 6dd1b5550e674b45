"""tflib: the helpers tf-run, the benchmarks (bench/) and the QEMU tests share. Standard library
only. Installed beside tf-run's package files (share/taskfarm/python), where tf-run finds it.
"""
import os
import re
import socket

__all__ = ["kvm_usable", "free_udp_port", "port_taken", "PortTaken", "on_free_udp_ports",
           "forward"]


def kvm_usable():
    """True when /dev/kvm exists and this process may open it (read and write): QEMU's -accel kvm
    will work."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    os.close(fd)
    return True


def free_udp_port(host="127.0.0.1"):
    """A UDP port on `host` that is free at the moment (the kernel picks it). Only at the moment:
    whoever is handed the number binds it later, and another process may take it in between;
    start such a program through on_free_udp_ports, which tries other ports then."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# What a program says when it cannot have a host port another process holds: QEMU's user
# network about a --udp forwarding rule ("Could not set up host forwarding rule
# 'udp:127.0.0.1:P-:G'"), QEMU's dgram network ("local.port=P,...: can't bind ip=... to socket:
# Address already in use"), primes-linux ("UDP port P: Address already in use").
_TAKEN = ("Could not set up host forwarding rule", "Address already in use")


def port_taken(output, port):
    """True when `output` (a program's console and error messages) says that it could not bind
    the host port `port` because another process holds it."""
    number = re.compile(rf"(?<!\d){port}(?!\d)")
    return any(number.search(line) and any(t in line for t in _TAKEN)
               for line in output.splitlines())


class PortTaken(Exception):
    """Raised by a start function of on_free_udp_ports: the port it was given was taken before
    the program it started could bind it."""


def on_free_udp_ports(start, count=1, attempts=8, host="127.0.0.1"):
    """start(*ports) with `count` UDP ports on `host` that were free when picked, and what it
    returns. A start that finds one of them taken meanwhile (port_taken on its program's output)
    raises PortTaken after stopping what it started; it is then called again with other ports,
    up to `attempts` times in all. Any other failure is start's own to report."""
    for attempt in range(attempts):
        socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(count)]
        for s in socks:  # bound together, so that the ports differ
            s.bind((host, 0))
        ports = [s.getsockname()[1] for s in socks]
        for s in socks:
            s.close()
        try:
            return start(*ports)
        except PortTaken:
            if attempt + 1 == attempts:
                raise


def forward(src, dst, keep=None, watch=None):
    """Copies the binary stream src to dst chunk by chunk, flushing each, until src ends (QEMU's
    console, say). When dst's reader goes away the rest is read and dropped, so the writer on the
    other side of src never blocks. keep: a list that gets every chunk too. watch: a pair
    (text, threading.Event): the event is set once `text` (bytes) has gone by, also when it is
    split between two chunks."""
    tail = b""
    for chunk in iter(lambda: src.read1(65536), b""):
        if keep is not None:
            keep.append(chunk)
        if watch is not None:
            text, event = watch
            if text in tail + chunk:
                event.set()
            tail = (tail + chunk)[-len(text):]
        try:
            dst.write(chunk)
            dst.flush()
        except (BrokenPipeError, ValueError):
            dst = open(os.devnull, "wb")
