"""supervision: overdue warnings, supervision orders and their timeline, department heads

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_departments_head_user_id_users"), "users",
                                    ["head_user_id"], ["id"])
    op.create_table(
        "supervision_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("opinion_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("demand", sa.Text(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["opinion_id"], ["opinions.id"],
                                name=op.f("fk_supervision_orders_opinion_id_opinions")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_supervision_orders_department_id_departments")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_supervision_orders_site_id_sites")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_supervision_orders_unit_id_units")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"],
                                name=op.f("fk_supervision_orders_issued_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_orders")),
    )
    with op.batch_alter_table("supervision_orders", schema=None) as batch_op:
        for column in ("opinion_id", "department_id", "site_id", "unit_id", "status"):
            batch_op.create_index(batch_op.f(f"ix_supervision_orders_{column}"), [column],
                                  unique=False)
    op.create_table(
        "supervision_order_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["supervision_orders.id"],
                                name=op.f("fk_supervision_order_events_order_id_supervision_orders")),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"],
                                name=op.f("fk_supervision_order_events_actor_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_order_events")),
    )
    with op.batch_alter_table("supervision_order_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_order_events_order_id"), ["order_id"],
                              unique=False)
    op.create_table(
        "supervision_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opinion_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("member_user_id", sa.Integer(), nullable=True),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["opinion_id"], ["opinions.id"],
                                name=op.f("fk_supervision_warnings_opinion_id_opinions")),
        sa.ForeignKeyConstraint(["order_id"], ["supervision_orders.id"],
                                name=op.f("fk_supervision_warnings_order_id_supervision_orders")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"],
                                name=op.f("fk_supervision_warnings_unit_id_units")),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name=op.f("fk_supervision_warnings_site_id_sites")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_supervision_warnings_department_id_departments")),
        sa.ForeignKeyConstraint(["member_user_id"], ["users.id"],
                                name=op.f("fk_supervision_warnings_member_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_warnings")),
        sa.UniqueConstraint("target_kind", "target_id", "step", "level", "due_at",
                            name=op.f("uq_supervision_warnings_target_kind")),
    )
    with op.batch_alter_table("supervision_warnings", schema=None) as batch_op:
        for column in ("level", "cleared_at", "opinion_id", "unit_id", "department_id"):
            batch_op.create_index(batch_op.f(f"ix_supervision_warnings_{column}"), [column],
                                  unique=False)


def downgrade():
    op.drop_table("supervision_warnings")
    op.drop_table("supervision_order_events")
    op.drop_table("supervision_orders")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_departments_head_user_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("head_user_id")
