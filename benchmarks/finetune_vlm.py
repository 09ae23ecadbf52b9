"""Fine-tune a vision-language model on an exported distillation dataset (plain PyTorch + transformers).

Each example is a chat: one user turn with the screenshot the agent saw and ``VLMAgent``'s prompt text (action
format, instruction, the episode's previous actions), exactly what the agent sends at evaluation; the target is
the assistant turn, the action as pyautogui-style text. The loss counts only the target tokens. Prints the loss
per step and saves model + processor to ``--out``.

    # offline smoke run: a tiny random-weight LLaVA built on the spot, a few steps on CPU
    python benchmarks/finetune_vlm.py data/oracle --tiny --out /tmp/tiny-ft --steps 20 --lr 3e-3 --threads 1
    # a real model on a GPU
    python benchmarks/finetune_vlm.py data/oracle --model /models/SmolVLM-256M-Instruct --device cuda \\
        --steps 500 --batch-size 4 --lr 1e-5 --out checkpoints/smolvlm-oracle

The dataset is a folder written by ``gym-anything export`` (either format). Any model that
``AutoProcessor`` + ``AutoModelForImageTextToText`` load and whose processor has a chat template works.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PER_TOKEN_KEYS = ("input_ids", "attention_mask", "token_type_ids", "mm_token_type_ids")


def build_messages(instruction: str, history: list[str], width: int, height: int) -> list[dict[str, Any]]:
    """The chat an example's prompt is rendered from: exactly what VLMAgent sends with a transformers backend
    (one user turn: the screenshot, then the agent's prompt text); the assistant turn is the target."""
    from gym_anything.agents.vlm import build_prompt

    text = build_prompt(instruction, width, height, past=history)
    return [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]


def encode(processor: Any, row: dict[str, Any], history: int) -> dict[str, Any]:
    """Prompt tokens + pixels from the processor, target tokens appended, labels -100 on the prompt."""
    import torch

    width, height = row["image"].size
    messages = build_messages(row["instruction"], row["history"][-history:] if history else [], width, height)
    prompt = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    full = processor.apply_chat_template(
        messages + [{"role": "assistant", "content": [{"type": "text", "text": row["action"]}]}], tokenize=False)
    # the template's own end of turn is part of the target; tokenised apart so the prompt's tokens stay intact
    target = full[len(prompt):] if full.startswith(prompt) else row["action"]
    tokenizer = processor.tokenizer
    target_ids = tokenizer(target, add_special_tokens=False, return_tensors="pt")["input_ids"][0]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in target_ids.tolist():
        target_ids = torch.cat([target_ids, torch.tensor([tokenizer.eos_token_id])])
    inputs = processor(text=[prompt], images=[row["image"].convert("RGB")], return_tensors="pt")
    example = {k: v for k, v in inputs.items() if k not in PER_TOKEN_KEYS}
    prompt_ids = inputs["input_ids"][0]
    example["input_ids"] = torch.cat([prompt_ids, target_ids])
    example["labels"] = torch.cat([torch.full_like(prompt_ids, -100), target_ids])
    for key in PER_TOKEN_KEYS[2:]:
        if key in inputs:  # e.g. image-token markers: the target's tokens are text (0)
            example[key] = torch.cat([inputs[key][0], torch.zeros_like(target_ids)])
    return example


def collate(examples: list[dict[str, Any]], pad_id: int) -> dict[str, Any]:
    """Right-pad the token sequences; concatenate image tensors along the batch dimension."""
    import torch

    length = max(len(e["input_ids"]) for e in examples)
    batch: dict[str, Any] = {"input_ids": torch.full((len(examples), length), pad_id, dtype=torch.long),
                             "attention_mask": torch.zeros((len(examples), length), dtype=torch.long),
                             "labels": torch.full((len(examples), length), -100, dtype=torch.long)}
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        batch["input_ids"][i, :n], batch["labels"][i, :n], batch["attention_mask"][i, :n] = \
            e["input_ids"], e["labels"], 1
    for key in examples[0]:
        if key in batch:
            continue
        if key in PER_TOKEN_KEYS:
            padded = torch.zeros((len(examples), length), dtype=examples[0][key].dtype)
            for i, e in enumerate(examples):
                padded[i, : len(e[key])] = e[key]
            batch[key] = padded
        else:
            batch[key] = torch.cat([e[key] for e in examples])
    return batch


def load_model(args: argparse.Namespace, scratch: Path):
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor

    path = args.model
    if args.tiny:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from tiny_vlm import build_tiny_llava

        path = str(build_tiny_llava(scratch / "tiny-llava"))
    dtype = {"auto": torch.bfloat16 if args.device.startswith("cuda") else torch.float32,
             "float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[args.dtype]
    processor = AutoProcessor.from_pretrained(path)
    model = AutoModelForImageTextToText.from_pretrained(path, dtype=dtype).to(args.device)
    return path, processor, model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", help="a folder written by gym-anything export")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", help="a local model folder (AutoModelForImageTextToText + AutoProcessor)")
    which.add_argument("--tiny", action="store_true", help="a tiny random-weight LLaVA built offline (smoke test)")
    parser.add_argument("--out", required=True, help="where the fine-tuned model and processor are saved")
    parser.add_argument("--split", default="train")
    parser.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    parser.add_argument("--dtype", default="auto", choices=("auto", "float32", "bfloat16", "float16"),
                        help="auto: float32 on CPU, bfloat16 on CUDA")
    parser.add_argument("--steps", type=int, default=20, help="optimizer steps")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-5)
    parser.add_argument("--history", type=int, default=8, help="previous actions shown in the prompt (0 = none)")
    parser.add_argument("--gradient-checkpointing", action="store_true", help="less GPU memory, slower steps")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice; 1 is much "
                                                    "faster on a busy shared CPU)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for name in ("steps", "batch_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.lr <= 0 or args.history < 0 or (args.threads is not None and args.threads < 1):
        parser.error("--lr must be > 0, --history >= 0 and --threads >= 1")

    import torch

    from gym_anything.benchmark.export import load_export

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    dataset = load_export(args.data)
    if args.split not in dataset:
        parser.error(f"the dataset has no split {args.split!r}; it has {sorted(dataset)}")
    rows = dataset[args.split]
    out = Path(args.out)
    with tempfile.TemporaryDirectory(prefix="finetune-vlm-") as scratch:
        source, processor, model = load_model(args, Path(scratch))
    tokenizer = processor.tokenizer
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"fine-tuning {source} ({parameters / 1e6:.2f}M parameters) on {len(rows)} examples "
          f"({args.split}) for {args.steps} steps, batch {args.batch_size}, lr {args.lr}, {args.device}", flush=True)

    generator = torch.Generator().manual_seed(args.seed)
    order: list[int] = []
    losses: list[float] = []
    started = time.perf_counter()
    for step in range(1, args.steps + 1):
        indices = []
        while len(indices) < args.batch_size:
            if not order:  # a fresh shuffled pass over the examples
                order = torch.randperm(len(rows), generator=generator).tolist()
            indices.append(order.pop())
        batch = collate([encode(processor, rows[i], args.history) for i in indices], pad_id)
        batch = {k: v.to(args.device) for k, v in batch.items()}
        if "pixel_values" in batch:
            batch["pixel_values"] = batch["pixel_values"].to(model.dtype)
        t = time.perf_counter()
        loss = model(**batch).loss
        if not math.isfinite(loss.item()):
            print(f"step {step}: the loss is {loss.item()}; stopping", file=sys.stderr)
            return 1
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 5))
        print(f"step {step:4d}/{args.steps}  loss {loss.item():.4f}  ({time.perf_counter() - t:.2f}s)", flush=True)

    model.save_pretrained(out)
    processor.save_pretrained(out)
    log = {"model": args.model or "tiny", "data": str(args.data), "split": args.split, "examples": len(rows),
           "steps": args.steps, "batch_size": args.batch_size, "lr": args.lr, "history": args.history,
           "seed": args.seed, "losses": losses, "seconds": round(time.perf_counter() - started, 2)}
    (out / "training.json").write_text(json.dumps(log, indent=2))
    print(f"saved to {out}/ (loss {losses[0]:.4f} -> {losses[-1]:.4f}, {log['seconds']:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
