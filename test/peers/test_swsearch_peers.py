"""swsearch-linux against independent Smith-Waterman implementations on real and generated
proteins.

- parasail_aligner (exact 32-bit striped kernel, every pair): every score of every pair equals
  swsearch's, with each shipped matrix under parasail's own copy of it (which checks the matrix
  files too) and several gap penalties mapped to parasail's convention (G + E, E).
- ssearch36 (FASTA package): the best hits of each query agree: the same scores in the same order,
  the same subjects (ties at the last place may be other subjects of the same score).
- The gap mapping itself: swsearch (G, E) = parasail (G + E, E) = ssearch36 (-f G -g E), and
  parasail (G, E) differs, so a wrong mapping could not pass.

Data: globins630.fa and the Swiss-Prot entries of emboss-test, and generated sequences
(swpeers.generated). The peer tools and data must be installed (tools/setup does): a missing one
fails the test."""
import os
import sys
import tempfile
import unittest

import swpeers as P


def index_of(path):
    names = [n for n, _ in P.read_fasta(path)]
    assert len(set(names)) == len(names), f"{path}: duplicate identifiers"
    return {n: i for i, n in enumerate(names)}


class PeerCase(unittest.TestCase):
    def setUp(self):
        self.tmpdir = tempfile.TemporaryDirectory()
        self.tmp = self.tmpdir.name

    def tearDown(self):
        self.tmpdir.cleanup()

    def assert_parasail_agrees(self, queries, db, matrix="BLOSUM62", gap_open=11, gap_extend=1):
        """every pair: swsearch's score is parasail's"""
        _, rows = P.swsearch(queries, db, matrix, gap_open, gap_extend)
        letters = P.matrix_letters(matrix)
        theirs = P.parasail(P.parasail_input(queries, self.tmp, letters),
                            P.parasail_input(db, self.tmp, letters), P.PARASAIL_MATRIX[matrix],
                            gap_open + gap_extend, gap_extend)
        qi, di = index_of(queries), index_of(db)
        self.assertEqual(len(rows), len(qi) * len(di))
        self.assertEqual(len(theirs), len(rows))
        wrong = [(q, s, score, theirs[qi[q], di[s]]) for q, s, score, _, _ in rows
                 if theirs[qi[q], di[s]] != score]
        self.assertEqual(wrong[:10], [], f"{len(wrong)} pairs differ ({matrix} "
                         f"{gap_open}/{gap_extend}): (query, subject, ours, parasail)")
        return rows

    def assert_ssearch_agrees(self, queries, db, matrix="BLOSUM62", gap_open=11, gap_extend=1,
                              hits=10):
        """best hits: the same scores in order, the same subjects above the last score"""
        header, rows = P.swsearch(queries, db, matrix, gap_open, gap_extend, hits=hits)
        self.assertIn(f"max_hits={hits}", header)
        ours = {}
        for q, s, score, _, _ in rows:
            ours.setdefault(q, []).append((s, min(score, P.SSEARCH_CAP)))
        theirs = P.ssearch(queries, db, os.path.join(P.MATRICES, matrix), gap_open, gap_extend,
                           hits)
        self.assertEqual(sorted(theirs), sorted(ours))
        for q in ours:
            a, b = ours[q], theirs[q]
            self.assertEqual([s for _, s in a], [s for _, s in b], f"scores of {q}")
            last = a[-1][1]
            self.assertEqual({n for n, s in a if s > last}, {n for n, s in b if s > last},
                             f"hits of {q}")
        return ours


class ParasailGlobins(PeerCase):
    """globins630.fa: 630 globins (lower-case stretches, X) against themselves"""

    def test_every_pair_blosum62(self):
        P.require(P.GLOBINS)
        rows = self.assert_parasail_agrees(P.GLOBINS, P.GLOBINS)
        self.assertGreater(len({r[2] for r in rows}), 100)  # a real spread of scores

    def test_every_matrix_and_other_gaps(self):
        P.require(P.GLOBINS)
        queries = P.write_fasta(os.path.join(self.tmp, "q.fa"), P.read_fasta(P.GLOBINS)[::15])
        for matrix, g, e in [("BLOSUM45", 15, 2), ("BLOSUM50", 13, 2), ("BLOSUM80", 10, 1),
                             ("PAM250", 14, 2), ("BLOSUM62", 0, 1), ("BLOSUM62", 5, 3),
                             ("BLOSUM62", 40, 0)]:
            with self.subTest(matrix=matrix, gap_open=g, gap_extend=e):
                self.assert_parasail_agrees(queries, P.GLOBINS, matrix, g, e)


