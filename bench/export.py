"""Benchmark: writing an F16 GGUF with our writer vs copying the same number of bytes on disk.

    .venv/bin/python bench/export.py                  # random Qwen2, ~88M parameters (~350 MB fp32, ~176 MB F16)
    .venv/bin/python bench/export.py --layers 2       # smaller, quicker

The writer reads the fp32 safetensors, converts each tensor to F16 (norms and biases stay F32) and streams it to
the file; the baseline copies the finished GGUF (the same bytes) to another file with shutil.copyfile, in the same
process and folder. Both are timed `--repeat` times and the best of each is compared (the machine is shared; the
best run is the least disturbed). Wall clock and this process's CPU time are printed. Target (issue 7): the GGUF
write within 3x of the copy.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path


def _model(folder: Path, layers: int) -> None:
    """A random Qwen2 (hidden 768, FFN 2048, 12 heads / 4 KV, vocab 32000, tied) and the tiny tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    from bbjcoder.train.tokenizer import train_tiny_tokenizer

    tok = train_tiny_tokenizer(['rem bench\nprint "hello"\nfor i = 1 to 10\nnext i\nend\n'] * 50, vocab_size=300)
    config = Qwen2Config(vocab_size=32000, hidden_size=768, intermediate_size=2048, num_hidden_layers=layers,
                         num_attention_heads=12, num_key_value_heads=4, max_position_embeddings=4096,
                         tie_word_embeddings=True, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    with torch.device("cpu"):
        model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=10, help="Transformer blocks (10: ~88M parameters).")
    parser.add_argument("--repeat", type=int, default=3, help="Timed runs of each; the best is compared.")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    from bbjcoder.export.gguf_file import write_gguf

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        root = Path(tmp)
        src = root / "model"
        _model(src, args.layers)
        tok = AutoTokenizer.from_pretrained(str(src))
        gguf, copy = root / "bench-f16.gguf", root / "copy.gguf"
        writes, copies = [], []
        for _ in range(args.repeat):
            gguf.unlink(missing_ok=True)  # both write a new file: no time spent dropping an old one
            writes.append(_timed(lambda: write_gguf(src, tok, gguf, "f16", "bench")))
            copies.append(_timed(lambda: shutil.copyfile(gguf, copy)))
            copy.unlink()
        size = gguf.stat().st_size
        n_params = sum(p.stat().st_size for p in src.glob("*.safetensors")) // 4
        write, copy_best = min(writes), min(copies)
        print(f"model: ~{n_params / 1e6:.0f}M parameters, fp32 safetensors {n_params * 4 / 1e6:.0f} MB -> F16 GGUF {size / 1e6:.0f} MB")
        print(f"write F16 GGUF: {write[0]:.2f} s wall ({size / write[0] / 1e6:.0f} MB/s), {write[1]:.2f} s CPU   (all: {', '.join(f'{w:.2f}' for w, _ in writes)})")
        print(f"copy same bytes: {copy_best[0]:.2f} s wall ({size / copy_best[0] / 1e6:.0f} MB/s), {copy_best[1]:.2f} s CPU   (all: {', '.join(f'{c:.2f}' for c, _ in copies)})")
        ratio = write[0] / copy_best[0]
        print(f"ratio write/copy: {ratio:.2f}x (target <= 3x): {'OK' if ratio <= 3 else 'OVER'}")


if __name__ == "__main__":
    main()
