"""Helpers for the swsearch peer tests: the programs (swsearch-linux, parasail_aligner,
ssearch36), their outputs parsed into scores, and the peer data (Debian's EMBOSS test files, and
sequences generated deterministically).

Gap conventions: swsearch charges open + k * extend for a gap of k residues (as BLAST and
ssearch36 do); parasail charges open + (k - 1) * extend. So swsearch's (G, E) is parasail's
(G + E, E) and ssearch36's (-f G -g E)."""
import os
import random
import re
import subprocess
import sys
import tempfile

SOURCE_DIR = os.environ.get("TF_SOURCE_DIR",
                            os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BUILD_DIR = os.environ.get("TF_BUILD_DIR", os.path.join(SOURCE_DIR, "build"))
SWSEARCH = os.path.join(BUILD_DIR, "examples", "swsearch", "swsearch-linux")
MATRICES = os.path.join(SOURCE_DIR, "examples", "swsearch", "matrices")
sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "swsearch"))
import swgen  # noqa: E402

GLOBINS = "/usr/share/EMBOSS/test/data/hmm/globins630.fa"  # emboss-test
SWISSPROT = "/usr/share/EMBOSS/test/swiss/seq.dat"         # emboss-test, Swiss-Prot format
PARASAIL = "/usr/bin/parasail_aligner"                      # parasail
SSEARCH = "/usr/bin/ssearch36"                               # fasta3
# parasail's names for the matrices swsearch ships
PARASAIL_MATRIX = {"BLOSUM45": "blosum45", "BLOSUM50": "blosum50", "BLOSUM62": "blosum62",
                   "BLOSUM80": "blosum80", "PAM250": "pam250"}
THREADS = str(min(os.cpu_count() or 1, 4))
SSEARCH_CAP = 65535


def require(*paths):
    """The peer tools and data are installed by tools/setup: a missing one is a failure."""
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise AssertionError("missing (tools/setup installs them): " + ", ".join(missing))


def read_fasta(path):
    recs, name, seq = [], None, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith(">"):
                if name is not None:
                    recs.append((name, "".join(seq)))
                name, seq = line[1:].split()[0], []
            elif line.strip():
                seq.append("".join(line.split()))
    if name is not None:
        recs.append((name, "".join(seq)))
    return recs


def write_fasta(path, recs):
    with open(path, "w") as f:
        swgen.write_fasta(f, recs)
    return path


def swissprot_records(path=SWISSPROT):
    """(ID, sequence) of every entry of a Swiss-Prot flat file"""
    recs, name, seq, in_seq = [], None, [], False
    with open(path) as f:
        for line in f:
            if line.startswith("ID   "):
                name, seq, in_seq = line.split()[1], [], False
            elif line.startswith("SQ   "):
                in_seq = True
            elif line.startswith("//"):
                recs.append((name, "".join(seq)))
                in_seq = False
            elif in_seq:
                seq.append("".join(line.split()))
    return recs


def generated(tmp):
    """Deterministic queries and database: lengths 1 to 5000 with Swiss-Prot's composition, one
    35,000-residue sequence (in both), an all-X sequence, length-1 sequences and identical pairs
    (queries copied into the database, one of them in lower case)."""
    rng = random.Random(20240611)
    db = [(f"d{i}", swgen.protein(rng, n)) for i, n in enumerate(swgen.spread_lengths(rng, 260))]
    giant = swgen.protein(rng, 35000)
    queries = [(f"q{i}", swgen.protein(rng, n))
               for i, n in enumerate(swgen.spread_lengths(rng, 14, 1, 5000))]
    queries += [("q_giant", giant), ("q_allx", "X" * 300), ("q_one", "W")]
    db += [("d_giant", giant), ("d_allx", "X" * 800), ("d_one", "W"), ("d_one_c", "C")]
    db += [("d_copy_" + q[0], q[1].lower() if i % 2 else q[1])
           for i, q in enumerate(queries[2:8])]
    return write_fasta(os.path.join(tmp, "gen_q.fa"), queries), \
        write_fasta(os.path.join(tmp, "gen_db.fa"), db)


