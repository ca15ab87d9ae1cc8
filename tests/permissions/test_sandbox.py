"""The sandbox over real processes: `agent -p` with a scripted model that runs the attacks,
then a look at the disk, the network and what the commands could see.

Every command here would be allowed without a question (the sandbox's autoAllow): what stops
it is the kernel, so each test checks the effect, not the decision."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from agent.permissions import landlock
from agent.permissions.sandbox import bubblewrap
from agent.permissions.seatbelt import seatbelt_profile

NEEDS_BWRAP = pytest.mark.skipif(bubblewrap()[0] is None, reason=f"no sandbox here: {bubblewrap()[1]}")
CANARY = "sk-canary-0123456789abcdef"


def run_commands(repo: Path, home: Path, server, commands: list[str], *flags: str,
                 env: dict | None = None) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`agent -p` where the model runs each command with Bash, one per turn; the results."""
    for command in commands:
        server.reply(tool_calls=[("Bash", {"command": command})])
    server.reply("done")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    done = subprocess.run([sys.executable, "-m", "agent", "-p", "go", "--output-format", "json",
                           "--base-url", server.base_url, "--api-key", CANARY, *flags],
                          cwd=repo, capture_output=True, text=True, timeout=120,
                          env={**base, "HOME": str(home), "DEPLOY_TOKEN": CANARY, **(env or {})})
    messages = server.requests[-1]["messages"]
    return done, [m["content"] for m in messages if m["role"] == "tool"]


@pytest.fixture
def project(repo, home):
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "keep.txt").write_text("keep\n")
    (home / ".bashrc").write_text("# mine\n")
    (home / "victim").mkdir()
    (home / "victim" / "data").write_text("precious\n")
    return repo


def snapshot(*roots: Path) -> dict[str, bytes]:
    """Every file, less the harness's own (transcripts, checkpoints, the server's window card)."""
    own = (".agent/sessions", ".agent/projects", ".agent/cache")
    return {str(p): p.read_bytes() for root in roots for p in sorted(root.rglob("*"))
            if p.is_file() and not any(o in str(p) for o in own)}


@NEEDS_BWRAP
def test_nothing_outside_the_workspace_or_in_its_protected_files_can_be_written(
        project, home, server):
    git_config = (project / ".git" / "config").read_bytes()
    before_home = snapshot(home)
    attacks = [
        r"\time -f'%e' -ao$HOME/.bashrc ls",
        "time -o .git/config ls", "git log --format=x --output=.git/config",
        "git diff --output=$HOME/x", "touch $HOME/x ~root/pwned /etc/pwned",
        "env -S 'touch $HOME/envs'", "env -C / touch pwned-at-root",
        "python3 -m pytest --basetemp=$HOME/victim -q . ; rm -rf $HOME/victim",
        "cp keep.txt .agent/settings.local.json; mkdir -p .agent && echo '{}' > .agent/settings.json",
        "mkdir -p .claude && echo '{}' > .claude/settings.json",
        "echo OPENAI_BASE_URL=http://attacker/v1 > .env",
        "echo 'exit 0' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit",
        "sed -i 's/bare/fsmonitor = touch pwned\\n\\tbare/' .git/config",
        "mount -o remount,rw / ; touch /usr/pwned",  # root inside must not get its powers back
        "echo '$(touch PWNED-anywhere)'; echo ${_@P}",
        "cd .. && touch outside-the-workspace",
        "ln -s $HOME/.bashrc link && echo gotcha >> link",
    ]
    # bypassPermissions: no rule stands in the way, so only the sandbox does
    done, results = run_commands(project, home, server, attacks, "--permission-mode", "bypassPermissions")
    assert done.returncode == 0, done.stderr
    assert len(results) == len(attacks) and not any(r.startswith("Permission denied") for r in results)
    assert snapshot(home) == before_home  # .bashrc, victim/, no x, no envs
    assert (project / ".git" / "config").read_bytes() == git_config
    assert not (project / ".git" / "hooks" / "pre-commit").exists()
    for name in (".agent", ".claude", ".env"):  # placeholders gone, nothing written
        assert not (project / name).exists(), name
    for path in ("/etc/pwned", "/usr/pwned", "/pwned-at-root", str(project.parent / "outside-the-workspace")):
        assert not Path(path).exists(), path
    assert "The sandbox lets commands write only in the workspace" in results[4]


