"""themes: ids never reused (SQLite AUTOINCREMENT), so kept revisions cannot collide

A theme's revisions are keyed ``theme:<id>`` and stay in the history when the theme is
deleted. SQLite without AUTOINCREMENT gave the next theme the deleted newest theme's id,
and its first revision then collided with the kept ones (``UNIQUE summary_revision(event_id,
part, number)``). PostgreSQL's sequences never reuse a value; nothing to do there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'theme', recreate='always', table_kwargs={'sqlite_autoincrement': True}
    ):
        pass
    # Ids of themes deleted before this migration may still name kept revisions: the
    # sequence starts above every id the history mentions, not only above the live ones.
    op.execute(
        sa.text(
            "INSERT INTO sqlite_sequence (name, seq) SELECT 'theme', 0 "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'theme')"
        )
    )
    op.execute(
        sa.text(
            "UPDATE sqlite_sequence SET seq = max(seq, coalesce(("
            "SELECT max(CAST(substr(part, 7) AS INTEGER)) FROM summary_revision "
            "WHERE part LIKE 'theme:%'), 0)) WHERE name = 'theme'"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table(
        'theme', recreate='always', table_kwargs={'sqlite_autoincrement': False}
    ):
        pass
