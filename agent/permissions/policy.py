"""Who may run which tool: rules, modes, paths, the hard floor, and asking the user.

Every call gets one decision, "allow", "ask" or "deny", in this order; the first that
applies wins:

    Bash: the hard floor (rm -rf ~, mkfs, curl | sh, ...)       -> deny, in every mode
    a deny rule matches (for Bash: any piece of the command)    -> deny
    an ask rule matches                                         -> ask
    bypassPermissions mode                                      -> allow
    Bash in the sandbox (autoAllowBashIfSandboxed), no path
      named outside the workspace                               -> allow (the kernel holds it)
    Bash: substitution, redirection to a file, sudo, ...        -> ask (plan: deny)
    an allow rule matches (Bash: every piece, each on its own)  -> allow
    the mode's default:
        read-only tools, and read-only commands (ls, git diff)  -> allow inside the workspace
        acceptEdits: tools judged by Edit rules, in the workspace -> allow
        plan: anything that is not read-only                    -> deny
        anything else                                           -> ask
    a plugin's mode: default's decision, made stricter, or its plain question allowed
      (never the floor, a rule, a protected path or one outside: plugin_modes.py)

A tool's paths are its `file_path`, `path` or `notebook_path` arguments (or what it
declares), judged by Read rules when it only reads and by Edit rules otherwise, whoever
wrote the tool. Paths are resolved (`~`, `..`, symlinks, relative to cwd) before they are
judged. The workspace is cwd and the additional directories; a path outside it asks.
`.git/`, `.agent/`, `.claude/` and settings files are never edited on a mode's say-so: only a
rule that names them allows it. An "ask" goes to the user on a terminal; in print mode it is
a denial that says which rule or flag would allow the call (agent/permissions/gate.py).

What is protected: the calls the tools make, as described. Commands also run in an OS
sandbox where one works (sandbox.py); without it, an allowed command can do anything the
user can (run a script the model wrote), and the shell analysis (shell_parse.py)
approximates bash, failing closed (to "ask") where it is unsure.
Claude Code counterpart: permission modes and rules, `--allowedTools`, `--disallowedTools`.
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agent.permissions.hard_floor import catastrophic
from agent.permissions.rules import (Rule, applies_to, matches_command, matches_name, matches_path,
                                     matches_url)
from agent.permissions.shell_parse import Piece, analyze, is_read_only
from agent.tools import Tool
from agent.tools.tool import expand_user

if TYPE_CHECKING:
    from agent.permissions.plugin_modes import Mode

MODES = ("default", "acceptEdits", "plan", "bypassPermissions")
PROTECTED = (".git", ".agent", ".claude")


@dataclass(frozen=True)
class Decision:
    """What to do with a call, and why (shown by `agent permissions explain` and in refusals)."""

    outcome: str
    reason: str
    rule: Rule | None = None
    fallback: bool = False
    """Only the mode's question ("no rule allows it"): a plugin's mode may allow it."""
    mode: str | None = None
    """The plugin's mode that made this decision, when one did (not a rule can change it)."""


