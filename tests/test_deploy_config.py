"""deploy/: the classroom hub's configuration and the Zero to JupyterHub values, read statically.

The running hub is tested in tests/test_classroom_hub.py; these checks say what the files
promise: loopback only, /lab, --allow-root only as root, no secret in the repository.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def load_hub_config(runtime: Path, monkeypatch, **env):
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.setenv("BP_HUB_RUNTIME", str(runtime))
    monkeypatch.delenv("BP_HUB_PASSWORD", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_hub_listens_on_loopback_only(tmp_path, monkeypatch):
    c = load_hub_config(tmp_path, monkeypatch, BP_HUB_PORT="8123")
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.port == 8123
    assert c.JupyterHub.hub_ip == "127.0.0.1"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", c.ConfigurableHTTPProxy.api_url)
    assert c.Spawner.ip == "127.0.0.1"


def test_students_land_in_jupyterlab_and_root_gets_allow_root(tmp_path, monkeypatch):
    c = load_hub_config(tmp_path, monkeypatch)
    assert c.Spawner.default_url == "/lab"
    assert ("--allow-root" in c.Spawner.args) == (os.geteuid() == 0)
    assert c.JupyterHub.authenticator_class == "dummy"
    assert c.SimpleLocalProcessSpawner.home_dir_template == str(tmp_path / "homes" / "{username}")


def test_secrets_are_generated_not_committed(tmp_path, monkeypatch):
    a = load_hub_config(tmp_path / "a", monkeypatch)
    b = load_hub_config(tmp_path / "b", monkeypatch)
    assert a.DummyAuthenticator.password != b.DummyAuthenticator.password
    assert len(a.DummyAuthenticator.password) >= 20
    password_file = tmp_path / "a" / "password"
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert a.JupyterHub.cookie_secret_file == str(tmp_path / "a" / "jupyterhub_cookie_secret")
    # the same runtime folder keeps its password across restarts
    assert load_hub_config(tmp_path / "a", monkeypatch).DummyAuthenticator.password == (
        a.DummyAuthenticator.password
    )
    text = (DEPLOY / "jupyterhub_config.py").read_text(encoding="utf-8")
    assert not re.search(r"(cookie_secret|password|auth_token|api_token)\s*=\s*[\"'b]", text)


def test_proxy_comes_from_the_npm_lock_file():
    lock = json.loads((DEPLOY / "package-lock.json").read_text(encoding="utf-8"))
    chp = lock["packages"]["node_modules/configurable-http-proxy"]
    assert chp["version"] == "5.3.0"
    assert json.loads((DEPLOY / "package.json").read_text(encoding="utf-8"))["dependencies"] == {
        "configurable-http-proxy": "5.3.0"
    }
    # every package is a registry tarball with an integrity hash (nothing fetched at run time)
    for name, entry in lock["packages"].items():
        if name:
            assert entry.get("integrity", "").startswith("sha512-"), name


def test_z2jh_values():
    yaml = pytest.importorskip("yaml")
    values = yaml.safe_load((DEPLOY / "z2jh-config.yaml").read_text(encoding="utf-8"))
    single = values["singleuser"]
    assert single["defaultUrl"] == "/lab"
    assert single["memory"]["limit"] and single["memory"]["guarantee"]
    assert single["cpu"]["limit"] and single["cpu"]["guarantee"]
    assert single["image"]["name"]
    command = single["lifecycleHooks"]["postStart"]["exec"]["command"]
    assert command[0] == "gitpuller"
    # the same folder as the README's nbgitpuller link (lab/tree/<folder>/notebooks/...): a
    # student who gets the course both ways has one clone, not two
    readme = (DEPLOY.parent / "README.md").read_text(encoding="utf-8")
    link_folder = re.search(r"urlpath=lab%2Ftree%2F([^%]+)%2Fnotebooks", readme)[1]
    assert command[3] == link_folder == command[1].rsplit("/", 1)[1]
    text = (DEPLOY / "z2jh-config.yaml").read_text(encoding="utf-8")
    assert "secretToken" not in text and not re.search(r"^\s*password:", text, re.M)
