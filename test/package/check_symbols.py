#!/usr/bin/python3
"""check_symbols.py: the installed libraries export the API and nothing else.

  check_symbols.py --source S --build B [--libc newlib/libc.a] [--nm nm]

Compares the global symbols (nm -g --defined-only) of libtaskfarm.a, libtaskfarm-host.a and
taskfarm-kernel.o with their lists in S/src/exports/*.syms, both ways, and checks the lists:

- a tf_ name is a function of include/taskfarm.h, and each list holds every function the header
  gives its build (the guest: all but the "Linux build only" section; Linux: all but what the
  header calls guest only);
- a __tfr_ name (runtime, used by the core) is one taskfarm-kernel.o leaves undefined, and a
  __tfk_ name (core, used by the runtime) one that libtaskfarm.a leaves undefined or the
  linker script's entry point;
- any other name in libtaskfarm.a is newlib's: newlib's libc.a calls it, or it belongs to
  newlib's retargetable locks (__retarget_lock_*, __lock___*).
"""
import argparse
import os
import re
import subprocess
import sys

problems = []


def problem(text):
    problems.append(text)
    print("FAIL: " + text)


def nm(tool, path, *flags):
    out = subprocess.run([tool, *flags, path], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and not line.endswith(":"):
            names.add(fields[-1])
    return names


def read_list(path):
    names = []
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    if len(set(names)) != len(names):
        problem(f"{path}: a name is listed twice")
    return set(names)


def header_functions(path):
    """{name: 'both' | 'guest' | 'host'} for the functions taskfarm.h declares."""
    text = open(path).read()
    functions = {}
    section = ""
    comment = ""
    for block in re.split(r"(/\*.*?\*/)", text, flags=re.S):
        if block.startswith("/*"):
            flat = " ".join(block.replace("*", " ").split())
            if block.startswith("/* ----"):
                section = flat
                comment = ""
            else:
                comment = flat
            continue
        for m in re.finditer(r"^[A-Za-z_][\w \*]*?\b(tf_\w+)\s*\(", block, re.M):
            if "Linux build only" in section:
                where = "host"
            elif "guest only" in section or "Guest only" in comment:
                where = "guest"
            else:
                where = "both"
            functions[m[1]] = where
        if block.strip():
            comment = ""
    return functions


def compare(artifact, listed, nm_tool):
    exported = nm(nm_tool, artifact, "-g", "--defined-only")
    name = os.path.basename(artifact)
    for s in sorted(exported - listed):
        problem(f"{name} exports {s}, which its list does not name (an internal symbol leaks)")
    for s in sorted(listed - exported):
        problem(f"{name} does not define {s}, which its list names")
    return exported


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--source", required=True)
    p.add_argument("--build", required=True)
    p.add_argument("--libc", help="newlib's libc.a (default: the build tree's)")
    p.add_argument("--nm", default="nm")
    args = p.parse_args(argv)
    exports = os.path.join(args.source, "src", "exports")
    runtime = os.path.join(args.build, "src", "libtaskfarm.a")
    host = os.path.join(args.build, "src", "libtaskfarm-host.a")
    kernel = os.path.join(args.build, "src", "taskfarm-kernel.o")
    libc = args.libc or os.path.join(args.build, "newlib", "install", "x86_64-elf", "lib", "libc.a")

    guest_list = read_list(os.path.join(exports, "taskfarm.syms"))
    host_list = read_list(os.path.join(exports, "taskfarm-host.syms"))
    kernel_list = read_list(os.path.join(exports, "taskfarm-kernel.syms"))
    compare(runtime, guest_list, args.nm)
    compare(host, host_list, args.nm)
    compare(kernel, kernel_list, args.nm)

    api = header_functions(os.path.join(args.source, "include", "taskfarm.h"))
    if len(api) < 20:
        problem(f"taskfarm.h: only {len(api)} functions found; the parser is out of date")
    for build, listed, other in (("guest", guest_list, "host"), ("host", host_list, "guest")):
        public = {s for s in listed if s.startswith("tf_")}
        for s in sorted(public - set(api)):
            problem(f"{build} list: {s} is not a function of taskfarm.h")
        for s in sorted(f for f, where in api.items() if where != other and f not in public):
            problem(f"{build} list: taskfarm.h's {s} is not exported")
        for s in sorted(f for f in public if api.get(f) == other):
            problem(f"{build} list: {s} belongs to the {other} build only")
    for s in sorted(host_list):
        if not s.startswith("tf_"):
            problem(f"host list: {s} is no API function")

    kernel_needs = nm(args.nm, kernel, "-u")
    runtime_needs = nm(args.nm, runtime, "-u")
    entry = re.search(r"ENTRY\((\w+)\)",
                      open(os.path.join(args.source, "src", "boot", "linker.ld")).read())
    for s in sorted(kernel_list):
        if not s.startswith("__tfk_"):
            problem(f"kernel list: {s} lacks the __tfk_ prefix of core symbols")
        elif s not in runtime_needs and not (entry and entry[1] == s):
            problem(f"kernel list: nothing outside the core uses {s}")
    newlib_needs = nm(args.nm, libc, "-u") if os.path.exists(libc) else None
    for s in sorted(guest_list):
        if s.startswith("tf_"):
            continue
        if s.startswith("__tfr_"):
            if s not in kernel_needs:
                problem(f"guest list: the core does not use {s}")
        elif s.startswith("__tfk_"):
            problem(f"guest list: {s} has the core's prefix")
        elif not s.startswith(("__retarget_lock_", "__lock___")):
            if newlib_needs is None:
                print(f"note: no {libc}; {s} taken as newlib's")
            elif s not in newlib_needs:
                problem(f"guest list: newlib does not call {s}")
    for s in sorted(kernel_needs):
        if s.startswith("tf_") or (not s.startswith("__") and s not in guest_list):
            problem(f"the core needs {s}, which is neither the linker script's nor a __tfr_ name")

    if problems:
        print(f"{len(problems)} problem(s)")
        return 1
    print(f"ok: libtaskfarm.a exports {len(guest_list)} symbols, libtaskfarm-host.a "
          f"{len(host_list)}, taskfarm-kernel.o {len(kernel_list)}; taskfarm.h declares "
          f"{len(api)} functions")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