@dataclass
class Policy:
    """The mode, the rules and the workspace: everything a decision depends on."""

    mode: str
    cwd: Path
    rules: list[Rule] = field(default_factory=list)
    directories: list[Path] = field(default_factory=list)
    """Additional directories that count as the workspace."""
    home: Path = field(default_factory=Path.home)
    project: Path | None = None
    """Where remembered rules are written, and what their `/path` is relative to (default cwd)."""
    sandbox: object | None = None
    """The session's sandbox (agent/permissions/sandbox.py): a command it covers needs no
    question (sandbox.autoAllowBashIfSandboxed). None: no sandbox."""
    modes: dict[str, Mode] = field(default_factory=dict)
    """The modes plugins added, by name (agent/permissions/plugin_modes.py)."""

    def decide(self, tool: Tool, args: dict) -> Decision:
        """The rules' and the built-in mode's decision, then a plugin's mode's on it."""
        try:
            decision = (self.decide_command(str(args.get("command", ""))) if tool.name == "Bash"
                        else self.decide_paths(tool, args))
        except ValueError as err:  # a path that cannot be one: nothing to judge, nothing to run
            decision = Decision("deny", str(err))
        mode = self.modes.get(self.mode)
        return mode.judge(tool, args, decision) if mode else decision

    def decide_paths(self, tool: Tool, args: dict) -> Decision:
        paths = self.paths(tool, args)
        url = str(args.get("url", ""))
        if tool.rule_argument:  # Task(Explore): the specifier names the argument, not a path
            url = str(args.get(tool.rule_argument, ""))
        for kind in ("deny", "ask"):
            for rule in self.rules_of(kind, tool.name, tool.rule_family):
                if self.rule_matches(rule, paths, url, bool(tool.rule_argument)):
                    return Decision(kind, f"the {kind} rule {rule.text} ({rule.source})", rule)
        rule = self.allowed_by(self.rules_of("allow", tool.name, tool.rule_family), paths, url,
                               bool(tool.rule_argument))
        if rule:
            return Decision("allow", f"the allow rule {rule.text} ({rule.source})", rule)
        return self.by_mode(tool, paths)

    def allowed_by(self, rules: list[Rule], paths: list[Path], url: str,
                   named: bool = False) -> Rule | None:
        """The allow rule that lets the call run: every path must be allowed, each by some
        rule, and a broad rule does not open .git/ or the settings files (None: no rule)."""
        if not paths:
            return next((r for r in rules if self.rule_matches(r, paths, url, named)), None)
        used = []
        for path in paths:
            rule = next((r for r in rules if self.rule_matches(r, [path], url)
                         and (not self.protected(path) or names(r, path))), None)
            if rule is None:
                return None
            used.append(rule)
        return used[0]

    def by_mode(self, tool: Tool, paths: list[Path]) -> Decision:
        mode = self.mode if self.mode in MODES else "default"  # a plugin's mode: default's
        if mode == "bypassPermissions":
            return Decision("allow", "bypassPermissions mode allows every call not denied")
        outside = [p for p in paths if not self.inside(p)]
        if tool.read_only:
            if outside:
                return Decision("ask", f"{outside[0]} is outside the workspace ({self.cwd})")
            return Decision("allow", f"{tool.name} only reads, inside the workspace")
        if mode == "plan":
            return Decision("deny", "plan mode allows only read-only tools until the plan is approved")
        if mode == "acceptEdits" and tool.rule_family == "Edit" and paths and not outside:
            protected = [p for p in paths if self.protected(p)]
            if protected:
                return Decision("ask", f"{protected[0]} is protected: only a rule that names it allows edits")
            return Decision("allow", "acceptEdits mode allows edits inside the workspace")
        protected = [p for p in paths if self.protected(p)]  # a mode may not open either
        where = (f"; {outside[0]} is outside the workspace" if outside else
                 f"; {protected[0]} is protected: only a rule that names it allows edits"
                 if protected else "")
        return Decision("ask", f"no rule allows it in {self.mode} mode{where}", fallback=not where)

    def decide_command(self, command: str) -> Decision:
        floor = catastrophic(command, self.cwd, self.home)
        if floor:
            return Decision("deny", f"refused in every mode: {floor}")
        analysis = analyze(command)
        for kind in ("deny", "ask"):
            for piece in analysis.pieces:
                rule = self.command_rule(kind, piece)
                if rule:
                    return Decision(kind, f"`{piece.text}` matches the {kind} rule {rule.text} "
                                          f"({rule.source})", rule)
        made = next((p for p in analysis.pieces if p.dynamic), None)
        if made and self.rules_of("deny", "Bash"):  # it could be what a deny rule names
            return Decision("deny", f"the command name of `{made.raw[:60]}` is made when it runs, "
                                    "so a Bash deny rule cannot be checked: write the name itself")
        mode = self.mode if self.mode in MODES else "default"  # a plugin's mode: default's
        if mode == "bypassPermissions":
            return Decision("allow", "bypassPermissions mode allows every command not denied")
        # what the reading cannot see might be what a deny or ask rule names: then it asks
        unsure = analysis.risks and (self.rules_of("deny", "Bash") or self.rules_of("ask", "Bash")
                                     or getattr(self.sandbox, "kind", None) == "landlock")
        if self.sandbox is not None and self.sandbox.covers(command) and not unsure and \
                self.sandbox.settings.auto_allow:
            outside = [p for piece in analysis.pieces for p in self.outside_words(piece)]
            if outside:  # the sandbox lets it read everywhere: a named path outside still asks
                return Decision("ask", f"the command names {outside[0]}, outside the workspace")
            where = "nothing (plan mode)" if mode == "plan" else "only in the workspace"
            return Decision("allow", f"it runs in the sandbox: it can write {where}, with no "
                                     "network and no view of the harness")
        if analysis.risks:
            outcome = "deny" if mode == "plan" else "ask"
            return Decision(outcome, "the command needs a look: " + "; ".join(analysis.risks))
        reasons, used, unruled = [], None, []
        for piece in analysis.pieces:
            outside = self.outside_words(piece)
            if outside:  # even an allowed command asks before it reaches outside the workspace
                return Decision("ask", f"`{piece.text}` names {outside[0]}, outside the workspace")
            held = [p for w in path_words(piece, bare=True) for p in self.word_paths(w)
                    if self.protected(p)]
            if held and not is_read_only(piece):  # `git log --output=.git/config`, `cp x .env`
                return Decision("ask", f"`{piece.text}` names {held[0]}, which only a rule that "
                                       "names it may change")
            rule = self.command_rule("allow", piece)
            if rule:
                reasons.append(f"`{piece.text}` by {rule.text} ({rule.source})")
                used = used or rule
            elif is_read_only(piece):
                reasons.append(f"`{piece.text}` only reads")
            elif mode == "plan":
                return Decision("deny", "plan mode allows only read-only commands")
            else:  # asked after the loop: a later piece outside the workspace asks for that
                unruled.append(piece)
        if unruled:
            return Decision("ask", f"no rule allows `{unruled[0].text}` in {self.mode} mode",
                            fallback=True)
        if not reasons:
            return Decision("ask", "an empty command")
        return Decision("allow", "every piece is allowed: " + "; ".join(reasons), used)

    def command_rule(self, kind: str, piece: Piece) -> Rule | None:
        texts = [piece.text] if kind == "allow" else spellings(piece)  # never widen an allow
        for rule in self.rules_of(kind, "Bash"):
            if any(matches_command(rule, text) for text in texts):
                return rule
        if kind == "deny":  # `cat .env` is a read: Read and Edit deny rules cover it too
            for path in (p for w in path_words(piece, bare=True) for p in self.word_paths(w)):
                for rule in self.rules_of("deny", "Read", "Read") + self.rules_of("deny", "Edit", "Edit"):
                    if rule.specifier and matches_path(rule, path, self.cwd, self.home):
                        return rule
        return None

    def outside_words(self, piece: Piece) -> list[Path | str]:
        """The paths a piece names outside the workspace; a path built from a variable counts
        as outside (it is known only when the command runs)."""
        out: list[Path | str] = []
        for word in path_words(piece):
            paths = self.word_paths(word)
            out += [p for p in paths if not self.inside(p)] if paths else [f"`{word}`"]
        return out

    def word_paths(self, word: str) -> list[Path]:
        """What a word of a command may name, as bash will expand it: $HOME, {a,b} braces, and
        glob patterns matched against the disk (the pattern itself too). [] for a word that
        holds another variable: nobody can know it before it runs."""
        word = re.sub(r"^\$(HOME\b|\{HOME\})", lambda m: str(self.home), word)
        if "$" in word:
            return []
        paths = []
        for each in braces(word):
            path = self.resolve(each)
            paths.append(path)
            if any(c in each for c in "*?["):
                paths += [Path(p).resolve() for p in glob.glob(str(path))[:200]]
        return paths

    def rules_of(self, kind: str, tool: str, family: str | None = None) -> list[Rule]:
        return [r for r in self.rules if r.kind == kind and applies_to(r, tool, family)]

    def rule_matches(self, rule: Rule, paths: list[Path], url: str, named: bool = False) -> bool:
        """Whether a rule matches any of the paths (one secret is enough to deny); `named`:
        `url` is the argument the tool's rules name (agent.tools.Tool.rule_argument)."""
        if rule.specifier is None:
            return True
        if named:
            return matches_name(rule, url)
        if rule.tool == "WebFetch":
            return bool(url) and matches_url(rule, url)
        return any(matches_path(rule, p, self.cwd, self.home) for p in paths)

    def paths(self, tool: Tool, args: dict) -> list[Path]:
        """The resolved paths a call touches: each of the tool's path arguments given. A tool
        whose path is optional and was given none works on the working directory (Glob, Grep)."""
        given = [str(args[name]) for name in tool.path_arguments
                 if args.get(name) not in (None, "")]
        required = tool.parameters.get("required", [])
        if not given and any(name not in required for name in tool.path_arguments):
            given = ["."]
        return [self.resolve(raw) for raw in given]

    def resolve(self, path: str) -> Path:
        """As the tools and bash resolve it: `~`, `~user`, relative to cwd, symlinks followed.
        ValueError for a path that cannot be one (a NUL byte)."""
        p = Path(expand_user(path, self.home))
        return (p if p.is_absolute() else self.cwd / p).resolve()

    def inside(self, path: Path) -> bool:
        return any(path.is_relative_to(d.resolve()) for d in [self.cwd, *self.directories])

    def protected(self, path: Path) -> bool:
        """In .git/, .agent/ or .claude/ (where the settings files are), or a .env file (it
        points the next session at a server): names compared without case, as a case-blind
        disk (macOS, Windows) compares them."""
        parts = [part.lower() for part in path.parts]
        return any(name in parts for name in PROTECTED) or parts[-1:] == [".env"]

    def read_denied(self, path: Path) -> bool:
        """A Read deny rule covers this file (Grep and Glob leave it out of their results)."""
        return any(rule.specifier and matches_path(rule, path, self.cwd, self.home)
                   for rule in self.rules_of("deny", "Read", "Read"))


