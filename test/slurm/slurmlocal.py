"""A private Slurm cluster on this host, for the tests and bench/slurm: its own munged (with its
own key), slurmctld and one slurmd per node name, all on 127.0.0.1 and on ports picked here,
with every file (configuration, key, sockets, state, spool, logs, job completion log) in one
temporary directory. Nothing else on the machine changes: /etc/slurm, /etc/munge and /var are
not touched, and clients find the cluster through SLURM_CONF in `env`.

    with LocalSlurm(nodes=2) as slurm:
        job = slurm.sbatch("--wrap", "hostname")
        slurm.wait_jobs([job])

Several node names run on the one host (Debian's Slurm is built with multiple-slurmd support),
each with the host's CPUs and a share of its memory. Every daemon is a child of this process
(in the foreground, -D), is stopped by its PID in stop(), and gets SIGTERM if this process dies
first (PR_SET_PDEATHSIG); job processes that outlive their slurmd (slurmstepd and below) are
found by a marker in their environment and killed by PID."""
import atexit
import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PR_SET_PDEATHSIG = 1
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
            "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE"}
MARKER = "TF_SLURM_LOCAL"


class SlurmError(Exception):
    pass


def _die_with_parent():
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def free_tcp_ports(n):
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def host_memory_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 1024


def parse_record(line):
    """"Key=Value Key=Value ..." (scontrol -o, the job completion log) -> dict"""
    rec = {}
    for word in line.split():
        key, eq, value = word.partition("=")
        if eq and key not in rec:
            rec[key] = value
    return rec


