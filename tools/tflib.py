"""tflib: the helpers tf-run, the benchmarks (bench/) and the QEMU tests share. Standard library
only. Installed beside tf-run's package files (share/taskfarm/python), where tf-run finds it.
"""
import os
import socket

__all__ = ["kvm_usable", "free_udp_port", "forward"]


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
    """A UDP port on `host` that is free at the moment (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


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
