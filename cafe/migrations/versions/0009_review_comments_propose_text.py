"""review comments: the part they are about, by key, and a proposed replacement text

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 12:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part_key', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('replacement', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('applied_revision', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('review_comment', schema=None) as batch_op:
        batch_op.drop_column('applied_revision')
        batch_op.drop_column('replacement')
        batch_op.drop_column('part_key')
