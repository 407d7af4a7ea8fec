"""Credential profiles on disk: private files, atomic writes, clear errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ocpispec.ocpi import OcpiError
from ocpispec.ocpi.profiles import Profile, config_dir, list_profiles, load_profile, save_profile
from ocpispec.diagnostics.report import render

SECRET = "s3cr3t-token-value"


@pytest.fixture(autouse=True)
def private_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("OCPISPEC_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config"


def sample(name: str = "work") -> Profile:
    return Profile(name=name, versions_url="https://cpo.example/ocpi/versions", token=SECRET, party="NL-ABC",
                   version="2.2.1", token_encoding="auto", to_party="NL-CPO",
                   endpoints={"sessions": "https://cpo.example/ocpi/2.2.1/sessions"}, created_at="2025-01-01T00:00:00Z")


def test_round_trip(private_config: Path) -> None:
    path = save_profile("work", sample())
    assert path == private_config / "profiles" / "work.json"
    loaded = load_profile("work")
    assert loaded == sample()
    assert loaded.credentials().token == SECRET and loaded.credentials().version == "2.2.1"


def test_file_is_private_and_written_atomically(private_config: Path) -> None:
    path = save_profile("work", sample())
    save_profile("work", sample())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == ["work.json"]


def test_token_not_in_repr() -> None:
    assert SECRET not in repr(sample()) and SECRET not in repr(sample().credentials())


def test_config_dir_override(private_config: Path) -> None:
    assert config_dir() == private_config


def test_missing_profile(snapshot, private_config: Path) -> None:
    with pytest.raises(OcpiError) as caught:
        load_profile("nope")
    assert caught.value.code == "OCX508"
    text = render([caught.value.diagnostic], {}).replace(str(private_config), "<config>")
    assert text == snapshot


def test_damaged_profile(snapshot, private_config: Path) -> None:
    save_profile("work", sample()).write_text("{not json")
    with pytest.raises(OcpiError) as caught:
        load_profile("work")
    assert caught.value.code == "OCX509"
    assert render([caught.value.diagnostic], {}).replace(str(private_config), "<config>") == snapshot
    assert list_profiles() == []


def test_bad_name() -> None:
    with pytest.raises(OcpiError) as caught:
        save_profile("../escape", sample())
    assert caught.value.code == "OCX509"


def test_list_profiles_sorted() -> None:
    save_profile("b", sample("b"))
    save_profile("a", sample("a"))
    assert [p.name for p in list_profiles()] == ["a", "b"]


def test_every_client_code_is_documented() -> None:
    from ocpispec.diagnostics import codes
    from ocpispec.ocpi import errors
    used = {value for name, value in vars(errors).items() if name.isupper() and str(value).startswith("OCX")}
    assert used == {f"OCX{n}" for n in range(500, 519)}
    slugs = [doc.slug for doc in codes.all_codes()]
    for code in used:
        doc = codes.lookup(code)
        assert doc is not None, code
        assert all(section in doc.text for section in codes.SECTIONS), code
        assert slugs.count(doc.slug) == 1, doc.slug
