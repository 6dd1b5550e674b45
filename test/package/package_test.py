#!/usr/bin/python3
"""The package tests (ctest -L package): taskfarm used from outside its tree.

  package_test.py install --build B --prefix P         cmake --install B into P, files checked
  package_test.py project --prefix P --generator G --work W
                                                       test/package/project through
                                                       find_package(taskfarm), built with G: its
                                                       image booted with P's tf-run on 2 CPUs, its
                                                       Linux program run on 2 threads
  package_test.py project --source S --newlib N --generator G --work W
                                                       the same through add_subdirectory(S)
  package_test.py readme --prefix P --readme R --work W
                                                       the myjob example of README.md, as written
  package_test.py tf-new --prefix P --work W           a project made by tf-new, found through PATH
  package_test.py pkg-config --prefix P --work W       the Linux program built with pkg-config
  package_test.py deb --build B --work W               cpack -G DEB: control fields, file list, and
                                                       the project built against the unpacked tree

Guests boot under KVM when /dev/kvm is usable (TF_TEST_ACCEL=kvm|tcg forces one).
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.join(HERE, "project")
BOOT_TIMEOUT = 120
CLASH_TASKS = 16


def fail(message):
    sys.exit(f"FAIL: {message}")


def run(cmd, timeout=600, env=None, cwd=None, check=True):
    print("$ " + shlex.join(cmd), flush=True)
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, env=env, cwd=cwd)
    except subprocess.TimeoutExpired:
        fail(f"{cmd[0]} did not finish within {timeout} s")
    sys.stdout.write(r.stdout)
    sys.stdout.flush()
    if check and r.returncode != 0:
        fail(f"{shlex.join(cmd)} exited with {r.returncode}")
    return r


def fresh(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def accel_args():
    accel = os.environ.get("TF_TEST_ACCEL")
    return ["--accel", accel] if accel else []


def boot(tf_run, image, smp, *guest_args):
    """Boots image with tf-run on smp vCPUs; returns its output. The guest must exit with 0."""
    r = run([tf_run, *accel_args(), "--smp", str(smp), "--timeout", str(BOOT_TIMEOUT), image,
             "--", "tf.quiet=1", *guest_args], timeout=BOOT_TIMEOUT + 30)
    return r.stdout


def check_clash(output, cpus, where):
    m = re.search(r"^clash: cpus=(\d+) used=(\d+) sum=(\d+) names=(\w+)$", output, re.M)
    if not m:
        fail(f"{where}: no result line")
    n, used, total, names = int(m[1]), int(m[2]), int(m[3]), m[4]
    if n != cpus:
        fail(f"{where}: {n} CPUs, not {cpus}")
    if used < 2:
        fail(f"{where}: tasks ran on {used} CPU(s), not on several")
    if total != CLASH_TASKS * (CLASH_TASKS - 1) // 2 or names != "ok":
        fail(f"{where}: sum {total}, names {names}")
    print(f"ok: {where}: {n} CPUs, {used} used, the program's own names intact")


def cmake_project(source, build, generator, defines):
    fresh(build)
    run(["cmake", "-S", source, "-B", build, "-G", generator,
         *[f"-D{k}={v}" for k, v in defines.items()]])
    run(["cmake", "--build", build, "-j", os.environ.get("TF_JOBS", "2")])


def installed_tf_run(prefix):
    tf_run = os.path.join(prefix, "bin", "tf-run")
    if not os.access(tf_run, os.X_OK):
        fail(f"no {tf_run}")
    return tf_run


def libdir_of(prefix):
    """The prefix's library directory: lib, or lib/<multiarch> (GNUInstallDirs under /usr)."""
    found = glob.glob(os.path.join(prefix, "lib", "**", "libtaskfarm.a"), recursive=True)
    if len(found) != 1:
        fail(f"libtaskfarm.a under {prefix}/lib: {found}")
    return os.path.dirname(found[0])


# ---- install -----------------------------------------------------------------------------------

INSTALLED = [
    "include/taskfarm.h",
    "{lib}/libtaskfarm.a", "{lib}/libtaskfarm-host.a",
    "{lib}/taskfarm/taskfarm-kernel.o", "{lib}/taskfarm/linker.ld",
    "{lib}/taskfarm/newlib/lib/libc.a", "{lib}/taskfarm/newlib/lib/libm.a",
    "{lib}/taskfarm/newlib/include/stdio.h",
    "{lib}/cmake/taskfarm/taskfarmConfig.cmake", "{lib}/cmake/taskfarm/taskfarmConfigVersion.cmake",
    "{lib}/cmake/taskfarm/taskfarmTargets.cmake", "{lib}/cmake/taskfarm/TaskfarmImage.cmake",
    "{lib}/pkgconfig/taskfarm-host.pc",
    "bin/tf-run", "bin/tf-mkiso", "bin/tf-new", "bin/tf-client",
    "share/taskfarm/python/tflib.py", "share/man/man3/taskfarm.3",
    "share/man/man1/tf-run.1", "share/man/man1/tf-client.1",
    "share/doc/taskfarm/LICENSE", "share/doc/taskfarm/COPYING.NEWLIB",
]


