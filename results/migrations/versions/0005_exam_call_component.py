"""exam call component: a roster entry's link may point at a call attempt instead of a skills-test attempt

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('roster_attempts') as batch:
        batch.alter_column('attempt_id', existing_type=sa.String(length=32), nullable=True)
        batch.add_column(sa.Column('call_attempt_id', sa.String(length=32), nullable=True))
        batch.create_foreign_key('fk_roster_attempts_call_attempt_id', 'call_attempts', ['call_attempt_id'], ['id'])
        batch.create_unique_constraint('uq_roster_attempts_call_attempt_id', ['call_attempt_id'])


def downgrade() -> None:
    op.execute("DELETE FROM roster_attempts WHERE attempt_id IS NULL")
    with op.batch_alter_table('roster_attempts') as batch:
        batch.drop_constraint('uq_roster_attempts_call_attempt_id', type_='unique')
        batch.drop_constraint('fk_roster_attempts_call_attempt_id', type_='foreignkey')
        batch.drop_column('call_attempt_id')
        batch.alter_column('attempt_id', existing_type=sa.String(length=32), nullable=False)
