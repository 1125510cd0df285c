"""evaluation: outcome ratings; indexes on timeline events (action, at) and cases (received_at)

Revision ID: 0013
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'evaluation_outcome_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('outcome_id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('history', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['outcome_id'], ['meeting_outcomes.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('outcome_id', 'resident_id'),
    )
    with op.batch_alter_table('evaluation_outcome_ratings', schema=None) as batch_op:
        for column in ('meeting_id', 'outcome_id', 'resident_id', 'unit_id'):
            batch_op.create_index(f'ix_evaluation_outcome_ratings_{column}', [column],
                                  unique=False)
    with op.batch_alter_table('opinion_events', schema=None) as batch_op:
        batch_op.create_index('ix_opinion_events_action_at',
                              ['action', 'at', 'actor_resident_id', 'opinion_id'], unique=False)
    with op.batch_alter_table('dispatch_cases', schema=None) as batch_op:
        batch_op.create_index('ix_dispatch_cases_received_at', ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('dispatch_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_dispatch_cases_received_at')
    with op.batch_alter_table('opinion_events', schema=None) as batch_op:
        batch_op.drop_index('ix_opinion_events_action_at')
    op.drop_table('evaluation_outcome_ratings')
