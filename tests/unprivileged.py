"""Run a function as an unprivileged user, so that permission bits hold (root ignores them).

    out = as_nobody(fn)     fn(folder) -> a JSON value; folder: a fresh folder the user owns

When the tests run as root, fn runs in a forked child that has dropped to uid and gid 65534
(nobody); otherwise it runs here, as the user already is one. The child is forked, not
started anew: it may not be able to exec the interpreter (under /root), so whatever fn
imports must be imported before the call. Its folder is made in /tmp (pytest's tmp_path is
root's alone) and removed afterwards."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import traceback
from pathlib import Path

NOBODY = 65534


def as_nobody(fn):
    folder = Path(tempfile.mkdtemp(prefix="agent-nobody-"))
    try:
        if os.getuid() != 0:
            return fn(folder)
        os.chown(folder, NOBODY, NOBODY)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: drop root, run, send the answer, never return into pytest
            os.close(read)
            try:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                answer = {"value": fn(folder)}
            except BaseException:
                answer = {"error": traceback.format_exc()}
            with os.fdopen(write, "w") as f:
                f.write(json.dumps(answer))
            os._exit(0)
        os.close(write)
        with os.fdopen(read) as f:
            answer = json.loads(f.read() or '{"error": "the child sent nothing"}')
        os.waitpid(pid, 0)
        assert "error" not in answer, answer["error"]
        return answer["value"]
    finally:
        for top, dirs, _ in os.walk(folder):  # unlock each folder before it is entered
            for name in dirs:
                os.chmod(os.path.join(top, name), 0o755)
        shutil.rmtree(folder, ignore_errors=True)
