"""HR exam administration: users, audit chain, exam profiles and sessions, rosters, codes, retakes

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# The audit chain is append-only below the ORM too: raw SQL cannot edit or remove a record.
AUDIT_TRIGGERS = {
    'audit_log_no_update': 'UPDATE',
    'audit_log_no_delete': 'DELETE',
}


def upgrade() -> None:
    op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('password_hash', sa.String(length=255), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
    )
    op.create_table(
        'audit_log',
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=120), nullable=False),
        sa.Column('action', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('details_json', sa.Text(), nullable=False),
        sa.Column('prev_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.create_index('ix_audit_log_subject', 'audit_log', ['subject'])
    op.create_table(
        'exam_profiles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('warm_up_allowed', sa.Boolean(), nullable=False),
        sa.Column('attempts_allowed', sa.Integer(), nullable=False),
        sa.Column('certificate_valid_days', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'exam_profile_components',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('component', sa.String(length=16), nullable=False),
        sa.Column('duration_s', sa.Integer(), nullable=False),
        sa.Column('form_id', sa.String(length=64), nullable=False),
        sa.Column('rule', sa.String(length=32), nullable=False),
        sa.Column('threshold', sa.Float(), nullable=False),
        sa.Column('max_errors', sa.Integer(), nullable=True),
        sa.Column('min_accuracy', sa.Float(), nullable=True),
        sa.Column('count_enter', sa.Boolean(), nullable=False),
        sa.Column('keypad_only', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['profile_id'], ['exam_profiles.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('profile_id', 'component'),
    )
    op.create_table(
        'exam_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=False),
        sa.Column('proctor_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['profile_id'], ['exam_profiles.id']),
        sa.ForeignKeyConstraint(['proctor_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_exam_sessions_profile_id', 'exam_sessions', ['profile_id'])
    op.create_table(
        'roster_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('extended_time', sa.String(length=8), nullable=False),
        sa.Column('large_text', sa.Boolean(), nullable=False),
        sa.Column('high_contrast', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['exam_sessions.id']),
        sa.ForeignKeyConstraint(['person_id'], ['people.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_roster_entries_session_id', 'roster_entries', ['session_id'])
    op.create_table(
        'access_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roster_entry_id', sa.Integer(), nullable=False),
        sa.Column('code_digest', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['roster_entry_id'], ['roster_entries.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_digest'),
    )
    op.create_index('ix_access_codes_roster_entry_id', 'access_codes', ['roster_entry_id'])
    op.create_table(
        'code_throttle',
        sa.Column('client_digest', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('client_digest'),
    )
    op.create_table(
        'roster_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roster_entry_id', sa.Integer(), nullable=False),
        sa.Column('component', sa.String(length=16), nullable=False),
        sa.Column('attempt_id', sa.String(length=32), nullable=False),
        sa.Column('warm_up', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['roster_entry_id'], ['roster_entries.id']),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('attempt_id'),
    )
    op.create_index('ix_roster_attempts_roster_entry_id', 'roster_attempts', ['roster_entry_id'])
    op.create_table(
        'retake_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roster_entry_id', sa.Integer(), nullable=False),
        sa.Column('component', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by', sa.String(length=64), nullable=False),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['roster_entry_id'], ['roster_entries.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_retake_grants_roster_entry_id', 'retake_grants', ['roster_entry_id'])
    op.create_table(
        'interruption_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.String(length=32), nullable=False),
        sa.Column('decision', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('decided_by', sa.String(length=64), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_interruption_decisions_attempt_id', 'interruption_decisions', ['attempt_id'])

    if op.get_bind().dialect.name == 'sqlite':
        for name, statement in AUDIT_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {statement} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {statement} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in AUDIT_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('interruption_decisions')
    op.drop_table('retake_grants')
    op.drop_table('roster_attempts')
    op.drop_table('code_throttle')
    op.drop_table('access_codes')
    op.drop_table('roster_entries')
    op.drop_table('exam_sessions')
    op.drop_table('exam_profile_components')
    op.drop_table('exam_profiles')
    op.drop_table('audit_log')
    op.drop_table('users')
