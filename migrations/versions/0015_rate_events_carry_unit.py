"""evaluation: 'rate' timeline events carry their opinion's unit (participation without a join)

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opinion_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_opinion_events_unit_id_units'), 'units',
                                    ['unit_id'], ['id'])
        batch_op.drop_index('ix_opinion_events_action_at')
        batch_op.create_index('ix_opinion_events_action_at',
                              ['action', 'at', 'actor_resident_id', 'unit_id', 'opinion_id'],
                              unique=False)
    # Backfill: an opinion never changes unit, so its unit now is its unit when rated.
    op.execute("UPDATE opinion_events SET unit_id = (SELECT opinions.unit_id FROM opinions"
               " WHERE opinions.id = opinion_events.opinion_id) WHERE action = 'rate'")


def downgrade():
    with op.batch_alter_table('opinion_events', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_events_action_at')
        batch_op.create_index('ix_opinion_events_action_at',
                              ['action', 'at', 'actor_resident_id', 'opinion_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_opinion_events_unit_id_units'),
                                 type_='foreignkey')
        batch_op.drop_column('unit_id')
