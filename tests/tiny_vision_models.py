"""Tiny random-weight Grounding DINO, OWLv2 and SAM checkpoints, built from configs and saved
with their processors by ``save_pretrained`` — the transformers layout a user's downloaded
checkpoint has, so the real loading and inference code runs on them. Nothing is downloaded.

Facts these rely on (shared/notes/ENVIRONMENT.md): in transformers 5.x a BERT tokenizer must be
loaded from a directory holding vocab.txt (the ``vocab_file`` argument is ignored); a CLIP BPE
tokenizer can be made from the 256 byte-level characters with no merges; Grounding DINO needs
``decoder_layers >= 2`` and a ``d_model`` divisible by 32 (GroupNorm); the SAM processor's sizes
must match the tiny encoder's image size; OWLv2's PIL image processor needs scipy.
"""
from __future__ import annotations

import json
from pathlib import Path

# Words the tiny BERT knows (others become [UNK], which still works, but distinct tokens make
# the phrase-span mapping meaningful).
WORDS = ("apple mug cup glass oil bottle red blue green table chair lamp wine cat dog person "
         "bowl ball book banana lemon orange ring star").split()
SAM_IMAGE_SIZE = 64


def build_grounding_dino(directory: Path, seed: int = 0) -> Path:
    import torch
    from transformers import (BertConfig, BertTokenizerFast, GroundingDinoConfig,
                              GroundingDinoForObjectDetection, GroundingDinoImageProcessorPil,
                              GroundingDinoProcessor, SwinConfig)

    directory.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ","] + WORDS
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizerFast.from_pretrained(directory)
    torch.manual_seed(seed)
    config = GroundingDinoConfig(
        backbone_config=SwinConfig(image_size=64, patch_size=4, embed_dim=8, depths=[1, 1, 1, 1],
                                   num_heads=[1, 1, 1, 1], window_size=2, out_indices=[2, 3, 4]),
        text_config=BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1,
                               num_attention_heads=2, intermediate_size=32,
                               max_position_embeddings=64),
        d_model=32, encoder_layers=1, decoder_layers=2, encoder_ffn_dim=32, decoder_ffn_dim=32,
        encoder_attention_heads=2, decoder_attention_heads=2, num_queries=30, max_text_len=32,
        encoder_n_points=2, decoder_n_points=2)
    model = GroundingDinoForObjectDetection(config).eval()
    processor = GroundingDinoProcessor(
        image_processor=GroundingDinoImageProcessorPil(
            size={"shortest_edge": 64, "longest_edge": 96}),
        tokenizer=tokenizer)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def _clip_byte_vocab() -> dict[str, int]:
    """The byte-level alphabet of CLIP's BPE (GPT-2's printable mapping of the 256 bytes), each
    also as a word-final token, plus the two special tokens: a complete vocabulary with no
    merges."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1),
                 *range(ord("®"), ord("ÿ") + 1)]
    chars = [chr(b) for b in printable]
    chars += [chr(256 + n) for n in range(256 - len(printable))]
    vocab: dict[str, int] = {}
    for c in chars + [c + "</w>" for c in chars] + ["<|startoftext|>", "<|endoftext|>"]:
        vocab.setdefault(c, len(vocab))
    return vocab


def build_owlv2(directory: Path, seed: int = 0) -> Path:
    import torch
    from transformers import (CLIPTokenizer, Owlv2Config, Owlv2ForObjectDetection,
                              Owlv2ImageProcessorPil, Owlv2Processor)

    directory.mkdir(parents=True, exist_ok=True)
    vocab = _clip_byte_vocab()
    tokenizer = CLIPTokenizer(vocab=vocab, merges=[], model_max_length=16)
    (directory / "vocab.json").write_text(json.dumps(vocab))
    torch.manual_seed(seed)
    special = {"bos_token_id": vocab["<|startoftext|>"], "eos_token_id": vocab["<|endoftext|>"],
               "pad_token_id": vocab["<|endoftext|>"]}
    config = Owlv2Config(
        text_config=dict(vocab_size=len(vocab), hidden_size=16, intermediate_size=32,
                         num_hidden_layers=1, num_attention_heads=2,
                         max_position_embeddings=16, **special),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                           num_attention_heads=2, image_size=64, patch_size=8),
        projection_dim=16)
    model = Owlv2ForObjectDetection(config).eval()
    processor = Owlv2Processor(
        image_processor=Owlv2ImageProcessorPil(size={"height": 64, "width": 64}),
        tokenizer=tokenizer)
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory


def build_sam(directory: Path, seed: int = 0) -> Path:
    import torch
    from transformers import (SamConfig, SamImageProcessorPil, SamMaskDecoderConfig, SamModel,
                              SamProcessor, SamPromptEncoderConfig, SamVisionConfig)

    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    size = SAM_IMAGE_SIZE
    config = SamConfig(
        vision_config=SamVisionConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                      mlp_dim=32, output_channels=16, image_size=size,
                                      patch_size=8, window_size=2, global_attn_indexes=[0],
                                      num_pos_feats=8),
        prompt_encoder_config=SamPromptEncoderConfig(hidden_size=16, image_size=size,
                                                     patch_size=8, mask_input_channels=4),
        mask_decoder_config=SamMaskDecoderConfig(hidden_size=16, num_hidden_layers=2,
                                                 num_attention_heads=2, mlp_dim=32,
                                                 iou_head_hidden_dim=16))
    model = SamModel(config).eval()
    # The mask decoder upsamples the (size/8)^2 embedding 4x: low-res masks are size/2 square.
    processor = SamProcessor(image_processor=SamImageProcessorPil(
        size={"longest_edge": size}, pad_size={"height": size, "width": size},
        mask_size={"longest_edge": size // 2},
        mask_pad_size={"height": size // 2, "width": size // 2}))
    model.save_pretrained(directory)
    processor.save_pretrained(directory)
    return directory
