"""A small WordPiece tokenizer: built from a corpus, applied in Python for training, and written as a Hugging Face
`tokenizer.json` (BertNormalizer + BertPreTokenizer + WordPiece) so the app tokenises identically with
@huggingface/tokenizers. The Python side reproduces exactly that pipeline (lowercase, strip accents, split on
whitespace and punctuation, greedy longest-match-first subwords)."""
import collections
import json
import unicodedata

PAD, UNK = "[PAD]", "[UNK]"
MAX_WORD_CHARS = 100


def _is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def normalize(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r"):
            continue
        out.append(" " if ch in "\t\n\r" or unicodedata.category(ch) == "Zs" else ch)
    text = unicodedata.normalize("NFD", "".join(out).lower())
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def pre_tokenize(text):
    words = []
    for chunk in normalize(text).split():
        cur = ""
        for ch in chunk:
            if _is_punct(ch):
                if cur:
                    words.append(cur)
                    cur = ""
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


class WordPiece:
    def __init__(self, vocab):
        self.vocab = vocab  # token -> id
        self.cache = {}

    def word_ids(self, word):
        hit = self.cache.get(word)
        if hit is not None:
            return hit
        if len(word) > MAX_WORD_CHARS:
            ids = [self.vocab[UNK]]
        else:
            ids, start = [], 0
            while start < len(word):
                end, found = len(word), None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    if piece in self.vocab:
                        found = self.vocab[piece]
                        break
                    end -= 1
                if found is None:
                    ids = [self.vocab[UNK]]  # HF WordPiece: an unsplittable word becomes one [UNK]
                    break
                ids.append(found)
                start = end
        self.cache[word] = ids
        return ids

    def encode(self, text, max_length):
        ids = []
        for w in pre_tokenize(text):
            ids.extend(self.word_ids(w))
            if len(ids) >= max_length:
                break
        return ids[:max_length]

    @staticmethod
    def build(texts, vocab_size, min_word_freq=2, whole_word_share=0.5):
        """Up to `whole_word_share` of the vocabulary as whole words seen at least `min_word_freq` times, the rest as
        the most frequent word-initial pieces and `##` continuations (lengths 1-8), so a rarer word splits into stems
        and affixes shared with its relatives (palat ##ine, palat ##ina); every character seen is kept in both forms so
        nothing common becomes [UNK]."""
        words = collections.Counter(w for t in texts for w in pre_tokenize(t))
        pieces = collections.Counter()
        chars = set()
        for w, c in words.items():
            chars.update(w)
            for n in range(2, min(8, len(w)) + 1):
                pieces[w[:n]] += c
            for s in range(1, len(w)):
                for n in range(1, min(8, len(w) - s) + 1):
                    pieces["##" + w[s:s + n]] += c
        vocab = [PAD, UNK]
        vocab += sorted(chars) + sorted("##" + ch for ch in chars)
        whole = [w for w, c in words.most_common() if c >= min_word_freq and w not in vocab]
        budget = vocab_size - len(vocab)
        take_whole = whole[: int(budget * whole_word_share)]
        vocab += take_whole
        have = set(vocab)
        for p, c in pieces.most_common():
            if len(vocab) >= vocab_size:
                break
            if p not in have and c >= 3:
                vocab.append(p)
                have.add(p)
        return WordPiece({t: i for i, t in enumerate(vocab)})

    def to_hf_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": False, "special": True} for t in (PAD, UNK)
            ],
            "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                           "strip_accents": True, "lowercase": True},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": None,
            "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": UNK, "continuing_subword_prefix": "##",
                      "max_input_chars_per_word": MAX_WORD_CHARS, "vocab": self.vocab},
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_hf_json(), f, ensure_ascii=False)
