"""rest_resources"""
# Generated from a schema diff on 2026-11-21 22:19.
from peewee import *

def up(migrator, db):
    class PosOrder(Model):
        class Meta:
            database = db
            table_name = 'pos_order'

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

    class GatewayFeatureFlag(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        key = TextField()
        enabled = BooleanField(null=True)
        value = TextField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'gateway_feature_flag'
            indexes = ((('company_id', 'key'), True),)
    db.create_tables([GatewayFeatureFlag])

    class LoyaltyCard(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        points = IntegerField()
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        partner_id = ForeignKeyField(ResPartner, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'loyalty_card'
            indexes = ((('partner_id', 'company_id'), True),)
    db.create_tables([LoyaltyCard])

    class LoyaltyMove(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        date = DateTimeField(index=True)
        points = IntegerField()
        balance_after = IntegerField()
        kind = TextField(index=True)
        reason = TextField()
        order_id = ForeignKeyField(PosOrder, null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        partner_id = ForeignKeyField(ResPartner, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'loyalty_move'
    db.create_tables([LoyaltyMove])

    class LoyaltyProgram(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        enabled = BooleanField(null=True)
        points_per_unit = DecimalField(max_digits=12, decimal_places=4)
        rounding = TextField()
        company_id = ForeignKeyField(ResCompany, unique=True, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'loyalty_program'
    db.create_tables([LoyaltyProgram])

    class ResUsersPosPin(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        pin_hash = TextField()
        user_id = ForeignKeyField(ResUsers, unique=True, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_users_pos_pin'
    db.create_tables([ResUsersPosPin])

    migrator.migrate(migrator.add_column('res_company', 'tz', TextField(null=True)))
    migrator.migrate(migrator.add_column('res_company', 'business_hours', TextField(null=True)))
    migrator.migrate(migrator.add_column('res_company', 'refuse_orders_outside_hours', BooleanField(null=True)))
    migrator.migrate(migrator.add_column('res_users', 'notification_settings', TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('res_users', 'notification_settings'))
    migrator.migrate(migrator.drop_column('res_company', 'refuse_orders_outside_hours'))
    migrator.migrate(migrator.drop_column('res_company', 'business_hours'))
    migrator.migrate(migrator.drop_column('res_company', 'tz'))
    migrator.migrate(migrator.drop_table('res_users_pos_pin'))
    migrator.migrate(migrator.drop_table('loyalty_program'))
    migrator.migrate(migrator.drop_table('loyalty_move'))
    migrator.migrate(migrator.drop_table('loyalty_card'))
    migrator.migrate(migrator.drop_table('gateway_feature_flag'))
