"""intake: photos, supports, idempotency keys, tracking counters, sensitive words

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 22:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_name', sa.String(length=32), nullable=True))

    op.create_table('opinion_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=True),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('thumb_sha256', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'], name=op.f('fk_opinion_photos_opinion_id_opinions')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_opinion_photos_resident_id_residents')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_opinion_photos_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_photos'))
    )
    with op.batch_alter_table('opinion_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_photos_opinion_id'), ['opinion_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_photos_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_opinion_photos_sha256'), ['sha256'], unique=False)

    op.create_table('opinion_supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'], name=op.f('fk_opinion_supports_opinion_id_opinions')),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_opinion_supports_resident_id_residents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opinion_supports')),
    sa.UniqueConstraint('opinion_id', 'resident_id', name=op.f('uq_opinion_supports_opinion_id'))
    )
    with op.batch_alter_table('opinion_supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opinion_supports_opinion_id'), ['opinion_id'], unique=False)

    op.create_table('intake_idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('opinion_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['opinion_id'], ['opinions.id'], name=op.f('fk_intake_idempotency_keys_opinion_id_opinions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_idempotency_keys')),
    sa.UniqueConstraint('scope', 'key', name=op.f('uq_intake_idempotency_keys_scope'))
    )

    op.create_table('tracking_counters',
    sa.Column('day', sa.String(length=8), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_tracking_counters'))
    )

    op.create_table('sensitive_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensitive_words')),
    sa.UniqueConstraint('word', name=op.f('uq_sensitive_words_word'))
    )


def downgrade():
    op.drop_table('sensitive_words')
    op.drop_table('tracking_counters')
    op.drop_table('intake_idempotency_keys')
    with op.batch_alter_table('opinion_supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_supports_opinion_id'))
    op.drop_table('opinion_supports')
    with op.batch_alter_table('opinion_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opinion_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_opinion_photos_resident_id'))
        batch_op.drop_index(batch_op.f('ix_opinion_photos_opinion_id'))
    op.drop_table('opinion_photos')
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_column('contact_name')
