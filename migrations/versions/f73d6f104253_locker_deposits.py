"""Lockers for every business (issue 22): a deposit for a named person, outside online orders; a
compartment holds either a sub-order or a deposit (check constraint), the locker events name it.

Revision ID: f73d6f104253
Revises: d1f3a5c7e9b2
"""
import sqlalchemy as sa
from alembic import op

revision = 'f73d6f104253'
down_revision = 'd1f3a5c7e9b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('locker_deposits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('locker_bank_id', sa.Integer(), nullable=False),
    sa.Column('compartment_id', sa.Integer(), nullable=False),
    sa.Column('booking_key', sa.String(length=64), nullable=False),
    sa.Column('recipient_name', sa.String(length=140), nullable=False),
    sa.Column('recipient_phone', sa.String(length=20), nullable=False),
    sa.Column('recipient_email', sa.String(length=254), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('pickup_code', sa.String(length=12), nullable=True),
    sa.Column('code_expires_at', sa.DateTime(), nullable=True),
    sa.Column('booked_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('deposited_at', sa.DateTime(), nullable=True),
    sa.Column('collected_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_user_id'], ['users.id'], name=op.f('fk_locker_deposits_booked_by_user_id_users')),
    sa.ForeignKeyConstraint(['compartment_id'], ['locker_compartments.id'], name=op.f('fk_locker_deposits_compartment_id_locker_compartments')),
    sa.ForeignKeyConstraint(['locker_bank_id'], ['locker_banks.id'], name=op.f('fk_locker_deposits_locker_bank_id_locker_banks')),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_locker_deposits_shop_id_shops')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locker_deposits')),
    sa.UniqueConstraint('booking_key', name=op.f('uq_locker_deposits_booking_key'))
    )
    with op.batch_alter_table('locker_deposits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locker_deposits_locker_bank_id'), ['locker_bank_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_locker_deposits_shop_id'), ['shop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_locker_deposits_status'), ['status'], unique=False)

    # SQLite rebuilds the tables below (a copy, then DROP TABLE): with foreign keys on, dropping a
    # compartment that a sub-order points to would fail; they are checked again afterwards.
    _foreign_keys("OFF")
    with op.batch_alter_table('locker_compartments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deposit_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_locker_compartments_deposit_id'), ['deposit_id'])
        batch_op.create_check_constraint("one_occupant", "order_shop_id IS NULL OR deposit_id IS NULL")

    with op.batch_alter_table('locker_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deposit_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_locker_events_deposit_id_locker_deposits'), 'locker_deposits', ['deposit_id'], ['id'])
    _foreign_keys("ON")



def downgrade():
    _foreign_keys("OFF")
    with op.batch_alter_table('locker_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_locker_events_deposit_id_locker_deposits'), type_='foreignkey')
        batch_op.drop_column('deposit_id')

    with op.batch_alter_table('locker_compartments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_locker_compartments_one_occupant'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_locker_compartments_deposit_id'), type_='unique')
        batch_op.drop_column('deposit_id')

    with op.batch_alter_table('locker_deposits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locker_deposits_status'))
        batch_op.drop_index(batch_op.f('ix_locker_deposits_shop_id'))
        batch_op.drop_index(batch_op.f('ix_locker_deposits_locker_bank_id'))

    op.drop_table('locker_deposits')
    _foreign_keys("ON")


def _foreign_keys(state: str) -> None:
    """SQLite only: PRAGMA foreign_keys. It takes effect outside a transaction: Python's sqlite3
    opens one only before a data change, and DDL runs in autocommit (checked: an upgrade and a
    downgrade of a database holding a sub-order in a compartment)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={state}")
