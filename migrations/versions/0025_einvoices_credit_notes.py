"""e-invoices: VAT categories of ticket types, the F-tax statement, the seller's IBAN, the buyer's country, credit
notes with their lines, and when each e-invoice was sent

Peppol BIS Billing 3.0 asks for a VAT category per line (exempt ones with a reason), the
buyer's country and, for a Swedish seller with F-tax, the statement "Godkänd för F-skatt".
Each credit gets a credit note of its own. Existing ticket types are taxed ("S") unless their
rate is 0 %, which becomes exempt ("E") with no reason yet; existing buyers are Swedish.

Revision ID: 0025
Revises: 0030
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_f_tax', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('seller_iban', sa.String(length=34), server_default='', nullable=False))
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vat_category', sa.String(length=1), server_default='S', nullable=False))
        batch_op.add_column(sa.Column('vat_exemption_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('vat_exemption_reason_en', sa.String(length=300), server_default='', nullable=False))
    op.execute("UPDATE ticket_type SET vat_category = 'E' WHERE vat_percent = 0")
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('billing_country', sa.String(length=2), server_default='SE', nullable=False))
        batch_op.add_column(sa.Column('einvoice_sent_at', sa.DateTime(), nullable=True))
    op.create_table(
        'credit_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('refund_id', sa.Integer(), nullable=True),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('amount_ore', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['refund_id'], ['refund.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
        sa.UniqueConstraint('refund_id'),
    )
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_order_id'), ['order_id'], unique=False)
    op.create_table(
        'credit_note_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('credit_note_id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('ticket', sa.String(length=200), nullable=False),
        sa.Column('attendee', sa.String(length=200), nullable=False),
        sa.Column('vat_percent', sa.Integer(), nullable=False),
        sa.Column('vat_category', sa.String(length=1), nullable=False),
        sa.Column('exemption_reason', sa.String(length=300), nullable=False),
        sa.Column('gross_ore', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['credit_note_id'], ['credit_note.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('credit_note_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_note_line_credit_note_id'), ['credit_note_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_note_line_registration_id'), ['registration_id'], unique=False)


def downgrade():
    with op.batch_alter_table('credit_note_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_note_line_registration_id'))
        batch_op.drop_index(batch_op.f('ix_credit_note_line_credit_note_id'))
    op.drop_table('credit_note_line')
    with op.batch_alter_table('credit_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_note_order_id'))
    op.drop_table('credit_note')
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.drop_column('einvoice_sent_at')
        batch_op.drop_column('billing_country')
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.drop_column('vat_exemption_reason_en')
        batch_op.drop_column('vat_exemption_reason')
        batch_op.drop_column('vat_category')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('seller_iban')
        batch_op.drop_column('seller_f_tax')