def names(rule: Rule, path: Path) -> bool:
    """Whether a rule names a protected path itself (`Edit(.git/**)`), not just a broad
    pattern: one of the rule's path segments is the protected name, literally."""
    segments = {s.lower() for s in (rule.specifier or "").split("/")}
    parts = [part.lower() for part in path.parts]
    return any(name in segments and name in parts for name in (*PROTECTED, ".env"))


GIT_VALUED = ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env",
              "--super-prefix", "--exec-path")


def spellings(piece: Piece) -> list[str]:
    """The piece as a deny or ask rule must see it: as written, with a command given by path
    as its name (`/bin/rm` is `rm`), and git without its global options (`git --no-pager
    -c x=y push` is `git push`)."""
    words = list(piece.words)
    if not words:
        return [piece.text]
    out = [piece.text]
    if "/" in words[0]:
        words[0] = words[0].rstrip("/").rsplit("/", 1)[-1]
        out.append(" ".join(words))
    if words[0] == "git":
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:] if rest[0] in GIT_VALUED else rest[1:]
        out.append(" ".join(["git", *rest]))
    return out


def braces(word: str, limit: int = 64) -> list[str]:
    """`{a,b}x` as bash expands it, `a.x b.x` (nested or numeric ranges: as written)."""
    found = re.search(r"\{([^{}]*,[^{}]*)\}", word)
    if not found or limit <= 1:
        return [word]
    out = []
    for part in found.group(1).split(","):
        out += braces(word[:found.start()] + part + word[found.end():], limit // 2)
    return out[:limit]


def path_words(piece: Piece, bare: bool = False) -> list[str]:
    """The words of a command that look like paths (a slash, a leading ~ or dot), including
    the value of an option (`--output=../x`). URLs are not paths. `bare`: every other word
    too (`cat secret.txt`), for deny rules, where a word taken for a path costs nothing."""
    words = [w.partition("=")[2] if w.startswith("-") else w for w in piece.words[1:]]
    return [w for w in words if w and "://" not in w
            and (bare or "/" in w or w.startswith(("~", ".")))]


def describe(tool: Tool, args: dict) -> str:
    """A one-line picture of a call: `Bash(ls -la)`, `Edit(src/app.py)`, `WebFetch(https://...)`."""
    detail = (args.get("command") or args.get("file_path") or args.get("pattern")
              or args.get("url") or (args.get(tool.rule_argument) if tool.rule_argument else "") or "")
    detail = str(detail).replace("\n", " ")
    return f"{tool.name}({detail[:80]}{'...' if len(detail) > 80 else ''})"
