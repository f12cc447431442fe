"""What `make up` compares to decide whether the hub must be recreated (tools/stack.py),
without Docker: every file the hub reads at start is in the hash, and nothing else."""

from tools.stack import Classroom


def classroom(tmp_path, settings=""):
    (tmp_path / "hub" / "tls").mkdir(parents=True, exist_ok=True)
    (tmp_path / "hub" / "classroom.toml").write_text(settings)
    (tmp_path / "hub" / "roster.csv").write_text("username,role\nteacher,instructor\n")
    return Classroom(project="dlcourse-hash-test", checkout=tmp_path)


def test_the_hash_follows_every_file_the_hub_reads_and_only_those(tmp_path):
    room = classroom(tmp_path)
    first = room.config_hash()
    assert classroom(tmp_path).config_hash() == first, "the same files must give the same hash"
    (tmp_path / "unrelated.txt").write_text("not read by the hub")
    assert room.config_hash() == first

    (tmp_path / "hub" / "classroom.toml").write_text('[limits]\nmemory = "3G"\n')
    changed_settings = room.config_hash()
    assert changed_settings != first, "a changed setting must recreate the hub"

    (tmp_path / "hub" / "roster.csv").write_text("username,role\nteacher,instructor\nada,student\n")
    changed_roster = room.config_hash()
    assert changed_roster != changed_settings, "a changed roster must recreate the hub"


def test_the_tls_files_count_once_the_settings_name_them(tmp_path):
    settings = '[hub]\nhttps_cert = "cert.pem"\nhttps_key = "key.pem"\n'
    room = classroom(tmp_path, settings)
    (tmp_path / "hub" / "tls" / "cert.pem").write_text("certificate one")
    (tmp_path / "hub" / "tls" / "key.pem").write_text("key one")
    first = room.config_hash()
    (tmp_path / "hub" / "tls" / "cert.pem").write_text("certificate two (renewed)")
    assert room.config_hash() != first, "a renewed certificate must recreate the hub"
    assert set(room.config_files()) == {"settings", "roster", "https_cert", "https_key"}
    assert set(classroom(tmp_path / "plain").config_files()) == {"settings", "roster"}
