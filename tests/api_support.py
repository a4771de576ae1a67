"""A served demo database with one API key per role, shared by the API tests of a module."""

from __future__ import annotations

import uuid

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from api.app import create_app
from api.auth import create_key
from api.cli import main
from data.db import make_engine, transaction
from data.enums import Role
from data.models import Need, Organization

OWN_SME, OTHER_SME = "南京储能云科技有限公司", "常州科瑞电力设备有限公司"
OWN_TTO, OTHER_TTO = "钟山理工大学", "淮海矿业大学"
PATENT = "201710483362.4"  # held by 钟山理工大学


def _database(kind: str, home) -> tuple[str, object]:  # noqa: ANN001
    """A database URL of each backend and its cleanup; PostgreSQL gets a schema of its own."""
    if kind == "sqlite":
        return f"sqlite:///{home / 'api.db'}", lambda: None
    from tests.conftest import _postgres_url

    url = _postgres_url()
    if not url:
        pytest.skip("PATENT_MATCH_TEST_POSTGRES_URL not set")
    schema = f"api_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{url}?options=-csearch_path%3D{schema}", drop


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request, tmp_path_factory):
    home = tmp_path_factory.mktemp("api")
    url, drop = _database(request.param, home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATENT_MATCH_HOME", str(home / "home"))
        patch.setenv("PATENT_MATCH_ENCODER", "keyword")
        from data.settings import get_settings

        get_settings.cache_clear()
        assert CliRunner().invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"]).exit_code == 0
        engine = make_engine(url)
        keys = {}
        with transaction(engine) as session:
            org = {o.name: o for o in session.scalars(select(Organization))}
            for name, role, organization in [("sme", Role.SME, OWN_SME), ("other_sme", Role.SME, OTHER_SME),
                                             ("tto", Role.TTO, OWN_TTO), ("other_tto", Role.TTO, OTHER_TTO),
                                             ("operator", Role.OPERATOR, None), ("evaluator", Role.EVALUATOR, None),
                                             ("admin", Role.ADMIN, None)]:
                keys[name] = create_key(session, role, org.get(organization) if organization else None)
            need_id = session.scalar(select(Need.id).where(Need.external_id == "XQ-2026-01"))
            org_ids = {name: o.id for name, o in org.items()}
        app = create_app(engine)
        from api.cli_match import load_matcher

        app.state.matcher = load_matcher(engine)  # now, while the settings point at this test's data directory
        client = TestClient(app)
        yield client, keys, need_id, org_ids, engine
        runner = getattr(app.state, "freshness", None)
        assert runner is None or runner.wait(60)  # a background index update (after a web import) ends with the module
        get_settings.cache_clear()
        engine.dispose()
        drop()


def call(api, who, method, path, **kwargs):
    client, keys, *_ = api
    headers = kwargs.pop("headers", {}) | ({"Authorization": f"Bearer {keys[who]}"} if who else {})
    return client.request(method, path, headers=headers, **kwargs)


def sign_in(api, who: str) -> TestClient:  # noqa: ANN001
    """A browser-like client of the served demo, signed in to the web pages with `who`'s key."""
    import re

    client = TestClient(api[0].app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    answer = client.post("/ui/signin", data={"key": api[1][who], "form_token": token, "next": "/ui/"})
    assert answer.status_code in (200, 303), answer.text
    return client
