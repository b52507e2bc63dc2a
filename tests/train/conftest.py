"""Fixtures for the train tests: small real data files, a real tiny tokenizer, a micro config.

Everything is built here at test time; no downloads, no mocks. The micro model (hidden 32, 2 layers) is the tiny
preset's architecture at a size that trains a few steps in about a second on 2 CPU cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ..jsonl import write_jsonl

SYSTEM = "You are an expert BBj programmer."

PROGRAMS = [
    'rem Print a greeting\nname$ = "World"\nprint "Hello, ", name$\nend\n',
    "rem Sum 1 to 10\ntotal = 0\nfor i = 1 to 10\n    total = total + i\nnext i\nprint total\nend\n",
    'rem Read a customer\nopen (1,err=nofile)"CUSTFILE"\nread (1,key="000100",dom=missing)name$\nprint name$\nclose (1)\nend\nnofile:\nprint "no file"\nend\nmissing:\nprint "no record"\nclose (1)\nend\n',
    'rem Count lines of a file\nch = unt\nopen (ch)"data.txt"\nn = 0\nwhile 1\n    read (ch,end=*break)line$\n    n = n + 1\nwend\nclose (ch)\nprint n\nend\n',
    'rem Upper case a string\ns$ = "bbj"\nprint cvs(s$,4)\nend\n',
    'rem A class\nclass public Counter\n    field public BBjNumber Count\n    method public void add()\n        #Count = #Count + 1\n    methodend\nclassend\n',
    'rem SQL browse\nch = sqlunt\nsqlopen (ch)"CRM"\nsqlprep (ch)"SELECT NAME FROM CUSTOMER"\ndim r$:sqltmpl(ch)\nsqlexec (ch)\nwhile 1\n    r$ = sqlfetch(ch,end=*break)\n    print r.name$\nwend\nsqlclose (ch)\nend\n',
    'rem Button window\nsysgui! = BBjAPI().openSysGui("X0")\nwin! = sysgui!.addWindow(100,100,300,200,"Hi")\nbtn! = win!.addButton(101,10,10,90,25,"OK")\nbtn!.setCallback(btn!.ON_BUTTON_PUSH,"done")\nprocess_events\ndone:\nrelease\n',
    'rem Switch on a code\ncode = 2\nswitch code\n    case 1\n        print "one"\n    break\n    case default\n        print "other"\nswend\nend\n',
    'rem Repeat until done\ni = 0\nrepeat\n    i = i + 1\nuntil i > 5\nprint i\nend\n',
    'rem Write a keyed record\nmkeyed "items.dat",10,0,128\nopen (1)"items.dat"\nwrite (1,key="A1")"Widget",9.95\nclose (1)\nend\n',
    'rem Error handler\nseterr oops\nx = 1 / 0\nend\noops:\nprint "error ", err\nend\n',
]

QUESTIONS = [
    ("Print Hello World in BBj.", 'print "Hello World"\nend'),
    ("Add the numbers 1 to 10.", "total = 0\nfor i = 1 to 10\n    total = total + i\nnext i\nprint total"),
    ("Upper case the string s$.", "print cvs(s$,4)"),
    ("Open CUSTFILE on a free channel.", 'ch = unt\nopen (ch)"CUSTFILE"'),
    ("Loop until the end of file.", "while 1\n    read (ch,end=*break)line$\nwend"),
    ("Declare a string field Name$.", "field public BBjString Name$"),
    ("Close channel 1.", "close (1)"),
    ("Convert 42 to a string.", "s$ = str(42)"),
]


def conversation(i: int, turns: int = 1, system: bool = True) -> dict:
    """A ChatML record as the data stage writes it; `turns` user/assistant pairs."""
    messages = [{"role": "system", "content": SYSTEM}] if system else []
    for t in range(turns):
        q, a = QUESTIONS[(i + t) % len(QUESTIONS)]
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return {"messages": messages, "meta": {"id": f"ex{i}", "type": "completion"}}


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """build/-like folder: corpus.jsonl, train.jsonl (single and multi-turn), validation.jsonl."""
    d = tmp_path_factory.mktemp("build")
    write_jsonl(d / "corpus.jsonl", [{"text": p, "source": f"corpus/p{i}.bbj"} for i, p in enumerate(PROGRAMS)])
    train = [conversation(i, turns=1 + i % 2, system=i % 5 != 4) for i in range(16)]
    write_jsonl(d / "train.jsonl", train)
    write_jsonl(d / "validation.jsonl", [conversation(i + 3, turns=1 + i % 2) for i in range(4)])
    return d


def micro_config(data_dir: Path, runs: Path, **training) -> dict:
    """A raw config dict (as YAML would give) for the micro model on the fixture data."""
    return {
        "run": {"name": "t", "output_dir": str(runs), "seed": 1234},
        "model": {
            "base": "tiny",
            "tiny": {"vocab_size": 384, "hidden_size": 32, "num_layers": 2, "num_heads": 2, "num_kv_heads": 1,
                     "intermediate_size": 64, "max_position_embeddings": 256},
        },
        "data": {"corpus": str(data_dir / "corpus.jsonl"), "train": str(data_dir / "train.jsonl"),
                 "validation": str(data_dir / "validation.jsonl"), "corpus_validation_fraction": 0.2},
        "tracking": {"backends": ["tensorboard"]},
        "training": {"max_steps": 4, "eval_steps": 2, "save_steps": 2, "logging_steps": 1, "batch_size": 2,
                     "eval_batch_size": 4, "max_length": 128, "learning_rate": 3e-3, "warmup_ratio": 0.0,
                     "lr_scheduler": "constant", **training},
    }


@pytest.fixture(scope="session")
def micro():
    """micro_config as a fixture: micro(data_dir, runs_dir, **training_overrides) -> raw config dict."""
    return micro_config


@pytest.fixture(scope="session")
def tiny_tok(data_dir):
    """The tiny preset's tokenizer, trained on the fixture data exactly as the pipeline does."""
    from bbjcoder.train.config import validate_config
    from bbjcoder.train.stages import read_raw
    from bbjcoder.train.tokenizer import train_tiny_tokenizer

    cfg = validate_config(micro_config(data_dir, data_dir / "runs"))
    raw = read_raw(cfg)
    return train_tiny_tokenizer(raw.tokenizer_texts(), cfg.model.tiny.vocab_size, cfg.model.tiny.tokenizer_min_frequency)
