"""Write a tiny random-weight Stable Diffusion inpainting pipeline that diffusers loads with
``AutoPipelineForInpainting.from_pretrained`` like a real one.

Tests and benchmarks use it to run the *real* loading and inference code of the generative
bricks (crop, resize, seeded denoising, paste-back) on a CPU in a fraction of a second, with no
hub access. The weights are random: the pictures are noise, the code path is the real one.

Facts this relies on (ENVIRONMENT.md): the UNet of an inpainting model takes 9 input channels
(4 latent + 1 mask + 4 masked-image latent); a CLIP BPE tokenizer works from a ``vocab.json`` of
the 256 byte-level characters (plus their ``</w>`` forms and the two special tokens) and a
``merges.txt`` holding only the version line; the scheduler needs ``steps_offset=1``.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

# The tiny model's native resolution: UNet sample_size 32 latents x VAE scale factor 2.
TINY_NATIVE = 64


def _byte_level_chars() -> list[str]:
    """The 256 printable stand-ins byte-level BPE (GPT-2, CLIP) uses for the byte values."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("\u00a1"), ord("\u00ac") + 1),
                 *range(ord("\u00ae"), ord("\u00ff") + 1)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def _write_clip_tokenizer(directory: Path) -> None:
    chars = _byte_level_chars()
    tokens = chars + [c + "</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
    (directory / "merges.txt").write_text("#version: 0.2\n")


def write_tiny_inpaint_pipeline(path: str | Path, seed: int = 0) -> Path:
    """Build the tiny pipeline from configs (seeded random weights) and save it at ``path``."""
    import torch
    from diffusers import (AutoencoderKL, DDIMScheduler, StableDiffusionInpaintPipeline,
                           UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    path = Path(path)
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        sample_size=TINY_NATIVE // 2, in_channels=9, out_channels=4, layers_per_block=1,
        block_out_channels=(16, 32), norm_num_groups=8, cross_attention_dim=16,
        attention_head_dim=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"))
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(16, 32),
        norm_num_groups=8, layers_per_block=1, sample_size=TINY_NATIVE,
        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2)
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=514, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, max_position_embeddings=77, projection_dim=16,
        bos_token_id=512, eos_token_id=513, pad_token_id=513))
    with tempfile.TemporaryDirectory() as vocab_dir:
        _write_clip_tokenizer(Path(vocab_dir))
        tokenizer = CLIPTokenizer.from_pretrained(vocab_dir, model_max_length=77)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    pipe = StableDiffusionInpaintPipeline(
        unet=unet, vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, scheduler=scheduler,
        safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(path)
    return path
