from bot.cli import init_env


def test_init_env_adds_missing_secrets_once(tmp_path):
    env = tmp_path / ".env"
    env.write_text("RASA_API_TOKEN=kept\n")
    assert init_env(env) == ["BACKOFFICE_API_KEY"]
    assert init_env(env) == []
    lines = env.read_text().splitlines()
    assert lines[0] == "RASA_API_TOKEN=kept" and len(lines[1]) > len("BACKOFFICE_API_KEY=") + 30
    assert oct(env.stat().st_mode)[-3:] == "600"


def test_what_the_operator_exported_wins_over_generated_secrets(tmp_path):
    """`make run` used to let honcho load .env over the environment (issue 15)."""
    from bot.cli import with_generated_secrets
    env = tmp_path / ".env"
    env.write_text("RASA_API_TOKEN=generated\nBACKOFFICE_API_KEY=generated-key\n")
    merged = with_generated_secrets({"RASA_API_TOKEN": "operator", "PATH": "/bin"}, env)
    assert merged["RASA_API_TOKEN"] == "operator"
    assert merged["BACKOFFICE_API_KEY"] == "generated-key" and merged["PATH"] == "/bin"


def test_make_run_gives_honcho_no_env_file():
    from bot.settings import PROJECT_ROOT
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "bot.cli run" in makefile and "honcho start" not in makefile
