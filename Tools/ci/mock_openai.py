"""A tiny OpenAI-compatible /v1/completions server for tests of the remote backend (loopback only).

usage: python3 Tools/ci/mock_openai.py PORT_FILE
Binds 127.0.0.1 on a free port, writes the port to PORT_FILE, serves until killed. Completions are a fixed math
completion whose numbers come from the request's seed; with "echo" it returns per-character "tokens" with
text_offset and token_logprobs (-0.5 each) like vLLM's legacy completions API. A prompt containing "FAIL-ONCE"
fails with HTTP 503 the first time it is seen, to exercise retries. For tests of the HTTP client itself,
/v1/headers answers with the request's headers, body length and client port (HTTP/1.1 keep-alive: a reused
connection keeps its port), and /v1/slow answers after 5 seconds.
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

seen_failures = set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        if self.path.rstrip("/") in ("/v1/headers", "/v1/slow"):
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            if self.path.rstrip("/") == "/v1/slow":
                time.sleep(5)
            self.reply({"headers": {k.lower(): v for k, v in self.headers.items()}, "body_length": length,
                        "client_port": self.client_address[1]})
            return
        if self.path.rstrip("/") != "/v1/completions":
            self.send_error(404)
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        prompt = body.get("prompt", "")
        if "FAIL-ONCE" in prompt and prompt not in seen_failures:
            seen_failures.add(prompt)
            self.send_error(503, "try again")
            return
        if body.get("echo"):
            tokens = list(prompt)
            choice = {"text": prompt, "finish_reason": "length",
                      "logprobs": {"tokens": tokens, "text_offset": list(range(len(prompt))),
                                   "token_logprobs": [None] + [-0.5] * (len(tokens) - 1)}}
        else:
            n = int(body.get("seed", 0)) % 9 + 1
            text = (f"Ana buys {n} pens at 2 dollars each. How much does she pay?\n\nSolution:\n"
                    f"She pays {n}*2 = <<{n}*2={n * 2}>>{n * 2} dollars.\n#### {n * 2}")
            choice = {"text": text, "finish_reason": "stop"}
        self.reply({"choices": [choice], "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": 20}})

    def reply(self, answer):
        payload = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout and cancellation tests)


def main() -> None:
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
