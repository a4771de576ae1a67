"""`patent-match keys create|list|revoke` and `patent-match serve`."""

from __future__ import annotations

import click

from data.enums import Role


@click.group("keys")
def keys() -> None:
    """API keys (sent as Authorization: Bearer …)."""


@keys.command("create")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org", "org_name", help="The organisation the key acts for (required for sme and tto).")
@click.option("--label", default="", help="A note on who holds the key.")
@click.pass_obj
def keys_create(obj, role: str, org_name: str | None, label: str) -> None:  # noqa: ANN001
    """Create a key and print it once; only its hash is stored."""
    from sqlalchemy import select

    from api.auth import create_key
    from data.db import transaction
    from data.models import Organization

    with transaction(obj.engine) as session:
        org = session.scalar(select(Organization).where(Organization.name == org_name)) if org_name else None
        if org_name and org is None:
            raise click.ClickException(f"no organisation named '{org_name}'")
        try:
            key = create_key(session, Role(role), org, label)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(key)


@keys.command("list")
@click.pass_obj
def keys_list(obj) -> None:  # noqa: ANN001
    """Keys by prefix, role, organisation and state (never the secret)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from data.db import transaction
    from data.models import ApiKey

    with transaction(obj.engine) as session:
        for k in session.scalars(select(ApiKey).options(selectinload(ApiKey.organization)).order_by(ApiKey.id)):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            click.echo(f"{k.prefix}  {k.role.value:<9}  {k.organization.name if k.organization else '-'}  "
                       f"{state}  {k.label}")


@keys.command("revoke")
@click.argument("prefix")
@click.pass_obj
def keys_revoke(obj, prefix: str) -> None:  # noqa: ANN001
    """Revoke the key with this prefix (the part after pm_)."""
    from api.auth import revoke_key
    from data.db import transaction

    with transaction(obj.engine) as session:
        if not revoke_key(session, prefix):
            raise click.ClickException(f"no active key with prefix {prefix}")
    click.echo(f"revoked {prefix}")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes, each with its own copy of the index: one per core for matching under load.")
@click.pass_obj
def serve(obj, host: str, port: int, workers: int) -> None:  # noqa: ANN001
    """Serve the HTTP API (FastAPI + uvicorn) over the configured database and index."""
    import os

    import uvicorn

    from api.served import served_app

    if workers == 1:
        uvicorn.run(served_app(obj.engine), host=host, port=port)
        return
    from api.balance import WorkerLoads

    obj.engine  # noqa: B018 (migrates once here, not in every worker at the same moment)
    loads = WorkerLoads.create(workers)
    # The workers read both from the settings
    os.environ.update(PATENT_MATCH_DATABASE_URL=obj.database_url, PATENT_MATCH_WORKER_LOADS=str(loads))
    try:
        uvicorn.run("api.served:served_app", factory=True, host=host, port=port, workers=workers)
    finally:
        loads.unlink(missing_ok=True)


DEMO_KEYS = (  # who signs in to the demo: (role, organisation from data/demo/orgs.csv)
    (Role.SME, "南京储能云科技有限公司"),
    (Role.TTO, "钟山理工大学"),
    (Role.OPERATOR, "江苏专利运营服务中心（示范）"),
    (Role.EVALUATOR, None),
    (Role.ADMIN, None),
)


def demo_keys(engine) -> list[tuple[Role, str | None, str]]:  # noqa: ANN001
    """Fresh sign-in keys for each demo role; the previous demo keys are revoked, so a re-run leaves one set."""
    import datetime as dt

    from sqlalchemy import select

    from api.auth import create_key
    from data.db import transaction
    from data.models import ApiKey, Organization

    created = []
    with transaction(engine) as session:
        for old in session.scalars(select(ApiKey).where(ApiKey.label == "demo", ApiKey.revoked_at.is_(None))):
            old.revoked_at = dt.datetime.now(dt.UTC)
        for role, org_name in DEMO_KEYS:
            org = session.scalar(select(Organization).where(Organization.name == org_name)) if org_name else None
            created.append((role, org_name, create_key(session, role, org, "demo")))
    return created
