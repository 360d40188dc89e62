"""Byte-level BPE in the Hugging Face tokenizers JSON layout used by Qwen2 (NFC normaliser, the Qwen2
split regex, ByteLevel without its own regex, ByteLevel decoder), with a small trainer and a Python
encoder that gives the same ids as the JS/Rust tokenizers for the same tokenizer.json.

The split regex needs \\p{L}/\\p{N}, which Python's `re` lacks (and `regex` is not installed), so
`pretokenize` is a hand-written scanner for exactly that pattern."""
from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Iterable

# The Qwen2 pre-tokenizer pattern, verbatim (what the JS/Rust tokenizers run).
QWEN2_SPLIT_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# Qwen2.5-VL special tokens, in Qwen's id order; they follow the BPE vocabulary.
QWEN_SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
    "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
]

# Unicode White_Space (what Oniguruma's \s matches).
_WS = set("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {chr(c) for c in range(0x2000, 0x200B)}


def _is_l(c: str) -> bool:
    return unicodedata.category(c)[0] == "L"


def _is_n(c: str) -> bool:
    return unicodedata.category(c)[0] == "N"


def _is_s(c: str) -> bool:
    return c in _WS


def _is_p(c: str) -> bool:
    return not (_is_s(c) or _is_l(c) or _is_n(c))


def _run(s: str, i: int, pred) -> int:
    while i < len(s) and pred(s[i]):
        i += 1
    return i


def _match_at(s: str, i: int) -> int:
    """End of the leftmost-alternative match of QWEN2_SPLIT_PATTERN at i (regex semantics)."""
    c = s[i]
    if c == "'" and i + 1 < len(s):  # (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if s[i + 1:i + 3].lower() in ("re", "ve", "ll"):
            return i + 3
        if s[i + 1].lower() in "stmd":
            return i + 2
    if _is_l(c):  # [^\r\n\p{L}\p{N}]?\p{L}+ without the optional char
        return _run(s, i, _is_l)
    if c not in "\r\n" and not _is_n(c) and i + 1 < len(s) and _is_l(s[i + 1]):  # ... with it
        return _run(s, i + 1, _is_l)
    if _is_n(c):  # \p{N}
        return i + 1
    j = i + 1 if c == " " else i  # ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    if j < len(s) and _is_p(s[j]):
        j = _run(s, j, _is_p)
        return _run(s, j, lambda x: x in "\r\n")
    # c is whitespace from here on.
    e = _run(s, i, _is_s)
    last_nl = max((k for k in range(i, e) if s[k] in "\r\n"), default=-1)
    if last_nl >= 0:  # \s*[\r\n]+
        return last_nl + 1
    if e == len(s) or e - 1 == i:  # \s+(?!\S) at the end of the text, else \s+ for a single space
        return e
    return e - 1  # \s+(?!\S): leave the last space to prefix the next word


def pretokenize(text: str) -> list[str]:
    """Split NFC text into the pieces the Qwen2 Split pre-tokenizer produces."""
    out, i = [], 0
    while i < len(text):
        e = _match_at(text, i)
        out.append(text[i:e])
        i = e
    return out


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character map used by the ByteLevel components."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for b in range(256):
        if b in keep:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


_B2U = bytes_to_unicode()
_U2B = {u: b for b, u in _B2U.items()}


def _byte_level(piece: str) -> str:
    return "".join(_B2U[b] for b in piece.encode("utf-8"))


def train_bpe(corpus: Iterable[str], vocab_size: int, special_tokens: list[str] = QWEN_SPECIAL_TOKENS) -> tuple[list[str], list[tuple[str, str]]]:
    """Learn merges until the vocabulary (256 bytes + merges + special tokens) reaches vocab_size.

    Deterministic: the most frequent pair wins, ties go to the lexicographically smallest pair.
    Returns (vocab in id order without special tokens, merges in rank order)."""
    n_merges = vocab_size - 256 - len(special_tokens)
    if n_merges < 0:
        raise ValueError(f"vocab_size {vocab_size} is below 256 bytes + {len(special_tokens)} special tokens")
    words: Counter[tuple[str, ...]] = Counter()
    for text in corpus:
        for piece in pretokenize(unicodedata.normalize("NFC", text)):
            words[tuple(_byte_level(piece))] += 1
    vocab = [_B2U[b] for b in range(256)]
    merges: list[tuple[str, str]] = []
    word_list = [[list(w), n] for w, n in words.items()]
    while len(merges) < n_merges:
        pairs: Counter[tuple[str, str]] = Counter()
        for syms, n in word_list:
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break  # corpus exhausted: every word is a single token
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merged = best[0] + best[1]
        merges.append(best)
        vocab.append(merged)
        for entry in word_list:
            syms, out, k = entry[0], [], 0
            while k < len(syms):
                if k + 1 < len(syms) and syms[k] == best[0] and syms[k + 1] == best[1]:
                    out.append(merged)
                    k += 2
                else:
                    out.append(syms[k])
                    k += 1
            entry[0] = out
    return vocab, merges


def tokenizer_json(vocab: list[str], merges: list[tuple[str, str]], special_tokens: list[str] = QWEN_SPECIAL_TOKENS) -> dict:
    """The tokenizers JSON document; special tokens get the ids right after the BPE vocabulary."""
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": len(vocab) + k, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for k, t in enumerate(special_tokens)
        ],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT_PATTERN}, "behavior": "Isolated", "invert": False},
            byte_level,
        ]},
        "post_processor": dict(byte_level),
        "decoder": dict(byte_level),
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": {t: i for i, t in enumerate(vocab)},
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


