"""Helpers for the QEMU integration tests: boot an image with tools/tf-run, capture the serial
console and the exit code.

Environment: TF_SOURCE_DIR, TF_BUILD_DIR (set by ctest); TF_TEST_ACCEL=auto|kvm|tcg picks the
accelerator of tests that do not need a particular one (default auto: KVM when usable)."""
import os
import subprocess
import time
import unittest

SOURCE_DIR = os.environ.get("TF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
TF_RUN = os.path.join(SOURCE_DIR, "tools", "tf-run")
ACCEL = os.environ.get("TF_TEST_ACCEL", "auto")

# isa-debug-exit codes the core uses (src/core/kabi.h)
EXIT_FAULT_BASE = 96


def image(*parts):
    path = os.path.join(BUILD_DIR, *parts)
    if not os.path.exists(path):
        raise unittest.SkipTest(f"{path} not built")
    return path


class Boot:
    """The result of one guest run: serial output, exit code, wall time."""

    def __init__(self, output, code, seconds, command):
        self.output, self.code, self.seconds, self.command = output, code, seconds, command

    def __repr__(self):
        return f"exit {self.code} after {self.seconds:.2f} s; output:\n{self.output}"


def boot(img, *guest_args, accel=None, timeout=60, tf_run_args=()):
    cmd = [TF_RUN, "--accel", accel or ACCEL, "--timeout", str(timeout), *tf_run_args, img]
    if guest_args:
        cmd += ["--", *guest_args]
    start = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=timeout + 30)
    out = r.stdout.decode(errors="replace").replace("\r\n", "\n")
    return Boot(out, r.returncode, time.monotonic() - start, cmd)


def symbolize(img, address):
    """Function name of an address in an image (addr2line)."""
    r = subprocess.run(["addr2line", "-f", "-e", img, hex(address)], stdout=subprocess.PIPE,
                       text=True, check=True)
    return r.stdout.splitlines()[0]


def kvm_usable():
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
        return True
    except OSError:
        return False


def required_image(*parts):
    """Like image(), but a missing image fails the test instead of skipping it: for tests whose
    image is part of the default build."""
    path = os.path.join(BUILD_DIR, *parts)
    if not os.path.exists(path):
        raise AssertionError(f"{path} not built")
    return path
