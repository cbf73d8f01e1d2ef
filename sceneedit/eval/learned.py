"""Learned metrics: CLIP score inside the mask and LPIPS outside it, only with real weights.

Neither is ever faked: when the weights are not on this machine the metric is reported as
unavailable, with the reason (what to install or download, and where to put it), and no
number is averaged for it. torch and transformers are imported here, lazily.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InvalidInputError, MissingWeightsError

CLIP_ENV = "SCENEEDIT_CLIP"
# The model the field's scripts score with (torchmetrics' CLIPScore default in SmartEdit).
CLIP_DEFAULT_REPO = "openai/clip-vit-large-patch14"
LPIPS_NET = "alex"


@dataclass
class Unavailable:
    """Why a metric was not computed; reported in the table and the JSON instead of a number."""

    metric: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"metric": self.metric, "reason": self.reason}


def _clip_source(spec: str | os.PathLike[str] | None) -> str:
    spec = spec if spec is not None else os.environ.get(CLIP_ENV) or CLIP_DEFAULT_REPO
    return str(spec)


class ClipScorer:
    """CLIP score (100 * max(cosine, 0), as torchmetrics' CLIPScore) of an image and a text.

    ``spec`` is a local directory holding a transformers CLIP model (config.json, weights,
    vocab.json + merges.txt, preprocessor_config.json), or a Hugging Face repo id already in
    the local cache; nothing is downloaded. Default: ``$SCENEEDIT_CLIP``, else
    ``openai/clip-vit-large-patch14`` from the cache.
    """

    def __init__(self, spec: str | os.PathLike[str] | None = None):
        source = _clip_source(spec)
        looks_local = Path(source).exists() or source.startswith((".", "/", "~"))
        if looks_local and not (Path(source).expanduser() / "config.json").is_file():
            raise MissingWeightsError(
                f"no CLIP model in {source}: the directory needs config.json, the weights, "
                "vocab.json, merges.txt and preprocessor_config.json (save_pretrained of a "
                "transformers CLIPModel, CLIPTokenizer and CLIPImageProcessor)")
        try:
            import torch  # noqa: F401
            from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer
        except ImportError as exc:
            raise MissingWeightsError(
                f"the CLIP score needs torch and transformers ({exc}); install the vision "
                "extra: pip install -c constraints/cpu.txt -e '.[vision]'") from None
        try:
            self.model = CLIPModel.from_pretrained(source, local_files_only=True).eval()
            self.tokenizer = CLIPTokenizer.from_pretrained(source, local_files_only=True)
            self.processor = CLIPImageProcessor.from_pretrained(source, local_files_only=True)
        except OSError as exc:
            raise MissingWeightsError(
                f"CLIP weights {source!r} are not on this machine ({exc.__class__.__name__}). "
                f"Download {CLIP_DEFAULT_REPO} on a machine with internet "
                f"(huggingface-cli download {CLIP_DEFAULT_REPO}), copy the folder here and "
                f"pass --clip DIR or set ${CLIP_ENV}=DIR") from None
        self.source = source
        self.max_length = int(self.model.config.text_config.max_position_embeddings)

    def score(self, image: np.ndarray, text: str) -> float:
        import torch

        if image.ndim != 3 or min(image.shape[:2]) < 1:
            raise InvalidInputError(f"CLIP needs a non-empty HxWx3 crop, got {image.shape}")
        pixels = self.processor(images=image, return_tensors="pt")["pixel_values"]
        tokens = self.tokenizer([text], return_tensors="pt", padding=True, truncation=True,
                                max_length=self.max_length)
        with torch.no_grad():
            out = self.model(pixel_values=pixels, input_ids=tokens["input_ids"],
                             attention_mask=tokens["attention_mask"])
        img = out.image_embeds / out.image_embeds.norm(dim=-1, keepdim=True)
        txt = out.text_embeds / out.text_embeds.norm(dim=-1, keepdim=True)
        return float(100.0 * torch.clamp((img * txt).sum(), min=0.0))


def _lpips_checkpoint() -> Path:
    home = Path(os.environ.get("TORCH_HOME", Path.home() / ".cache" / "torch"))
    return home / "hub" / "checkpoints" / "alexnet-owt-7be5be79.pth"


class LpipsScorer:
    """LPIPS (AlexNet, v0.1) between two images, the masked region zeroed in both (the field's
    protocol). Needs the ``lpips`` package and torchvision's AlexNet weights already on disk:
    nothing is downloaded."""

    def __init__(self):
        import importlib.util

        ckpt = _lpips_checkpoint()
        if importlib.util.find_spec("lpips") is None or importlib.util.find_spec(
                "torchvision") is None:
            raise MissingWeightsError(
                "LPIPS needs the `lpips` package, torchvision and the AlexNet backbone weights "
                f"({ckpt.name} in {ckpt.parent}); lpips imports torchvision, which cannot be "
                "installed next to the CPU torch pinned by constraints/cpu.txt. Install "
                "`lpips` in an environment with torchvision and put the checkpoint there "
                "(it is downloaded from download.pytorch.org on first use).")
        if not ckpt.is_file():
            raise MissingWeightsError(f"LPIPS backbone weights missing: put {ckpt.name} in "
                                      f"{ckpt.parent} (or set TORCH_HOME)")
        import lpips

        self.model = lpips.LPIPS(net=LPIPS_NET, verbose=False).eval()

    def distance(self, a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
        import torch

        keep = (~np.asarray(mask, bool))[..., None]

        def tensor(x):
            t = torch.from_numpy((x * keep).astype(np.float32) / 127.5 - 1.0)
            return t.permute(2, 0, 1)[None]

        with torch.no_grad():
            return float(self.model(tensor(a), tensor(b)).item())


def _cached_repo(repo: str) -> bool:
    """Whether the Hugging Face cache holds ``repo`` (checked without importing transformers)."""
    home = os.environ.get("HF_HOME", os.path.join(os.path.expanduser("~"), ".cache",
                                                  "huggingface"))
    cache = Path(os.environ.get("HF_HUB_CACHE", os.path.join(home, "hub")))
    return (cache / f"models--{repo.replace('/', '--')}" / "snapshots").is_dir()


def load_clip(spec: str | None) -> ClipScorer | Unavailable:
    """A CLIP scorer, or why there is none (decided without torch when nothing is there)."""
    source = _clip_source(spec)
    if not Path(source).expanduser().exists() and "/" in source and \
            not source.startswith((".", "/", "~")) and not _cached_repo(source):
        return Unavailable("clip", f"CLIP weights {source!r} are not in the Hugging Face cache "
                           "and nothing is downloaded. Download them on a machine with "
                           f"internet (huggingface-cli download {source}), copy the folder "
                           f"here and pass --clip DIR or set ${CLIP_ENV}=DIR")
    try:
        return ClipScorer(spec)
    except MissingWeightsError as exc:
        return Unavailable("clip", str(exc))


def load_lpips() -> LpipsScorer | Unavailable:
    try:
        return LpipsScorer()
    except MissingWeightsError as exc:
        return Unavailable("lpips", str(exc))
