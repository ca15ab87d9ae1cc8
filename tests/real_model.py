"""A real llama-server with a real small model on 127.0.0.1, for the tests marked `real_model`.

`scripts/local-llm.sh setup` builds llama.cpp's llama-server and fetches a verified
Qwen2.5-Coder-0.5B-Instruct (docs/14-local-models.md); this module finds them and runs them:

    paths = cached_paths()            # None until the setup script has been run
    with LlamaServer(*paths) as server:
        model = OpenAICompatible(server.base_url, "none", "qwen")
        ...

The paths come from the script itself (`local-llm.sh path`), so the cache layout and the
`AGENT_CACHE` override live in one place. The server runs with the script's own flags
(8k context, two threads, one slot, so consecutive requests share its prompt cache), on a
free port, and is stopped by its PID. Its log goes to a temporary file, shown if it dies.
One such server runs at a time on the machine (a lock file in the cache): two test runs
each with its own server on two cores make both several times slower.
"""

from __future__ import annotations

import fcntl
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "scripts" / "local-llm.sh"
START_TIMEOUT = 120.0  # seconds: loading the 0.5B model takes a few


def cached_paths() -> tuple[Path, Path] | None:
    """(llama-server, model.gguf) when `local-llm.sh setup` has put both in the cache."""
    out = subprocess.run(["bash", str(SCRIPT), "path"], capture_output=True, text=True,
                         check=True).stdout
    paths = dict(line.split(":", 1) for line in out.splitlines())
    binary, model = Path(paths["server"].strip()), Path(paths["model"].strip())
    return (binary, model) if binary.is_file() and model.is_file() else None


class LlamaServer:
    """llama-server in a subprocess, from `/health` answering to stopped (a context manager)."""

    def __init__(self, binary: Path, model: Path) -> None:
        self.binary, self.model = binary, model
        self.port = 0
        self.base_url = ""
        self._log = tempfile.NamedTemporaryFile(prefix="llama-server-", suffix=".log")
        self._process: subprocess.Popen | None = None
        self._lock = None

    def __enter__(self) -> LlamaServer:
        self._lock = open(self.model.parent / "tests.lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # waits for another test run's server to stop
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._process = subprocess.Popen(
            [str(self.binary), "-m", str(self.model), "-c", "8192", "-t", "2", "-np", "1",
             "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while not self._healthy():
            if self._process.poll() is not None or time.monotonic() > deadline:
                why = (f"exited with {self._process.returncode}" if self._process.poll()
                       is not None else f"gave no /health within {START_TIMEOUT:g} s")
                log = self.log_tail()
                self.__exit__()
                raise RuntimeError(f"llama-server {why}:\n{log}")
            time.sleep(0.25)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()  # by the PID we started, nothing else
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()
        if self._lock is not None:
            self._lock.close()  # releases the lock

    def log_tail(self, n_lines: int = 20) -> str:
        return "\n".join(Path(self._log.name).read_text(errors="replace").splitlines()[-n_lines:])

    def _healthy(self) -> bool:
        # subtle: /health answers 503 while the model is still loading, 200 once it can serve.
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
