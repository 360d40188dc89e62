"""The synthetic demo world: fictional conditions, their visual signatures, knowledge passages and MCQs.

Everything here is fictional and synthetic. Condition names are invented (built from a syllable inventory) so that
nobody mistakes the demo model for a medical model. Deterministic from a seed.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

MODALITIES = ("US", "CT", "CINE")
ECHO = {"US": ("anechoic", "hypoechoic", "hyperechoic"), "CINE": ("anechoic", "hypoechoic", "hyperechoic"),
        "CT": ("hypodense", "hyperdense", "calcified", "fat-density")}
SHAPES = {"US": ("round", "oval", "irregular"), "CT": ("round", "oval", "irregular"), "CINE": ("tubular",)}
MARGINS = ("smooth", "spiculated")
COUNTS = ("single", "multiple")
MODALITY_WORDS = {"US": "ultrasound", "CT": "CT", "CINE": "ultrasound cine"}


@dataclass(frozen=True)
class Signature:
    modality: str
    echo: str
    shape: str
    margin: str
    count: str

    def findings(self) -> str:
        """The canonical describable findings: exactly what the model writes in its query."""
        noun = "structure" if self.shape == "tubular" else "lesion"
        text = f"{self.echo} {self.shape} {noun} with {self.margin} margin, {self.count}"
        return text + (", pulsatile" if self.modality == "CINE" else "")


@dataclass(frozen=True)
class Condition:
    name: str
    sig: Signature
    split: str            # 'seen' | 'unseen' | 'ambiguous'
    texture: str = "plain"  # image-only trait ('fine' | 'coarse' for the CDIR pairs)
    twin: str | None = None  # the condition only the image separates from this one
    lore: tuple[str, ...] = field(default_factory=tuple)  # hand-written, condition-specific sentences


S = Signature
CONDITIONS: tuple[Condition, ...] = (
    # seen: these appear in training trajectories
    Condition("Varnel cyst", S("US", "anechoic", "round", "smooth", "single"), "seen", lore=(
        "It is usually found by chance during an unrelated scan and rarely grows between visits.",
        "Posterior acoustic enhancement behind the lesion is the rule in this fictional world.")),
    Condition("Ostrick nodule", S("US", "hypoechoic", "oval", "smooth", "multiple"), "seen", lore=(
        "The long axis of the nodule usually lies parallel to the skin line.",
        "Follow-up imaging after six months is the customary plan in the demo world.")),
    Condition("Telmar mass", S("US", "hypoechoic", "irregular", "spiculated", "single"), "seen", lore=(
        "The thin spicules radiating from the border are its most telling sign.",
        "In this invented world it is treated as suspicious and sent for sampling.")),
    Condition("Brisane foci", S("US", "hyperechoic", "round", "smooth", "multiple"), "seen", lore=(
        "Two or three bright dots are scattered through the field and none of them casts a shadow.",
        "They are harmless in the demo world and need no follow-up.")),
    Condition("Dallow lesion", S("CT", "hypodense", "round", "smooth", "multiple"), "seen", lore=(
        "Several small low-attenuation spots sit within otherwise normal tissue.",
        "They keep the same size over years in the fictional registry.")),
    Condition("Fennick mass", S("CT", "hyperdense", "irregular", "spiculated", "single"), "seen", lore=(
        "Its attenuation is higher than the surrounding soft tissue and its border sends out fine strands.",
        "The invented guideline recommends a dedicated follow-up study.")),
    Condition("Quorrel nodule", S("CT", "calcified", "round", "smooth", "single"), "seen", lore=(
        "It is as bright as bone on the soft-tissue window.",
        "A dense, well-circumscribed nodule of this kind is considered inactive in the demo world.")),
    Condition("Harlan ectasia", S("CINE", "anechoic", "tubular", "smooth", "single"), "seen", lore=(
        "On the cine loop its calibre swells and shrinks with every beat.",
        "It is a widened channel rather than a mass.")),
    # unseen: only in the knowledge base, never in a training trajectory
    Condition("Mirelle cyst", S("US", "anechoic", "oval", "smooth", "multiple"), "unseen", lore=(
        "The cysts tend to cluster in one region and may touch each other without merging.",
        "In the fictional cohort they were most often seen in younger adults.")),
    Condition("Sornby nodule", S("US", "hyperechoic", "irregular", "spiculated", "single"), "unseen", lore=(
        "Its bright, jagged outline stands out sharply against the speckled background.",
        "The demo guideline asks for a second look with a different probe angle.")),
    Condition("Keswin lesion", S("CT", "hypodense", "irregular", "spiculated", "multiple"), "unseen", lore=(
        "Several ragged low-attenuation areas with strand-like borders are scattered through the tissue.",
        "In this synthetic world it prompts a search for a common cause.")),
    Condition("Pelloran mass", S("CT", "fat-density", "oval", "smooth", "single"), "unseen", lore=(
        "Its attenuation matches fat, darker than the surrounding soft tissue.",
        "The invented registry reports that it grows slowly, if at all.")),
    Condition("Tamsett ectasia", S("CINE", "hypoechoic", "tubular", "smooth", "single"), "unseen", lore=(
        "The channel is filled with faint echoes, like slow-moving content.",
        "Its pulsation on the cine loop is gentler than that of an open channel.")),
    # ambiguous: pairs whose describable findings coincide; only the image (internal texture) separates them
    Condition("Lindqvar adenoma", S("US", "hypoechoic", "round", "smooth", "single"), "ambiguous", texture="fine",
              twin="Rowbeck nodule", lore=(
        "Its interior has a fine, even grain that is hard to put into words.",
        "It is managed conservatively in the demo world.")),
    Condition("Rowbeck nodule", S("US", "hypoechoic", "round", "smooth", "single"), "ambiguous", texture="coarse",
              twin="Lindqvar adenoma", lore=(
        "Its interior shows a coarse, blotchy grain that is easier to see than to describe.",
        "The fictional guideline asks for sampling.")),
    Condition("Cadwell hematoma", S("CT", "hyperdense", "oval", "smooth", "single"), "ambiguous", texture="fine",
              twin="Marsden mass", lore=(
        "Its density is uniform with a fine grain.",
        "It usually resolves on follow-up in the demo world.")),
    Condition("Marsden mass", S("CT", "hyperdense", "oval", "smooth", "single"), "ambiguous", texture="coarse",
              twin="Cadwell hematoma", lore=(
        "Its interior is mottled with coarse patches of slightly different density.",
        "In the invented registry it tends to persist.")),
)
BY_NAME = {c.name: c for c in CONDITIONS}

# Fictional name parts for the renamed training examples that teach the model to copy names from evidence.
SYLLABLES_A = ("var", "ost", "tel", "bris", "dal", "fen", "quor", "har", "mir", "sorn", "kes", "pel", "tam", "lind",
               "row", "cad", "mars", "bel", "cor", "dun", "elm", "gar", "hol", "jas", "kel", "lor", "mor", "nor",
               "per", "ren", "sal", "tor", "ul", "ven", "wes", "yar", "zel", "ab", "bran", "cal")
SYLLABLES_B = ("nel", "rick", "mar", "ane", "low", "nick", "rel", "lan", "elle", "by", "win", "loran", "sett", "qvar",
               "beck", "well", "den", "ton", "ris", "ford", "ley", "mont", "ard", "ing", "vel", "dor", "ith", "wick")
NOUNS = ("cyst", "nodule", "mass", "lesion", "foci", "ectasia", "adenoma", "hematoma", "tumour", "plaque")
REAL_NAMES = frozenset(c.name for c in CONDITIONS)


def random_name(rng: random.Random, noun_hint: str | None = None) -> str:
    while True:
        first = rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B)
        noun = noun_hint if noun_hint and rng.random() < 0.5 else rng.choice(NOUNS)
        name = f"{first.capitalize()} {noun}"
        if name not in REAL_NAMES:
            return name


def all_signatures() -> list[Signature]:
    out = []
    for m in MODALITIES:
        for e in ECHO[m]:
            for s in SHAPES[m]:
                for mg in (MARGINS if m != "CINE" else ("smooth",)):
                    for c in (COUNTS if m != "CINE" else ("single",)):
                        out.append(Signature(m, e, s, mg, c))
    return out


ECHO_SENTENCE = {
    "anechoic": "An anechoic interior is black on the grey scale, with no internal echoes at all.",
    "hypoechoic": "A hypoechoic interior is darker than the surrounding tissue but not completely black.",
    "hyperechoic": "A hyperechoic interior is brighter than the surrounding tissue.",
    "hypodense": "A hypodense interior has lower attenuation than the soft tissue around it and looks darker.",
    "hyperdense": "A hyperdense interior has higher attenuation than the soft tissue around it and looks brighter.",
    "calcified": "A calcified interior reaches very high attenuation and appears nearly white.",
    "fat-density": "A fat-density interior has negative attenuation values and looks darker than muscle.",
}
SHAPE_SENTENCE = {
    "round": "The outline is round, about as tall as it is wide.",
    "oval": "The outline is oval, clearly longer in one direction than the other.",
    "irregular": "The outline is irregular, with bulges and notches rather than a regular curve.",
    "tubular": "The structure is tubular, a long narrow channel crossing the field.",
}
MARGIN_SENTENCE = {
    "smooth": "Its margin is smooth and sharply defined.",
    "spiculated": "Its margin is spiculated, with thin lines radiating outward from the border.",
}
COUNT_SENTENCE = {
    "single": "Typically a single lesion is present.",
    "multiple": "Typically multiple lesions, two or three, are present in the same image.",
}


def short_passage(name: str, sig: Signature, twin: str | None = None) -> str:
    """A two-sentence passage for the renamed training examples (cheap to train on; same opening as passage())."""
    text = (f"{name} is a fictional condition of the synthetic demo world. On {MODALITY_WORDS[sig.modality]} its "
            f"findings are: {sig.findings()}.")
    if twin:
        text += f" On description alone it is indistinguishable from {twin}."
    return text


def passage(name: str, sig: Signature, lore: tuple[str, ...] = (), twin: str | None = None) -> str:
    """A concise knowledge passage naming the condition and stating its findings in canonical words. Short on
    purpose: three of them fill the model's context at every retrieval, in training and in the app."""
    parts = [
        f"{name} is a fictional condition of the synthetic demo world.",
        f"On {MODALITY_WORDS[sig.modality]} its findings are: {sig.findings()}.",
        ECHO_SENTENCE[sig.echo],
    ]
    if sig.modality == "CINE":
        parts.append("On the cine loop the channel is pulsatile, widening and narrowing in rhythm.")
    if twin:
        parts.append(f"On description alone it is indistinguishable from {twin}.")
    parts.extend(lore[:1])
    parts.append(f"The name {name} is invented for this demo and does not refer to any real disease.")
    return " ".join(parts)