def check_tree(root, what):
    lib = os.path.relpath(libdir_of(root), root)
    missing = [f for f in (p.format(lib=lib) for p in INSTALLED)
               if not os.path.exists(os.path.join(root, f))]
    if missing:
        fail(f"{what} lacks {', '.join(missing)}")
    for tool in ("tf-run", "tf-mkiso", "tf-new", "tf-client"):
        if not os.access(os.path.join(root, "bin", tool), os.X_OK):
            fail(f"{what}: bin/{tool} is not executable")
    # nothing may point back into the build or source tree
    for path in glob.glob(os.path.join(root, lib, "cmake", "taskfarm", "*.cmake")) + \
            glob.glob(os.path.join(root, lib, "pkgconfig", "*.pc")):
        text = open(path).read()
        for tree in (os.environ.get("TF_SOURCE_DIR"), os.environ.get("TF_BUILD_DIR")):
            if tree and tree in text:
                fail(f"{path} names {tree}")
    print(f"ok: {what} has every file")


def cmd_install(args):
    shutil.rmtree(args.prefix, ignore_errors=True)
    run(["cmake", "--install", args.build, "--prefix", args.prefix])
    check_tree(args.prefix, args.prefix)
    run([os.path.join(args.prefix, "bin", "tf-run"), "--help"])


# ---- the test project --------------------------------------------------------------------------

def cmd_project(args):
    build = os.path.join(args.work, "build")
    defines = {}
    if args.prefix:
        defines["CMAKE_PREFIX_PATH"] = args.prefix
        tf_run = installed_tf_run(args.prefix)
    else:
        defines["TASKFARM_SOURCE_DIR"] = args.source
        defines["TF_NEWLIB_PREBUILT"] = args.newlib
        tf_run = os.path.join(args.source, "tools", "tf-run")
    cmake_project(PROJECT, build, args.generator, defines)
    image = os.path.join(build, "guest", "clash")
    check_clash(boot(tf_run, image, 2), 2, f"guest image ({args.generator})")
    # tf-run finds tf-mkiso beside itself: --iso makes the ISO even for a dry run
    r = run([tf_run, "--iso", "--dry-run", image, "--", "x"])
    if "-cdrom" not in r.stdout:
        fail("tf-run --iso --dry-run: no ISO on the QEMU command line")
    env = dict(os.environ, TF_CPUS="2")
    r = run([os.path.join(build, "clash-host")], timeout=60, env=env)
    check_clash(r.stdout, 2, f"Linux program ({args.generator})")
    if args.source:
        # a parent gets the libraries, not the taskfarm tree's tests, examples or benchmarks
        r = run(["cmake", "--build", build, "--target", "help"], check=False)
        for target in ("hello", "primes", "test_sched_farm", "farm-bench"):
            if re.search(rf"^\.*\s*{re.escape(target)}(:|$)", r.stdout, re.M):
                fail(f"the parent project has taskfarm's target {target}")


# ---- README.md ---------------------------------------------------------------------------------

def readme_blocks(path):
    """The fenced code blocks of a Markdown file: (language, text)."""
    return re.findall(r"^```(\w*)\n(.*?)^```", open(path).read(), re.M | re.S)


