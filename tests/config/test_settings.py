"""Settings files: precedence and merging, trust of a project's own files, failing closed."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from agent.config.config import ConfigError
from agent.config.settings import (DEFAULT_SCRUB, RuleEntry, Settings, SettingsError, is_trusted,
                            load_settings, remember_rule, scrub_env, set_trusted)

USER_FILES = (".claude/settings.json", ".agent/settings.json")
PROJECT_FILES = (".claude/settings.json", ".agent/settings.json",
                 ".claude/settings.local.json", ".agent/settings.local.json")


def write(path: Path, content: dict | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path) -> Path:
    (tmp_path / "home").mkdir()
    return (tmp_path / "home").resolve()


@pytest.fixture
def repo(tmp_path) -> Path:
    """A real git repository with a subfolder to start in."""
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    (tmp_path / "repo" / "src").mkdir()
    return (tmp_path / "repo").resolve()


def the_six(home: Path, repo: Path) -> list[Path]:
    return [home / name for name in USER_FILES] + [repo / name for name in PROJECT_FILES]


# Precedence and merging.

def test_six_files_and_the_flags_merge_in_order(home, repo):
    for i, path in enumerate(the_six(home, repo)):
        write(path, {"permissions": {"allow": [f"Bash(step{i})", "Read"], "deny": ["WebFetch"],
                                     "ask": [f"Edit(/f{i})"]}})
    settings = load_settings(repo / "src", home, allowed_tools=["Bash(make)", "Read"],
                             disallowed_tools=["Bash(rm:*)"], trust_project=True)
    assert settings.project == repo
    assert settings.files == tuple(the_six(home, repo))
    allow = [(r.rule, r.source, r.base) for r in settings.rules if r.kind == "allow"]
    first_user, first_project = str(the_six(home, repo)[0]), str(the_six(home, repo)[2])
    assert allow == [
        ("Bash(step0)", first_user, home), ("Read", first_user, home),
        ("Bash(step1)", str(home / USER_FILES[1]), home),
        ("Bash(step2)", first_project, repo), ("Read", first_project, repo),
        *[(f"Bash(step{i})", str(the_six(home, repo)[i]), repo) for i in (3, 4, 5)],
        ("Bash(make)", "--allowedTools", repo / "src"), ("Read", "--allowedTools", repo / "src")]
    # an exact repeat (same text, same base) is dropped; the same text from another base is kept
    assert [r.base for r in settings.rules if r.rule == "WebFetch"] == [home, repo]
    assert [r.rule for r in settings.rules if r.kind == "ask"] == [f"Edit(/f{i})" for i in range(6)]
    assert settings.rules[-1] == RuleEntry("deny", "Bash(rm:*)", "--disallowedTools", repo / "src")


@pytest.mark.parametrize("setters, winner", [
    ((0,), 0), ((0, 1), 1), ((1, 2), 2), ((0, 3), 3), ((2, 4), 4), ((0, 1, 2, 3, 4, 5), 5),
    ((5, 0), 5), ((), None),
])
def test_the_highest_file_sets_the_default_mode(home, repo, setters, winner):
    modes = ("default", "acceptEdits", "plan", "bypassPermissions", "default", "acceptEdits")
    files = the_six(home, repo)
    for i in setters:
        write(files[i], {"permissions": {"defaultMode": modes[i]}})
    settings = load_settings(repo, home, trust_project=True)
    assert settings.default_mode == (modes[winner] if winner is not None else None)
    assert settings.default_mode_source == (str(files[winner]) if winner is not None else None)


def test_no_files_no_repository(tmp_path, home):
    settings = load_settings(tmp_path, home)
    assert settings.project == tmp_path.resolve() and settings.files == () and settings.rules == ()
    assert settings.scrub_patterns == DEFAULT_SCRUB and settings.trusted
    assert Settings().scrub_patterns == DEFAULT_SCRUB  # the empty value other modules test with


def test_without_git_a_dot_git_entry_marks_the_root(tmp_path, home):
    (tmp_path / "proj/.git").mkdir(parents=True)  # not a repository git accepts
    (tmp_path / "proj/src").mkdir()
    write(tmp_path / "proj/.agent/settings.json", {"permissions": {"deny": ["Bash(rm:*)"]}})
    settings = load_settings(tmp_path / "proj/src", home)
    assert settings.project == (tmp_path / "proj").resolve() and len(settings.rules) == 1


def test_the_home_as_the_project_is_read_once_as_the_users(home):
    write(home / ".claude/settings.json", {"permissions": {"allow": ["Bash(ls)"]}, "hooks": {"Stop": []}})
    settings = load_settings(home, home, trust=lambda project, lines: pytest.fail("asked"))
    assert settings.project == home and settings.files == (home / ".claude/settings.json",)
    assert [(r.rule, r.base) for r in settings.rules] == [("Bash(ls)", home)]


def test_additional_directories_resolve_against_their_base(home, repo, tmp_path):
    write(home / ".agent/settings.json",
          {"permissions": {"additionalDirectories": ["../shared", "~/notes", "~", "/opt/x"]}})
    write(repo / ".agent/settings.json", {"permissions": {"additionalDirectories": ["docs", "~/notes"]}})
    settings = load_settings(repo / "src", home, trust_project=True)
    assert settings.additional_directories == (
        tmp_path.resolve() / "shared", home / "notes", home, Path("/opt/x"), repo / "docs")


# Trust: what an untrusted project may add.

EVERYTHING = {"permissions": {"allow": ["Bash(*)"], "deny": ["Bash(curl:*)"], "ask": ["Bash(git push:*)"],
                              "defaultMode": "bypassPermissions", "additionalDirectories": ["/"],
                              "disableBypassPermissionsMode": "disable"},
              "hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "evil"}]}]},
              "mcpServers": {"evil": {"command": "evil"}},
              "scrubEnv": {"patterns": ["*AWS*"], "passThrough": ["GITHUB_TOKEN"]}}


def test_an_untrusted_project_only_makes_things_stricter(home, repo):
    path = write(repo / ".claude/settings.json", EVERYTHING)
    write(home / ".agent/settings.json", {"permissions": {"allow": ["Read"]}, "hooks": {"Stop": []}})
    settings = load_settings(repo, home)  # print mode: nobody to ask
    assert not settings.trusted and is_trusted(repo, home) is None  # not stored
    assert [(r.kind, r.rule) for r in settings.rules] == [
        ("allow", "Read"), ("ask", "Bash(git push:*)"), ("deny", "Bash(curl:*)")]
    assert settings.default_mode is None and settings.additional_directories == ()
    assert settings.hooks == (({"Stop": []}, str(home / ".agent/settings.json")),)
    assert settings.mcp_servers == () and settings.pass_through == ()
    assert settings.scrub_patterns == (*DEFAULT_SCRUB, "*AWS*") and settings.bypass_disabled
    assert settings.untrusted_ignored == tuple(f"{line} in {path}" for line in (
        "allow rule Bash(*)", "defaultMode bypassPermissions", "additional directory /",
        "hooks for SessionStart", "MCP servers evil", "scrubEnv.passThrough GITHUB_TOKEN"))


def test_a_trusted_project_adds_everything(home, repo):
    path = write(repo / ".agent/settings.local.json", EVERYTHING)
    settings = load_settings(repo, home, trust_project=True)
    assert settings.trusted and settings.untrusted_ignored == ()
    assert [r.rule for r in settings.rules if r.kind == "allow"] == ["Bash(*)"]
    assert (settings.default_mode, settings.additional_directories) == ("bypassPermissions", (Path("/"),))
    assert settings.hooks == ((EVERYTHING["hooks"], str(path)),)
    assert settings.mcp_servers == ((EVERYTHING["mcpServers"], str(path)),)
    assert settings.pass_through == ("GITHUB_TOKEN",)


@pytest.mark.parametrize("answer", [True, False])
def test_the_user_is_asked_once_and_the_answer_is_kept(home, repo, answer):
    write(repo / ".agent/settings.json", {"permissions": {"allow": ["Bash(make)"]}})
    calls = []

    def trust(project, lines):
        calls.append((project, lines))
        return answer

    for _ in range(2):
        settings = load_settings(repo / "src", home, trust=trust)
        assert settings.trusted is answer
        assert [r.rule for r in settings.rules] == (["Bash(make)"] if answer else [])
    assert calls == [(repo, [f"allow rule Bash(make) in {repo / '.agent/settings.json'}"])]
    assert is_trusted(repo, home) is answer
    stored = json.loads((home / ".agent/trusted.json").read_text())
    assert stored == {"projects": {str(repo): answer}}


def test_a_stored_no_is_honored_and_the_flag_overrides_it_for_one_run(home, repo):
    write(repo / ".claude/settings.json", {"permissions": {"allow": ["Bash(make)"]}})
    set_trusted(repo, home, False)
    settings = load_settings(repo, home, trust=lambda project, lines: pytest.fail("asked again"))
    assert not settings.trusted and settings.untrusted_ignored
    assert load_settings(repo, home, trust_project=True).trusted
    assert is_trusted(repo, home) is False
    assert not load_settings(repo, home).trusted


def test_the_flag_alone_stores_nothing(home, repo):
    write(repo / ".claude/settings.json", {"permissions": {"allow": ["Bash(make)"]}})
    assert load_settings(repo, home, trust_project=True).trusted
    assert is_trusted(repo, home) is None and not (home / ".agent/trusted.json").exists()


def test_a_project_with_nothing_to_gate_is_not_asked_about(home, repo):
    write(repo / ".claude/settings.json", {"permissions": {"deny": ["Bash(rm:*)"]}, "model": "x"})
    settings = load_settings(repo, home, trust=lambda project, lines: pytest.fail("asked"))
    assert settings.trusted and [r.rule for r in settings.rules] == ["Bash(rm:*)"]
    assert is_trusted(repo, home) is None


def test_a_symlinked_path_is_the_same_project(home, repo, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(repo)
    write(repo / ".claude/settings.json", {"permissions": {"allow": ["Bash(make)"]}})
    set_trusted(link, home, True)
    assert is_trusted(repo, home) is True
    settings = load_settings(link / "src", home, trust=lambda project, lines: pytest.fail("asked"))
    assert settings.trusted and settings.project == repo


def test_a_malformed_trust_store_fails_closed(home, repo):
    write(home / ".agent/trusted.json", {"projects": ["oops"]})
    with pytest.raises(SettingsError, match=r"trusted\.json: projects must be an object"):
        is_trusted(repo, home)


# Bad files fail closed, with the path and what to fix.

def test_a_syntax_error_names_the_path_line_and_column(home, repo):
    path = write(repo / ".agent/settings.json", '{\n  "permissions": {\n    "allow": ["Read",]\n  }\n}\n')
    with pytest.raises(SettingsError) as error:
        load_settings(repo, home)
    assert str(error.value).startswith(f"{path}: line 3, column 22: ")
    assert isinstance(error.value, ConfigError)  # the CLI's one conversion point catches it


@pytest.mark.parametrize("content, message", [
    ([], "must hold a JSON object, got []"),
    ({"permissions": ["allow"]}, 'permissions must be an object, got ["allow"]'),
    ({"permissions": {"allow": "Bash(*)"}}, 'permissions.allow must be a list of strings, got "Bash(*)"'),
    ({"permissions": {"deny": ["Bash", 3]}}, 'permissions.deny must be a list of strings, got ["Bash", 3]'),
    ({"permissions": {"additionalDirectories": "/x"}}, "permissions.additionalDirectories must be a list"),
    ({"permissions": {"defaultMode": 3}}, "permissions.defaultMode must be a mode's name (default, "
                                          "acceptEdits, plan, bypassPermissions, or a plugin's), got 3"),
    ({"permissions": {"disableBypassPermissionsMode": True}}, 'must be "disable", got true'),
    ({"hooks": []}, "hooks must be an object, got []"),
    ({"scrubEnv": {"patterns": "*AWS*"}}, "scrubEnv.patterns must be a list of strings"),
])
def test_wrong_types_are_errors(home, repo, content, message):
    path = write(repo / ".claude/settings.local.json", content)
    with pytest.raises(SettingsError) as error:
        load_settings(repo, home)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


@pytest.mark.parametrize("content, message", [
    ({"permissions": {"alow": []}}, "permissions.alow is not a setting; did you mean allow?"),
    ({"permissions": {"defaultmode": "plan"}}, "did you mean defaultMode?"),
    ({"permissions": {"additionalDirectory": []}}, "did you mean additionalDirectories?"),
    ({"permissions": {"zzz": []}}, "permissions.zzz is not a setting; known: allow, ask, deny"),
    ({"permisions": {}}, "permisions is not a setting; did you mean permissions?"),
    ({"Permissions": {}}, "did you mean permissions?"),
    ({"hook": {}}, "hook is not a setting; did you mean hooks?"),
    ({"scrubenv": {}}, "did you mean scrubEnv?"),
    ({"scrubEnv": {"passthrough": []}}, "scrubEnv.passthrough is not a setting; did you mean passThrough?"),
])
def test_misspelt_keys_are_errors_with_a_suggestion(home, repo, content, message):
    path = write(home / ".claude/settings.json", content)
    with pytest.raises(SettingsError) as error:
        load_settings(repo, home)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


CLAUDE_CODE_KEYS = ["model", "env", "statusLine", "includeCoAuthoredBy", "cleanupPeriodDays",
                    "apiKeyHelper", "outputStyle", "enableAllProjectMcpServers",
                    "enabledMcpjsonServers", "disabledMcpjsonServers", "disableAllHooks",
                    "forceLoginMethod", "awsAuthRefresh", "awsCredentialExport",
                    "spinnerTipsEnabled", "alwaysThinkingEnabled", "companyAnnouncements", "verbose"]


@pytest.mark.parametrize("key", CLAUDE_CODE_KEYS)
def test_claude_code_keys_we_do_not_use_are_ignored(home, repo, key):
    write(repo / ".claude/settings.json", {key: {"any": ["value"]}, "permissions": {"deny": ["Read"]}})
    assert [r.rule for r in load_settings(repo, home).rules] == ["Read"]


def test_a_folder_in_place_of_a_file_is_an_error(home, repo):
    (repo / ".agent/settings.json").mkdir(parents=True)
    with pytest.raises(SettingsError, match="settings.json: cannot be read"):
        load_settings(repo, home)


def test_a_file_that_is_not_utf8_is_an_error(home, repo):
    path = repo / ".agent/settings.json"
    path.parent.mkdir()
    path.write_bytes(b'{"model": "\xff"}')
    with pytest.raises(SettingsError, match=r"settings\.json: cannot be read: 'utf-8' codec"):
        load_settings(repo, home)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_an_error(home, repo):
    path = write(repo / ".agent/settings.json", {})
    path.chmod(0)
    with pytest.raises(SettingsError, match="Permission denied"):
        load_settings(repo, home)


# Remembering a rule.

def test_remember_rule_keeps_the_file_adds_once_and_trusts_the_project(home, repo):
    local = write(repo / ".agent/settings.local.json",
                  {"model": "m", "permissions": {"deny": ["Bash(rm:*)"], "allow": ["Read"]}})
    for _ in range(2):
        assert remember_rule(repo, home, "Bash(make)") == local
    remember_rule(repo, home, "Bash(git push:*)", kind="ask")
    assert json.loads(local.read_text()) == {"model": "m", "permissions": {
        "deny": ["Bash(rm:*)"], "allow": ["Read", "Bash(make)"], "ask": ["Bash(git push:*)"]}}
    assert is_trusted(repo, home) is True
    settings = load_settings(repo, home)
    assert [r.rule for r in settings.rules if r.kind == "allow"] == ["Read", "Bash(make)"]


def test_remember_rule_creates_the_file(home, repo):
    path = remember_rule(repo, home, "Bash(npm test)")
    assert path == repo / ".agent/settings.local.json"
    assert json.loads(path.read_text()) == {"permissions": {"allow": ["Bash(npm test)"]}}
    assert [p.name for p in path.parent.iterdir()] == ["settings.local.json"]  # no temporary left


def test_remember_rule_leaves_a_refused_project_refused(home, repo):
    set_trusted(repo, home, False)
    remember_rule(repo, home, "Bash(make)")
    assert is_trusted(repo, home) is False


def test_remember_rule_does_not_rewrite_a_broken_file(home, repo):
    path = write(repo / ".agent/settings.local.json", '{"permissions": ')
    with pytest.raises(SettingsError, match="line 1"):
        remember_rule(repo, home, "Bash(make)")
    assert path.read_text() == '{"permissions": '


# The environment tools get.

def test_default_scrub_patterns_and_added_ones(home, repo):
    environ = {"OPENAI_API_KEY": "k", "GITHUB_TOKEN": "t", "db_password": "p", "MY_SECRET_X": "s",
               "AWS_REGION": "eu", "PATH": "/bin", "HOME": "/h"}
    default = scrub_env(environ, load_settings(repo, home))
    assert default == {"AWS_REGION": "eu", "PATH": "/bin", "HOME": "/h"}
    write(home / ".agent/settings.json",
          {"scrubEnv": {"patterns": ["AWS_*"], "passThrough": ["GITHUB_TOKEN"]}})
    settings = load_settings(repo, home)
    assert settings.scrub_patterns == (*DEFAULT_SCRUB, "AWS_*") and settings.pass_through == ("GITHUB_TOKEN",)
    assert scrub_env(environ, settings) == {"GITHUB_TOKEN": "t", "PATH": "/bin", "HOME": "/h"}


def test_credentials_in_values_and_dsns_are_scrubbed_too(repo, home):
    environ = {"DATABASE_URL": "postgres://app:s3cret@db:5432/app", "SENTRY_DSN": "https://k@o.io/1",
               "REDIS_URL": "redis://:hunter2@cache:6379", "PUBLIC_URL": "https://example.com/a:b",
               "HOMEPAGE": "http://user@host/", "GIT_AUTHOR_NAME": "Ada", "MY_PASSWD": "x",
               "AWS_CREDENTIALS_FILE": "/x", "PATH": "/bin"}
    kept = scrub_env(environ, load_settings(repo, home))
    assert kept == {"PUBLIC_URL": "https://example.com/a:b", "HOMEPAGE": "http://user@host/",
                    "GIT_AUTHOR_NAME": "Ada", "PATH": "/bin"}
    settings = Settings(pass_through=("DATABASE_URL",))
    assert "DATABASE_URL" in scrub_env(environ, settings)