def parasail_input(path, tmp, matrix_letters):
    """The FASTA file for parasail with letters the matrix lacks turned into X, which is what
    swsearch scores them as (parasail would take its last symbol)."""
    keep = set(matrix_letters) | {c.lower() for c in matrix_letters}
    recs = [(n, "".join(c if c in keep else "X" for c in s)) for n, s in read_fasta(path)]
    return write_fasta(os.path.join(tmp, "parasail_" + os.path.basename(path)), recs)


def matrix_letters(name):
    with open(os.path.join(MATRICES, name)) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                return line.split()
    raise AssertionError(f"{name}: no column letters")


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}): {r.stderr[-2000:]}")
    return r.stdout


def swsearch(queries, db, matrix="BLOSUM62", gap_open=11, gap_extend=1, hits=None, extra=()):
    """swsearch-linux's table: the header and the rows as (query, subject, score, qlen, slen)"""
    require(SWSEARCH)
    cmd = [SWSEARCH, "-q", queries, "-d", db, "--matrix", matrix, "--gapopen", str(gap_open),
           "--gapextend", str(gap_extend), *(["--max-hits", str(hits)] if hits else ["--all"]),
           *extra]
    lines = run(cmd).splitlines()
    assert lines[0].startswith("# swsearch "), lines[0]
    rows = []
    for line in lines[1:]:
        q, s, score, ql, sl = line.split("\t")
        rows.append((q, s, int(score), int(ql), int(sl)))
    return lines[0], rows


def parasail(queries, db, matrix, gap_open, gap_extend):
    """{(query index, subject index): score} from parasail_aligner's exact 32-bit scan
    Smith-Waterman, every pair (-x: no suffix-array filter). Its standard input is closed:
    otherwise it reads sequences from there too. (Not the striped kernel: parasail 2.6's
    sw_striped_32 scores some pairs too low when open equals extend, e.g. 235 instead of 238 for
    BAHG_VITSP against MYG_PAPAN with parasail's open 1, extend 1, where its scan and scalar
    kernels agree with swsearch.)"""
    require(PARASAIL)
    with tempfile.NamedTemporaryFile(suffix=".csv") as out:
        subprocess.run([PARASAIL, "-x", "-a", "sw_scan_32", "-t", THREADS, "-m", matrix,
                        "-o", str(gap_open), "-e", str(gap_extend), "-q", queries, "-f", db,
                        "-g", out.name], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True, close_fds=True,
                       preexec_fn=lambda: os.close(0))
        scores = {}
        with open(out.name) as f:
            for line in f:
                fields = line.split(",")
                scores[int(fields[0]), int(fields[1])] = int(fields[4])
    return scores


_QUERY = re.compile(r"^\s*\d+>>>(\S+)")
_HIT = re.compile(r"^\s*(\S+).*\(\s*\d+\)\s+(-?\d+)\s*$")


def ssearch(queries, db, matrix_file, gap_open, gap_extend, hits):
    """{query: [(subject, score), ...]} from ssearch36's list of best scores (Smith-Waterman,
    no statistics so that the list is in score order, -b =K forcing K entries). ssearch36's
    vector kernel stops at 65535 (SSEARCH_CAP): higher scores are listed as that."""
    require(SSEARCH)
    out = run([SSEARCH, "-q", "-p", "-s", matrix_file, "-f", str(-gap_open), "-g",
               str(-gap_extend), "-z", "-1", "-d", "0", "-H", "-b", f"={hits}", "-T", THREADS,
               queries, db], stdin=subprocess.DEVNULL)
    result, query, listing = {}, None, False
    for line in out.splitlines():
        m = _QUERY.match(line)
        if m:
            query, listing = m.group(1), False
            result[query] = []
        elif line.startswith("The best scores are:"):
            listing = True
        elif listing and not line.strip():
            listing = False
        elif listing:
            h = _HIT.match(line)
            assert h, f"unexpected ssearch36 line: {line!r}"
            result[query].append((h.group(1), int(h.group(2))))
    return result
