"""Fixtures for the evaluate tests: a real tiny model and run folder, real prompt and training files, and a real
OpenAI-compatible HTTP server on 127.0.0.1. Nothing mocked; everything built here at test time.

The micro model is the tiny preset's architecture (Qwen2, byte-level BPE with ChatML) at hidden 32 and 2 layers,
randomly initialised: its answers are noise, which is all the backends need, and it generates in milliseconds.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ..jsonl import write_jsonl

PROGRAMS = [
    'rem Print a greeting\nname$ = "World"\nprint "Hello, ", name$\nend\n',
    "rem Sum 1 to 10\ntotal = 0\nfor i = 1 to 10\n    total = total + i\nnext i\nprint total\nend\n",
    'rem Read a customer\nopen (1,err=nofile)"CUSTFILE"\nread (1,key="000100",dom=missing)name$\nclose (1)\nend\nnofile:\nprint "no file"\nend\nmissing:\nprint "no record"\nend\n',
    'rem Button window\nsysgui! = BBjAPI().openSysGui("X0")\nwin! = sysgui!.addWindow(100,100,300,200,"Hi")\nbtn! = win!.addButton(101,10,10,90,25,"OK")\nprocess_events\n',
]

EVALSET = [
    {"id": "t-001", "prompt": "Print Hello World in BBj.", "generation": "all", "type": "completion", "difficulty": "basic",
     "requires": ["(?i)print"]},
    {"id": "t-002", "prompt": "Sum the numbers 1 to 10 with a FOR loop and print the total.", "generation": "character",
     "type": "completion", "difficulty": "basic", "requires": ["(?i)for\\s", "(?i)next"]},
    {"id": "t-003", "prompt": "Open a window with an OK button and wait for events.", "generation": "bbj-gui",
     "type": "completion", "difficulty": "intermediate", "requires": ["(?i)process_events"]},
    {"id": "t-004", "prompt": "What does this print?\n\n```bbj\nprint 1+1\n```", "generation": "all", "type": "comprehension",
     "difficulty": "basic", "requires": ["2"]},
    {"id": "t-005", "prompt": "Migrate this to a DWC window:\n\n```bbj\nprint 'CS',\"Hi\"\n```", "generation": "dwc",
     "type": "migration", "difficulty": "advanced", "requires": []},
]

GOOD_ANSWER = 'Here it is:\n\n```bbj\nrem Greet\nname$ = "World"\nprint "Hello, ", name$\nfor i = 1 to 3\nnext i\nprocess_events\nend\n```\n\nThe answer is 2.'
BAD_ANSWER = "```bbj\nfor i=1 10\nnext i\n```"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """build/-like folder: corpus.jsonl, train.jsonl, validation.jsonl, test.jsonl, and evalset.jsonl."""
    d = tmp_path_factory.mktemp("build")
    write_jsonl(d / "corpus.jsonl", [{"text": p, "source": f"corpus/p{i}.bbj"} for i, p in enumerate(PROGRAMS)])
    convs = [{"messages": [{"role": "system", "content": "You are a BBj programmer."},
                           {"role": "user", "content": f"Write program {i}."},
                           {"role": "assistant", "content": f"```bbj\n{p}```\n\nDone."}],
              "meta": {"id": f"ex{i}", "type": "completion", "generation": ["all"], "difficulty": "basic"}}
             for i, p in enumerate(PROGRAMS)]
    write_jsonl(d / "train.jsonl", convs)
    write_jsonl(d / "validation.jsonl", convs[:2])
    write_jsonl(d / "test.jsonl", convs[2:])
    write_jsonl(d / "evalset.jsonl", EVALSET)
    return d


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, data_dir) -> Path:
    """A saved HF folder: the tiny preset's tokenizer (trained on the fixture text) and a micro random Qwen2."""
    import torch
    from transformers import AutoModelForCausalLM

    from bbjcoder.train.config import TinySection
    from bbjcoder.train.model import tiny_model_config
    from bbjcoder.train.tokenizer import train_tiny_tokenizer

    texts = PROGRAMS + [e["prompt"] for e in EVALSET] + ["system\nYou are an expert BBj programmer.\n", "user\nassistant\n"]
    tok = train_tiny_tokenizer(texts, vocab_size=384, min_frequency=1)
    torch.manual_seed(0)
    tiny = TinySection(vocab_size=384, hidden_size=32, num_layers=2, num_heads=2, num_kv_heads=1, intermediate_size=64,
                       max_position_embeddings=1024)
    model = AutoModelForCausalLM.from_config(tiny_model_config(tiny, tok))
    folder = tmp_path_factory.mktemp("hf") / "tiny-hf"
    model.save_pretrained(str(folder))
    tok.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory, tiny_model_dir, data_dir) -> Path:
    """A finished run folder as train writes it: config.yaml (resolved), tokenizer/, model/, state.json."""
    import shutil

    from bbjcoder.train.config import validate_config
    from bbjcoder.train.run import RunDir

    runs = tmp_path_factory.mktemp("runs")
    cfg = validate_config({
        "run": {"name": "tiny", "output_dir": str(runs), "seed": 7},
        "model": {"base": "tiny", "tiny": {"vocab_size": 384, "hidden_size": 32, "num_layers": 2, "num_heads": 2,
                                            "num_kv_heads": 1, "intermediate_size": 64, "max_position_embeddings": 1024}},
        "data": {"corpus": str(data_dir / "corpus.jsonl"), "train": str(data_dir / "train.jsonl"),
                 "validation": str(data_dir / "validation.jsonl")},
    })
    from bbjcoder.train.config import resolved_dict

    run = RunDir.create(runs, "tiny")
    run.write_config(resolved_dict(cfg))
    shutil.copytree(tiny_model_dir, run.model)
    shutil.copytree(tiny_model_dir, run.tokenizer, ignore=shutil.ignore_patterns("*.safetensors", "config.json", "generation_config.json"))
    run.state_file.write_text('{"state": "done", "history": []}')
    return run.root


