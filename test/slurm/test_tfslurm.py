"""tools/tf-slurm's rules on their own, without Slurm: how Slurm's environment becomes --smp and
-m, how the work is cut into shards, and that every merge of consecutive shards gives what one
run over all the work gives (top-K ties in database order included)."""
import importlib.machinery
import importlib.util
import os
import random
import tempfile
import unittest

import tfqemu

PATH = os.path.join(tfqemu.SOURCE_DIR, "tools", "tf-slurm")
_loader = importlib.machinery.SourceFileLoader("tfslurm", PATH)
_spec = importlib.util.spec_from_loader("tfslurm", _loader)
tfs = importlib.util.module_from_spec(_spec)
_loader.exec_module(tfs)


class ResourcesTest(unittest.TestCase):
    def res(self, env, affinity=64, **kw):
        return tfs.resources(env, affinity=affinity, **kw)

    def test_cpus_per_task_and_memory_per_node(self):
        r = self.res({"SLURM_CPUS_PER_TASK": "4", "SLURM_CPUS_ON_NODE": "8",
                      "SLURM_MEM_PER_NODE": "2048"})
        self.assertEqual((r["cpus"], r["memory_mib"]), (4, 2048 - 96 - 4 * 4))

    def test_memory_per_cpu(self):
        r = self.res({"SLURM_CPUS_PER_TASK": "2", "SLURM_MEM_PER_CPU": "300"})
        self.assertEqual((r["cpus"], r["memory_mib"]), (2, 600 - 96 - 8))

    def test_cpus_on_node_shared_by_the_steps_tasks(self):
        env = {"SLURM_CPUS_ON_NODE": "6", "SLURM_STEP_TASKS_PER_NODE": "2,3(x2)",
               "SLURM_NODEID": "2", "SLURM_MEM_PER_NODE": "3000"}
        r = self.res(env)
        self.assertEqual((r["cpus"], r["memory_mib"]), (2, 1000 - 96 - 8))

    def test_batch_job_takes_the_nodes_cpus(self):
        r = self.res({"SLURM_CPUS_ON_NODE": "3", "SLURM_TASKS_PER_NODE": "1"})
        self.assertEqual((r["cpus"], r["memory_mib"]), (3, tfs.DEFAULT_GUEST_MIB))

    def test_affinity_caps_the_cpus(self):
        r = self.res({"SLURM_CPUS_PER_TASK": "8"}, affinity=2)
        self.assertEqual(r["cpus"], 2)
        self.assertIn("affinity", r["cpu_source"])

    def test_options_win(self):
        r = self.res({"SLURM_CPUS_PER_TASK": "8", "SLURM_MEM_PER_NODE": "4096"}, smp=3,
                     memory="1G")
        self.assertEqual((r["cpus"], r["memory_mib"]), (3, 1024))
        r = self.res({"SLURM_MEM_PER_NODE": "1000"}, headroom=200)
        self.assertEqual(r["memory_mib"], 800)

    def test_too_little_memory_is_refused(self):
        with self.assertRaises(tfs.Refused):
            self.res({"SLURM_CPUS_PER_TASK": "1", "SLURM_MEM_PER_NODE": "110"})

    def test_sizes_and_lists(self):
        self.assertEqual(tfs.parse_mib("2G"), 2048)
        self.assertEqual(tfs.parse_mib("512"), 512)
        self.assertEqual(tfs.expand_counts("2(x3),1"), [2, 2, 2, 1])
        self.assertEqual(tfs.job_seconds("1-02:03:04"), 93784)
        self.assertEqual(tfs.job_seconds("05:00"), 300)
        self.assertIsNone(tfs.job_seconds("UNLIMITED"))


