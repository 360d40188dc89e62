"""Extract WordNet 3.0's medical noun synsets into a knowledge-base JSONL and a train/held-out split.

Reads the Debian `wordnet-base` database (/usr/share/wordnet, WordNet 3.0 licence: permissive; the notice is kept in
kb/wordnet/LICENSE-WordNet). Medical = the hyponym closure of a few medical roots (diseases, symptoms, disorders,
injuries, drugs, body parts, organs, medical procedures) plus every synset whose topic domain is medicine, with plant
diseases and the food/animal/plant lexicographer files (liquors, animal anatomy) left out. Each synset is one passage: title = its first lemma, text = its gloss.

Writes (next to this script):
  medical.jsonl        {id, title, text, source}            the knowledge-base source (all medical synsets)
  train-pairs.jsonl    {query, text}                        lemma/synonym <-> "title: gloss" pairs of the train split
  heldout-queries.jsonl {query, target, kind, split}        held-out lemma/synonym queries and the passage id they seek;
                                                            split "dev" (for tuning search) or "test" (for reporting)
Usage: /usr/bin/python3 kb/wordnet/extract.py [--wordnet /usr/share/wordnet]
"""
import argparse
import hashlib
import json
import os
import re
import sys

# (lemma, sense number in index.noun order) of each root; checked against its gloss below.
ROOTS = [
    ("disease", 1), ("symptom", 1), ("disorder", 1), ("pathology", 1), ("tumor", 1), ("infection", 1),
    ("abnormality", 1), ("injury", 1), ("drug", 1), ("medicine", 2), ("body_part", 1), ("organ", 1),
    ("medical_procedure", 1), ("diagnostic_procedure", 1), ("illness", 1), ("syndrome", 2),
]
TOPIC_DOMAINS = [("medicine", 1), ("pathology", 2)]  # synsets whose ;c (topic domain) points here are medical too
EXCLUDE_ROOTS = [("plant_disease", 1)]
# Not clinical: the drug and body-part closures also reach liquors and foods, animal anatomy (wing cases, wishbones)
# and plants; those lexicographer files are left out.
EXCLUDE_LEXFILES = {"noun.food", "noun.animal", "noun.plant"}
HELDOUT_PERCENT = 20