# --- a real OpenAI-compatible server -------------------------------------------------------------------------


class ChatServer:
    """ThreadingHTTPServer on 127.0.0.1 answering GET /v1/models and POST /v1/chat/completions.

    Behaviour is set per test: `answer` (text), `fail_first` (that many 503s before succeeding), `status`
    (a permanent status for every completion), `delay` (seconds before answering), `finish_reason`.
    It records requests and the highest number in flight at once.
    """

    def __init__(self) -> None:
        self.answer = GOOD_ANSWER
        self.answers: dict[str, str] = {}  # user-prompt substring -> answer
        self.fail_first = 0
        self.status = 200
        self.delay = 0.0
        self.finish_reason = "stop"
        self.requests: list[dict] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # do not wait for handlers still sleeping after a client timed out
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _reply(self, body: dict) -> tuple[int, dict]:
        with self.lock:
            self.requests.append(body)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            failing = self.fail_first > 0
            self.fail_first -= failing
        try:
            time.sleep(self.delay)
            if failing:
                return 503, {"error": "warming up"}
            if self.status != 200:
                return self.status, {"error": {"message": f"model {body.get('model')!r} not found"}}
            user = body["messages"][-1]["content"]
            text = next((a for key, a in self.answers.items() if key in user), self.answer)
            return 200, {"id": "x", "object": "chat.completion", "model": body["model"],
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": self.finish_reason}],
                         "usage": {"prompt_tokens": 10, "completion_tokens": len(text.split())}}
        finally:
            with self.lock:
                self.in_flight -= 1

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            def do_GET(self) -> None:
                self._send(200, {"object": "list", "data": [{"id": "tiny"}]} if self.path == "/v1/models" else {"error": "no"})

            def do_POST(self) -> None:
                if self.path != "/v1/chat/completions":
                    self._send(404, {"error": "not found"})
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                self._send(*server._reply(body))

        return Handler


@pytest.fixture
def chat_server():
    server = ChatServer()
    yield server
    server.close()