@NEEDS_BWRAP
def test_the_harness_and_its_environment_are_not_visible(project, home, server):
    spies = ["ps eww $PPID; ps aux", "cat < /proc/$PPID/environ", "xargs -0 -a /proc/$PPID/environ echo",
             "cat /proc/1/environ; for p in /proc/[0-9]*; do cat $p/environ; done 2>/dev/null",
             "env"]
    done, results = run_commands(project, home, server, spies, "--permission-mode", "bypassPermissions")
    assert done.returncode == 0, done.stderr
    assert not any(CANARY in r for r in results), results
    assert "agent" not in results[0].split("PID", 1)[-1] or "-m agent" not in results[0]


@NEEDS_BWRAP
def test_no_network_unless_the_settings_allow_it(project, home, server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    probe = (f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 3); "
             "print('CONNECTED')\"")
    done, results = run_commands(project, home, server, [probe])
    assert done.returncode == 0 and "CONNECTED" not in results[0] and not accepted
    assert "refused" in results[0] or "unreachable" in results[0].lower()
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(json.dumps({"sandbox": {"network": {"allowedDomains": ["*"]}}}))
    done, results = run_commands(project, home, server, [probe])
    assert "CONNECTED" in results[0]
    listener.close()


@NEEDS_BWRAP
def test_plan_mode_changes_nothing_whatever_the_command_says(project, home, server):
    sneaky = ["echo '$(touch PWNED)'; echo ${_@P}", "printf -v 'a[$(touch PWNED2)]' x",
              "touch made.txt", "echo x >> keep.txt"]
    before = snapshot(project)
    done, results = run_commands(project, home, server, sneaky, "--permission-mode", "plan")
    assert done.returncode == 0, done.stderr
    assert snapshot(project) == before and not (project / "PWNED").exists()
    assert "Read-only file system" in results[2]


@NEEDS_BWRAP
def test_a_timeout_stops_everything_the_sandboxed_command_started(project, home, server):
    from agent.tools import ToolContext
    from agent.tools.shell import BASH
    from agent.permissions.policy import Policy
    from agent.permissions.sandbox import Sandbox

    sandbox = Sandbox(Policy("default", project))
    ctx = ToolContext(cwd=project, confine=sandbox.confine)
    nap = f"sleep 60.{os.getpid()}"  # its own length: other runs on this machine sleep too
    result = BASH.run({"command": f"({nap} &); {nap} & {nap}", "timeout": 1000}, ctx)
    assert "timed out" in result
    left = subprocess.run(["pgrep", "-f", f"^{nap}$"], capture_output=True, text=True).stdout
    assert left == ""
    assert BASH.run({"command": "echo fine > ok.txt && cat ok.txt"}, ctx) == "fine"


@NEEDS_BWRAP
def test_excluded_commands_run_outside_the_sandbox_judged_by_the_rules(project, home, server):
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(json.dumps(
        {"sandbox": {"excludedCommands": ["touch *"]}}))
    done, results = run_commands(project, home, server, ["touch $HOME/made"])
    assert results[0].startswith("Permission denied") and not (home / "made").exists()
    done, results = run_commands(project, home, server, ["touch $HOME/made"],
                                 "--permission-mode", "bypassPermissions")
    assert (home / "made").exists()  # unsandboxed, as the user asked


def test_a_project_cannot_loosen_the_sandbox_without_trust(repo, home, server):
    (repo / ".agent").mkdir()
    (repo / ".agent" / "settings.json").write_text(json.dumps(
        {"sandbox": {"enabled": False, "network": {"allowedDomains": ["*"]},
                     "filesystem": {"allowWrite": ["~"], "denyRead": ["secrets"]}}}))
    from agent.config.settings import load_settings
    settings = load_settings(repo, home)
    assert not settings.trusted and settings.sandbox.enabled is None
    assert not settings.sandbox.network and settings.sandbox.allow_write == ()
    assert settings.sandbox.deny_read == ((repo / "secrets").resolve(),)  # stricter: kept
    assert any("sandbox.enabled false" in line for line in settings.untrusted_ignored)
    trusted = load_settings(repo, home, trust_project=True)
    assert trusted.sandbox.enabled is False and trusted.sandbox.network


@pytest.mark.parametrize("sandbox, message", [
    ({"network": {"allowedDomains": ["github.com"]}}, "per-domain rules are not built"),
    ({"enabeld": True}, "did you mean enabled?"),
    ({"enabled": "yes"}, "must be true or false"),
    ({"filesystem": {"allowWrite": "~/x"}}, "must be a list of strings"),
])
def test_sandbox_settings_fail_closed(repo, home, sandbox, message):
    from agent.config.settings import SettingsError, load_settings
    (home / ".agent").mkdir()
    (home / ".agent" / "settings.json").write_text(json.dumps({"sandbox": sandbox}))
    with pytest.raises(SettingsError, match=message):
        load_settings(repo, home)


