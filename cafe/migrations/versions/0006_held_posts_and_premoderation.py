"""privacy: held posts, pre-moderation, words marked as not personal data

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cafe_event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('premoderation', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('findings', sa.JSON(), nullable=True))
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('not_personal', sa.JSON(), nullable=False, server_default='[]'))

    # The server defaults only filled the existing rows; the models set the values.
    with op.batch_alter_table('cafe_event', schema=None) as batch_op:
        batch_op.alter_column('premoderation', server_default=None)
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.alter_column('not_personal', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('minutes', schema=None) as batch_op:
        batch_op.drop_column('not_personal')
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_column('findings')
        batch_op.drop_column('review')
    with op.batch_alter_table('cafe_event', schema=None) as batch_op:
        batch_op.drop_column('premoderation')