class LocalSlurm:
    def __init__(self, nodes=2, cpus=None, memory_mib=None, cred_expire=10, extra_conf=()):
        self.nodes = [f"tf{i + 1}" for i in range(nodes)]
        self.cpus = cpus or os.cpu_count() or 1
        self.memory_mib = memory_mib or min(8192, int(host_memory_mib() * 0.8) // nodes)
        self.cred_expire, self.extra_conf = cred_expire, list(extra_conf)
        self.root = None
        self.procs = {}
        self.stopped = False

    # ---- set-up ---------------------------------------------------------------------------

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def conf(self):
        return self.path("slurm.conf")

    @property
    def env(self):
        """The environment for clients (sbatch, srun, squeue, ...) and the daemons."""
        env = dict(os.environ, SLURM_CONF=self.conf)
        env[MARKER] = self.root
        for k in ("SLURM_JOB_ID", "SLURM_JOBID", "SLURM_ARRAY_JOB_ID", "SLURM_STEP_ID"):
            env.pop(k, None)  # a test run inside a Slurm job must not talk about that job here
        return env

    def write_conf(self):
        ctld_port, *node_ports = free_tcp_ports(1 + len(self.nodes))
        user = pwd.getpwuid(os.geteuid()).pw_name
        host = socket.gethostname()
        lines = [
            "ClusterName=tflocal",
            f"SlurmctldHost={host}(127.0.0.1)",
            f"SlurmctldPort={ctld_port}",
            f"SlurmdPort={node_ports[0]}",
            f"SlurmUser={user}",
            f"SlurmdUser={user}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            # the requeue delay is the credential lifetime (+1 s): short, for the tests
            f"AuthInfo=socket={self.path('munge', 'munge.socket')},cred_expire="
            f"{self.cred_expire}",
            # daemons and srun bind to their node's address (127.0.0.1), not to every address
            "CommunicationParameters=NoInAddrAny,NoCtldInAddrAny",
            f"StateSaveLocation={self.path('state')}",
            f"SlurmdSpoolDir={self.path('spool', '%n')}",
            f"SlurmctldPidFile={self.path('slurmctld.pid')}",
            f"SlurmdPidFile={self.path('slurmd-%n.pid')}",
            f"SlurmctldLogFile={self.path('log', 'slurmctld.log')}",
            f"SlurmdLogFile={self.path('log', 'slurmd-%n.log')}",
            f"PlugStackConfig={self.path('plugstack.conf')}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU_Memory",
            "DefMemPerCPU=256",
            "JobCompType=jobcomp/filetxt",
            f"JobCompLoc={self.path('jobcomp.txt')}",
            "AccountingStorageType=accounting_storage/none",
            "JobAcctGatherType=jobacct_gather/none",
            "MpiDefault=none",
            "ReturnToService=2",
            "JobRequeue=1",
            "KillWait=5",
            "MinJobAge=3600",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            *self.extra_conf,
        ]
        for name, port in zip(self.nodes, node_ports):
            lines.append(f"NodeName={name} NodeHostname={host} NodeAddr=127.0.0.1 Port={port} "
                         f"CPUs={self.cpus} RealMemory={self.memory_mib} State=UNKNOWN")
        lines.append(f"PartitionName=tf Nodes={','.join(self.nodes)} Default=YES "
                     "MaxTime=INFINITE State=UP")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        open(self.path("plugstack.conf"), "w").close()

    def spawn(self, name, cmd):
        log = open(self.path("log", f"{name}.out"), "w")
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             env=self.env, cwd=self.root, start_new_session=True,
                             preexec_fn=_die_with_parent)
        log.close()
        self.procs[name] = p
        return p

    def start(self, timeout=90):
        self.root = tempfile.mkdtemp(prefix="tf-slurm-local.")
        os.chmod(self.root, 0o755)  # munged wants the socket's directory reachable
        atexit.register(self.stop)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(sig) in (signal.SIG_DFL, None):
                signal.signal(sig, lambda s, f: sys.exit(128 + s))
        for d in ["munge", "state", "log", "jobs"] + [f"spool/{n}" for n in self.nodes]:
            os.makedirs(self.path(d), exist_ok=True)
        os.chmod(self.path("munge"), 0o755)
        key = self.path("munge", "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        self.write_conf()
        self.spawn("munged", ["munged", "-F", "-f",
                              f"--socket={self.path('munge', 'munge.socket')}",
                              f"--key-file={key}",
                              f"--pid-file={self.path('munge', 'munged.pid')}",
                              f"--log-file={self.path('log', 'munged.log')}",
                              f"--seed-file={self.path('munge', 'munged.seed')}"])
        self.wait_for(lambda: os.path.exists(self.path("munge", "munge.socket")), 20, "munged")
        self.spawn("slurmctld", ["slurmctld", "-D", "-f", self.conf])
        self.wait_for(lambda: self.run("scontrol", "ping", check=False).returncode == 0 and
                      "UP" in self.run("scontrol", "ping", check=False).stdout, timeout,
                      "slurmctld")
        for name in self.nodes:
            self.spawn(f"slurmd-{name}", ["slurmd", "-D", "-f", self.conf, "-N", name])
        self.wait_for(self.all_idle, timeout, "the nodes to be idle")
        return self

    def all_idle(self):
        r = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False)
        states = dict(line.split() for line in r.stdout.splitlines() if line.strip())
        return all(states.get(n) == "idle" for n in self.nodes)

    def wait_for(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise SlurmError(f"{name} exited with {p.returncode}:\n{self.logs(name)}")
            if predicate():
                return
            time.sleep(0.2)
        raise SlurmError(f"timed out after {timeout} s waiting for {what}:\n{self.logs()}")

    def logs(self, only=None, lines=30):
        out = []
        logdir = self.path("log")
        for name in sorted(os.listdir(logdir)):
            if only and only not in name:
                continue
            with open(os.path.join(logdir, name), errors="replace") as f:
                tail = f.readlines()[-lines:]
            out.append(f"== {name}\n" + "".join(tail))
        return "\n".join(out)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- clients --------------------------------------------------------------------------

    def run(self, *cmd, check=True, timeout=120, **kw):
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=kw.pop("env", self.env), timeout=timeout, stdin=subprocess.DEVNULL,
                           **kw)
        if check and r.returncode != 0:
            raise SlurmError(f"{' '.join(cmd)}: status {r.returncode}: {r.stderr.strip()}")
        return r

    def sbatch(self, *args):
        return self.run("sbatch", "--parsable", *args, cwd=self.path("jobs")).stdout.strip()

    def job(self, job):
        """scontrol's record of a job (an array task as JOB_TASK), {} once it is forgotten"""
        r = self.run("scontrol", "show", "job", "-o", str(job), check=False)
        return parse_record(r.stdout) if r.returncode == 0 else {}

    def jobs(self, job):
        """All records scontrol has for a job id: an array's tasks, one each"""
        r = self.run("scontrol", "show", "job", "-o", str(job), check=False)
        return [parse_record(line) for line in r.stdout.splitlines() if line.strip()]

    def jobcomp(self):
        """The job completion log (jobcomp/filetxt): one record per job end, in order"""
        try:
            with open(self.path("jobcomp.txt")) as f:
                return [parse_record(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_jobs(self, jobs, timeout=300):
        """Waits until every job (all tasks of an array) has ended; their scontrol records."""
        deadline = time.monotonic() + timeout
        while True:
            records = [r for j in jobs for r in self.jobs(j)]
            if records and all(r.get("JobState") in TERMINAL for r in records):
                return records
            if time.monotonic() > deadline:
                states = ", ".join(f"{r.get('JobId')}:{r.get('JobState')}" for r in records)
                raise SlurmError(f"jobs {jobs} still not done after {timeout} s ({states})\n"
                                 + self.logs("slurmctld"))
            time.sleep(0.5)

    def log_lines(self, name="slurmctld.log"):
        with open(self.path("log", name), errors="replace") as f:
            return f.readlines()

    # ---- tear-down ------------------------------------------------------------------------

    def marked_processes(self):
        """PIDs of processes started under this cluster (the marker is in their environment)"""
        mark = f"{MARKER}={self.root}".encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
        return found

    def stop(self):
        if self.stopped or self.root is None:
            return
        self.stopped = True
        try:
            ctld = self.procs.get("slurmctld")
            if ctld is not None and ctld.poll() is None:
                r = self.run("squeue", "-h", "-o", "%A", check=False, timeout=30)
                jobs = sorted(set(r.stdout.split()))
                if jobs:
                    self.run("scancel", *jobs, check=False, timeout=30)
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline and self.run(
                            "squeue", "-h", check=False, timeout=30).stdout.strip():
                        time.sleep(0.5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        order = [n for n in self.procs if n.startswith("slurmd")] + ["slurmctld", "munged"]
        for name in order:
            p = self.procs.get(name)
            if p is None or p.poll() is not None:
                continue
            p.terminate()
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for _ in range(3):
            left = self.marked_processes()
            if not left:
                break
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        if os.environ.get("TF_SLURM_KEEP"):
            sys.stderr.write(f"slurmlocal: kept {self.root}\n")
        else:
            shutil.rmtree(self.root, ignore_errors=True)