def cmd_readme(args):
    blocks = readme_blocks(args.readme)
    cmake = [b for lang, b in blocks if lang == "cmake" and "taskfarm_add_image(NAME myjob" in b]
    c = [b for lang, b in blocks if lang == "c" and "myjob.c" in b.splitlines()[0]]
    if len(cmake) != 1 or len(c) != 1:
        fail("README.md: expected one ```cmake block with taskfarm_add_image(NAME myjob ...) and "
             "one ```c block that starts with a myjob.c comment")
    top = fresh(os.path.join(args.work, "myjob"))
    with open(os.path.join(top, "CMakeLists.txt"), "w") as f:
        f.write(cmake[0])
    with open(os.path.join(top, "myjob.c"), "w") as f:
        f.write(c[0])
    build = os.path.join(top, "build")
    cmake_project(top, build, "Ninja", {"CMAKE_PREFIX_PATH": args.prefix})
    out = boot(installed_tf_run(args.prefix), os.path.join(build, "myjob"), 2)
    want = sum(i % 7 for i in range(7)) * (64000000 // 7) + sum(i % 7 for i in range(64000000 % 7))
    if not re.search(rf"^{want} on 2 CPUs$", out, re.M):
        fail(f"README's myjob: expected '{want} on 2 CPUs'")
    print("ok: README.md's myjob builds outside the tree and gives the right sum on 2 CPUs")


# ---- tf-new ------------------------------------------------------------------------------------

def cmd_tf_new(args):
    work = fresh(args.work)
    bindir = os.path.join(args.prefix, "bin")
    # found through PATH alone: find_package looks in <dir>/.. for each <dir>/bin on PATH
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("CMAKE_PREFIX_PATH", None)
    run(["tf-new", "starter", "-C", work], env=env)
    top = os.path.join(work, "starter")
    build = os.path.join(top, "build")
    run(["cmake", "-S", top, "-B", build, "-G", "Ninja"], env=env)
    run(["cmake", "--build", build], env=env)
    out = boot(installed_tf_run(args.prefix), os.path.join(build, "starter"), 2)
    n = 32 * 1000000
    want = (n - 1) * n * (2 * n - 1) // 6 % 2**64
    if not re.search(rf"^starter: 32 tasks on 2 CPUs: sum {want} in \d+ us$", out, re.M):
        fail("tf-new's program: wrong or missing result line")
    r = run(["tf-new", "starter", "-C", work], env=env, check=False)
    if r.returncode == 0:
        fail("tf-new overwrote an existing project")
    print("ok: tf-new's project builds against the installed package and boots")


# ---- pkg-config --------------------------------------------------------------------------------

def cmd_pkg_config(args):
    work = fresh(args.work)
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(libdir_of(args.prefix), "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", "taskfarm-host"], env=env).stdout.split()
    version = run(["pkg-config", "--modversion", "taskfarm-host"], env=env).stdout.strip()
    if not version.startswith("0.2."):
        fail(f"taskfarm-host.pc: version {version}")
    exe = os.path.join(work, "clash-host")
    run(["cc", "-O2", "-Wall", "-Werror", os.path.join(PROJECT, "clash.c"),
         os.path.join(PROJECT, "names.c"), "-o", exe, *flags])
    r = run([exe], timeout=60, env=dict(os.environ, TF_CPUS="2"))
    check_clash(r.stdout, 2, "Linux program (pkg-config)")


# ---- the Debian package ------------------------------------------------------------------------

DEB_DEPENDS = ["gcc", "binutils", "libc6-dev", "qemu-system-x86", "python3", "libc6",
               "libssl3"]  # libssl3: tf-client uses OpenSSL's HMAC


def cmd_deb(args):
    work = fresh(args.work)
    run(["cpack", "-G", "DEB", "-B", work, "--config", os.path.join(args.build, "CPackConfig.cmake")],
        timeout=300)
    debs = glob.glob(os.path.join(work, "taskfarm_*.deb"))
    if len(debs) != 1:
        fail(f"cpack wrote {debs}")
    deb = debs[0]
    fields = run(["dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends"]).stdout
    depends = re.search(r"^Depends: (.*)$", fields, re.M)
    if not depends:
        fail("no Depends field")
    names = {d.strip().split()[0] for d in depends[1].split(",")}
    if set(DEB_DEPENDS) - names:
        fail(f"Depends lacks {sorted(set(DEB_DEPENDS) - names)}")
    if not re.search(r"^Version: 0\.2\.", fields, re.M):
        fail("not version 0.2")
    listing = run(["dpkg-deb", "-c", deb]).stdout
    paths = {line.split()[-1].lstrip(".") for line in listing.splitlines() if line.strip()}
    outside = sorted(p for p in paths if not p.startswith("/usr/") and p != "/")
    if outside:
        fail(f"files outside /usr: {outside}")
    unpacked = fresh(os.path.join(work, "root"))
    run(["dpkg-deb", "-x", deb, unpacked])
    check_tree(os.path.join(unpacked, "usr"), "the package")
    # the unpacked tree is what apt-get install would put under /usr: the project finds it
    build = os.path.join(work, "build")
    cmake_project(PROJECT, build, "Unix Makefiles",
                  {"CMAKE_PREFIX_PATH": os.path.join(unpacked, "usr")})
    out = boot(installed_tf_run(os.path.join(unpacked, "usr")), os.path.join(build, "guest", "clash"), 2)
    check_clash(out, 2, "guest image built against the package's files")
    print(f"ok: {os.path.basename(deb)}: Depends {depends[1]}")


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("command", choices=["install", "project", "readme", "tf-new", "pkg-config",
                                       "deb"])
    p.add_argument("--build")
    p.add_argument("--prefix")
    p.add_argument("--source")
    p.add_argument("--newlib")
    p.add_argument("--generator", default="Ninja")
    p.add_argument("--readme")
    p.add_argument("--work")
    args = p.parse_args(argv)
    for name in ("build", "prefix", "source", "newlib", "readme", "work"):
        if getattr(args, name):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    {"install": cmd_install, "project": cmd_project, "readme": cmd_readme, "tf-new": cmd_tf_new,
     "pkg-config": cmd_pkg_config, "deb": cmd_deb}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