def read_index(wn):
    senses = {}
    with open(os.path.join(wn, "index.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            p = line.split()
            lemma, synset_cnt, p_cnt = p[0], int(p[2]), int(p[3])
            offsets = p[4 + p_cnt + 2:]
            senses[lemma] = offsets[:synset_cnt]
    return senses


def read_data(wn):
    synsets = {}
    with open(os.path.join(wn, "data.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(" "):
                continue
            head, _, gloss = line.partition(" | ")
            p = head.split()
            offset, lexfile, w_cnt = p[0], int(p[1]), int(p[3], 16)
            words = [p[4 + 2 * i] for i in range(w_cnt)]
            i = 4 + 2 * w_cnt
            ptr_cnt = int(p[i])
            ptrs = []
            for j in range(ptr_cnt):
                sym, target, pos = p[i + 1 + 4 * j], p[i + 2 + 4 * j], p[i + 3 + 4 * j]
                if pos == "n":
                    ptrs.append((sym, target))
            synsets[offset] = {"lexfile": lexfile, "words": words, "ptrs": ptrs, "gloss": gloss.strip()}
    return synsets


LEXNAMES = {3: "noun.Tops", 4: "noun.act", 5: "noun.animal", 6: "noun.artifact", 7: "noun.attribute", 8: "noun.body",
            9: "noun.cognition", 10: "noun.communication", 11: "noun.event", 12: "noun.feeling", 13: "noun.food",
            14: "noun.group", 15: "noun.location", 16: "noun.motive", 17: "noun.object", 18: "noun.person",
            19: "noun.phenomenon", 20: "noun.plant", 21: "noun.possession", 22: "noun.process", 23: "noun.quantity",
            24: "noun.relation", 25: "noun.shape", 26: "noun.state", 27: "noun.substance", 28: "noun.time"}


def closure(synsets, root):
    seen, stack = set(), [root]
    while stack:
        s = stack.pop()
        if s in seen:
            continue
        seen.add(s)
        stack.extend(t for sym, t in synsets[s]["ptrs"] if sym in ("~", "~i"))
    return seen


def clean(word):
    # adjective lemmas may carry a syntactic marker such as "(a)" or "(p)"
    return re.sub(r"\([a-z]+\)$", "", word).replace("_", " ")


def is_heldout(offset):
    return int(hashlib.sha256(offset.encode()).hexdigest(), 16) % 100 < HELDOUT_PERCENT


def heldout_split(offset):
    """Half the held-out synsets tune the search (fusion weights), the other half report its quality."""
    return "dev" if int(hashlib.sha256(f"dev:{offset}".encode()).hexdigest(), 16) % 2 == 0 else "test"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args()
    if not os.path.exists(os.path.join(args.wordnet, "data.noun")):
        sys.exit(f"WordNet not found at {args.wordnet}: install Debian wordnet-base (apt-get install wordnet-base)")
    senses, synsets = read_index(args.wordnet), read_data(args.wordnet)

    def root(lemma, n):
        return senses[lemma][n - 1]

    medical = set()
    for lemma, n in ROOTS:
        r = root(lemma, n)
        print(f"root {lemma}.{n}: {synsets[r]['gloss'][:70]}", file=sys.stderr)
        medical |= closure(synsets, r)
    domains = {root(lemma, n) for lemma, n in TOPIC_DOMAINS}
    for off, s in synsets.items():
        if any(sym == ";c" and t in domains for sym, t in s["ptrs"]):
            medical.add(off)
    for lemma, n in EXCLUDE_ROOTS:
        medical -= closure(synsets, root(lemma, n))

    medical = {off for off in medical if LEXNAMES[synsets[off]["lexfile"]] not in EXCLUDE_LEXFILES}
    passages, pairs, queries = [], [], []
    for off in sorted(medical):
        s = synsets[off]
        words = [clean(w) for w in s["words"]]
        pid = f"wn:{off}-n"
        title = words[0]
        passages.append({"id": pid, "title": title, "text": s["gloss"], "source": f"wordnet:{LEXNAMES[s['lexfile']]}"})
        doc = f"{title}: {s['gloss']}"
        seen = set()
        for i, w in enumerate(words):
            if w.lower() in seen:
                continue
            seen.add(w.lower())
            if is_heldout(off):
                queries.append({"query": w, "target": pid, "kind": "lemma" if i == 0 else "synonym",
                                "split": heldout_split(off)})
            else:
                pairs.append({"query": w, "text": doc})
    write_jsonl(os.path.join(args.out, "medical.jsonl"), passages)
    write_jsonl(os.path.join(args.out, "train-pairs.jsonl"), pairs)
    write_jsonl(os.path.join(args.out, "heldout-queries.jsonl"), queries)
    heldout = sum(1 for p in passages if is_heldout(p["id"][3:11]))
    print(f"{len(passages)} medical synsets ({len(passages) - heldout} train, {heldout} held out); "
          f"{len(pairs)} train pairs; {len(queries)} held-out queries", file=sys.stderr)


def general_pairs(wn, exclude, groups=None):
    """(lemma, "lemma: gloss") for every WordNet synset of any part of speech outside `exclude` (ids like
    "wn:00012345-n"): broad word knowledge for the encoder, with no held-out medical synset in it. If `groups` is a
    list, each pair's lexicographer file number (with its part of speech) is appended to it."""
    pairs = []
    for pos in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(wn, f"data.{pos}"), encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                head, _, gloss = line.partition(" | ")
                p = head.split()
                if f"wn:{p[0]}-{p[2]}" in exclude:
                    continue
                words = [clean(p[4 + 2 * i]) for i in range(int(p[3], 16))]
                doc = f"{words[0]}: {gloss.strip()}"
                new = [(w, doc) for w in dict.fromkeys(words)]
                pairs.extend(new)
                if groups is not None:
                    groups.extend([f"{pos}.{p[1]}"] * len(new))
    return pairs


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
