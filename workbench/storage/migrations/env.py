"""Alembic environment: runs on the connection the workbench hands over (never a URL in a file)."""

from alembic import context

from workbench.storage.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the workbench always passes a connection
    raise RuntimeError("run migrations through workbench.storage.engine.migrate()")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
