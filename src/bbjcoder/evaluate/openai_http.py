"""Generation through an OpenAI-compatible HTTP endpoint: Ollama, llama.cpp's llama-server, vLLM, a hosted API.

    gen = HttpGenerator("http://localhost:11434/v1", "bbjcoder-tiny", concurrency=4)

- One POST {endpoint}/chat/completions per answer (n samples = n requests with seeds seed..seed+n-1: Ollama and
  llama-server ignore the `n` field).
- The API key, when needed, comes from an environment variable (--api-key-env, default OPENAI_API_KEY), never a flag.
- At most `concurrency` requests in flight; every request has a connect timeout and a total timeout.
- Transient failures (connection reset, timeouts, 408/409/425/429/5xx) are retried with exponential backoff,
  honouring Retry-After; anything else (401, 404 model not found ...) stops the evaluation at once.
- Before the first request the endpoint is probed with a short connect timeout: a server that is not running is a
  clear EvalError within seconds, not a hang.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from ..errors import ConfigError, EvalError
from .generation import Completion, GenParams, ProgressFn, report

__all__ = ["HttpGenerator", "RETRY_STATUS"]

RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 30.0


class HttpGenerator:
    kind = "http"

    def __init__(self, endpoint: str, model: str, *, api_key_env: str = "OPENAI_API_KEY", concurrency: int = 4,
                 timeout: float = 120.0, connect_timeout: float = 5.0, retries: int = 3, backoff: float = 0.5) -> None:
        import httpx

        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"--endpoint {endpoint!r}: give an http(s) URL such as http://localhost:11434/v1")
        if concurrency < 1 or retries < 0 or timeout <= 0:
            raise ConfigError(f"--concurrency must be >= 1, --retries >= 0 and --timeout > 0 (got {concurrency}, {retries}, {timeout})")
        self.base = endpoint.rstrip("/").removesuffix("/chat/completions")
        self.model = model
        self.label = f"{model} @ {self.base}"
        self.concurrency, self.retries, self.backoff = concurrency, retries, backoff
        self.api_key_env = api_key_env
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        # a proxy from the environment may be needed for a hosted API, never for a server on this machine
        local = httpx.URL(self.base).host in ("localhost", "127.0.0.1", "::1")
        self.client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout, connect=connect_timeout),
                                   limits=httpx.Limits(max_connections=concurrency), trust_env=not local)
        self._checked = False
        self.attempts = 0  # requests sent, retries included (the tests read it)
        self._lock = threading.Lock()

    def describe(self) -> dict:
        return {"backend": "http", "endpoint": self.base, "model": self.model, "concurrency": self.concurrency}

    # --- reachability ------------------------------------------------------------------------------------------

    def check_reachable(self) -> None:
        """Fail within the connect timeout when nothing listens at the endpoint; fail on a rejected API key."""
        import httpx

        try:
            resp = self.client.get(f"{self.base}/models")
        except httpx.TransportError as exc:
            raise EvalError(
                f"{self.base}: cannot reach the endpoint ({type(exc).__name__}: {exc or 'no answer'}); is the server"
                " running? (ollama serve; llama-server -m model.gguf --port 8080) and does the URL end in /v1?"
            ) from None
        if resp.status_code in (401, 403):
            raise EvalError(f"{self.base}: the server refused the API key (HTTP {resp.status_code}); put the key in"
                            f" ${self.api_key_env} or name another variable with --api-key-env")
        self._checked = True

    # --- generation --------------------------------------------------------------------------------------------

    def generate(self, conversations: list[list[dict]], params: GenParams, progress: ProgressFn | None = None) -> list[list[Completion]]:
        if not self._checked:
            self.check_reachable()
        jobs = [(i, j) for i in range(len(conversations)) for j in range(params.n)]
        results: list[list[Completion | None]] = [[None] * params.n for _ in conversations]
        done = 0
        report(progress, params.step, 0, len(jobs))
        pool = ThreadPoolExecutor(max_workers=self.concurrency)
        failed = False
        try:
            futures = {pool.submit(self._one, conversations[i], params, params.seed + j): (i, j) for i, j in jobs}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for fut in finished:
                    if fut.exception() is not None:
                        failed = True
                        raise fut.exception()
                    i, j = futures[fut]
                    results[i][j] = fut.result()
                    done += 1
                report(progress, params.step, done, len(jobs))
        finally:
            # on a failure, queued requests are dropped and the error surfaces now, not after the in-flight ones
            pool.shutdown(wait=not failed, cancel_futures=True)
        return results  # type: ignore[return-value]

    def _payload(self, conv: list[dict], params: GenParams, seed: int) -> dict:
        payload = {"model": self.model, "messages": conv, "max_tokens": params.max_new_tokens, "stream": False, "seed": seed}
        payload.update({"temperature": 0.0} if params.greedy else {"temperature": params.temperature, "top_p": params.top_p})
        return payload

    def _one(self, conv: list[dict], params: GenParams, seed: int) -> Completion:
        data = self._post(self._payload(conv, params, seed))
        try:
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise EvalError(f"{self.base}/chat/completions: the answer is not an OpenAI chat completion: {str(data)[:200]}") from None
        usage = data.get("usage") or {}
        return Completion(text, choice.get("finish_reason") == "length", usage.get("completion_tokens"))

    def _post(self, payload: dict) -> dict:
        """POST with retries; raise EvalError on a permanent failure or when the retries run out."""
        import httpx

        url = f"{self.base}/chat/completions"
        last = ""
        for attempt in range(self.retries + 1):
            with self._lock:
                self.attempts += 1
            delay = self.backoff * 2**attempt
            try:
                resp = self.client.post(url, json=payload)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc or 'no answer'}"
            else:
                if resp.status_code == 200:
                    try:
                        return resp.json()
                    except ValueError:
                        raise EvalError(f"{url}: HTTP 200 but the body is not JSON: {resp.text[:200]!r}") from None
                if resp.status_code not in RETRY_STATUS:
                    raise EvalError(_permanent(url, resp, self.model, self.api_key_env))
                last = f"HTTP {resp.status_code}: {resp.text[:200]}"
                delay = max(delay, _retry_after(resp))
            if attempt < self.retries:
                time.sleep(delay)
        raise EvalError(f"{url}: failed after {self.retries + 1} attempt(s); last error {last}")

    def close(self) -> None:
        self.client.close()


def _retry_after(resp) -> float:
    try:
        return min(float(resp.headers.get("Retry-After", 0)), _MAX_RETRY_AFTER)
    except ValueError:
        return 0.0


def _permanent(url: str, resp, model: str, key_env: str) -> str:
    body = resp.text[:300]
    if resp.status_code in (401, 403):
        return f"{url}: HTTP {resp.status_code}, the API key was refused; set ${key_env} or choose another with --api-key-env"
    if resp.status_code == 404:
        return f"{url}: HTTP 404 ({body}); check --model {model!r} exists on the server and the URL ends in /v1"
    return f"{url}: HTTP {resp.status_code}: {body}"
