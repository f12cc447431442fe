"""The instructor's configuration and roster: defaults, validation, clear errors."""

import pytest

from dlcourse.settings import (
    CLASSROOM_TOML,
    ConfigError,
    environment_choices,
    load_settings,
    parse_roster,
    username_rule,
)


def settings_with(tmp_path, text):
    path = tmp_path / "classroom.toml"
    path.write_text(text)
    return load_settings(path)


def test_shipped_file_is_valid_and_matches_the_defaults():
    s = load_settings(CLASSROOM_TOML)
    assert s["hub"]["port"] == 8000 and s["auth"]["type"] == "roster" and s["gpu"]["policy"] == "none"
    assert s["environments"]["offered"] == ["foundations", "pytorch", "tensorflow", "jax"]


def test_empty_file_gives_the_defaults(tmp_path):
    assert settings_with(tmp_path, "")["limits"]["memory"] == "4G"


@pytest.mark.parametrize(
    "text, needles",
    [
        ('[auth]\ntype = "ldap"', ["auth.type", "ldap", "roster", "github", "google", "lti13"]),
        ('[gpu]\npolicy = "all"', ["gpu.policy", "all", "none", "shared"]),
        ("[hub]\nport = 70000", ["hub.port", "70000", "1 to 65535"]),
        ("[hub]\nprot = 8000", ["hub.prot", "port"]),
        ("[hubb]\nport = 8000", ["hubb", "hub"]),
        ('[environments]\ndefault = "pytroch"', ["environments.default", "pytroch", "pytorch"]),
        ('[environments]\noffered = ["foundations", "r"]', ["environments.offered", "'r'", "jax"]),
        ('[limits]\nmemory = "lots"', ["limits.memory", "lots", "4G"]),
        ('[hub]\nport = "8000"', ["hub.port", "int"]),
        ('[hub]\nhttps_cert = "c.pem"', ["https_cert", "https_key", "both"]),
        ('[hub]\nhttps_cert = "../c.pem"\nhttps_key = "k.pem"', ["hub.https_cert", "hub/tls"]),
        ('[auth]\ntype = "github"', ["client_id", "OAUTH_CLIENT_SECRET"]),
        ("[auth]\nminimum_password_length = 4", ["minimum_password_length", "8 to 72"]),
        ("[hub\n", ["not valid TOML"]),
    ],
)
def test_a_wrong_value_names_the_key_the_value_and_what_is_allowed(tmp_path, text, needles):
    with pytest.raises(ConfigError) as err:
        settings_with(tmp_path, text)
    for needle in needles:
        assert needle in str(err.value)


def test_roster_normalises_names_and_reads_roles_and_sections():
    members = parse_roster("username,role,section\n Ada ,Student,mon\nturing,instructor\n\n# a comment\n")
    assert set(members) == {"ada", "turing"}
    assert members["ada"].role == "student" and members["ada"].section == "mon"
    assert members["turing"].role == "instructor"


@pytest.mark.parametrize(
    "text, needles",
    [
        ("t,instructor\n../etc,student\n", ["line 2", "../etc", "not allowed"]),
        ("t,instructor\na/b,student\n", ["a/b"]),
        ("t,instructor\nada,student\nADA ,student\n", ["line 3", "collides with line 2", "'ada'"]),
        ("t,instructor\nada,teacher\n", ["teacher", "student", "instructor"]),
        ("ada,student\n", ["no instructor and no admin", "'instructor' or 'admin'"]),
        ("t,instructor\nada\n", ["line 2", "username,role"]),
        ("t,instructor\n" + "x" * 40 + ",student\n", ["line 2"]),
    ],
)
def test_bad_roster_rows_are_named(text, needles):
    with pytest.raises(ConfigError) as err:
        parse_roster(text)
    for needle in needles:
        assert needle in str(err.value)


