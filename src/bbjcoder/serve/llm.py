"""A small client for OpenAI-compatible chat endpoints (Ollama, llama.cpp's llama-server, vLLM ...).

    client = ChatClient("http://localhost:11434/v1", "bbj-coder")
    answer = await client.chat([{"role": "user", "content": "Write a BBj program that ..."}])

One request shape: POST {endpoint}/chat/completions with
`{"model", "messages", "temperature", "max_tokens", "stream": false}`; the answer is
`choices[0].message.content`. Connection errors, timeouts, 429 and 5xx are retried with
exponential backoff (a Retry-After of up to 30 s is honoured); other errors are not. Every failure
ends in one ServeError that names the endpoint, what happened and what to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import anyio
import httpx

from ..errors import ServeError

__all__ = ["ChatClient", "Message"]

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class ChatClient:
    endpoint: str  # base URL, e.g. http://localhost:11434/v1
    model: str
    api_key: str | None = None
    temperature: float = 0.2
    max_tokens: int = 1024
    request_timeout: float = 120.0
    connect_timeout: float = 5.0
    retries: int = 2
    retry_backoff: float = 0.5

    @property
    def url(self) -> str:
        return self.endpoint.rstrip("/") + "/chat/completions"

    async def chat(self, messages: list[Message]) -> str:
        """The assistant's answer to `messages`; ServeError when the endpoint cannot give one."""
        payload = {"model": self.model, "messages": messages, "temperature": self.temperature,
                   "max_tokens": self.max_tokens, "stream": False}
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        timeout = httpx.Timeout(self.request_timeout, connect=self.connect_timeout)
        # Proxy variables are ignored for loopback endpoints: a corporate HTTP_PROXY must not swallow localhost.
        loopback = httpx.URL(self.url).host in ("localhost", "127.0.0.1", "::1")
        async with httpx.AsyncClient(timeout=timeout, headers=headers, trust_env=not loopback) as http:
            for attempt in range(self.retries + 1):
                last = attempt == self.retries
                try:
                    response = await http.post(self.url, json=payload)
                except httpx.TimeoutException as exc:
                    if last:
                        raise self._error(f"no answer within {self._timeout_words(exc)}", attempt,
                                          "raise request_timeout, or use a smaller/faster model") from None
                except httpx.TransportError as exc:
                    if last:
                        raise self._error(f"not reachable ({_reason(exc)})", attempt,
                                          "start the model server (`ollama serve`, `llama-server ...`) or fix "
                                          "--endpoint") from None
                else:
                    if response.status_code < 400:
                        return self._content(response)
                    if response.status_code not in _RETRY_STATUS or last:
                        raise self._http_error(response, attempt)
                    await anyio.sleep(self._delay(attempt, response))
                    continue
                await anyio.sleep(self._delay(attempt, None))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _delay(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = response.headers.get("retry-after") if response is not None else None
        if retry_after and retry_after.isdigit():
            return min(float(retry_after), 30.0)
        return self.retry_backoff * (2 ** attempt) * (1 + 0.1 * random.random())

    def _timeout_words(self, exc: httpx.TimeoutException) -> str:
        if isinstance(exc, httpx.ConnectTimeout):
            return f"connect_timeout={self.connect_timeout:g}s (connecting)"
        return f"request_timeout={self.request_timeout:g}s"

    def _error(self, what: str, attempt: int, fix: str) -> ServeError:
        tries = f" after {attempt + 1} tries" if attempt else ""
        return ServeError(f"model endpoint {self.endpoint} {what}{tries}: {fix}")

    def _http_error(self, response: httpx.Response, attempt: int) -> ServeError:
        body = response.text.strip().replace("\n", " ")[:300]
        status = response.status_code
        if status == 404 and "model" in body.lower():
            fix = (f"is model {self.model!r} served there? (`ollama list`; create it with `ollama create "
                   f"{self.model} -f Modelfile`, or fix --model)")
        elif status == 404:
            fix = "the URL has no /chat/completions: the endpoint should be the /v1 base URL"
        elif status in (401, 403):
            fix = "the endpoint wants an API key: set the variable named by api_key_env"
        else:
            fix = "see the endpoint's logs"
        return self._error(f"answered HTTP {status}: {body or response.reason_phrase}", attempt, fix)

    def _content(self, response: httpx.Response) -> str:
        try:
            data = response.json()
            content = data["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            snippet = response.text.strip().replace("\n", " ")[:200]
            raise ServeError(f"model endpoint {self.endpoint} gave no choices[0].message.content: {snippet!r}; "
                             "is it an OpenAI-compatible /v1 endpoint?") from None
        if not isinstance(content, str):
            raise ServeError(f"model endpoint {self.endpoint} answered content of type {type(content).__name__}")
        return content


def _reason(exc: httpx.TransportError) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"nothing accepted the connection: {text}"
    return text
