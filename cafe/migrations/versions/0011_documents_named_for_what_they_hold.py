"""documents: the minutes tables renamed for what they hold (a memo or a report)

``minutes`` → ``document`` and ``minutes_revision`` → ``document_revision``: the rows hold
an event's document of either kind (the Cafe Social memo, a workshop's service-pilot
report), so the names say so (``cafe.models.Document``, ``DocumentRevision``). The rows
are copied into the new tables unchanged and the old ones dropped, so that every key and
constraint is named after its table on SQLite and PostgreSQL alike; PostgreSQL's id
sequence then continues after the highest copied id.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

#: The head row's columns and a revision's, the same in both names.
HEAD_COLUMNS = (
    'event_id, revision, published_revision, published_at, review_token, logo, logo_type,'
    ' not_personal'
)
REVISION_COLUMNS = 'id, event_id, number, content, correction, author_id, created_at'


def _create(head: str, revisions: str) -> None:
    """The two tables under the names given, every constraint named after its table."""
    op.create_table(head,
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('published_revision', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('review_token', sa.String(length=64), nullable=True),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_type', sa.String(length=20), nullable=True),
    sa.Column('not_personal', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['cafe_event.id'], name=op.f(f'fk_{head}_event_id_cafe_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f(f'pk_{head}')),
    sa.UniqueConstraint('review_token', name=op.f(f'uq_{head}_review_token'))
    )
    op.create_table(revisions,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('correction', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f(f'fk_{revisions}_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['cafe_event.id'], name=op.f(f'fk_{revisions}_event_id_cafe_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{revisions}')),
    sa.UniqueConstraint('event_id', 'number', name=op.f(f'uq_{revisions}_event_id'))
    )


def _move(old: tuple[str, str], new: tuple[str, str]) -> None:
    """Create the tables ``new``, copy every row of ``old`` into them, drop ``old``."""
    _create(*new)
    op.execute(f'INSERT INTO {new[0]} ({HEAD_COLUMNS}) SELECT {HEAD_COLUMNS} FROM {old[0]}')
    op.execute(
        f'INSERT INTO {new[1]} ({REVISION_COLUMNS}) SELECT {REVISION_COLUMNS} FROM {old[1]}'
    )
    op.drop_table(old[1])
    op.drop_table(old[0])
    if op.get_bind().dialect.name == 'postgresql':
        # The ids were copied as they were: new revisions continue after the highest.
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{new[1]}', 'id'),"
            f" COALESCE((SELECT max(id) FROM {new[1]}), 0) + 1, false)"
        )


def upgrade() -> None:
    _move(('minutes', 'minutes_revision'), ('document', 'document_revision'))


def downgrade() -> None:
    _move(('document', 'document_revision'), ('minutes', 'minutes_revision'))
