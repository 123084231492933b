"""point of sale"""
# Generated from a schema diff on 2026-11-21 19:41.
from peewee import *

def up(migrator, db):
    class PosOrder(Model):
        class Meta:
            database = db
            table_name = 'pos_order'

    class PosOrderLine(Model):
        class Meta:
            database = db
            table_name = 'pos_order_line'

    class ProductProduct(Model):
        class Meta:
            database = db
            table_name = 'product_product'

    class ResCompany(Model):
        class Meta:
            database = db
            table_name = 'res_company'

    class ResPartner(Model):
        class Meta:
            database = db
            table_name = 'res_partner'

    class ResUsers(Model):
        class Meta:
            database = db
            table_name = 'res_users'

    class RestaurantTable(Model):
        class Meta:
            database = db
            table_name = 'restaurant_table'

    class AuditLog(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        date = DateTimeField(index=True)
        model = TextField()
        res_id = IntegerField(null=True)
        operation = TextField()
        old_values = TextField(null=True)
        new_values = TextField(null=True)
        company_id = IntegerField(index=True, null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        user_id = IntegerField(index=True, null=True)
        class Meta:
            database = db
            table_name = 'audit_log'
            indexes = ((('model', 'res_id'), False),)
    db.create_tables([AuditLog])

    class BusBus(Model):
        channel = TextField(index=True)
        message = TextField()
        create_date = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'bus_bus'
    db.create_tables([BusBus])

    class RestaurantReservation(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(null=True)
        phone = TextField(null=True)
        covers = IntegerField()
        start_datetime = DateTimeField(index=True)
        end_datetime = DateTimeField(index=True)
        status = TextField(index=True)
        capacity_override = BooleanField(null=True)
        note = TextField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        partner_id = ForeignKeyField(ResPartner, null=True, on_delete='SET NULL')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        table_id = ForeignKeyField(RestaurantTable, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'restaurant_reservation'
    db.create_tables([RestaurantReservation])

    class StockMove(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        date = DateTimeField(index=True)
        quantity = DecimalField(max_digits=16, decimal_places=3)
        quantity_after = DecimalField(null=True, max_digits=16, decimal_places=3)
        reason = TextField(index=True)
        origin = TextField(null=True)
        note = TextField(null=True)
        pos_order_id = ForeignKeyField(PosOrder, null=True, on_delete='SET NULL')
        product_id = ForeignKeyField(ProductProduct, on_delete='RESTRICT')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'stock_move'
    db.create_tables([StockMove])

    class StockQuant(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        quantity = DecimalField(max_digits=16, decimal_places=3)
        product_id = ForeignKeyField(ProductProduct, on_delete='RESTRICT')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'stock_quant'
            indexes = ((('product_id', 'company_id'), True),)
    db.create_tables([StockQuant])

    migrator.migrate(migrator.add_column('res_company', 'commission_rate', DecimalField(null=True, max_digits=5, decimal_places=2)))
    migrator.migrate(migrator.add_column('res_company', 'forbid_negative_stock', BooleanField(null=True)))
    migrator.migrate(migrator.add_column('res_company', 'reservation_lead_minutes', IntegerField(null=True)))
    migrator.migrate(migrator.add_column('product_product', 'low_stock_threshold', DecimalField(null=True, max_digits=16, decimal_places=3)))
    migrator.migrate(migrator.add_column('pos_config', 'restrict_price_control', BooleanField(null=True)))
    migrator.migrate(migrator.add_column('pos_session', 'opening_notes', TextField(null=True)))
    migrator.migrate(migrator.add_column('pos_session', 'closing_notes', TextField(null=True)))
    migrator.migrate(migrator.add_column('pos_session', 'open_config_id', IntegerField(null=True)))
    migrator.migrate(migrator.add_column('restaurant_table', 'section', TextField(null=True)))
    migrator.migrate(migrator.add_column('restaurant_table', 'status', TextField(index=True, null=True)))
    migrator.migrate(migrator.add_column('restaurant_table', 'status_date', DateTimeField(null=True)))
    migrator.migrate(migrator.add_column('restaurant_table', 'waiter_id', ForeignKeyField(ResUsers, field=ResUsers.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('pos_order', 'kitchen_status', TextField(null=True)))
    migrator.migrate(migrator.add_column('pos_order', 'refunded_order_id', ForeignKeyField(PosOrder, field=PosOrder.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('pos_order_line', 'uuid', TextField(index=True, null=True)))
    migrator.migrate(migrator.add_column('pos_order_line', 'kitchen_status', TextField(null=True)))
    migrator.migrate(migrator.add_column('pos_order_line', 'refunded_qty', DecimalField(null=True, max_digits=16, decimal_places=3)))
    migrator.migrate(migrator.add_column('pos_order_line', 'refunded_orderline_id', ForeignKeyField(PosOrderLine, field=PosOrderLine.id, null=True, on_delete='SET NULL')))
    migrator.migrate(migrator.add_column('pos_payment', 'uuid', TextField(null=True)))
    migrator.migrate(migrator.add_index('pos_session', ('open_config_id',), unique=True))


def down(migrator, db):
    migrator.migrate(migrator.drop_index('pos_order_line', 'pos_order_line_uuid'))
    migrator.migrate(migrator.drop_index('pos_order_line', 'pos_order_line_refunded_orderline_id'))
    migrator.migrate(migrator.drop_index('pos_order', 'pos_order_refunded_order_id'))
    migrator.migrate(migrator.drop_index('restaurant_table', 'restaurant_table_waiter_id'))
    migrator.migrate(migrator.drop_index('restaurant_table', 'restaurant_table_status'))
    migrator.migrate(migrator.drop_index('pos_session', 'pos_session_open_config_id'))
    migrator.migrate(migrator.drop_column('pos_payment', 'uuid'))
    migrator.migrate(migrator.drop_column('pos_order_line', 'refunded_orderline_id'))
    migrator.migrate(migrator.drop_column('pos_order_line', 'refunded_qty'))
    migrator.migrate(migrator.drop_column('pos_order_line', 'kitchen_status'))
    migrator.migrate(migrator.drop_column('pos_order_line', 'uuid'))
    migrator.migrate(migrator.drop_column('pos_order', 'refunded_order_id'))
    migrator.migrate(migrator.drop_column('pos_order', 'kitchen_status'))
    migrator.migrate(migrator.drop_column('restaurant_table', 'waiter_id'))
    migrator.migrate(migrator.drop_column('restaurant_table', 'status_date'))
    migrator.migrate(migrator.drop_column('restaurant_table', 'status'))
    migrator.migrate(migrator.drop_column('restaurant_table', 'section'))
    migrator.migrate(migrator.drop_column('pos_session', 'open_config_id'))
    migrator.migrate(migrator.drop_column('pos_session', 'closing_notes'))
    migrator.migrate(migrator.drop_column('pos_session', 'opening_notes'))
    migrator.migrate(migrator.drop_column('pos_config', 'restrict_price_control'))
    migrator.migrate(migrator.drop_column('product_product', 'low_stock_threshold'))
    migrator.migrate(migrator.drop_column('res_company', 'reservation_lead_minutes'))
    migrator.migrate(migrator.drop_column('res_company', 'forbid_negative_stock'))
    migrator.migrate(migrator.drop_column('res_company', 'commission_rate'))
    migrator.migrate(migrator.drop_table('stock_quant'))
    migrator.migrate(migrator.drop_table('stock_move'))
    migrator.migrate(migrator.drop_table('restaurant_reservation'))
    migrator.migrate(migrator.drop_table('bus_bus'))
    migrator.migrate(migrator.drop_table('audit_log'))