# What a roster row holds for each login type (the username its authenticator gives, normalised).
ROWS = {
    "roster": (["ada", "ada_l", "ada-l", "a" * 32], ["0xada", "a" * 33, "ada.lovelace", "ada@uni.edu", "-ada"]),
    "github": (["0xada", "ada-lovelace", "a" * 39, "ADA"], ["a" * 40, "-ada", "ada_l", "ada.l", "ada@uni.edu"]),
    "google": (
        ["ada.lovelace@uni.edu", "Ada.Lovelace@Uni.EDU", "o'brien+ml@mail.uni-x.org"],
        ["ada", "ada@", "@uni.edu", "ada@uni", "ada lovelace@uni.edu", "ada@-uni.edu", "ada/x@uni.edu"],
    ),
    "lti13": (["ada.lovelace@uni.edu"], ["ada", "4c1b3e2a-77", "ada@uni"]),
}


@pytest.mark.parametrize("auth_type", sorted(ROWS))
def test_each_login_type_has_its_own_username_rule(auth_type):
    good, bad = ROWS[auth_type]
    head = "t,instructor\n" if auth_type in ("roster", "github") else "t@uni.edu,instructor\n"
    for name in good:
        assert name.strip().lower() in parse_roster(head + f"{name},student\n", auth_type=auth_type), name
    for name in bad:
        with pytest.raises(ConfigError) as err:
            parse_roster(head + f"{name},student\n", auth_type=auth_type)
        assert "line 2" in str(err.value) and repr(name) in str(err.value) and repr(auth_type) in str(err.value)


def test_options_that_change_usernames_make_the_rows_follow_them():
    assert username_rule("google") == "google"
    assert username_rule("google", {"GoogleOAuthenticator": {"strip_domain": False, "scope": ["email"]}}) == "google"
    assert username_rule("google", {"GoogleOAuthenticator": {"strip_domain": True}}) == "custom"
    assert username_rule("lti13", {"LTI13Authenticator": {"username_key": "custom_uname"}}) == "custom"
    assert username_rule("github", {"OAuthenticator": {"username_claim": "id"}}) == "custom"
    stripped = {"GoogleOAuthenticator": {"strip_domain": True}}
    assert "ada.lovelace" in parse_roster("t,instructor\nada.lovelace,student\n", auth_type="google", options=stripped)
    with pytest.raises(ConfigError, match=r"ada\.lovelace.*e-mail address"):
        parse_roster("t@uni.edu,instructor\nada.lovelace,student\n", auth_type="google")


def test_spawn_choices_come_from_the_manifest(images, course):
    choices = environment_choices(images, images.environments)
    by_env = {c["environment"]: c for c in choices}
    assert by_env["foundations"]["image"] == images.ref("foundations")
    for nb in course.notebooks:
        assert any(f"Part {nb.part}:" in p for p in by_env[nb.environment]["parts"])


def test_culling_timeouts_are_checked(tmp_path):
    assert settings_with(tmp_path, "[culling]\nserver_idle_timeout = 0")["culling"]["server_idle_timeout"] == 0
    with pytest.raises(ConfigError, match=r"culling\.kernel_idle_timeout"):
        settings_with(tmp_path, "[culling]\nkernel_idle_timeout = 10")


def test_spawn_form_offers_every_environment_with_the_default_checked(images):
    from dlcourse import spawn_form

    html = spawn_form.render(environment_choices(images, images.environments), "pytorch")
    for env in images.environments:
        assert f'name="image" value="{env}"' in html
    assert 'value="pytorch" checked' in html and html.count("checked") == 1


def test_limits_per_role_know_the_three_roster_roles(tmp_path):
    s = settings_with(tmp_path, '[limits.role.admin]\nmemory = "8g"\n[limits.role.instructor]\ncpus = 4\n')
    assert s["limits"]["role"] == {"admin": {"memory": "8G"}, "instructor": {"cpus": 4.0}}
    with pytest.raises(ConfigError) as err:
        settings_with(tmp_path, "[limits.role.teacher]\ncpus = 4\n")
    for needle in ("limits.role.teacher", "student", "instructor", "admin"):
        assert needle in str(err.value)


def test_a_roster_whose_only_staff_is_the_labs_admin_is_valid():
    """What the first `make up` writes: one row, the person who ran it, as admin."""
    members = parse_roster("username,role,section\ninstructor,admin,\n")
    assert members["instructor"].role == "admin"
