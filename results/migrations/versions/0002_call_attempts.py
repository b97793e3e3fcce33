"""call scenario attempts, their action logs and grades

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'call_attempts',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('people.id'), nullable=False),
        sa.Column('scenario_id', sa.String(length=64), nullable=False),
        sa.Column('scenario_sha256', sa.String(length=64), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('caller', sa.String(length=16), nullable=False),
        sa.Column('voice', sa.String(length=16), nullable=False),
        sa.Column('sandbox', sa.String(length=64), nullable=False),
        sa.Column('lead_code', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_call_attempts_person_id', 'call_attempts', ['person_id'])
    op.create_index('ix_call_attempts_scenario_id', 'call_attempts', ['scenario_id'])
    op.create_table(
        'call_actions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.String(length=32), sa.ForeignKey('call_attempts.id'), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('action_json', sa.Text(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id', 'seq'),
    )
    op.create_index('ix_call_actions_attempt_id', 'call_actions', ['attempt_id'])
    op.create_table(
        'call_grades',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.String(length=32), sa.ForeignKey('call_attempts.id'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
        sa.Column('fatal', sa.Boolean(), nullable=False),
        sa.Column('details_json', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id', 'version'),
    )
    op.create_index('ix_call_grades_attempt_id', 'call_grades', ['attempt_id'])


def downgrade() -> None:
    op.drop_table('call_grades')
    op.drop_table('call_actions')
    op.drop_table('call_attempts')