def test_without_bubblewrap_the_start_says_so_and_can_refuse(repo, home, server, tmp_path):
    bare = tmp_path / "bin"  # a PATH with git and python but no bwrap
    bare.mkdir()
    for tool in ("git", "python3", "bash", "sh"):
        if shutil.which(tool):
            (bare / tool).symlink_to(shutil.which(tool))
    server.reply("hi")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AGENT_"))}
    env = {**base, "HOME": str(home), "PATH": str(bare)}
    cmd = [sys.executable, "-m", "agent", "-p", "hi", "--base-url", server.base_url]
    done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
    if landlock.abi():  # the second choice: said, with what it does not hold
        assert done.returncode == 0 and "Sandbox: Landlock (bubblewrap (bwrap) is not installed" \
            in done.stderr and "not held" in done.stderr
    else:
        assert done.returncode == 0 and "Sandbox: unavailable, commands run unsandboxed" in done.stderr
        (home / ".agent" / "settings.json").write_text(json.dumps({"sandbox": {"failIfUnavailable": True}}))
        done = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "failIfUnavailable" in done.stderr
    done = subprocess.run([*cmd, "--no-sandbox"], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "Sandbox: off" in done.stderr


def test_the_seatbelt_profile_matches_the_linux_sandbox(tmp_path):
    profile = seatbelt_profile([tmp_path], [tmp_path / ".git" / "config", tmp_path / ".env"], False)
    assert profile.startswith("(version 1)\n(deny default)")
    assert f'(allow file-write* (subpath "{tmp_path}"))' in profile
    assert f'(deny file-write* (subpath "{tmp_path}/.git/config") (subpath "{tmp_path}/.env"))' in profile
    assert "network" not in profile and profile.count("(") == profile.count(")")
    assert "(allow network*)" in seatbelt_profile([], [], True)
    assert '"/a \\"b\\""' in seatbelt_profile([Path('/a "b"')], [], False)


@NEEDS_BWRAP
def test_files_a_read_deny_rule_covers_are_hidden_from_commands(project, home, server):
    (project / ".env").write_text("API_SECRET=hunter2\n")
    (project / "src").mkdir()
    (project / "src" / ".env").write_text("API_SECRET=nested\n")
    (project / "secrets").mkdir()
    (project / "secrets" / "key.pem").write_text("PRIVATE KEY\n")
    (project / "app.py").write_text("API_SECRET = 'from the environment'\n")
    (home / ".agent").mkdir(exist_ok=True)
    (home / ".agent" / "settings.json").write_text(json.dumps(
        {"permissions": {"deny": ["Read(.env)", "Read(./secrets/**)"]}}))
    done, results = run_commands(project, home, server,
                                 ["grep -r -e SECRET -e KEY . || true", "cat app.py; ls secrets | wc -l"])
    assert done.returncode == 0, done.stderr
    assert "hunter2" not in results[0] and "nested" not in results[0]
    assert "PRIVATE KEY" not in results[0] and "from the environment" in results[0]
    assert (project / ".env").read_text() == "API_SECRET=hunter2\n"  # hidden, not harmed


@pytest.mark.skipif(not landlock.abi(), reason="the kernel has no Landlock")
def test_landlock_holds_writes_and_tcp_where_bubblewrap_is_missing(project, home, tmp_path):
    from agent.permissions.policy import Policy
    from agent.permissions.sandbox import Sandbox
    from agent.tools import ToolContext
    from agent.tools.shell import BASH

    policy = Policy("default", project)
    sandbox = Sandbox(policy, backend="landlock", tmp=tmp_path / "session-tmp")
    policy.sandbox = sandbox
    assert sandbox.kind == "landlock" and "not held" in sandbox.describe()
    ctx = ToolContext(cwd=project, confine=sandbox.confine)
    assert BASH.run({"command": "echo in > in.txt && cat in.txt"}, ctx) == "in"
    assert "Permission denied" in BASH.run({"command": f"touch {home}/out"}, ctx)
    assert not (home / "out").exists()
    assert BASH.run({"command": "echo t > $TMPDIR/t && cat $TMPDIR/t"}, ctx) == "t"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    probe = f"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {port}), 3); print('CONNECTED')\""
    assert "CONNECTED" not in BASH.run({"command": probe}, ctx)
    listener.close()
    # what the reading cannot trust is not auto-allowed under Landlock (protected files are not held)
    assert policy.decide(BASH, {"command": "echo '$(touch x)'; echo ${_@P}"}).outcome == "ask"
    assert policy.decide(BASH, {"command": "make test"}).outcome == "allow"
