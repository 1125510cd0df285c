"""notify: residents' one-time WeChat subscriptions (credits per template)

Revision ID: 0016_notify_subscriptions
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = "0016_notify_subscriptions"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notify_subscriptions",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("accepted_total", sa.Integer(), nullable=False),
        sa.Column("last_result", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("credits >= 0",
                           name=op.f("ck_notify_subscriptions_credits_not_negative")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_notify_subscriptions_resident_id_residents"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resident_id", "template_id",
                                name=op.f("pk_notify_subscriptions")),
    )


def downgrade():
    op.drop_table("notify_subscriptions")