def write_tokenizer(path: str | Path, vocab: list[str], merges: list[tuple[str, str]], special_tokens: list[str] = QWEN_SPECIAL_TOKENS) -> None:
    Path(path).write_text(json.dumps(tokenizer_json(vocab, merges, special_tokens), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


class ByteLevelBPE:
    """Python encoder/decoder over a tokenizer.json written by this module (for training data)."""

    def __init__(self, doc: dict):
        model = doc["model"]
        self.vocab: dict[str, int] = model["vocab"]
        self.ranks = {tuple(m.split(" ") if isinstance(m, str) else m): r for r, m in enumerate(model["merges"])}
        self.special = {t["content"]: t["id"] for t in doc["added_tokens"]}
        self.id_to_token = {i: t for t, i in self.vocab.items()} | {i: t for t, i in self.special.items()}
        self.vocab_size = len(self.id_to_token)

    @classmethod
    def load(cls, path: str | Path) -> "ByteLevelBPE":
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    def token_id(self, token: str) -> int:
        return self.special[token] if token in self.special else self.vocab[token]

    def _bpe(self, piece: str) -> list[int]:
        syms = list(_byte_level(piece))
        while len(syms) > 1:
            ranked = [(self.ranks.get((a, b), 1 << 60), k) for k, (a, b) in enumerate(zip(syms, syms[1:]))]
            rank, k = min(ranked)
            if rank == 1 << 60:
                break
            syms[k:k + 2] = [syms[k] + syms[k + 1]]
        return [self.vocab[s] for s in syms]

    def encode_plain(self, text: str) -> list[int]:
        """Ordinary text: special-token strings inside it stay ordinary text."""
        ids: list[int] = []
        for piece in pretokenize(unicodedata.normalize("NFC", text)):
            ids.extend(self._bpe(piece))
        return ids

    def encode(self, text: str) -> list[int]:
        """Like the JS/Rust tokenizers' encode: special-token strings become their ids."""
        ids: list[int] = []
        i = 0
        while i < len(text):
            hits = [(text.find(t, i), -len(t), t) for t in self.special if text.find(t, i) >= 0]
            if not hits:
                ids.extend(self.encode_plain(text[i:]))
                break
            at, _, tok = min(hits)
            ids.extend(self.encode_plain(text[i:at]))
            ids.append(self.special[tok])
            i = at + len(tok)
        return ids

    def decode(self, ids: list[int]) -> str:
        out: list[str] = []
        buf = bytearray()
        for i in ids:
            tok = self.id_to_token[i]
            if tok in self.special:
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                out.append(tok)
            else:
                buf.extend(_U2B[c] for c in tok)
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)
