"""evaluation: covering indexes so a period's figures are read from indexes alone

Revision ID: 0014
Revises: 0013
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

FIGURE_COLUMNS = ['id', 'unit_id', 'category_id', 'state', 'moderation', 'rating',
                  'answered_at', 'resident_id']


def upgrade():
    # INCLUDE is PostgreSQL's (index-only scans); SQLite ignores postgresql_include and
    # gets plain indexes on the key columns.
    op.create_index('ix_opinions_created_at_figures', 'opinions', ['created_at'],
                    unique=False, postgresql_include=FIGURE_COLUMNS)
    op.create_index('ix_opinions_id_unit_id', 'opinions', ['id'], unique=False,
                    postgresql_include=['unit_id'])
    op.drop_index('ix_dispatch_cases_received_at', table_name='dispatch_cases')
    op.create_index('ix_dispatch_cases_received_at', 'dispatch_cases', ['received_at'],
                    unique=False, postgresql_include=['opinion_id', 'answer_due_at'])
    op.drop_index('ix_opinions_unit_id_created_at', table_name='opinions')
    op.create_index('ix_opinions_unit_id_created_at', 'opinions', ['unit_id', 'created_at'],
                    unique=False,
                    postgresql_include=[c for c in FIGURE_COLUMNS if c != 'unit_id'])


def downgrade():
    op.drop_index('ix_opinions_unit_id_created_at', table_name='opinions')
    op.create_index('ix_opinions_unit_id_created_at', 'opinions', ['unit_id', 'created_at'],
                    unique=False)
    op.drop_index('ix_dispatch_cases_received_at', table_name='dispatch_cases')
    op.create_index('ix_dispatch_cases_received_at', 'dispatch_cases', ['received_at'],
                    unique=False)
    op.drop_index('ix_opinions_id_unit_id', table_name='opinions')
    op.drop_index('ix_opinions_created_at_figures', table_name='opinions')