class ShardTest(unittest.TestCase):
    def test_item_ranges_cover_the_work(self):
        for items in (0, 1, 7, 100, 1001):
            for shards in (1, 2, 3, 8, 13):
                ranges = [tfs.item_range(s, shards, items) for s in range(shards)]
                self.assertEqual(ranges[0][0], 0)
                self.assertEqual(ranges[-1][1], items)
                for (_, hi), (lo, _) in zip(ranges, ranges[1:]):
                    self.assertEqual(hi, lo)
                sizes = [hi - lo for lo, hi in ranges]
                self.assertLessEqual(max(sizes) - min(sizes), 1)

    def test_weighted_cut(self):
        rng = random.Random(1)
        for trial in range(200):
            weights = [rng.randint(1, 500) for _ in range(rng.randint(1, 40))]
            shards = rng.randint(1, 10)
            cuts = [tfs.weighted_cut(weights, s, shards) for s in range(shards)]
            self.assertEqual(cuts[0][0], 0)
            self.assertEqual(cuts[-1][1], len(weights))
            for (_, hi), (lo, _) in zip(cuts, cuts[1:]):
                self.assertEqual(hi, lo)
            if len(weights) >= shards and len(set(weights)) == 1:
                self.assertTrue(all(hi > lo for lo, hi in cuts), cuts)

    def test_fasta_slices_put_back_together_are_the_file(self):
        rng = random.Random(2)
        text = "".join(f">s{i} description {i}\n" + "\n".join(
            "".join(rng.choice("ACDEFGHIKLMNPQRSTVWY") for _ in range(rng.randint(1, 60)))
            for _ in range(rng.randint(1, 4))) + "\n" for i in range(37))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "db.fa")
            with open(path, "w") as f:
                f.write(text)
            plan = {"shards": 5, "split_fasta": path}
            pieces, offset = [], 0
            for s in range(5):
                work = tfs.make_slice(plan, s, d)
                self.assertEqual(work["offset"], offset)
                offset += work["count"]
                with open(work["slice"]) as f:
                    piece = f.read()
                self.assertEqual(piece.count(">"), work["count"])
                pieces.append(piece)
            self.assertEqual(offset, 37)
            self.assertEqual("".join(pieces), text)

    def test_placeholders(self):
        self.assertEqual(tfs.fill("{lo}-{hi}", {"lo": 1, "hi": 2}), "1-2")
        self.assertEqual(tfs.fill("{{literal}}", {}), "{literal}")
        with self.assertRaises(tfs.Refused):
            tfs.fill("{nope}", {"lo": 1})


def sw_table(queries, subjects, scores, k, db_size):
    """A swsearch-style table: each query's best k subjects, ties in database order."""
    lines = [f"# swsearch matrix=BLOSUM62 gapopen=11 gapextend=1 max_hits={k or 'all'} "
             f"queries={len(queries)} subjects={db_size} columns=query,subject,score,"
             "query_length,subject_length\n"]
    for q in queries:
        hits = sorted(subjects, key=lambda s: (-scores[q, s], s))
        for s in hits[:k] if k else hits:
            lines.append(f"q{q}\ts{s}\t{scores[q, s]}\t{10 + q}\t{20 + s}\n")
    return "".join(lines)


class MergeTest(unittest.TestCase):
    def test_concat_and_sum(self):
        self.assertEqual(tfs.merge_texts("concat", ["a\n", "b\nc\n"]), "a\nb\nc\n")
        self.assertEqual(tfs.merge_texts("sum", ["primes 4\nn=2\n", "primes 5\nn=3\n"]),
                         "primes 9\nn=5\n")
        with self.assertRaises(tfs.Refused):
            tfs.merge_texts("sum", ["no number here\n"])
        with self.assertRaises(tfs.Refused):
            tfs.merge_texts("nosuchmerge", [])

    def test_swsearch_slices_merge_to_the_whole_search(self):
        rng = random.Random(3)
        for trial in range(100):
            nq, ns = rng.randint(1, 5), rng.randint(1, 30)
            k = rng.choice([None, 1, 3, 10])
            scores = {(q, s): rng.randint(0, 6) for q in range(nq) for s in range(ns)}  # ties
            whole = sw_table(range(nq), range(ns), scores, k, ns)
            shards = rng.randint(1, min(ns, 6))
            texts = []
            for sh in range(shards):
                lo, hi = tfs.item_range(sh, shards, ns)
                texts.append(sw_table(range(nq), range(lo, hi), scores, k, hi - lo))
            self.assertEqual(tfs.merge_texts("swsearch", texts), whole, (trial, k, shards))

    def test_generic_topk(self):
        a = "x\tA\t5\nx\tB\t3\ny\tC\t1\n"
        b = "x\tD\t5\ny\tE\t2\nz\tF\t9\n"
        self.assertEqual(tfs.merge_texts("topk:2", [a, b]),
                         "x\tA\t5\nx\tD\t5\ny\tE\t2\ny\tC\t1\nz\tF\t9\n")

    def test_key_order_agrees_with_every_shard(self):
        self.assertEqual(tfs.ordered_union([["a", "c"], ["b", "c", "d"], ["a", "b", "d"]]),
                         ["a", "b", "c", "d"])

    def test_swsearch_shards_that_searched_differently_are_refused(self):
        a = "# swsearch matrix=BLOSUM62 max_hits=10 queries=1 subjects=3 columns=x\n"
        b = "# swsearch matrix=PAM250 max_hits=10 queries=1 subjects=3 columns=x\n"
        with self.assertRaises(tfs.Refused):
            tfs.merge_texts("swsearch", [a, b])


class MeaningTest(unittest.TestCase):
    def test_statuses(self):
        self.assertEqual(tfs.meaning(0), "success")
        self.assertEqual(tfs.meaning(7), "the guest exited with 7")
        self.assertIn("exception 14 (page fault)", tfs.meaning(110))
        self.assertIn("--guest-timeout", tfs.meaning(124))
        self.assertIn("killed by SIGKILL from outside", tfs.meaning(137))
        self.assertIn("from Slurm", tfs.meaning(143, signalled_us=True))


if __name__ == "__main__":
    tfqemu.main()
