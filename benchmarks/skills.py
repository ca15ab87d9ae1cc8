"""What a skill costs in prompt tokens: offered, loaded, and if it were always in the prompt.

    python benchmarks/skills.py                          the example skill of docs/skills/
    python benchmarks/skills.py --skills PATH            the skills of another folder
                                                         (a folder holding .claude/skills/)

The sessions are real: `build_session` in a temporary project holding a copy of the skills
(trusted with --trust-project's switch, under a temporary HOME), and their `tools` schemas
as the model would get them. Counted with cl100k (agent.model.tokens; the estimate when
tiktoken has no vocabulary here), for the default profile and for the lean one with
`--tools Read,Edit,Write,Bash,Grep,Skill`:

    no skills         the tool schemas of a session with no skill at all (no Skill tool)
    offered           the same with the skills found: the Skill tool, a line per skill (the
                      lines' share is counted alone: the rest is the tool, whatever the number)
    loaded            each skill loaded once: its tool result added (header and body)
    in the prompt     for comparison: every body in the system prompt, paid by every request,
                      as a memory file would be

Progressive disclosure pays "offered" on every request and "loaded" once, when used.
Claude Code counterpart: none; the figures are in docs/19-skills.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from agent.model.tokens import count, encoding_name

ROOT = Path(__file__).resolve().parent.parent
PROFILES = {"default": {"profile": "default"},
            "lean + Skill": {"profile": "lean", "tools": "Read,Edit,Write,Bash,Grep,Skill"}}


def session(project: Path, flags: dict):
    """A real session in `project`, trusted, built as the CLI builds it (no request is sent)."""
    from agent.config.config import load_config
    from agent.session.compose import build_session, load_permissions

    config = load_config({"model": "m", "sandbox": False, **flags}, {"HOME": os.environ["HOME"]},
                         project)
    permissions = load_permissions(config, [], [], trust_project=True)
    return build_session(config, lambda event: None, None, permissions=permissions)


def tokens_of(project: Path, flags: dict) -> dict[str, int]:
    """The rows of the table for one profile, in this project."""
    built = session(project, flags)
    tools = count(json.dumps(built.agent.schemas))
    skills = built.skills
    loaded = sum(count(built.tools["Skill"].run({"skill": name}, built.agent.ctx))
                 for name in skills.found) if "Skill" in built.tools else 0
    bodies = sum(count(one.body) for one in skills.found.values())
    return {"tools": tools, "loaded": loaded, "bodies": bodies, "n": len(skills.found),
            "lines": count(skills.listing()) if skills.found else 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skills", type=Path, default=ROOT / "docs" / "skills",
                        help="a folder holding .claude/skills/ or .agent/skills/")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skills-bench-"))
    os.environ["HOME"] = str(work / "home")  # no skill of yours counted: an empty home
    (work / "home").mkdir()
    empty, project = work / "empty", work / "project"
    empty.mkdir()
    shutil.copytree(args.skills, project, symlinks=True)
    try:
        rows = {name: (tokens_of(empty, flags), tokens_of(project, flags))
                for name, flags in PROFILES.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    n = next(iter(rows.values()))[1]["n"]
    print(f"{n} skill(s) from {args.skills}; prompt tokens ({encoding_name()}), tool schemas "
          "and what loading adds\n")
    print(f"  {'':<38}" + "".join(f"{name:>16}" for name in rows))
    lines = [("no skills: the tool schemas", lambda none, some: f"{none['tools']:,}"),
             ("offered: + the Skill tool, each request",
              lambda none, some: f"+{some['tools'] - none['tools']:,}"),
             ("  of which the skills' lines", lambda none, some: f"{some['lines']:,}"),
             ("loaded: + the tool result, once", lambda none, some: f"+{some['loaded']:,}"),
             ("bodies in the system prompt instead",
              lambda none, some: f"+{some['bodies']:,}")]
    for label, cell in lines:
        print(f"  {label:<38}" + "".join(f"{cell(*pair):>16}" for pair in rows.values()))
    print("\n'offered' is paid by every request of the session, 'loaded' once, after the model "
          "chose the skill;\n'bodies in the system prompt' is what every request would pay "
          "without progressive disclosure.")


if __name__ == "__main__":
    main()
