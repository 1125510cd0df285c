"""privacy: a resident's consent to the privacy notice, once, before their first report

Revision ID: 0023
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_consents',
        sa.Column('resident_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('resident_id'),
    )


def downgrade():
    op.drop_table('privacy_consents')
