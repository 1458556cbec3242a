"""orders and payments, registration questions, waiting list, workshop sign-ups

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 09:06:24.597574

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('counter',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counter'))
    )
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('help_text_en', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('ticket_type_ids', sa.JSON(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_question_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_event_id'), ['event_id'], unique=False)

    op.create_table('ticket_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('buyer_name', sa.String(length=200), nullable=False),
    sa.Column('buyer_email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('payment_status', sa.String(length=20), nullable=False),
    sa.Column('total_ore', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('manage_token', sa.String(length=64), nullable=False),
    sa.Column('hold_expires_at', sa.DateTime(), nullable=True),
    sa.Column('stripe_checkout_id', sa.String(length=255), nullable=True),
    sa.Column('stripe_checkout_url', sa.Text(), nullable=True),
    sa.Column('stripe_payment_intent', sa.String(length=255), nullable=True),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('refunded_ore', sa.Integer(), nullable=False),
    sa.Column('billing_name', sa.String(length=200), nullable=False),
    sa.Column('billing_org_number', sa.String(length=20), nullable=False),
    sa.Column('billing_address', sa.Text(), nullable=False),
    sa.Column('billing_email', sa.String(length=254), nullable=False),
    sa.Column('invoice_reference', sa.String(length=200), nullable=False),
    sa.Column('peppol_id', sa.String(length=100), nullable=False),
    sa.Column('invoice_number', sa.Integer(), nullable=True),
    sa.Column('invoiced_at', sa.DateTime(), nullable=True),
    sa.Column('invoice_due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_ticket_order_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_order')),
    sa.UniqueConstraint('code', name=op.f('uq_ticket_order_code')),
    sa.UniqueConstraint('invoice_number', name=op.f('uq_ticket_order_invoice_number')),
    sa.UniqueConstraint('manage_token', name=op.f('uq_ticket_order_manage_token')),
    sa.UniqueConstraint('stripe_checkout_id', name=op.f('uq_ticket_order_stripe_checkout_id'))
    )
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_order_buyer_email'), ['buyer_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_hold_expires_at'), ['hold_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_order_stripe_payment_intent'), ['stripe_payment_intent'], unique=False)

    op.create_table('refund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount_ore', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_refund_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], name=op.f('fk_refund_order_id_ticket_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_refund_stripe_refund_id'))
    )
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refund_order_id'), ['order_id'], unique=False)

    op.create_table('stripe_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stripe_id', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], name=op.f('fk_stripe_event_order_id_ticket_order'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_event')),
    sa.UniqueConstraint('stripe_id', name=op.f('uq_stripe_event_stripe_id'))
    )
    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stripe_event_order_id'), ['order_id'], unique=False)

    op.create_table('waiting_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('ticket_type_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('offered_at', sa.DateTime(), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_waiting_list_entry_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['ticket_order.id'], name=op.f('fk_waiting_list_entry_order_id_ticket_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_type_id'], ['ticket_type.id'], name=op.f('fk_waiting_list_entry_ticket_type_id_ticket_type'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waiting_list_entry')),
    sa.UniqueConstraint('token', name=op.f('uq_waiting_list_entry_token'))
    )
    with op.batch_alter_table('waiting_list_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waiting_list_entry_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_list_entry_offer_expires_at'), ['offer_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_waiting_list_entry_ticket_type_id'), ['ticket_type_id'], unique=False)
        batch_op.create_index('uq_waiting_list_event_email_live', ['event_id', 'email'], unique=True, postgresql_where=sa.text("status IN ('waiting', 'offered')"), sqlite_where=sa.text("status IN ('waiting', 'offered')"))

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_answer_question_id_question'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_answer_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('registration_id', 'question_id', name='uq_answer_per_question')
    )
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_question_id'), ['question_id'], unique=False)

    op.create_table('session_signup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['programme_item.id'], name=op.f('fk_session_signup_item_id_programme_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_session_signup_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_signup')),
    sa.UniqueConstraint('registration_id', 'item_id', name='uq_session_signup')
    )
    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_signup_item_id'), ['item_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seats_taken', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('refund_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('allow_invoice', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('field_organisation', sa.String(length=10), server_default='optional', nullable=False))
        batch_op.add_column(sa.Column('field_role', sa.String(length=10), server_default='optional', nullable=False))
        batch_op.add_column(sa.Column('field_phone', sa.String(length=10), server_default='off', nullable=False))
        batch_op.add_column(sa.Column('ask_sensitive', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('personal_data_purged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('seller_org_number', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seller_vat_number', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seller_address', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('seller_bankgiro', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('invoice_due_days', sa.Integer(), server_default='30', nullable=False))
        batch_op.create_check_constraint(op.f('ck_event_seats_taken_not_negative'), 'seats_taken >= 0')

    # Seats already taken count towards an overall capacity set later.
    op.execute(
        "UPDATE event SET seats_taken = (SELECT COALESCE(SUM(ticket_type.seats_taken), 0) "
        "FROM ticket_type WHERE ticket_type.event_id = event.id)"
    )

    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signup_required', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('signup_capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signups_taken', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(op.f('ck_programme_item_signups_taken_not_negative'), 'signups_taken >= 0')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('price_ore', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('vat_percent', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_index(batch_op.f('uq_registration_event_email_confirmed'), sqlite_where=sa.text("status = 'confirmed'"))
        batch_op.create_index(batch_op.f('ix_registration_order_id'), ['order_id'], unique=False)
        batch_op.create_index('uq_registration_event_email_live', ['event_id', 'email'], unique=True, postgresql_where=sa.text("status IN ('confirmed', 'pending')"), sqlite_where=sa.text("status IN ('confirmed', 'pending')"))
        batch_op.create_foreign_key(batch_op.f('fk_registration_order_id_ticket_order'), 'ticket_order', ['order_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('description_en', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('vat_percent', sa.Integer(), server_default='25', nullable=False))
        batch_op.add_column(sa.Column('sales_start', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('sales_end', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('visibility', sa.String(length=10), server_default='public', nullable=False))
        batch_op.add_column(sa.Column('access_code', sa.String(length=40), server_default='', nullable=False))

    # ### end Alembic commands ###


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('ticket_type', schema=None) as batch_op:
        batch_op.drop_column('access_code')
        batch_op.drop_column('visibility')
        batch_op.drop_column('sales_end')
        batch_op.drop_column('sales_start')
        batch_op.drop_column('vat_percent')
        batch_op.drop_column('description_en')
        batch_op.drop_column('name_en')

    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registration_order_id_ticket_order'), type_='foreignkey')
        batch_op.drop_index('uq_registration_event_email_live', postgresql_where=sa.text("status IN ('confirmed', 'pending')"), sqlite_where=sa.text("status IN ('confirmed', 'pending')"))
        batch_op.drop_index(batch_op.f('ix_registration_order_id'))
        batch_op.create_index(batch_op.f('uq_registration_event_email_confirmed'), ['event_id', 'email'], unique=True, postgresql_where=sa.text("status = 'confirmed'"), sqlite_where=sa.text("status = 'confirmed'"))
        batch_op.drop_column('vat_percent')
        batch_op.drop_column('price_ore')
        batch_op.drop_column('phone')
        batch_op.drop_column('role')
        batch_op.drop_column('order_id')

    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_programme_item_signups_taken_not_negative'), type_='check')
        batch_op.drop_column('signups_taken')
        batch_op.drop_column('signup_capacity')
        batch_op.drop_column('signup_required')
        batch_op.drop_column('audience')

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_seats_taken_not_negative'), type_='check')
        batch_op.drop_column('invoice_due_days')
        batch_op.drop_column('seller_bankgiro')
        batch_op.drop_column('seller_address')
        batch_op.drop_column('seller_vat_number')
        batch_op.drop_column('seller_org_number')
        batch_op.drop_column('personal_data_purged_at')
        batch_op.drop_column('ask_sensitive')
        batch_op.drop_column('field_phone')
        batch_op.drop_column('field_role')
        batch_op.drop_column('field_organisation')
        batch_op.drop_column('allow_invoice')
        batch_op.drop_column('refund_until')
        batch_op.drop_column('seats_taken')
        batch_op.drop_column('capacity')

    with op.batch_alter_table('session_signup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_signup_item_id'))

    op.drop_table('session_signup')
    with op.batch_alter_table('answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_question_id'))

    op.drop_table('answer')
    with op.batch_alter_table('waiting_list_entry', schema=None) as batch_op:
        batch_op.drop_index('uq_waiting_list_event_email_live', postgresql_where=sa.text("status IN ('waiting', 'offered')"), sqlite_where=sa.text("status IN ('waiting', 'offered')"))
        batch_op.drop_index(batch_op.f('ix_waiting_list_entry_ticket_type_id'))
        batch_op.drop_index(batch_op.f('ix_waiting_list_entry_offer_expires_at'))
        batch_op.drop_index(batch_op.f('ix_waiting_list_entry_event_id'))

    op.drop_table('waiting_list_entry')
    with op.batch_alter_table('stripe_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stripe_event_order_id'))

    op.drop_table('stripe_event')
    with op.batch_alter_table('refund', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refund_order_id'))

    op.drop_table('refund')
    with op.batch_alter_table('ticket_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_order_stripe_payment_intent'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_hold_expires_at'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_event_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_order_buyer_email'))

    op.drop_table('ticket_order')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_event_id'))

    op.drop_table('question')
    op.drop_table('counter')
    # ### end Alembic commands ###