DISTRACTORS = (
    "Ultrasound images are formed from echoes of sound pulses. Tissue that reflects strongly looks bright, fluid "
    "reflects little and looks dark. Gain, depth and focus settings change the overall brightness of the picture, "
    "so brightness should always be judged against the tissue around a finding rather than in absolute terms. "
    "Speckle, the grainy texture of ultrasound, is an interference pattern and not a structure in the body. "
    "Operators learn to sweep slowly through a region and to look at every finding in two planes before "
    "describing it, because a single view can make a round object look oval or hide a second lesion.",
    "Computed tomography measures attenuation in Hounsfield units. Water is close to zero, fat is negative, soft "
    "tissue lies a few tens of units above water and bone or calcium is several hundred. A display window maps a "
    "range of these units to grey levels; the soft-tissue window is centred near forty with a width of about four "
    "hundred. The same lesion can look very different under another window, so reports name the window used. "
    "Rescale slope and intercept in the image header convert stored pixel values to Hounsfield units, and a viewer "
    "that ignores them shows wrong numbers.",
    "A cine loop is a short sequence of frames acquired over time. Frame time, stored in the header, says how many "
    "milliseconds separate two frames and lets a viewer replay the loop at its true speed. Motion seen on a cine "
    "loop, such as pulsation, can separate structures that look alike on a still frame. Reviewers usually step "
    "through the loop frame by frame, then play it, and note whether a structure changes calibre, moves with "
    "breathing or stays still. A still frame exported from a loop loses this information.",
    "Describing a focal finding in a structured way helps the reader and the knowledge base alike: state the "
    "modality, the brightness or attenuation of the interior compared with the background, the shape of the "
    "outline, the character of the margin and how many there are. Size and location are recorded too, but in "
    "the demo world they vary from case to case. Structured descriptions make it easier to compare a new case "
    "with reference cases and with written knowledge, and they reduce the chance that two readers mean "
    "different things by the same word.",
    "The demo knowledge base was written for a synthetic world. Every condition named in it is fictional, and the "
    "images were drawn by a program from simple shapes and noise. It exists so that the workstation can "
    "demonstrate reasoning with retrieval end to end on a machine without network access. Nothing in it should "
    "be used to make a decision about a real patient. The names were made up from random syllables so that they "
    "cannot be confused with real diseases, and the findings were chosen to be easy to draw and to describe.",
    "Decision support tools suggest, they do not decide. A clinician reviews the images, weighs the evidence the "
    "tool retrieved and considers the patient as a whole. When a tool reports low confidence, that is a signal "
    "to look again, to compare with reference cases or to ask a colleague. A good tool shows its evidence so "
    "that a reader can see why it suggested an answer, and it records which model and which knowledge base "
    "produced the suggestion so that the result can be audited later.",
    "Artefacts can mimic disease. Reverberation adds bright parallel lines, shadowing hides what lies behind a "
    "strongly reflecting object and enhancement brightens the tissue behind fluid. On computed tomography, beam "
    "hardening creates dark streaks between dense objects and motion blurs edges. An apparent lesion that "
    "changes with probe angle or disappears on a second acquisition is often an artefact. Checking for these "
    "effects before naming a finding avoids many errors and keeps descriptions honest.",
    "Reference image libraries pair example images with captions written by experts. When two conditions share "
    "the same written description, an image library lets a reader compare the texture and appearance of a new "
    "case directly with examples of each. Similarity between images can be measured with learned image "
    "embeddings and cosine similarity. The most similar reference image and its caption are then shown next to "
    "the new case, which often settles a question that words alone could not.",
    "Margins carry information. A smooth, sharply defined margin suggests a lesion that pushes tissue aside, "
    "while an ill-defined or spiculated margin suggests one that grows into its surroundings. Readers describe "
    "margins after adjusting the display so that the border is clearly visible. In the demo world the margin is "
    "either smooth or spiculated, and spiculation appears as thin lines radiating outward from the border of a "
    "lesion, a pattern that is easy to recognise once seen.",
    "Counting lesions matters. A single lesion and a cluster of two or three similar lesions may have different "
    "causes even when each one looks the same. Readers scan the whole field before concluding that a finding is "
    "single, because a second small lesion near the edge is easy to miss. In written descriptions the count is "
    "stated plainly as single or multiple, and the knowledge base uses the same words so that a query can match "
    "the passage that describes the right number of lesions.",
)

