"""Prompt token ids in the manifest's ChatML layout (same construction the engine uses)."""
from __future__ import annotations

from models.lib.bpe_tokenizer import ByteLevelBPE
from models.lib.package import CHAT_TEMPLATE


def chat_prompt_ids(tok: ByteLevelBPE, system: str, question: str, image_tokens: list[int] = (),
                    template: dict = CHAT_TEMPLATE) -> list[int]:
    """system turn + user turn (one image block per entry of image_tokens, each `<|image_pad|>`
    expanded to that many copies = t*h*w/4, then the question) + assistant start.
    Template pieces are encoded with special-token parsing; system and question as plain text."""
    pad = tok.token_id("<|image_pad|>")
    head, tail = template["system"].split("{system}")
    ids = tok.encode(head) + tok.encode_plain(system) + tok.encode(tail) + tok.encode(template["user_start"])
    image = tok.encode(template["image"])
    k = image.index(pad)
    for n in image_tokens:
        ids += image[:k] + [pad] * n + image[k + 1:]
    return ids + tok.encode_plain(question) + tok.encode(template["user_end"]) + tok.encode(template["assistant_start"])
