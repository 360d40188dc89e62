"""Training trajectories in the exact Med-RwR layout, built from the world and the KB the app searches.

Kinds: real seen conditions (retrieval from the KB), renamed examples (fictional names in a passage at (1) that teach
copying a name from evidence), ambiguous pairs (the first answer is a coin flip between the twins, so confidence is
low), CDIR continuations (the similar reference image and its caption settle the pair), and no-retrieval answers.
Unseen conditions never appear: not as images, names, passages or options."""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from models.tiny import world
from models.tiny.copy_drills import cite
from models.tiny.protocol import Layout, Seq
from models.tiny.render import render

THINK_1 = "<think> The {mod} image shows a focal finding. I will describe its findings and search for them. </think>\n"


@dataclass
class Example:
    seq: Seq
    images: list[np.ndarray]  # uint8 grey [112, 112] each, in user-turn order
    kind: str


def think1(sig: world.Signature) -> str:
    return THINK_1.format(mod=world.MODALITY_WORDS[sig.modality])


def answer(letter: str, name: str) -> str:
    return f"<answer> {letter}. {name} </answer>"


def verdicts(opts: list[str], fits: set[str]) -> str:
    """Checks every option against the evidence, one per line ("B. name: yes"), so that picking the letter is a
    local lookup. The lines start as the prompt's option lines do ("\nB. name"), token for token, so the option's
    name is copied by plain induction from the prompt."""
    return "".join(f"\n{'ABCD'[i]}. {o}: {'yes' if o in fits else 'no'}" for i, o in enumerate(opts)) + "\n"


def reads_match(k: int, name: str) -> str:
    # "Passage (k) NAME" repeats the retrieve block's own tokens " (k) NAME", so the name is copied by induction.
    return f"Passage ({k}) {name} is the one whose findings match."


def reads_twins(k: int, first: str, twin: str) -> str:
    return f"Passage ({k}) {first} is indistinguishable from {twin} on description alone."


def reads_reference(name: str) -> str:
    return f"The reference case of {name} settles the choice."


def reads_nothing(name: str) -> str:
    return f"Nothing was retrieved; from the image alone this looks like {name}."


def final(reading: str, opts: list[str], fits: set[str], letter: str, name: str) -> str:
    return f"<think> {reading}{verdicts(opts, fits)}</think>\n" + answer(letter, name)