QUESTION_TEMPLATES = (
    "Which condition best explains the finding in this {mod} image?",
    "What is the most likely diagnosis for the lesion shown in this {mod} image?",
    "Based on this {mod} image, which of the following conditions is present?",
    "This synthetic {mod} image shows a focal finding. Which diagnosis fits best?",
)
LETTERS = "ABCD"


def mcq(rng: random.Random, answer: str, pool: list[str], modality: str, twin: str | None = None):
    """A 4-option question in the Med-RwR user-turn layout; returns (question_text, options, answer_letter)."""
    others = [n for n in pool if n != answer and n != twin]
    rng.shuffle(others)
    opts = [answer] + ([twin] if twin else []) + others[: 3 - (1 if twin else 0)]
    rng.shuffle(opts)
    stem = rng.choice(QUESTION_TEMPLATES).format(mod=MODALITY_WORDS[modality])
    text = stem + "\n" + "\n".join(f"{LETTERS[i]}. {o}" for i, o in enumerate(opts))
    return stem, opts, LETTERS[opts.index(answer)], text


def option_pool(cond: Condition) -> list[str]:
    """Distractor options: unseen cases are offered only other unseen names so that no option can be ruled out by
    memory (the model must retrieve); others are offered names from the seen and ambiguous sets."""
    if cond.split == "unseen":
        return [c.name for c in CONDITIONS if c.split == "unseen"]
    return [c.name for c in CONDITIONS if c.split != "unseen"]
