"""dispatch: years staff marked as completely entered in the holiday calendar

Revision ID: 0018_calendar_years
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0018_calendar_years'
down_revision = '0017_poll_tally_state'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'dispatch_calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('marked_by_id', sa.Integer(), nullable=True),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['marked_by_id'], ['users.id'],
                                name=op.f('fk_dispatch_calendar_years_marked_by_id_users')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_dispatch_calendar_years')),
    )


def downgrade():
    op.drop_table('dispatch_calendar_years')
