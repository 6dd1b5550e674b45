"""Task-farm tests in the guest: results, placement order, a million tiny tasks, concurrent malloc,
faulting tasks.

Accelerator: KVM when usable. These tests are compute at CPL3 (tasks, the scheduler, its atomics),
which runs natively there, and they cover the park/wake system calls on the hypervisor users run;
the image boots without firmware (microvm), so boot time is small either way. TCG otherwise."""
import re
import sys
import unittest

import tfqemu
from tfqemu import boot, image

TOPOLOGIES = ((1, 2, 2), (2, 2, 2))


def cpu_index(topology, s, c, t):
    """QEMU numbers APIC IDs socket-major, the runtime numbers CPUs by APIC ID."""
    _, cores, threads = topology
    return (s * cores + c) * threads + t


def expected_placement(topology, policy):
    """The workers in the order tf_submit hands out tasks (CPU 0 runs main). siblings: the BSP's
    own SMT siblings, then every thread of the next core, and so on. spread: one thread of every
    core first, then the next threads, the BSP's core last in every round (its first thread is
    busy with main)."""
    sockets, cores, threads = topology
    order = []
    if policy == "siblings":
        for s in range(sockets):
            for c in range(cores):
                for t in range(threads):
                    order.append(cpu_index(topology, s, c, t))
    else:
        cores_in_order = [(s, c) for s in range(sockets) for c in range(cores)]
        cores_in_order = cores_in_order[1:] + cores_in_order[:1]  # the BSP's core last
        for t in range(threads):
            for s, c in cores_in_order:
                order.append(cpu_index(topology, s, c, t))
    return [cpu for cpu in order if cpu != 0]


class FarmTest(unittest.TestCase):
    def run_farm(self, topology, *args, timeout=180):
        s, c, t = topology
        b = boot(image("test", "images", "farm"), *args, timeout=timeout,
                 tf_run_args=["--smp", str(s * c * t), "--sockets", str(s), "--cores", str(c),
                              "--threads", str(t), "-m", "256M"])
        self.assertEqual(b.code, 0, b)
        self.assertIn("farm: ok", b.output)
        return b

    def test_results(self):
        for topo in TOPOLOGIES:
            with self.subTest(topo):
                b = self.run_farm(topo, "results", "20000")
                self.assertIn("farm: 20000 results checked", b.output)

    def test_placement(self):
        for topo in TOPOLOGIES:
            for policy in ("siblings", "spread"):
                with self.subTest(f"{topo} {policy}"):
                    b = self.run_farm(topo, "placement", f"tf.place={policy}")
                    got = [int(m.group(2)) for m in
                           re.finditer(r"farm: task (\d+) on cpu (-?\d+)", b.output)]
                    self.assertEqual(got, expected_placement(topo, policy), b)

    def test_malloc_from_every_cpu(self):
        """newlib's malloc must lock: every CPU allocates and frees at once"""
        b = self.run_farm((2, 2, 2), "malloc", "20000")
        self.assertIn("farm: 20000 malloc tasks checked", b.output)

    def test_million_tiny_tasks(self):
        """The guest's lifetime limit comes from this machine's own rate, measured on a run of
        a twentieth of the tasks, with a wide margin: a fixed limit would be a throughput
        threshold that a loaded machine fails"""
        topo, probe = (2, 2, 2), 50000
        b = self.run_farm(topo, "tiny", str(probe), timeout=300)
        m = re.search(rf"farm: {probe} tiny tasks in (\d+) ms", b.output)
        self.assertIsNotNone(m, b)
        per_task_s = max(int(m.group(1)), 1) / 1000 / probe
        limit = int(b.seconds + 20 * per_task_s * 1000000) + 120  # boot + 20 x the rate
        b = self.run_farm(topo, "tiny", "1000000", timeout=limit)
        self.assertIn("farm: 1000000 tiny tasks in", b.output)

    def test_faulting_tasks_are_contained(self):
        for topo in TOPOLOGIES:
            with self.subTest(topo):
                b = self.run_farm(topo, "faults")
                self.assertIn("farm: divide: task faulted: #DE", b.output)
                self.assertIn("farm: unmapped: task faulted: #PF", b.output)
                self.assertIn("farm: invalid-opcode: task faulted: #UD", b.output)
                self.assertIn("farm: overflow: task faulted: #PF", b.output)
                # inside free, holding the malloc lock: malloc still works afterwards
                self.assertIn("farm: free-bad-pointer: task faulted: #PF", b.output)
                self.assertIn("malloc tasks checked", b.output)
                self.assertNotIn("*** CPU exception", b.output)

    def test_parallel_for_covers_the_range_once(self):
        """tf_parallel_for with very uneven chunk costs: every index once, the exact sum"""
        for topo in TOPOLOGIES:
            with self.subTest(topo):
                b = self.run_farm(topo, "range", "300000")
                self.assertRegex(b.output, r"farm: range of 300000 checked, chunks on \d+ CPUs")

    def test_floating_point_environment_per_task(self):
        """A task that unmasks exceptions or changes rounding leaves the next task unharmed, and
        main's environment survives the tasks the bootstrap CPU runs while it waits"""
        for topo in ((1, 1, 1),) + TOPOLOGIES:  # one CPU: every task runs inside tf_wait_all
            with self.subTest(topo):
                b = self.run_farm(topo, "fpenv")
                m = re.search(r"farm: (\d+) fpenv tasks checked, (\d+) on the bootstrap CPU",
                              b.output)
                self.assertIsNotNone(m, b)
                if topo == (1, 1, 1):
                    self.assertEqual(m.group(1), m.group(2), b)


if __name__ == "__main__":
    tfqemu.main()
