"""meetings: site follows, outcome -> case link; notify: longer event names

Revision ID: 0012
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_site_follows_resident_id_residents"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_site_follows_site_id_sites"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_follows")),
        sa.UniqueConstraint("site_id", "resident_id",
                            name=op.f("uq_site_follows_site_id")),
    )
    with op.batch_alter_table("site_follows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_follows_resident_id"), ["resident_id"],
                              unique=False)
    with op.batch_alter_table("meeting_outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_opinion_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_meeting_outcomes_case_opinion_id"),
                                          ["case_opinion_id"])
        batch_op.create_foreign_key(batch_op.f("fk_meeting_outcomes_case_opinion_id_opinions"),
                                    "opinions", ["case_opinion_id"], ["id"])
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.alter_column("event", existing_type=sa.String(length=16),
                              type_=sa.String(length=32), existing_nullable=False)
    with op.batch_alter_table("notify_templates", schema=None) as batch_op:
        batch_op.alter_column("event", existing_type=sa.String(length=16),
                              type_=sa.String(length=32), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("notify_templates", schema=None) as batch_op:
        batch_op.alter_column("event", existing_type=sa.String(length=32),
                              type_=sa.String(length=16), existing_nullable=False)
    with op.batch_alter_table("notify_outbox", schema=None) as batch_op:
        batch_op.alter_column("event", existing_type=sa.String(length=32),
                              type_=sa.String(length=16), existing_nullable=False)
    with op.batch_alter_table("meeting_outcomes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_meeting_outcomes_case_opinion_id_opinions"),
                                 type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_meeting_outcomes_case_opinion_id"),
                                 type_="unique")
        batch_op.drop_column("case_opinion_id")
    with op.batch_alter_table("site_follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_follows_resident_id"))
    op.drop_table("site_follows")
