"""Train the WordNet knowledge base's text encoder (committed at models/encoders/wordnet-med/).

Training pairs: every WordNet 3.0 synset (all parts of speech) except the held-out medical ones, as
lemma/synonym <-> "first lemma: gloss" (~205k pairs), in batches drawn from one lexicographer file each (harder
negatives). The held-out medical synsets (extract.py's split) are never seen, so the held-out queries measure
generalisation. One CPU core: about 5 minutes (6 epochs) on an idle core.
Usage, from the repository root: OMP_NUM_THREADS=1 /usr/bin/python3 -m kb.wordnet.train_encoder [--out models/encoders/wordnet-med]
"""
import argparse
import json
import os

from kb.wordnet.extract import general_pairs
from models.encoders.train_text_encoder import train_text_encoder

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wordnet", default="/usr/share/wordnet")
    ap.add_argument("--out", default=os.path.join(ROOT, "models", "encoders", "wordnet-med"))
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--vocab-size", type=int, default=16000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-word-freq", type=int, default=2)
    ap.add_argument("--whole-word-share", type=float, default=0.5)
    ap.add_argument("--batches", choices=["grouped", "random"], default="grouped",
                    help="grouped: each batch from one lexicographer file, so in-batch negatives are related (harder)")
    args = ap.parse_args()
    with open(os.path.join(HERE, "heldout-queries.jsonl"), encoding="utf-8") as f:
        heldout = {json.loads(line)["target"] for line in f}
    groups = [] if args.batches == "grouped" else None
    pairs = general_pairs(args.wordnet, heldout, groups)
    train_text_encoder(pairs, args.out, args.seed, encoder_id="wordnet-med-bag", version="1", dim=args.dim,
                       vocab_size=args.vocab_size, epochs=args.epochs,
                       min_word_freq=args.min_word_freq, whole_word_share=args.whole_word_share, groups=groups,
                       description="WordPiece bag-of-embeddings encoder trained on WordNet 3.0 lemma/synonym <-> "
                                   "gloss pairs, held-out medical synsets excluded (kb/wordnet/train_encoder.py)")


if __name__ == "__main__":
    main()
