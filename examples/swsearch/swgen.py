#!/usr/bin/python3
"""swgen: deterministic protein FASTA for swsearch's tests and benchmark.

Residues are drawn with the amino-acid composition of UniProtKB/Swiss-Prot (release statistics,
percent), so that scores behave as on real proteins; the same seed always gives the same file.

  swgen.py --seed 1 --residues 20000000 > db.fa          # Swiss-Prot-like lengths
  swgen.py --seed 2 --lengths 50,100,500,5000 --prefix q > queries.fa
"""
import argparse
import math
import random
import sys

COMPOSITION = {  # percent of residues in Swiss-Prot
    "A": 8.25, "R": 5.53, "N": 4.06, "D": 5.45, "C": 1.37, "Q": 3.93, "E": 6.75, "G": 7.07,
    "H": 2.27, "I": 5.96, "L": 9.66, "K": 5.84, "M": 2.42, "F": 3.86, "P": 4.70, "S": 6.56,
    "T": 5.34, "W": 1.08, "Y": 2.92, "V": 6.87,
}
_LETTERS = list(COMPOSITION)
_CUMULATIVE = []
for _p in COMPOSITION.values():
    _CUMULATIVE.append((_CUMULATIVE[-1] if _CUMULATIVE else 0) + _p)


def protein(rng, n):
    """n residues with Swiss-Prot's composition"""
    return "".join(rng.choices(_LETTERS, cum_weights=_CUMULATIVE, k=n))


def swissprot_length(rng, longest=5000):
    """a length distributed roughly as Swiss-Prot's (log-normal, median about 300)"""
    return max(1, min(longest, int(math.exp(rng.gauss(5.7, 0.65)))))


def spread_lengths(rng, n, shortest=1, longest=5000):
    """n lengths spread log-uniformly over [shortest, longest], both ends included"""
    out = [shortest, longest]
    while len(out) < n:
        out.append(int(round(math.exp(rng.uniform(math.log(shortest), math.log(longest))))))
    return out[:n]


def write_fasta(f, records, width=60):
    for name, seq in records:
        f.write(f">{name}\n")
        for i in range(0, len(seq), width):
            f.write(seq[i:i + width] + "\n")


def database(rng, residues, prefix="s", longest=5000):
    """(name, sequence) records of Swiss-Prot-like lengths until `residues` are reached"""
    total, i = 0, 0
    while total < residues:
        n = min(swissprot_length(rng, longest), residues - total)
        yield f"{prefix}{i}", protein(rng, n)
        total += n
        i += 1


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--residues", type=int, help="Swiss-Prot-like lengths up to this total")
    p.add_argument("--lengths", help="comma-separated lengths, one sequence each")
    p.add_argument("--prefix", default="s", help="sequence names: PREFIX0, PREFIX1, ...")
    a = p.parse_args(argv)
    rng = random.Random(a.seed)
    if a.lengths:
        recs = ((f"{a.prefix}{i}", protein(rng, int(n))) for i, n in
                enumerate(a.lengths.split(",")))
    elif a.residues:
        recs = database(rng, a.residues, a.prefix)
    else:
        p.error("--residues or --lengths")
    write_fasta(sys.stdout, recs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
