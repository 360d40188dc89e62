"""The exact token layout the TypeScript engine builds (main/engine/chat.ts, main/reasoning), mirrored for training.

Each text piece is tokenised on its own as plain text, as the engine does; model-written pieces carry the loss,
everything injected (prompt, query echo, retrieved passages, CDIR turn) is masked out of it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from models.lib.bpe_tokenizer import ByteLevelBPE
from models.lib.package import CHAT_TEMPLATE, PROTOCOL

IGNORE = -100
SYSTEM_PROMPT = (
    "You are medrwr-tiny, a synthetic demo model of a fictional world, not a medical model. Think, query the "
    "findings, read what is retrieved, then answer."
)
TOKENS_PER_IMAGE = 16  # 112 x 112 px -> 8 x 8 patches -> 4 x 4 merged


def retrieve_block(docs: list[str]) -> str:
    if not docs:
        return PROTOCOL["retrieve_none"]
    return "<retrieve> " + "".join(f"({i + 1}) {d}\n" for i, d in enumerate(docs)) + " </retrieve>\n"


def query_block(q: str) -> str:
    return f"<query> {q} </query>\n"


# The tokens that decide a case (query words, a name read from the evidence, each verdict, the answer letter) weigh
# more in the loss than the fixed wording around them, which the model learns early anyway.
DECISIVE = re.compile(r"<query> (.*?) </query>|Passage \(\d\) (.+?) is |indistinguishable from (.+?) on |"
                      r"case of (.+?) settles|looks like ([^.]+)\.|: (yes|no)\n|<answer> ([ABCD])\.")
DECISIVE_WEIGHT = 4.0


@dataclass
class Seq:
    ids: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    n_images: int = 0

    def add(self, ids: list[int], learn: bool, weights: list[float] | None = None) -> None:
        self.ids.extend(ids)
        self.labels.extend(ids if learn else [IGNORE] * len(ids))
        self.weights.extend(weights if weights is not None else [1.0 if learn else 0.0] * len(ids))


class Layout:
    def __init__(self, tok: ByteLevelBPE):
        self.tok = tok
        self.sp = {k: tok.token_id(k) for k in tok.special}

    def plain(self, text: str) -> list[int]:
        return self.tok.encode_plain(text) if text else []

    def learned(self, text: str) -> tuple[list[int], list[float]]:
        """Model-written text with its loss weights: DECISIVE spans weigh more."""
        ids = self.plain(text)
        spans = [m.span(g) for m in DECISIVE.finditer(text) for g in range(1, DECISIVE.groups + 1) if m.group(g)]
        weights, pos = [], 0
        for t in ids:
            end = pos + len(self.tok.decode([t]))
            weights.append(DECISIVE_WEIGHT if any(a < end and pos < b for a, b in spans) else 1.0)
            pos = end
        return ids, weights

    def prompt(self, n_images: int, user_text: str) -> Seq:
        s = Seq(n_images=n_images)
        im_start, im_end = self.sp["<|im_start|>"], self.sp["<|im_end|>"]
        s.add([im_start] + self.plain("system\n") + self.plain(SYSTEM_PROMPT) + [im_end] + self.plain("\n"), False)
        s.add([im_start] + self.plain("user\n"), False)
        for _ in range(n_images):
            s.add([self.sp["<|vision_start|>"]] + [self.sp["<|image_pad|>"]] * TOKENS_PER_IMAGE +
                  [self.sp["<|vision_end|>"]], False)
        s.add(self.plain(user_text) + [im_end] + self.plain("\n") + [im_start] + self.plain("assistant\n"), False)
        assert CHAT_TEMPLATE["assistant_start"] == "<|im_start|>assistant\n"
        return s

    def round1(self, s: Seq, think: str, query: str) -> Seq:
        """What the model writes in round 1, up to the stop string </query>."""
        for text in (think, f"<query> {query} </query>"):
            ids, w = self.learned(text)
            s.add(ids, True, w)
        return s

    def after_retrieval(self, s: Seq, think: str, query: str, docs: list[str]) -> Seq:
        """Round 1 as the engine rewrites it: the model's text before <query> plus "\n", the normalised query and
        the retrieved passages."""
        # main/reasoning: engine.rewrite(base, [before + "\n", "<query> q </query>\n", retrieve]), each piece
        # tokenised on its own; the think is learnt from the round-1 sequences, here it is context.
        s.add(self.plain(think + "\n"), False)
        s.add(self.plain(query_block(query)), False)
        s.add(self.plain(retrieve_block(docs)), False)
        return s

    def cdir_turn(self, s: Seq, caption: str) -> Seq:
        c = PROTOCOL["cdir"]
        for piece in (c["think"], c["query"], c["retrieve"].replace("{caption}", caption)):
            s.add(self.plain(piece), False)
        return s

    def final(self, s: Seq, text: str) -> Seq:
        ids, w = self.learned(text)
        s.add(ids + [self.sp["<|im_end|>"]], True, w + [1.0])
        return s
