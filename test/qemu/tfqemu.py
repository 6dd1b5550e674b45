"""Helpers for the QEMU integration tests: boot an image with tools/tf-run, capture the serial
console and the exit code; run a test file so that only missing hardware may skip.

Environment: TF_SOURCE_DIR, TF_BUILD_DIR (set by ctest); TF_TEST_ACCEL=auto|kvm|tcg picks the
accelerator of tests that do not need a particular one (default auto: KVM when usable)."""
import os
import subprocess
import sys
import time
import unittest

SOURCE_DIR = os.environ.get("TF_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_DIR = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
TF_RUN = os.path.join(SOURCE_DIR, "tools", "tf-run")
ACCEL = os.environ.get("TF_TEST_ACCEL", "auto")

# Exit codes the core uses (src/core/kabi.h) and tf-run's own (tools/tf-run --help)
EXIT_USER_MAX = 93
EXIT_FAULT_BASE = 96
EXIT_RESET = 123
EXIT_TIMEOUT = 124
EXIT_TF_RUN_FAILED = 125
EXIT_QEMU_NOT_FOUND = 127

# ctest's SKIP_RETURN_CODE for these tests (test/qemu/CMakeLists.txt)
SKIP_RETURN_CODE = 77
# A skip is a failure unless its reason starts with this: a hardware feature the machine lacks
HARDWARE = "no hardware for this test: "


def image(*parts):
    """The path of a built image; a missing one fails the test (it is built by tools/build)."""
    path = os.path.join(BUILD_DIR, *parts)
    if not os.path.exists(path):
        raise AssertionError(f"{path} not built (run tools/build)")
    return path


def skip_for_hardware(what):
    """Skips the test because this machine lacks `what` (/dev/kvm, an x2APIC, ...)."""
    raise unittest.SkipTest(HARDWARE + what)


def main():
    """unittest.main, except that a skip for any reason but missing hardware fails the run, and
    a run whose only non-passes are hardware skips exits with SKIP_RETURN_CODE, which ctest
    shows as "Skipped", never as "Passed"."""
    result = unittest.main(verbosity=2, argv=sys.argv, exit=False).result
    other = [f"{test.id()}: {why}" for test, why in result.skipped if not why.startswith(HARDWARE)]
    for line in other:
        print(f"FAIL (a skip that is not missing hardware): {line}")
    if not result.wasSuccessful() or other or result.testsRun == 0:
        sys.exit(1)
    sys.exit(SKIP_RETURN_CODE if result.skipped else 0)


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


sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from tflib import kvm_usable  # noqa: E402,F401  (tools/tflib.py, shared with tf-run and bench/)
