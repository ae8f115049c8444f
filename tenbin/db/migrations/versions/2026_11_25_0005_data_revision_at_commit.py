"""data revision moved at commit on PostgreSQL

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 04:40:00

PostgreSQL only (SQLite's row triggers are unchanged): the statement triggers on the watched tables
no longer update the shared ``data_revision`` row (which locked it from a transaction's first write
to its end, so concurrent intakes queued on it); they insert a per-transaction marker row whose
deferred constraint trigger moves the revision at commit (see ``tenbin.db.revision``). The function
text is fixed here, as of this revision.
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

APPLY = (
    "CREATE OR REPLACE FUNCTION tenbin_apply_data_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM data_revision WHERE id = NEW.id; "
    "UPDATE data_revision SET revision = revision + 1, txid = txid_current() WHERE id = 1; "
    "IF NOT FOUND THEN INSERT INTO data_revision (id, revision, txid) SELECT 1, "
    "coalesce(max(revision), 0) + 1, txid_current() FROM metric_cells_state "
    "ON CONFLICT (id) DO NOTHING; END IF; RETURN NULL; END $$"
)
APPLY_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER trg_data_revision_apply AFTER INSERT ON data_revision DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW WHEN (NEW.id < 0) EXECUTE FUNCTION tenbin_apply_data_revision()"
)
MARK = (
    "CREATE OR REPLACE FUNCTION tenbin_bump_data_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('tenbin.data_revision_marked', true) IS DISTINCT FROM '1' THEN "
    "PERFORM set_config('tenbin.data_revision_marked', '1', true); "
    "INSERT INTO data_revision (id, revision) VALUES (-pg_backend_pid(), 0) ON CONFLICT (id) DO NOTHING; "
    "END IF; RETURN NULL; END $$"
)
BUMP_0003 = (
    "CREATE OR REPLACE FUNCTION tenbin_bump_data_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE data_revision SET revision = revision + 1, txid = txid_current() "
    "WHERE id = 1 AND txid IS DISTINCT FROM txid_current(); "
    "IF NOT FOUND THEN INSERT INTO data_revision (id, revision, txid) SELECT 1, "
    "coalesce(max(revision), 0) + 1, txid_current() FROM metric_cells_state "
    "ON CONFLICT (id) DO NOTHING; END IF; RETURN NULL; END $$"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in (APPLY, "DROP TRIGGER IF EXISTS trg_data_revision_apply ON data_revision", APPLY_TRIGGER, MARK):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(BUMP_0003)
    bind.exec_driver_sql("DROP TRIGGER IF EXISTS trg_data_revision_apply ON data_revision")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS tenbin_apply_data_revision()")
