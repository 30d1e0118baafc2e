"""accounts: event owners, an admin role, session versions

Events now belong to the facilitators they are shared with (``event_owner``); other
accounts get 404 on them, except admins (``user.is_admin``), who see every event. A login
cookie carries the account's ``session_version``, which logging out counts up.

So that nothing disappears on upgrade, every existing event is shared with every existing
account (its creator first, then the others by account number): who could see an event
before can still see it. The oldest account (the first-start ``facilitator`` of
``cafe run``, as a new installation's is) becomes admin, so that events created later with
``cafe event create`` without ``--owner`` (owned by the admins only) have someone to see
them. Logins made before the upgrade end: the cookie has no session version yet.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('is_admin', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), nullable=False, server_default='0')
        )
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('is_admin', server_default=None)
        batch_op.alter_column('session_version', server_default=None)

    op.create_table('event_owner',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['cafe_event.id'], name=op.f('fk_event_owner_event_id_cafe_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_event_owner_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'user_id', name=op.f('pk_event_owner'))
    )
    with op.batch_alter_table('event_owner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_owner_user_id'), ['user_id'], unique=False)

    user = sa.table('user', sa.column('id', sa.Integer()), sa.column('is_admin', sa.Boolean()))
    event = sa.table(
        'cafe_event',
        sa.column('id', sa.Integer()),
        sa.column('created_by_id', sa.Integer()),
        sa.column('created_at', sa.DateTime()),
    )
    owner = sa.table(
        'event_owner',
        sa.column('event_id', sa.Integer()),
        sa.column('user_id', sa.Integer()),
        sa.column('position', sa.Integer()),
        sa.column('created_at', sa.DateTime()),
    )
    # Every existing event to every existing account: the creator at position 0, the
    # others after it in account order (an account number is never 0).
    op.execute(
        owner.insert().from_select(
            ['event_id', 'user_id', 'position', 'created_at'],
            sa.select(
                event.c.id,
                user.c.id,
                sa.case((event.c.created_by_id == user.c.id, 0), else_=user.c.id),
                event.c.created_at,
            ).select_from(event.join(user, sa.true())),
        )
    )
    op.execute(
        user.update()
        .where(user.c.id == sa.select(sa.func.min(user.c.id)).scalar_subquery())
        .values(is_admin=True)
    )


def downgrade() -> None:
    with op.batch_alter_table('event_owner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_owner_user_id'))

    op.drop_table('event_owner')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('is_admin')
