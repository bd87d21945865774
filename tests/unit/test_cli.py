from bot.cli import init_env


def test_init_env_adds_missing_secrets_once(tmp_path):
    env = tmp_path / ".env"
    env.write_text("RASA_API_TOKEN=kept\n")
    assert init_env(env) == ["BACKOFFICE_API_KEY"]
    assert init_env(env) == []
    lines = env.read_text().splitlines()
    assert lines[0] == "RASA_API_TOKEN=kept" and len(lines[1]) > len("BACKOFFICE_API_KEY=") + 30
    assert oct(env.stat().st_mode)[-3:] == "600"
