"""Settings from user data / environment: validated once, errors name the setting, secrets hidden."""

from __future__ import annotations

import pytest

from bmsguard import settings as settings_module
from bmsguard.errors import SettingsError
from bmsguard.settings import Credentials, Settings
from localcloud.runtime import FunctionContext

PROJECT = "0945241c5ebc4660bac540d48f2a2c14"
GOOD = {
    "BMSGUARD_REGION": "sa-brazil-1",
    "BMSGUARD_PROJECT_ID": PROJECT,
    "BMSGUARD_DOMAIN_ID": "b2b3853af40448fcb9e40d6b89505bab",
    "BMSGUARD_TOPIC_URN": f"urn:smn:sa-brazil-1:{PROJECT}:bmsguard-alerts",
}


def test_defaults():
    s = Settings.from_env(GOOD)
    assert (s.mode_override, s.own_agency, s.endpoint, s.policy_source) == ("", "bmsguard_agency", "", None)
    assert not s.credentials.present


@pytest.mark.parametrize("key, value", [
    ("BMSGUARD_REGION", ""),
    ("BMSGUARD_REGION", "Sao Paulo"),
    ("BMSGUARD_PROJECT_ID", ""),
    ("BMSGUARD_DOMAIN_ID", ""),
    ("BMSGUARD_TOPIC_URN", ""),
    ("BMSGUARD_TOPIC_URN", "arn:aws:sns:us-east-1:1:x"),
    ("BMSGUARD_MODE", "sometimes"),
    ("BMSGUARD_OWN_AGENCY", "a/b"),
    ("BMSGUARD_ENDPOINT", "localhost:8000"),
])
def test_invalid_settings_name_the_setting(key, value):
    with pytest.raises(SettingsError, match=key):
        Settings.from_env(dict(GOOD, **{key: value}))


def test_context_supplies_credentials_project_and_user_data():
    context = FunctionContext(ak="AKEXAMPLE0001", sk="super-secret-sk", security_token="super-secret-token",
                              project_id=PROJECT, user_data={k: v for k, v in GOOD.items()
                                                             if k != "BMSGUARD_PROJECT_ID"})
    s = Settings.from_context(context)
    assert s.project_id == PROJECT
    assert s.credentials == Credentials("AKEXAMPLE0001", "super-secret-sk", "super-secret-token")
    shown = repr(s) + str(s)
    assert "super-secret" not in shown and "AKEX..." in shown


def test_runtime_project_id_is_the_fallback(monkeypatch):
    monkeypatch.setenv("RUNTIME_PROJECT_ID", PROJECT)
    data = {k: v for k, v in GOOD.items() if k != "BMSGUARD_PROJECT_ID"}
    assert Settings.from_context(FunctionContext(user_data=data)).project_id == PROJECT


def test_mode_is_normalised_and_endpoint_trimmed():
    s = Settings.from_env(dict(GOOD, BMSGUARD_MODE="REPORT", BMSGUARD_ENDPOINT="http://127.0.0.1:8900/"))
    assert (s.mode_override, s.endpoint) == ("report", "http://127.0.0.1:8900")


def test_validation_is_cached_per_user_data(monkeypatch):
    monkeypatch.setattr(settings_module, "_VALIDATED", {})
    for _ in range(3):
        Settings.from_env(GOOD)
    assert len(settings_module._VALIDATED) == 1
    Settings.from_env(dict(GOOD, BMSGUARD_MODE="report"))
    assert len(settings_module._VALIDATED) == 2  # once per distinct configuration


def test_a_bad_configuration_is_not_cached_as_good(monkeypatch):
    monkeypatch.setattr(settings_module, "_VALIDATED", {})
    for _ in range(2):
        with pytest.raises(SettingsError):
            Settings.from_env(dict(GOOD, BMSGUARD_REGION=""))
    assert settings_module._VALIDATED == {}
