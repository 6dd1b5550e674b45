"""tools/tf-slurm against a real Slurm: a private slurmctld, two slurmd node names and munged on
this host (slurmlocal.py), all on 127.0.0.1, in a temporary directory.

Batch: an array job of guests, each on its shard, and the merge job that depends on it give the
same bytes as one guest doing all the work; each task's guest gets the CPUs and memory Slurm
gave the task; the guest's exit status is the job's (the job completion log and scontrol say so)
for an exit code, a crash, a guest timeout and the job's time limit; a guest killed mid-run is
requeued (--requeue) and the result is still right, or fails the job (--no-requeue).
Service: one prime-count guest per task of an srun step, on both nodes, and a client step that
finds them through the job's directory; a guest killed during a request is restarted and the
client's retries get the answer.

Accelerator: KVM when usable, TCG otherwise (tf-run's choice; TF_TEST_ACCEL overrides).
Runs as root (slurmd launches the jobs); stops every daemon it started, also on failure."""
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import unittest

import tfqemu
from slurmlocal import LocalSlurm
from tfqemu import ACCEL, SOURCE_DIR, TF_RUN, image

sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "swsearch"))
import swgen  # noqa: E402

TF_SLURM = os.path.join(SOURCE_DIR, "tools", "tf-slurm")
SLURM = None
TIME_LIMIT_JOB = {}


