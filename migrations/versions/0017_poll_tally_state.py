"""meetings: a poll remembers when its live state was loaded into Redis and when it was lost

Revision ID: 0017_poll_tally_state
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0017_poll_tally_state'
down_revision = '0016_notify_subscriptions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tally_loaded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('tally_lost_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting_polls', schema=None) as batch_op:
        batch_op.drop_column('tally_lost_at')
        batch_op.drop_column('tally_loaded_at')