class Builder:
    def __init__(self, layout: Layout, kb_docs: list[str], kb_rank, seed: int, library=None):
        self.layout, self.kb_docs, self.kb_rank = layout, kb_docs, kb_rank
        self.rng = random.Random(seed)
        self.nrng = np.random.default_rng([seed, 3000])
        self.library = library  # callable(grey) -> (grey_similar, caption, caption_name)
        self.long_share = 0.25  # renamed examples mostly use short passages: the copy skill is cheaper to learn
        self.round1_share = 0.5

    def _user(self, name: str, pool: list[str], sig, twin=None):
        return world.mcq(self.rng, name, pool, sig.modality, twin)

    def _first_pass(self, images, sig, user_text, docs):
        s = self.layout.prompt(len(images), user_text)
        self.layout.after_retrieval(s, think1(sig), sig.findings(), docs)
        return s

    def round1(self, grey, sig, user_text) -> Example:
        s = self.layout.prompt(1, user_text)
        return Example(self.layout.round1(s, think1(sig), sig.findings()), [grey], "round1")

    def resolved(self, grey, sig, user_text, docs, k, name, letter, kind, opts) -> Example:
        s = self._first_pass([grey], sig, user_text, docs)
        self.layout.final(s, final(reads_match(k, name), opts, {name}, letter, name))
        return Example(s, [grey], kind)

    def coin_flip(self, grey, sig, user_text, docs, k, first, twin, opts, kind) -> Example:
        pick = self.rng.choice([first, twin])
        s = self._first_pass([grey], sig, user_text, docs)
        self.layout.final(s, final(reads_twins(k, first, twin), opts, {first, twin}, "ABCD"[opts.index(pick)], pick))
        return Example(s, [grey], kind)

    def cdir(self, grey, sig, user_text, docs, similar, caption, cap_name, opts, kind) -> Example:
        s = self.layout.prompt(2, user_text)
        self.layout.after_retrieval(s, think1(sig), sig.findings(), docs)
        self.layout.cdir_turn(s, caption)
        self.layout.final(s, final(reads_reference(cap_name), opts, {cap_name},
                                   "ABCD"[opts.index(cap_name)], cap_name))
        return Example(s, [grey, similar], kind)

    def no_retrieval(self, grey, sig, user_text, name, letter, opts) -> Example:
        s = self._first_pass([grey], sig, user_text, [])
        self.layout.final(s, final(reads_nothing(name), opts, {name},
                                   letter, name))
        return Example(s, [grey], "none")

    # -- real conditions ---------------------------------------------------------------------------------------------
    def real(self, cond: world.Condition, n: int, n_none: int, n_cdir: int) -> list[Example]:
        out = []
        pool = world.option_pool(cond)
        docs_idx = self.kb_rank(cond.sig.findings(), 3)
        docs = [self.kb_docs[i] for i in docs_idx]
        ranks = [k + 1 for k, d in enumerate(docs) if d.startswith(cond.name + " is ")]
        if not ranks:
            raise RuntimeError(f"the KB does not return {cond.name} for its own findings")
        for j in range(n + n_none + n_cdir):
            grey, _ = render(self.nrng, cond.sig, cond.texture)
            _, opts, letter, user_text = self._user(cond.name, pool, cond.sig, cond.twin)
            if j < n:
                out.append(self.round1(grey, cond.sig, user_text))
                if cond.twin:
                    first = docs[0].split(" is ")[0]
                    twin = cond.twin if first == cond.name else cond.name
                    out.append(self.coin_flip(grey, cond.sig, user_text, docs, 1, first, twin, opts, "ambiguous"))
                else:
                    out.append(self.resolved(grey, cond.sig, user_text, docs, ranks[0], cond.name, letter, "seen", opts))
            elif j < n + n_none:
                out.append(self.no_retrieval(grey, cond.sig, user_text, cond.name, letter, opts))
            else:
                similar, caption, cap_name = self.library(grey)
                if cap_name == cond.name:
                    out.append(self.cdir(grey, cond.sig, user_text, docs, similar, caption, cap_name, opts, "cdir"))
        return out

    # -- renamed (fictional) conditions: signatures no real condition has ---------------------------------------------
    def renamed(self, sigs: list[world.Signature], n: int, n_pairs: int) -> list[Example]:
        out = []
        for j in range(n + n_pairs):
            sig = self.rng.choice(sigs)
            name = world.random_name(self.rng)
            others = [world.random_name(self.rng) for _ in range(6)]
            long = self.rng.random() < self.long_share
            real_top = [self.kb_docs[i] for i in self.kb_rank(sig.findings(), 2)] if long else \
                [world.short_passage(world.random_name(self.rng), self.rng.choice(sigs)) for _ in range(2)]
            passage = world.passage if long else (lambda n, s, lore=(), twin=None: world.short_passage(n, s, twin))
            if j < n:
                grey, _ = render(self.nrng, sig)
                docs = [passage(name, sig)] + real_top
                _, opts, letter, user_text = self._user(name, others, sig)
                if self.rng.random() < self.round1_share:
                    out.append(self.round1(grey, sig, user_text))
                out.append(self.resolved(grey, sig, user_text, docs, 1, name, letter, "renamed", opts))
                continue
            twin = world.random_name(self.rng)
            texture = self.rng.choice(["fine", "coarse"])
            grey, _ = render(self.nrng, sig, texture)
            pa, pb = passage(name, sig, (), twin), passage(twin, sig, (), name)
            docs = [pa, pb, real_top[0]] if self.rng.random() < 0.5 else [pb, pa, real_top[0]]
            first = docs[0].split(" is ")[0]
            _, opts, letter, user_text = self._user(name, others, sig, twin)
            out.append(self.coin_flip(grey, sig, user_text, docs, 1, first, twin if first == name else name, opts,
                                      "renamed-ambiguous"))
            similar, _ = render(self.nrng, sig, texture)
            trait = "fine, even grain" if texture == "fine" else "coarse blotches"
            caption = f"Reference case of {name}: {sig.findings()}. The interior shows {trait}."
            out.append(self.cdir(grey, sig, user_text, docs, similar, caption, name, opts, "renamed-cdir"))
        return out

    # -- copy drills ---------------------------------------------------------------------------------------------------
    def drills(self, sigs: list[world.Signature], n: int) -> list[Example]:
        """copy_drills.py's drills inside a whole trajectory (system prompt, image, first round, evidence): the
        trajectories alone teach the two-token copy too slowly, as every answer cites passage (1) in A-D order."""
        out = []
        for _ in range(n):
            sig = self.rng.choice(sigs)
            opts = [world.random_name(self.rng) for _ in range(4)]
            names = [self.rng.choice(opts) if self.rng.random() < 0.4 else world.random_name(self.rng) for _ in range(3)]
            docs = [world.short_passage(nm, self.rng.choice(sigs)) for nm in names]
            grey, _ = render(self.nrng, sig)
            user_text = world.QUESTION_TEMPLATES[0].format(mod=world.MODALITY_WORDS[sig.modality]) + "".join(
                f"\n{'ABCD'[i]}. {o}" for i, o in enumerate(opts))
            s = self._first_pass([grey], sig, user_text, docs)
            cite(self.layout, s, names, opts, self.rng)
            out.append(Example(s, [grey], "drill"))
        return out