def setUpModule():
    global SLURM
    missing = [p for p in ("slurmctld", "slurmd", "munged", "sbatch") if not
               any(os.access(os.path.join(d, p), os.X_OK)
                   for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin"])]
    if missing:
        raise AssertionError(f"{', '.join(missing)} not installed (tools/setup installs "
                             "slurm-wlm and munge)")
    os.environ["PATH"] += ":/usr/sbin"
    SLURM = LocalSlurm(nodes=2)
    try:
        SLURM.start()
    except Exception:
        SLURM.stop()
        raise
    # The time-limit job takes a minute or two (Slurm's limits are whole minutes, checked every
    # 30 s or so): started first, so the other tests run meanwhile; test_time_limit checks it.
    out = os.path.join(SLURM.root, "run-timelimit")
    TIME_LIMIT_JOB.update(out=out, jobs=submit(out, 1, ["hold"], "--time=1"))


def tearDownModule():
    if SLURM is not None:
        SLURM.stop()


def tf_slurm(*args, check=True, timeout=300):
    r = SLURM.run(TF_SLURM, *args, check=False, timeout=timeout, cwd=SLURM.path("jobs"))
    if check and r.returncode != 0:
        raise AssertionError(f"tf-slurm {' '.join(args)}: status {r.returncode}\n{r.stderr}")
    return r


def submit(out, shards, guest_args, *options, items=None):
    """tf-slurm submit ...: {"array": id, "merge": id}"""
    args = ["submit", "--shards", str(shards), "--out", out, f"--tf-run=--accel={ACCEL}",
            *options]
    if items is not None:
        args += ["--items", str(items)]
    tf_slurm(*args, image("test", "images", "shard"), "--", *guest_args)
    with open(os.path.join(out, "jobs.json")) as f:
        return json.load(f)


def single_guest(*guest_args, smp=2):
    """What one guest prints doing all the work (console, CRLF as LF, no boot banner)"""
    r = subprocess.run([TF_RUN, "--accel", ACCEL, "--smp", str(smp), "--timeout", "120",
                        image("test", "images", "shard"), "--", "tf.quiet=1", *guest_args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=200)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout.replace(b"\r\n", b"\n")


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def shard_status(out, shard):
    return json.loads(read(os.path.join(out, f"shard-{shard:04d}.json"), "r"))


def completions(job):
    """The job completion log's records of an array's tasks (by ArrayJobId) or of one job"""
    return [r for r in SLURM.jobcomp()
            if r.get("ArrayJobId") == str(job) or r.get("JobId") == str(job)]


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def cpu_ticks(pid):
    """user + system clock ticks a process has used"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def kill_qemu_of(tf_run_pid):
    """SIGKILL to the QEMU that a tf-run runs: a guest dying from outside"""
    qemu = children(tf_run_pid)
    assert qemu, f"tf-run {tf_run_pid} has no QEMU child"
    for pid in qemu:
        os.kill(pid, signal.SIGKILL)
    return qemu


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n"
                         + SLURM.logs("slurmctld"))


def primes_below(n):
    sieve = bytearray([1]) * n
    sieve[:2] = b"\0\0"[:n]
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, n, i)))
    return sum(sieve)


class BatchTest(unittest.TestCase):
    def run_dir(self, name):
        return os.path.join(SLURM.root, f"run-{self._testMethodName}-{name}")

    def test_array_and_merge_equal_one_guest(self):
        out = self.run_dir("items")
        jobs = submit(out, 4, ["items", "{lo}", "{hi}"], "-c", "1", "--mem", "200", items=48)
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]])
        self.assertEqual([r["JobState"] for r in records], ["COMPLETED"] * 5, records)
        self.assertEqual(read(os.path.join(out, "result")), single_guest("items", "0", "48"))
        done = completions(jobs["array"])
        self.assertEqual(sorted(r["ArrayTaskId"] for r in done), ["0", "1", "2", "3"])
        self.assertTrue(all(r["JobState"] == "COMPLETED" and r["ExitCode"] == "0:0"
                            for r in done), done)
        self.assertEqual(completions(jobs["merge"])[0]["JobState"], "COMPLETED")
        for shard in range(4):
            st = shard_status(out, shard)
            self.assertEqual((st["state"], st["status"], st["cpus"]), ("done", 0, 1))
            self.assertEqual(st["work"]["lo"], 12 * shard)
            # 200 MiB from Slurm, less QEMU's 96 MiB + 4 MiB for its one vCPU
            self.assertEqual(st["memory_mib"], 100, st["memory_source"])
            self.assertIn(st["node"], SLURM.nodes)
        status = tf_slurm("status", "--out", out).stdout
        self.assertEqual(status.count(" done "), 4, status)

    def test_slices_in_as_modules_results_out_as_the_output_stream(self):
        """--split-lines: each guest gets its slice as a boot module and writes its result to
        the output stream ({output}); the merge is byte for byte one guest's over the file."""
        out = self.run_dir("lines")
        os.makedirs(out)
        data = os.path.join(out, "input.txt")
        with open(data, "w") as f:
            f.writelines(f"line {i} {'x' * (i % 17)}\n" for i in range(103))
        jobs = submit(out, 3, ["lines", "input"], "--split-lines", data,
                      "--tf-run=--module={slice}=input", "--tf-run=--output={output}")
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]])
        self.assertEqual([r["JobState"] for r in records], ["COMPLETED"] * 4, records)
        whole = os.path.join(out, "whole.out")
        r = subprocess.run([TF_RUN, "--accel", ACCEL, "--timeout", "120", "--module",
                            f"{data}=input", "--output", whole, image("test", "images", "shard"),
                            "--", "tf.quiet=1", "lines", "input"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=200)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(read(os.path.join(out, "result")), read(whole))
        self.assertEqual(len(read(whole).splitlines()), 103)
        self.assertEqual([shard_status(out, s)["work"]["offset"] for s in range(3)], [0, 34, 68])

    def test_guest_gets_the_tasks_cpus_and_memory(self):
        out = self.run_dir("info")
        jobs = submit(out, 2, ["info"], "-c", "2", "--mem-per-cpu", "150")
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]])
        self.assertEqual([r["JobState"] for r in records], ["COMPLETED"] * 3, records)
        # 2 x 150 MiB less 96 + 2 x 4 for QEMU: -m 196M, of which the guest sees nearly all
        lines = read(os.path.join(out, "result"), "r").splitlines()
        self.assertEqual(len(lines), 2, lines)
        for line in lines:
            m = re.fullmatch(r"cpus=(\d+) memory_mib=(\d+)", line)
            self.assertTrue(m, line)
            self.assertEqual(int(m.group(1)), 2)
            self.assertTrue(188 <= int(m.group(2)) <= 196, line)
        self.assertEqual(shard_status(out, 0)["command"][1:5], ["--smp", "2", "-m", "196M"])

    def check_failed(self, jobs, status, why, shards=1):
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]])
        states = {r["JobId"]: r["JobState"] for r in records}
        self.assertEqual(sorted(states.values()), ["CANCELLED"] + ["FAILED"] * shards, records)
        self.assertEqual(states[jobs["merge"]], "CANCELLED")  # --kill-on-invalid-dep
        done = completions(jobs["array"])
        self.assertEqual(len(done), shards, done)
        for r in done:
            self.assertEqual((r["JobState"], r["ExitCode"]), ("FAILED", f"{status}:0"), r)
        return done

    def test_exit_status_is_the_jobs(self):
        out = self.run_dir("exit")
        self.check_failed(submit(out, 1, ["exit", "7"]), 7, "exited with 7")
        st = shard_status(out, 0)
        self.assertEqual((st["state"], st["status"]), ("failed", 7))
        self.assertEqual(st["meaning"], "the guest exited with 7")
        self.assertFalse(os.path.exists(os.path.join(out, "result")))

    def test_crash_is_reported(self):
        out = self.run_dir("crash")
        jobs = submit(out, 2, ["crash"])
        self.check_failed(jobs, 96 + 14, "page fault", shards=2)
        for shard in range(2):
            st = shard_status(out, shard)
            self.assertEqual(st["status"], 110)
            self.assertIn("exception 14 (page fault)", st["meaning"])
        self.assertIn("page fault: write access", read(os.path.join(out, "shard-0000.part"), "r"))
        r = tf_slurm("status", "--out", out, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout.count("exception 14 (page fault)"), 2, r.stdout)
        # the merge refuses shards without results, by name
        r = tf_slurm("merge", "--out", out, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("2 of 2 shards have no result", r.stderr)

    def test_guest_timeout(self):
        out = self.run_dir("timeout")
        self.check_failed(submit(out, 1, ["hold"], "--guest-timeout", "3"), 124, "timeout")
        self.assertIn("--guest-timeout", shard_status(out, 0)["meaning"])

    def test_time_limit(self):
        jobs, out = TIME_LIMIT_JOB["jobs"], TIME_LIMIT_JOB["out"]
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]], timeout=300)
        states = sorted(r["JobState"] for r in records)
        self.assertEqual(states, ["CANCELLED", "TIMEOUT"], records)
        self.assertEqual(completions(jobs["array"])[0]["JobState"], "TIMEOUT")
        st = wait_until(lambda: shard_status(out, 0).get("status") and shard_status(out, 0), 30,
                        "the task's status")
        self.assertEqual((st["state"], st["status"]), ("stopped", 128 + signal.SIGTERM))
        self.assertIn("time limit", st["meaning"])

    def kill_mid_run(self, requeue):
        out = self.run_dir("kill")
        args = ["items", "{lo}", "{hi}", "shard={shard}", "hold=1", "attempt={restart}"]
        jobs = submit(out, 3, args, "--requeue" if requeue else "--no-requeue",
                      "--guest-timeout", "200", items=30)
        part = os.path.join(out, "shard-0001.part")
        wait_until(lambda: os.path.exists(part) and b"shard: holding" in read(part), 120,
                   "shard 1's guest to hold")
        self.assertIn(b"item 10 primes=", read(part))  # it has done part of its work
        kill_qemu_of(shard_status(out, 1)["tf_run_pid"])
        return out, jobs

    def test_killed_guest_is_requeued(self):
        out, jobs = self.kill_mid_run(requeue=True)
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]], timeout=300)
        self.assertEqual([r["JobState"] for r in records], ["COMPLETED"] * 4, records)
        self.assertEqual(read(os.path.join(out, "result")), single_guest("items", "0", "30"))
        st = shard_status(out, 1)
        self.assertEqual([a["status"] for a in st["attempts"]], [128 + signal.SIGKILL, 0], st)
        self.assertIn("killed by SIGKILL from outside", st["attempts"][0]["meaning"])
        self.assertTrue(st["attempts"][0]["requeue"].startswith("requeued"), st)
        task = SLURM.job(f"{jobs['array']}_1")
        self.assertEqual(task["Restarts"], "1")
        # the job completion log has the requeue and then the completion of that task
        ends = [r["JobState"] for r in SLURM.jobcomp() if r["JobId"] == task["JobId"]]
        self.assertEqual(len(ends), 2, ends)
        self.assertIn(ends[0], ("REQUEUED", "PENDING"))
        self.assertEqual(ends[-1], "COMPLETED")
        for shard in (0, 2):
            self.assertEqual(len(shard_status(out, shard)["attempts"]), 1)

    def test_killed_guest_without_requeue_fails(self):
        out, jobs = self.kill_mid_run(requeue=False)
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]], timeout=300)
        states = sorted(r["JobState"] for r in records)
        self.assertEqual(states, ["CANCELLED", "COMPLETED", "COMPLETED", "FAILED"], records)
        st = shard_status(out, 1)
        self.assertEqual((st["state"], st["status"]), ("failed", 128 + signal.SIGKILL))
        self.assertIn("not requeueable", st["attempts"][0]["requeue"])
        failed = [r for r in completions(jobs["array"]) if r["JobState"] == "FAILED"]
        self.assertEqual([(r["ArrayTaskId"], r["ExitCode"]) for r in failed], [("1", "137:0")])


