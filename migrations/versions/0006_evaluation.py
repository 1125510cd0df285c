"""evaluation: composite index on opinions for per-unit, per-period grouped figures

Revision ID: 0006
Revises: 0002
"""
from alembic import op

revision = '0006'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.create_index('ix_opinions_unit_id_created_at', ['unit_id', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_opinions_unit_id_created_at')
