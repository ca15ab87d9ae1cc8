"""What a shell command line does, piece by piece, for the permission rules.

`analyze` cuts a Bash command into simple commands ("pieces") at `&&`, `||`, `;`, `|`, `|&`,
`&` and newlines outside quotes, and lists its "risks": what a rule that judges one piece at
a time cannot see, so the command needs at least "ask". `is_read_only` is the set that runs
without asking; agent/permissions/hard_floor.py has the hard floor, refused in every mode.

Covered: quotes, backslashes, line continuations, `$(...)`, backticks, `<(...)`, `${...}`,
redirections (`2>&1`, `&>`), here-documents (a body without `$(` is skipped), comments, `( )`,
`{ ...; }`, `if/then/while/do` and the WRAPPERS, looked through. Commands inside `$(...)`,
backticks, `( )`, `sh -c '...'` and `eval` are pieces too, after the piece holding them.
Also risks: expansions bash evaluates again (`${x@P}`, `${!x}`, `${x:offset}`, `$[..]`,
`printf -v`, `test -v`), `time -o`, `env -S`/`-C`, input redirected from a path. A variable in
an argument makes a command not read-only.
Not covered: this is not a shell parser; what it cannot classify is a risk (it fails closed).
`for`, `case`, functions and `$'...'` are flagged, not parsed. Arguments are judged as written,
before bash expands `$VAR`, `{a,b}`, globs (a file named `--output=x` matched by `*`) and
`$(...)`: the floor misses `rm -rf $(echo /)`. A repository's git config can run code. Not
read-only: sed (`-i`, `w` write), awk (system()), uniq (2nd argument: output file), tee.
Decisions: `\\rm` and `"rm"` are `rm` after quote removal, so `Bash(rm:*)` matches them. An
absolute, `~` or `..` command path (`/bin/rm`, kept as written) is a risk, so it cannot dodge
a rule for `rm`; `./gradlew` is ordinary. A comment is dropped as bash drops it, yet is a risk:
the prompt shows text that will not run. `X=1 cmd` is looked through silently only for
harmless names (LANG, TZ...).
Claude Code counterpart: compound-command splitting and the read-only set of Bash rules.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

MAX_CHARS, _MAX_DEPTH = 10_000, 8
_SEPARATORS = ("&&", "||", "|&", ";", "|", "&", "\n")
_REDIRECTIONS = ("&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", "<", ">>", ">|", ">&", ">")
_OPENERS = frozenset("if then else elif do while until ! fi done { }".split())
_REEVALUATED = re.compile(r"\$\{(!|#?\w+@|#?\w+:[^-=?+])|\$\[")
_SAFE_VARS = frozenset("LANG LC_ALL TZ TERM NO_COLOR FORCE_COLOR COLUMNS CI DEBUG NODE_ENV".split())
SHELL = r"(ba|z|da|k|mk|a|fi|c|tc)?sh"
_FIND_ACTIONS = tuple("-exec -execdir -ok -okdir -delete -fls -fprint -fprint0 -fprintf".split())
# wrapper -> (its options that take the next word as their value, its positional arguments)
_WRAPPERS = {name: (frozenset(opts.split()), n) for name, opts, n in [
    ("timeout", "-s -k --signal --kill-after", 1), ("nice", "-n --adjustment", 0),
    ("env", "-u -C -S --unset --chdir --split-string", 0), ("doas", "-u -C", 0), ("exec", "-a", 0),
    ("xargs", "-n -I -d -L -P -s -E -a --max-args --replace --delimiter --max-lines --max-procs "
              "--max-chars --eof --arg-file", 0),
    ("stdbuf", "-i -o -e --input --output --error", 0),
    ("sudo", "-u -g -C -D -h -p -r -t -U -T -R --user --group --close-from --chdir --host --prompt "
             "--role --type --other-user --command-timeout --chroot", 0),
    ("ionice", "-c -n -p -P -u --class --classdata --pid --pgid --uid", 0),
    ("time", "-o -f --output --format", 0),
    *((name, "", 0) for name in ("nohup", "command", "builtin", "setsid"))]}
WRAPPERS = frozenset(_WRAPPERS)
READ_ONLY = frozenset("ls cat head tail wc grep egrep fgrep rg find pwd echo printf which type "
                      "file stat du df tree sort cut diff cmp basename dirname realpath readlink "
                      "date true false test [ whoami id uname hostname ps jq git".split())
# Options that make a read-only command write or run something, and letters of short clusters
_NOT_WITH = {"find": (_FIND_ACTIONS, ""), "rg": (("--pre", "--pre-glob"), ""),
             "sort": (("--output", "--compress-program"), "o"), "tree": (("--output",), "oR"),
             "date": (("--set",), "s"), "file": (("--compile",), "C")}
_BRANCH_OK = frozenset("-a -r -v -vv -l --list --all --show-current --merged --no-merged".split())


@dataclass(frozen=True)
class Piece:
    words: tuple[str, ...]  # quotes removed; wrappers and leading VAR=value assignments stripped
    text: str  # " ".join(words): what Bash(...) rules are matched against
    raw: str  # the piece as written (stripped)
    dynamic: bool = False  # the command's name is made at run time ($x, $(...), $'\x72m', r$()m)


@dataclass(frozen=True)
class Analysis:
    pieces: tuple[Piece, ...]
    risks: tuple[str, ...]  # why the command needs at least "ask"; empty when nothing does


def analyze(command: str, _depth: int = 0) -> Analysis:
    """Cut a command line into pieces and list what makes it need at least "ask"."""
    risks = [f"command longer than {MAX_CHARS:,} characters"] if len(command) > MAX_CHARS else []
    risks += [f"invisible or control character U+{ord(ch):04X} ({unicodedata.name(ch, 'control')})"
              for ch in dict.fromkeys(command) if ch < " " and ch not in "\t\n" or ch == "\x7f"
              or ch > "\x7f" and unicodedata.category(ch)[0] in "CZ"]
    pieces: list[Piece] = []
    for tokens, raw in _scan(command, 0, _depth, risks)[0]:
        _judge(tokens, raw, _depth, risks, pieces)
    return Analysis(tuple(pieces), tuple(dict.fromkeys(risks)))


def _scan(s: str, i: int, depth: int, risks: list[str], closer: str = "") -> tuple[list, int]:
    """The pieces of s from i as ([(value, as written)], raw), and where an unmatched closer
    (the ")" of `$(`, `(`, `<(`) or the end stopped the scan."""
    if depth > _MAX_DEPTH:
        risks.append("unparseable: nested too deeply")
        return [], len(s)
    out, nested, tokens, heredocs, start = [], [], [], [], i  # nested: inside tokens, they follow

    def flush(end: int) -> None:
        out.extend([(tokens[:], s[start:end].strip())] * bool(tokens) + nested)
        tokens.clear(), nested.clear()
    while i < len(s):
        c = s[i]
        op = next((r for r in _REDIRECTIONS if s.startswith(r, i)), None)
        sep = next((p for p in _SEPARATORS if s.startswith(p, i)), None)
        if c in " \t" or s.startswith("\\\n", i):
            i += 1 if c in " \t" else 2
        elif c == ")" and closer:
            break
        elif c == "#":
            risks.append("comment: the text after # is not run")
            i = s.find("\n", i) % (len(s) + 1)  # no newline: -1 becomes the end
        elif op and not s.startswith(("<(", ">("), i):
            i = _redirect(s, i + len(op), op, depth, risks, nested, heredocs)
        elif sep:
            flush(i)
            i += len(sep)
            while sep == "\n" and heredocs:  # skip a here-document to its delimiter, unless it
                delimiter, literal = heredocs.pop(0)  # runs commands: then they are pieces too
                end = re.compile(rf"^\t*{re.escape(delimiter)}$", re.M).search(s, i)
                end = end.end() if end else len(s)
                if literal or not re.search(r"\$\(|`", s[i:end]):
                    i = min(end + 1, len(s))
            start = i
        elif c in "()":
            flush(i)
            risks += ["unparseable: unbalanced )"] * (c == ")")
            start = i = i + 1 if c == ")" else _substitute(s, i, depth, risks, out)
        else:
            value, raw, i = _word(s, i, depth, risks, nested)
            if not (raw.isdigit() and s[i:i + 1] in ("<", ">")):  # `2>`: an fd number
                tokens.append((value, raw))
    flush(min(i, len(s)))
    return out, i


def _word(s: str, i: int, depth: int, risks: list[str], nested: list) -> tuple[str, str, int]:
    """The word at i: its value after quote removal, its text as written, and its end."""
    start, buf, braces, quoted = i, [], 0, False  # quoted: inside "..."
    while i < len(s) and (braces or quoted or s[i] not in " \t\n;&|<>()" or (
            i == start and s.startswith(("<(", ">("), i))):
        c = s[i]
        if c == "\\":  # inside "...", a backslash stays unless it escapes $ ` " \ or a newline
            nxt = s[i + 1:i + 2]
            buf.append("" if nxt == "\n" else "\\" * (quoted and nxt not in '$`"\\') + nxt)
            i += 2
        elif c == '"':
            quoted, i = not quoted, i + 1
        elif c == "'" and not quoted:
            j = s.find("'", i + 1) % (len(s) + 1)
            buf.append(s[i + 1:j])
            i = j + 1
        elif s.startswith("$'", i) and not quoted:  # the quoted part is read next, as '...'
            risks.append("ANSI-C quoting $'...'")
            i += 1
        elif s.startswith("$(", i) or c == "`" or i == start and s.startswith(("<(", ">("), i):
            j = _substitute(s, i, depth, risks, nested)
            buf.append(s[i:j])
            i = j
        else:
            if not braces and _REEVALUATED.match(s, i):
                risks.append(f"an expansion bash evaluates again ({s[i:i + 12]}...): "
                             "${!x}, ${x@P}, ${x:offset}, $[...] can run code a quote hid")
            braces += s.startswith("${", i) - (c == "}" and braces > 0)
            if c > "\x7f" and not quoted and unicodedata.category(c)[0] in "PS":
                risks.append(f"look-alike character U+{ord(c):04X} outside quotes "
                             f"({unicodedata.name(c, '?')})")
            buf.append(c)
            i += 1
    if quoted or braces or i > len(s):
        risks.append("unparseable: an unbalanced quote or ${, or a trailing backslash")
    return "".join(buf), s[start:i], min(i, len(s))


def _substitute(s: str, i: int, depth: int, risks: list[str], nested: list) -> int:
    """Skip the `$(...)`, `<(...)`, `(...)` or backtick at i (its commands go to nested)."""
    if s[i] == "`":
        risks.append("command substitution `...`")
        j = re.compile(r"(\\.|[^`\\])*", re.S).match(s, i + 1).end()  # to the closing backtick
        nested.extend(_scan(s[i + 1:j].replace("\\`", "`"), 0, depth + 1, risks)[0])
    else:
        risks += [{"$": "command substitution $(...)", "(": "subshell or group ( ) { }"}.get(
            s[i], "process substitution <(...) or >(...)")]
        inner, j = _scan(s, i + 1 + (s[i] != "("), depth + 1, risks, ")")
        nested.extend(inner)
    risks += [f"unparseable: unbalanced {'`' if s[i] == '`' else '('}"] * (j >= len(s))
    return min(j + 1, len(s))


def _redirect(s: str, i: int, op: str, depth: int, risks: list, nested: list, docs: list) -> int:
    """Read the target of the redirection `op` that ends at i; where the target ends."""
    i = re.compile(r"[ \t]*").match(s, i).end()
    if i >= len(s) or s[i] in "\n;&|<>()" and not s.startswith(("<(", ">("), i):
        risks.append(f"unparseable: {op} without a target")
        return i
    value, raw, i = _word(s, i, depth, risks, nested)
    if op.startswith("<<"):
        risks.append("here-document or here-string (<<, <<<)")
        docs += [(value, raw != value)] * (op != "<<<")  # a quoted delimiter: a literal body
    elif op in ("<", "<&") and value != "/dev/null" and re.search(r"^[.~]|[/$*?{\[]", value):
        risks.append(f"input from {value[:60]} (a path the rules do not see there)")
    elif op not in ("<", "<&") and value not in ("/dev/null", "/dev/stdout", "/dev/stderr") and (
            op != ">&" or not re.fullmatch(r"\d+-?|-", value)):
        risks.append(f"output redirection to {value[:60]}")
    return i


def _judge(tokens: list, raw: str, depth: int, risks: list[str], pieces: list[Piece]) -> None:
    """Strip what comes before the command, note the command's risks, and add its piece(s)."""
    while tokens and tokens[0][1] in _OPENERS:
        risks += ["subshell or group ( ) { }"] * (tokens.pop(0)[1] in "{}")
    values, raws = [v for v, _ in tokens], [r for _, r in tokens]
    n, wrappers, names = _prefix(values, raws, risks)
    risks += [f"sets {name} for the command" for name in names if name not in _SAFE_VARS]
    if n == len(values):
        return
    words, first, code, cmd = values[n:], raws[n], None, os.path.basename(values[n])
    risks += [f"command given by path ({w[:60]})" for w in [*wrappers, words[0]]
              if w.startswith(("/", "~")) or ".." in w.split("/")]
    dynamic = bool(re.search(r"[$`*?{]|\[.*\]", first))
    if dynamic or re.search(r"^(for|case|esac|select|function|coproc|in|\[\[)$", first):
        risks.append(f"the command word is an expansion, a pattern or a keyword ({first[:60]})")
    shell_c = next((k for k, w in enumerate(words) if k and re.fullmatch(r"-\w*c\w*", w)), None)
    if cmd in ("test", "[") and "-v" in words or cmd == "printf" and any(
            re.fullmatch(r"-\w*v\w*", w) for w in words[1:]):
        risks.append(f"{cmd} -v evaluates an array subscript, which can run code")
    if cmd == "eval" or re.fullmatch(SHELL, cmd) and shell_c is not None:  # the code: a piece too
        risks.append(f"runs a string as shell code ({cmd}{' -c' * (cmd != 'eval')})")
        code = " ".join(words[1:]) if cmd == "eval" else next(
            (w for w in words[shell_c + 1:] if not w.startswith("-")), "")
    elif cmd in ("source", ".", "alias", "trap", "su"):
        risks.append(f"runs {'as another user' if cmd == 'su' else 'shell code'} ({cmd})")
    elif cmd == "find" and (actions := [w for w in words if w in _FIND_ACTIONS]):
        risks.append(f"find {actions[0]} runs, deletes or writes")
    pieces.append(Piece(tuple(words), " ".join(words), raw, dynamic))
    if code is not None:
        risks += (inner := analyze(code, depth + 1)).risks
        pieces += inner.pieces