class SwsearchTest(unittest.TestCase):
    def test_database_shards_merge_to_one_guests_table(self):
        """tf-slurm swsearch: four array tasks search consecutive slices of the database, the
        merge keeps each query's best 5: byte for byte the table of one guest searching it all,
        ties across slices in database order (copies of one sequence sit in every slice)."""
        d = os.path.join(SLURM.root, "swsearch")
        os.makedirs(d)
        rng = random.Random(77)
        same = swgen.protein(rng, 150)
        queries = [("q_rand", swgen.protein(rng, 90)), ("q_same", same),
                   ("q_long", swgen.protein(rng, 400)), ("q_short", "WW")]
        db = [(f"s{i}", same if i % 13 == 5 else
               swgen.protein(rng, swgen.swissprot_length(rng, 1000))) for i in range(160)]
        q, dbf = os.path.join(d, "q.fa"), os.path.join(d, "db.fa")
        for path, recs in ((q, queries), (dbf, db)):
            with open(path, "w") as f:
                swgen.write_fasta(f, recs)
        table = os.path.join(d, "merged.tsv")
        tf_slurm("swsearch", "-q", q, "-d", dbf, "-o", table, "--shards", "4", "--max-hits",
                 "5", "-c", "1", "--mem", "400", "--accel", ACCEL,
                 "--image", image("examples", "swsearch", "swsearch"))
        with open(table + ".shards/jobs.json") as f:
            jobs = json.load(f)
        records = SLURM.wait_jobs([jobs["array"], jobs["merge"]], timeout=600)
        self.assertEqual([r["JobState"] for r in records], ["COMPLETED"] * 5, records)
        single = subprocess.run([os.path.join(SOURCE_DIR, "tools", "tf-swsearch"), "--accel",
                                 ACCEL, "--smp", "2", "-q", q, "-d", dbf, "--max-hits", "5",
                                 "--image", image("examples", "swsearch", "swsearch")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        self.assertEqual(single.returncode, 0, single.stderr)
        merged = read(table)
        self.assertEqual(merged, single.stdout)
        self.assertIn(b" subjects=160 ", merged.splitlines()[0])
        ties = [line.split(b"\t")[1] for line in merged.splitlines() if line.startswith(
            b"q_same\t")]
        self.assertEqual(ties, [b"s5", b"s18", b"s31", b"s44", b"s57"])
        offsets = [shard_status(table + ".shards", s)["work"]["offset"] for s in range(4)]
        self.assertEqual(offsets, sorted(set(offsets)))
        self.assertEqual(offsets[0], 0)


class ServiceTest(unittest.TestCase):
    def test_service_job_with_client_step(self):
        """One guest on each node, a client step that finds them in the job's directory."""
        log = os.path.join(SLURM.root, "service-%j.out")
        r = tf_slurm("service", "-N", "2", "--ntasks-per-node", "1", "-n", "2", "-c", "1",
                     "--mem-per-cpu", "200", "-o", log, f"--tf-run=--accel={ACCEL}",
                     "--tf-client", image("examples", "primes", "tf-client"),
                     "--client", "4 1000000", image("examples", "primes", "primes"))
        job = r.stdout.strip()
        records = SLURM.wait_jobs([job], timeout=300)
        text = read(log.replace("%j", job), "r")
        self.assertEqual(records[0]["JobState"], "COMPLETED", text)
        self.assertEqual(records[0]["NodeList"], "tf[1-2]")
        m = re.search(r"^ok n=4 limit=1000000 kernel=trial sum=(\d+) cpus=(\d+) .* servers=2 ",
                      text, re.M)
        self.assertTrue(m, text)
        self.assertEqual(int(m.group(1)), 4 * primes_below(1000000))
        self.assertEqual(int(m.group(2)), 2)
        directory = os.path.join(SLURM.path("jobs"), f"tf-slurm.{job}")
        self.assertEqual(sorted(os.listdir(directory)), ["console-0000.log", "console-0001.log",
                                                        "servers"])
        self.assertEqual(os.listdir(os.path.join(directory, "servers")), [],
                         "a stopped guest's address stays behind")
        ready = re.findall(r"task (\d): guest ready at (127\.0\.0\.1:\d+) \(1 vCPUs", text)
        self.assertEqual(sorted(t for t, _ in ready), ["0", "1"], text)

    def test_killed_guest_is_restarted_and_the_client_retries(self):
        r = tf_slurm("service", "-n", "2", "-c", "1", "--mem-per-cpu", "200", "-t", "10",
                     "-o", os.path.join(SLURM.root, "service-%j.out"),
                     f"--tf-run=--accel={ACCEL}", image("examples", "primes", "primes"))
        job = r.stdout.strip()
        directory = os.path.join(SLURM.path("jobs"), f"tf-slurm.{job}")
        try:
            servers = tf_slurm("servers", "--dir", directory, "--wait", "120").stdout.split()
            self.assertEqual(len(servers), 2)
            self.assertEqual(len(set(servers)), 2, servers)
            victim = json.loads(read(os.path.join(directory, "servers", "0000.json"), "r"))
            limit = 20000000
            client = subprocess.Popen(
                ["srun", f"--jobid={job}", "--overlap", "--mem=0", "-n1", TF_SLURM, "client",
                 "--dir", directory, "--tf-client", image("examples", "primes", "tf-client"), "--",
                 "2", str(limit)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                env=SLURM.env, cwd=SLURM.path("jobs"))
            # the victim is computing its half once its QEMU burns CPU (idle, it parks)
            qemu = children(victim["tf_run_pid"])
            self.assertEqual(len(qemu), 1)
            idle = cpu_ticks(qemu[0])
            wait_until(lambda: cpu_ticks(qemu[0]) >= idle + 20 or client.poll() is not None,
                       120, "the guest to compute")
            self.assertIsNone(client.poll(), "the request ended before a guest was killed")
            kill_qemu_of(victim["tf_run_pid"])
            try:
                stdout, stderr = client.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                client.kill()
                stdout, stderr = client.communicate()
            self.assertEqual(client.returncode, 0, stderr)
            m = re.search(r"sum=(\d+) .* servers=2 retries=(\d+)", stdout)
            self.assertTrue(m, stdout)
            self.assertEqual(int(m.group(1)), 2 * primes_below(limit))
            self.assertGreaterEqual(int(m.group(2)), 1, "the client never retried")
            again = json.loads(read(os.path.join(directory, "servers", "0000.json"), "r"))
            self.assertEqual(again["restarts"], 1)
            self.assertEqual(again["address"], victim["address"])
            self.assertNotEqual(again["tf_run_pid"], victim["tf_run_pid"])
        finally:
            SLURM.run("scancel", job, check=False)
        records = SLURM.wait_jobs([job], timeout=120)
        self.assertEqual(records[0]["JobState"], "CANCELLED")
        wait_until(lambda: not os.listdir(os.path.join(directory, "servers")), 30,
                   "the guests' addresses to go")
        log = read(os.path.join(SLURM.root, f"service-{job}.out"), "r")
        self.assertIn("task 0: restarting the guest", log)
        self.assertIn("killed by SIGKILL from outside", log)

    def test_keyed_service(self):
        """With --key-file every guest takes only sealed requests: a plain ping to one is
        dropped, the client step (sealing with the key) gets the whole answer"""
        key = os.path.join(SLURM.root, "service.key")
        with open(key, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        os.chmod(key, 0o600)
        r = tf_slurm("service", "-n", "2", "-c", "1", "--mem-per-cpu", "200", "-t", "10",
                     "--key-file", key, "-o", os.path.join(SLURM.root, "service-%j.out"),
                     f"--tf-run=--accel={ACCEL}", image("examples", "primes", "primes"))
        job = r.stdout.strip()
        directory = os.path.join(SLURM.path("jobs"), f"tf-slurm.{job}")
        try:
            servers = tf_slurm("servers", "--dir", directory, "--wait", "120").stdout.split()
            self.assertEqual(len(servers), 2)
            host, port = servers[0].rsplit(":", 1)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as plain:
                plain.settimeout(1.0)
                plain.sendto(b"ping id=plain".ljust(255) + b"\n", (host, int(port)))
                with self.assertRaises(socket.timeout):
                    plain.recv(512)
            client = subprocess.run(
                ["srun", f"--jobid={job}", "--overlap", "--mem=0", "-n1", TF_SLURM, "client",
                 "--dir", directory, "--key-file", key, "--tf-client",
                 image("examples", "primes", "tf-client"), "--", "2", "100000"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=SLURM.env,
                cwd=SLURM.path("jobs"), timeout=300)
            self.assertEqual(client.returncode, 0, client.stderr)
            m = re.search(r"sum=(\d+) .* servers=2", client.stdout)
            self.assertTrue(m, client.stdout)
            self.assertEqual(int(m.group(1)), 2 * primes_below(100000))
        finally:
            SLURM.run("scancel", job, check=False)
        SLURM.wait_jobs([job], timeout=120)
        consoles = "".join(read(os.path.join(directory, n), "r") for n in
                           ("console-0000.log", "console-0001.log"))
        self.assertNotIn("primes-key", consoles)  # the key is never printed ...
        self.assertNotIn(read(key, "r").strip(), consoles)  # ... nor its digits


if __name__ == "__main__":
    tfqemu.main()