class ParasailSwissProt(PeerCase):
    """the Swiss-Prot entries of emboss-test (up to 3148 residues, a Z) against themselves"""

    def test_every_pair(self):
        P.require(P.SWISSPROT)
        fa = P.write_fasta(os.path.join(self.tmp, "swiss.fa"), P.swissprot_records())
        self.assertEqual(len(P.read_fasta(fa)), 100)
        self.assert_parasail_agrees(fa, fa)
        self.assert_parasail_agrees(fa, fa, "PAM250", 10, 2)


class ParasailGenerated(PeerCase):
    """generated: lengths 1 to 5000, a 35,000-residue sequence against itself (beyond 16 bits),
    all X, length 1, identical pairs"""

    def test_every_pair(self):
        q, db = P.generated(self.tmp)
        rows = self.assert_parasail_agrees(q, db)
        score = {(r[0], r[1]): r[2] for r in rows}
        self.assertGreater(score["q_giant", "d_giant"], 32767)  # scored by the 32-bit path
        self.assertGreater(score["q_giant", "d_giant"], 100000)
        self.assertEqual(score["q_allx", "d_allx"], 0)
        self.assertEqual(score["q_one", "d_one"], 11)
        self.assertEqual(score["q_one", "d_one_c"], 0)


class GapConvention(PeerCase):
    """swsearch (G, E) is parasail (G + E, E) and ssearch36 (-f G -g E)"""

    def test_mapping(self):
        P.require(P.GLOBINS)
        recs = P.read_fasta(P.GLOBINS)
        q = P.write_fasta(os.path.join(self.tmp, "q.fa"), recs[:12])
        db = P.write_fasta(os.path.join(self.tmp, "db.fa"), recs[:200])
        g, e = 3, 2
        _, rows = P.swsearch(q, db, "BLOSUM62", g, e)
        ours = {(r[0], r[1]): r[2] for r in rows}
        qi, di = index_of(q), index_of(db)
        mapped = P.parasail(q, db, "blosum62", g + e, e)
        unmapped = P.parasail(q, db, "blosum62", g, e)
        self.assertTrue(all(mapped[qi[a], di[b]] == s for (a, b), s in ours.items()))
        differ = sum(unmapped[qi[a], di[b]] != s for (a, b), s in ours.items())
        self.assertGreater(differ, len(ours) // 10)  # the gaps matter in these pairs
        theirs = P.ssearch(q, db, os.path.join(P.MATRICES, "BLOSUM62"), g, e, 20)
        for a, hits in theirs.items():
            for b, s in hits:
                self.assertEqual(ours[a, b], s, f"{a} {b}")


class Ssearch36Hits(PeerCase):
    def test_globins(self):
        P.require(P.GLOBINS)
        q = P.write_fasta(os.path.join(self.tmp, "q.fa"), P.read_fasta(P.GLOBINS)[::20])
        self.assert_ssearch_agrees(q, P.GLOBINS)
        self.assert_ssearch_agrees(q, P.GLOBINS, "BLOSUM50", 10, 2, hits=25)
        self.assert_ssearch_agrees(q, P.GLOBINS, "PAM250", 12, 3, hits=5)

    def test_swissprot(self):
        P.require(P.SWISSPROT)
        fa = P.write_fasta(os.path.join(self.tmp, "swiss.fa"), P.swissprot_records())
        self.assert_ssearch_agrees(fa, fa)
        self.assert_ssearch_agrees(fa, fa, "BLOSUM80", 10, 1, hits=3)

    def test_generated(self):
        q, db = P.generated(self.tmp)
        self.assert_ssearch_agrees(q, db, hits=8)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[1:]])
