"""Shared pieces of the serve tests: knowledge files written under tmp_path, a scripted
OpenAI-compatible HTTP server on 127.0.0.1, helpers; nothing mocked."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio

EXAMPLE_DWC = """---
title: Open a DWC window with a styled button
type: completion
generation: dwc
difficulty: basic
tags: [window, button, setstyle]
description: A window in the browser with one button coloured through CSS.
---

## Code

```bbj
sysgui! = BBjAPI().openSysGui("X0")
win! = sysgui!.addWindow(10,10,300,200,"Hello DWC",$00010083$)
btn! = win!.addButton(101,10,10,120,30,"Save")
btn!.setStyle("background-color","teal")
win!.setCallback(win!.ON_CLOSE,"on_close")
process_events

on_close:
release
```

## Expected Behavior

A browser window with a teal Save button.

## Explanation

`setStyle` sets one CSS property on the control.
"""

EXAMPLE_CHARACTER = """---
title: Clear the screen and prompt for a customer name
type: completion
generation: [character, vpro5]
difficulty: basic
tags: [input, screen]
description: Terminal screen handling with mnemonics.
---

## Code

```bbj
print 'CS',@(10,5),"Customer name: ",
input name$
print @(10,7),"Hello ",name$
```

## Expected Behavior

The screen clears and the name is echoed.

## Explanation

`'CS'` clears the screen; `@(col,row)` positions the cursor.
"""

EXAMPLE_UNLABELLED = """---
title: Read every record of a keyed file
type: completion
difficulty: basic
---

## Code

```bbj
ch = unt
open (ch)"customers.dat"
while 1
  read record (ch,end=done) rec$
  print rec$
wend
done:
close (ch)
```

## Explanation

`read record` with `end=` leaves the loop at the end of the keyed file.
"""

DOC_MARKDOWN = """# String functions

Functions that work on strings.

## CVS

`cvs(s$, mode)` converts a string: mode 1 strips leading spaces, mode 3 trims both ends.

## PAD

`pad(s$, n)` pads a string to a width.
"""

DOC_HTML = """<html><head><title>BBjWebManager</title><script>var x = 1;</script></head>
<body><h1>BBjWebManager</h1><p>Get it with <code>BBjAPI().getWebManager()</code> in the DWC.</p>
<h2>executeAsyncScript</h2><p>Runs JavaScript in the browser without waiting.</p>
<pre>wm! = BBjAPI().getWebManager()
wm!.executeAsyncScript("console.log('hi')")</pre></body></html>
"""

BROKEN_CODE = "rem count to ten\nfor i=1 10\n  print i\nnext i\n"
FIXED_CODE = "rem count to ten\nfor i=1 to 10\n  print i\nnext i\n"


def make_knowledge(tmp_path: Path) -> Path:
    """A tiny knowledge folder: three examples (one without labels), a Markdown doc, an HTML doc."""
    root = tmp_path / "knowledge"
    (root / "dwc").mkdir(parents=True)
    (root / "screens").mkdir()
    (root / "docs").mkdir()
    (root / "dwc" / "styled-button.md").write_text(EXAMPLE_DWC)
    (root / "screens" / "customer-prompt.md").write_text(EXAMPLE_CHARACTER)
    (root / "screens" / "read-keyed-file.md").write_text(EXAMPLE_UNLABELLED)
    (root / "docs" / "strings.md").write_text(DOC_MARKDOWN)
    (root / "docs" / "webmanager.html").write_text(DOC_HTML)
    return root


def config_overrides(tmp_path: Path, knowledge: Path, **more) -> dict:
    """Config for a test: its own cache, the built-in checker, fast retries, quiet logs."""
    return {"knowledge": [str(knowledge)], "cache_dir": str(tmp_path / "cache"), "checker": "builtin",
            "retries": 1, "retry_backoff": 0.01, "request_timeout": 5.0, "connect_timeout": 1.0,
            "log_level": "ERROR", **more}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answer(code: str, note: str = "") -> str:
    return f"Here is the program.\n\n```bbj\n{code}```\n{note}"


class ScriptedLLM:
    """An OpenAI-compatible /v1/chat/completions on 127.0.0.1 that plays a script.

    Each script entry is an answer text, or an (HTTP status, body) pair for a failure. Every request
    body is kept in `requests`. When the script runs out, the last entry repeats. `delay` seconds
    pass before each answer (for timeouts).
    """

    def __init__(self, script: list, delay: float = 0.0) -> None:
        self.script = list(script)
        self.delay = delay
        self.requests: list[dict] = []
        self.paths: list[str] = []
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                llm.requests.append(body)
                llm.paths.append(self.path)
                turn = llm.script[min(len(llm.requests), len(llm.script)) - 1]
                time.sleep(llm.delay)
                if self.path != "/v1/chat/completions":
                    status, payload = 404, {"error": "404 page not found"}
                elif isinstance(turn, tuple):
                    status, payload = turn
                else:
                    status, payload = 200, {"id": "x", "object": "chat.completion", "model": body["model"],
                                            "choices": [{"index": 0, "finish_reason": "stop",
                                                         "message": {"role": "assistant", "content": turn}}]}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "ScriptedLLM":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def run_async(fn, *args):
    """Run an async test body to completion (no pytest async plugin needed)."""
    return anyio.run(fn, *args)
