"""station checks: a workstation's keyboard checked before an exam session

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'station_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('station', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('started_by', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('page_ready_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('batches', sa.Integer(), nullable=False),
        sa.Column('received_json', sa.Text(), nullable=False),
        sa.Column('sent_json', sa.Text(), nullable=True),
        sa.Column('figures_json', sa.Text(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_station_checks_session_id', 'station_checks', ['session_id'])


def downgrade() -> None:
    op.drop_index('ix_station_checks_session_id', 'station_checks')
    op.drop_table('station_checks')