def _prefix(values: list[str], raws: list[str], risks: list[str]) -> tuple[int, list, list]:
    """Where the command starts after assignments and wrappers; the wrappers; the names set."""
    k, wrappers, names = 0, [], []
    while k < len(values):
        name = os.path.basename(values[k])
        if re.match(r"[A-Za-z_]\w*\+?=", raws[k]):
            names, k = names + [raws[k].split("=")[0].rstrip("+")], k + 1
            continue
        if name not in _WRAPPERS or name == "command" and values[k + 1:k + 2] in (["-v"], ["-V"]):
            break
        with_value, j = _WRAPPERS[name][0], k + 1
        while j < len(values) and values[j][:1] == "-" != values[j] and values[j - 1] != "--":
            opt, j = values[j], j + 1  # `-n 5` and `-rn 5` take the next word; `-n5`, `--x=5` not
            j += opt in with_value or opt[:2] != "--" and next(
                (n for n, ch in enumerate(opt[1:], 1) if "-" + ch in with_value), 0) == len(opt) - 1
        j += _WRAPPERS[name][1]
        risks += [f"runs as another user ({name})"] * (name in ("sudo", "doas"))
        options = [v for v in values[k + 1:j] if v[:1] == "-"]
        if name == "env" and any(_has(o, "S", "--split-string") for o in options):
            risks.append("runs a string as a command (env -S)")
        if name == "env" and any(_has(o, "C", "--chdir") for o in options):
            risks.append("runs the command in another folder (env -C)")
        if name == "time" and any(_has(o, "o", "--output") or _has(o, "a", "--append")
                                  for o in options):
            risks.append("time -o writes its report to a file")
        if j >= len(values):  # nothing left to run: the wrapper is the command (`env`, `sudo -s`)
            break
        wrappers, k = wrappers + [raws[k]], j
    return k, wrappers, names


