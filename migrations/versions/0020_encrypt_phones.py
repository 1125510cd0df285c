"""pii: residents' phone numbers encrypted at rest (AES-GCM), found by a keyed hash (HMAC)

Revision ID: 0020
Revises: 0015

Converts the rows already stored: each plain number is encrypted and hashed with the key
from the configuration (PII_KEY, or derived from SECRET_KEY; see server.common.pii).
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLES = ('opinions', 'residents')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('phone', existing_type=sa.String(length=32),
                                  type_=sa.String(length=128), existing_nullable=True)
            batch_op.add_column(sa.Column('phone_hash', sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_phone_hash'), ['phone_hash'],
                                  unique=False)
    from server.common.pii import encrypt_plain_rows

    for table in TABLES:
        encrypt_plain_rows(op.get_bind(), table)


def downgrade():
    from server.common.pii import decrypt

    bind = op.get_bind()
    for table in TABLES:
        rows = bind.execute(sa.text(f"SELECT id, phone FROM {table} WHERE phone IS NOT NULL"))
        for row_id, phone in rows.all():
            bind.execute(sa.text(f"UPDATE {table} SET phone = :p WHERE id = :i"),
                         {"p": decrypt(phone), "i": row_id})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_phone_hash'))
            batch_op.drop_column('phone_hash')
            batch_op.alter_column('phone', existing_type=sa.String(length=128),
                                  type_=sa.String(length=32), existing_nullable=True)
