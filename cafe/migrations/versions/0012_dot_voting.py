"""dot-voting: vote rounds and votes

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 15:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vote_round',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('dots', sa.Integer(), nullable=False),
    sa.Column('per_item', sa.Integer(), nullable=False),
    sa.Column('revealed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['cafe_event.id'], name=op.f('fk_vote_round_event_id_cafe_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'phase', name=op.f('pk_vote_round'))
    )
    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=32), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('dots', sa.Integer(), nullable=False),
    sa.Column('role_tag', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['cafe_event.id'], name=op.f('fk_vote_event_id_cafe_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('event_id', 'phase', 'device_hash', 'item', name=op.f('uq_vote_event_id'))
    )


def downgrade() -> None:
    op.drop_table('vote')
    op.drop_table('vote_round')