def _has(option: str, letter: str, long: str) -> bool:
    """`-vS`, `-S`, `--split-string=x` or its abbreviation `--s=x` all have -S."""
    if option[:2] == "--":
        name = option.split("=")[0]
        return len(name) > 2 and long.startswith(name)
    return letter in option[1:]


def is_read_only(piece: Piece) -> bool:
    """Whether a piece runs without asking: READ_ONLY, not through xargs (it adds arguments)."""
    analysis, lexed = analyze(piece.raw), _scan(piece.raw, 0, 0, [])[0]
    before = [v for v, _ in lexed[0][0]][:-len(piece.words)] if lexed else []  # the wrappers
    if analysis.risks or analysis.pieces != (piece,) or piece.words[0] not in READ_ONLY or (
            "xargs" in map(os.path.basename, before)):
        return False
    cmd, args = piece.words[0], piece.words[1:]
    if any("$" in a for a in args):  # a variable: the word is known only when it runs
        return False
    if cmd == "ps" and any(a[:1] != "-" and "e" in a for a in args):  # BSD `e`: environments
        return False
    if cmd in ("git", "hostname"):  # a hostname operand sets it
        return _git_read_only(list(args)) if cmd == "git" else not operands(args)
    options, letters = _NOT_WITH.get(cmd, ((), ""))
    long = [a.split("=")[0] for a in args if a[:2] == "--" and len(a) > 2]  # maybe abbreviated
    short = [a[1:] for a in args if a[:1] == "-" and a[:2] != "--"]  # maybe a cluster: `-uo f`
    return not (set(args) & set(options) or any(o.startswith(n) for n in long for o in options)
                or any(set(a) & set(letters) for a in short))


def _git_read_only(args: list[str]) -> bool:
    """Read-only subcommands; no global option that can run code (`-c`, `--exec-path`)."""
    while args and args[0] in ("--no-pager", "-P", "--no-optional-locks", "-C"):
        args = args[2:] if args[0] == "-C" else args[1:]
    if not args or args[0][:1] == "-" or any(
            a.startswith(("--output", "--ext-diff", "--textconv")) for a in args):
        return False
    sub, rest = args[0], args[1:]
    if sub == "branch":
        return all(a in _BRANCH_OK or a.startswith(("--format=", "--sort=")) for a in rest)
    if sub == "remote":
        return rest in ([], ["-v"], ["--verbose"])
    if sub == "tag":  # listing only: `git tag -l 'v1*'`
        return not rest or rest[0] in ("-l", "--list") and not any(a[:1] == "-" for a in rest[1:])
    return sub in ("status", "diff", "log", "show", "blame", "rev-parse", "ls-files", "describe")


def operands(args: tuple[str, ...]) -> list[str]:
    """The words that are not options (all of them after `--`)."""
    cut = args.index("--") if "--" in args else len(args)
    return [a for a in args[:cut] if a[:1] != "-" or a == "-"] + list(args[cut + 1:])
