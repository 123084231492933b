"""initial schema"""
# Generated from a schema diff on 2026-11-21 16:08.
from peewee import *

def up(migrator, db):
    class ResCurrency(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(unique=True)
        symbol = TextField()
        position = TextField(null=True)
        decimal_places = IntegerField(null=True)
        rounding = DecimalField(null=True, max_digits=12, decimal_places=6)
        active = BooleanField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'res_currency'
    db.create_tables([ResCurrency])

    class ResCountry(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        code = TextField(unique=True, null=True)
        phone_code = IntegerField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        currency_id = ForeignKeyField(ResCurrency, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'res_country'
    db.create_tables([ResCountry])

    class ResCompany(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        sequence = IntegerField(null=True)
        email = TextField(null=True)
        phone = TextField(null=True)
        street = TextField(null=True)
        street2 = TextField(null=True)
        city = TextField(null=True)
        zip = TextField(null=True)
        vat = TextField(null=True)
        website = TextField(null=True)
        active = BooleanField(null=True)
        is_platform = BooleanField(null=True)
        parent_id = ForeignKeyField('self', null=True, on_delete='SET NULL')
        partner_id = IntegerField(index=True, null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        currency_id = ForeignKeyField(ResCurrency, null=True, on_delete='SET NULL')
        country_id = ForeignKeyField(ResCountry, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'res_company'
    db.create_tables([ResCompany])

    class AccountTax(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        type_tax_use = TextField()
        amount_type = TextField()
        amount = DecimalField(max_digits=16, decimal_places=4)
        price_include = BooleanField(null=True)
        include_base_amount = BooleanField(null=True)
        description = TextField(null=True)
        sequence = IntegerField()
        active = BooleanField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'account_tax'
    db.create_tables([AccountTax])

    class ProductCategory(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(index=True)
        complete_name = TextField(index=True, null=True)
        parent_id = ForeignKeyField('self', null=True, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'product_category'
    db.create_tables([ProductCategory])

    class ProductProduct(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(index=True)
        default_code = TextField(index=True, null=True)
        barcode = TextField(index=True, null=True)
        type = TextField()
        list_price = DecimalField(null=True, max_digits=16, decimal_places=2)
        standard_price = DecimalField(null=True, max_digits=16, decimal_places=2)
        available_in_pos = BooleanField(null=True)
        to_weight = BooleanField(null=True)
        sale_ok = BooleanField(null=True)
        uom_name = TextField(null=True)
        description = TextField(null=True)
        description_sale = TextField(null=True)
        active = BooleanField(null=True)
        company_id = ForeignKeyField(ResCompany, null=True, on_delete='SET NULL')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        categ_id = ForeignKeyField(ProductCategory, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'product_product'
            indexes = ((('barcode', 'company_id'), True),)
    db.create_tables([ProductProduct])

    class ResPartner(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(index=True, null=True)
        complete_name = TextField(index=True, null=True)
        is_company = BooleanField(null=True)
        type = TextField(null=True)
        ref = TextField(index=True, null=True)
        email = TextField(null=True)
        phone = TextField(null=True)
        mobile = TextField(null=True)
        street = TextField(null=True)
        street2 = TextField(null=True)
        city = TextField(null=True)
        zip = TextField(null=True)
        vat = TextField(index=True, null=True)
        function = TextField(null=True)
        website = TextField(null=True)
        comment = TextField(null=True)
        barcode = TextField(null=True)
        lang = TextField(null=True)
        tz = TextField(null=True)
        color = IntegerField(null=True)
        active = BooleanField(null=True)
        parent_id = ForeignKeyField('self', null=True, on_delete='SET NULL')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        country_id = ForeignKeyField(ResCountry, null=True, on_delete='RESTRICT')
        company_id = IntegerField(index=True, null=True)
        class Meta:
            database = db
            table_name = 'res_partner'
    db.create_tables([ResPartner])

    class ResUsers(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        login = TextField(unique=True)
        password_hash = TextField(null=True)
        name = TextField()
        email = TextField(null=True)
        lang = TextField(null=True)
        tz = TextField(null=True)
        active = BooleanField(null=True)
        share = BooleanField(null=True)
        login_date = DateTimeField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        partner_id = ForeignKeyField(ResPartner, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'res_users'
    db.create_tables([ResUsers])

    class PosConfig(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(index=True)
        active = BooleanField(null=True)
        module_pos_restaurant = BooleanField(null=True)
        current_session_state = TextField(null=True)
        cash_control = BooleanField(null=True)
        iface_print_via_proxy = BooleanField(null=True)
        iface_cashdrawer = BooleanField(null=True)
        iface_scan_via_proxy = BooleanField(null=True)
        proxy_ip = TextField(null=True)
        receipt_header = TextField(null=True)
        receipt_footer = TextField(null=True)
        sequence_number = IntegerField(null=True)
        current_session_id = IntegerField(index=True, null=True)
        currency_id = ForeignKeyField(ResCurrency, null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'pos_config'
    db.create_tables([PosConfig])

    class PosSession(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        state = TextField(index=True)
        start_at = DateTimeField(null=True)
        stop_at = DateTimeField(null=True)
        sequence_number = IntegerField(null=True)
        login_number = IntegerField(null=True)
        rescue = BooleanField(null=True)
        cash_register_balance_start = DecimalField(null=True, max_digits=16, decimal_places=2)
        cash_register_balance_end_real = DecimalField(null=True, max_digits=16, decimal_places=2)
        cash_register_difference = DecimalField(null=True, max_digits=16, decimal_places=2)
        currency_id = ForeignKeyField(ResCurrency, null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        user_id = ForeignKeyField(ResUsers, on_delete='RESTRICT')
        config_id = ForeignKeyField(PosConfig, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'pos_session'
    db.create_tables([PosSession])

    class RestaurantFloor(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        name = TextField()
        background_color = TextField(null=True)
        sequence = IntegerField(null=True)
        active = BooleanField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'restaurant_floor'
    db.create_tables([RestaurantFloor])

    class RestaurantTable(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        name = TextField()
        shape = TextField()
        position_h = DoubleField(null=True)
        position_v = DoubleField(null=True)
        width = DoubleField(null=True)
        height = DoubleField(null=True)
        seats = IntegerField(null=True)
        color = TextField(null=True)
        active = BooleanField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        floor_id = ForeignKeyField(RestaurantFloor, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'restaurant_table'
    db.create_tables([RestaurantTable])

    class PosOrder(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        pos_reference = TextField(index=True, null=True)
        uuid = TextField(index=True, null=True)
        date_order = DateTimeField(index=True, null=True)
        customer_count = IntegerField(null=True)
        amount_tax = DecimalField(max_digits=16, decimal_places=2)
        amount_total = DecimalField(max_digits=16, decimal_places=2)
        amount_paid = DecimalField(max_digits=16, decimal_places=2)
        amount_return = DecimalField(max_digits=16, decimal_places=2)
        state = TextField(index=True)
        sequence_number = IntegerField(null=True)
        to_invoice = BooleanField(null=True)
        note = TextField(null=True)
        session_id = ForeignKeyField(PosSession, null=True, on_delete='SET NULL')
        currency_id = ForeignKeyField(ResCurrency, null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        partner_id = ForeignKeyField(ResPartner, null=True, on_delete='SET NULL')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        user_id = ForeignKeyField(ResUsers, null=True, on_delete='SET NULL')
        table_id = ForeignKeyField(RestaurantTable, null=True, on_delete='SET NULL')
        config_id = ForeignKeyField(PosConfig, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'pos_order'
            indexes = ((('company_id', 'uuid'), True),)
    db.create_tables([PosOrder])

    class PosOrderLine(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        full_product_name = TextField(null=True)
        qty = DecimalField(null=True, max_digits=16, decimal_places=3)
        price_unit = DecimalField(null=True, max_digits=16, decimal_places=2)
        discount = DecimalField(null=True, max_digits=16, decimal_places=2)
        price_subtotal = DecimalField(max_digits=16, decimal_places=2)
        price_subtotal_incl = DecimalField(max_digits=16, decimal_places=2)
        customer_note = TextField(null=True)
        product_id = ForeignKeyField(ProductProduct, on_delete='RESTRICT')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        order_id = ForeignKeyField(PosOrder, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_order_line'
    db.create_tables([PosOrderLine])

    class AccountTaxPosOrderLineRel(Model):
        pos_order_line_id = ForeignKeyField(PosOrderLine, on_delete='CASCADE')
        account_tax_id = ForeignKeyField(AccountTax, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'account_tax_pos_order_line_rel'
            primary_key = CompositeKey('pos_order_line_id', 'account_tax_id')
            indexes = ((('account_tax_id',), False),)
    db.create_tables([AccountTaxPosOrderLineRel])

    class HttpSession(Model):
        sid = CharField(primary_key=True, max_length=64)
        uid = IntegerField(index=True, null=True)
        data = TextField()
        create_date = DateTimeField()
        expiry = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'http_session'
    db.create_tables([HttpSession])

    class IrModel(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        model = TextField(unique=True)
        info = TextField(null=True)
        transient = BooleanField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'ir_model'
    db.create_tables([IrModel])

    class IrModelData(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        module = TextField()
        model = TextField()
        res_id = IntegerField(null=True)
        noupdate = BooleanField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'ir_model_data'
            indexes = ((('module', 'name'), True),)
    db.create_tables([IrModelData])

    class PosCategory(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        sequence = IntegerField(null=True)
        color = IntegerField(null=True)
        parent_id = ForeignKeyField('self', null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, null=True, on_delete='SET NULL')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'pos_category'
    db.create_tables([PosCategory])

    class PosCategoryProductProductRel(Model):
        product_product_id = ForeignKeyField(ProductProduct, on_delete='CASCADE')
        pos_category_id = ForeignKeyField(PosCategory, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_category_product_product_rel'
            primary_key = CompositeKey('product_product_id', 'pos_category_id')
            indexes = ((('pos_category_id',), False),)
    db.create_tables([PosCategoryProductProductRel])

    class PosPaymentMethod(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        sequence = IntegerField(null=True)
        type = TextField()
        is_cash_count = BooleanField(null=True)
        split_transactions = BooleanField(null=True)
        active = BooleanField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'pos_payment_method'
    db.create_tables([PosPaymentMethod])

    class PosConfigPosPaymentMethodRel(Model):
        pos_payment_method_id = ForeignKeyField(PosPaymentMethod, on_delete='CASCADE')
        pos_config_id = ForeignKeyField(PosConfig, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_config_pos_payment_method_rel'
            primary_key = CompositeKey('pos_payment_method_id', 'pos_config_id')
            indexes = ((('pos_config_id',), False),)
    db.create_tables([PosConfigPosPaymentMethodRel])

    class PosConfigRestaurantFloorRel(Model):
        pos_config_id = ForeignKeyField(PosConfig, on_delete='CASCADE')
        restaurant_floor_id = ForeignKeyField(RestaurantFloor, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_config_restaurant_floor_rel'
            primary_key = CompositeKey('pos_config_id', 'restaurant_floor_id')
            indexes = ((('restaurant_floor_id',), False),)
    db.create_tables([PosConfigRestaurantFloorRel])

    class PosPayment(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField(null=True)
        amount = DecimalField(max_digits=16, decimal_places=2)
        payment_date = DateTimeField()
        is_change = BooleanField(null=True)
        card_type = TextField(null=True)
        transaction_id = TextField(null=True)
        payment_status = TextField(null=True)
        session_id = ForeignKeyField(PosSession, null=True, on_delete='SET NULL')
        company_id = ForeignKeyField(ResCompany, on_delete='RESTRICT')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        payment_method_id = ForeignKeyField(PosPaymentMethod, on_delete='RESTRICT')
        pos_order_id = ForeignKeyField(PosOrder, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_payment'
    db.create_tables([PosPayment])

    class PosPaymentMethodPosSessionRel(Model):
        pos_session_id = ForeignKeyField(PosSession, on_delete='CASCADE')
        pos_payment_method_id = ForeignKeyField(PosPaymentMethod, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'pos_payment_method_pos_session_rel'
            primary_key = CompositeKey('pos_session_id', 'pos_payment_method_id')
            indexes = ((('pos_payment_method_id',), False),)
    db.create_tables([PosPaymentMethodPosSessionRel])

    class ProductTaxesRel(Model):
        prod_id = ForeignKeyField(ProductProduct, on_delete='CASCADE')
        tax_id = ForeignKeyField(AccountTax, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'product_taxes_rel'
            primary_key = CompositeKey('prod_id', 'tax_id')
            indexes = ((('tax_id',), False),)
    db.create_tables([ProductTaxesRel])

    class ResCompanyUsersRel(Model):
        user_id = ForeignKeyField(ResUsers, on_delete='CASCADE')
        cid = ForeignKeyField(ResCompany, column_name='cid', on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_company_users_rel'
            primary_key = CompositeKey('user_id', 'cid')
            indexes = ((('cid',), False),)
    db.create_tables([ResCompanyUsersRel])

    class ResGroups(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        category_name = TextField(null=True)
        comment = TextField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'res_groups'
    db.create_tables([ResGroups])

    class ResGroupsImpliedRel(Model):
        gid = ForeignKeyField(ResGroups, column_name='gid', on_delete='CASCADE')
        hid = ForeignKeyField(ResGroups, column_name='hid', on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_groups_implied_rel'
            primary_key = CompositeKey('gid', 'hid')
            indexes = ((('hid',), False),)
    db.create_tables([ResGroupsImpliedRel])

    class ResGroupsUsersRel(Model):
        gid = ForeignKeyField(ResGroups, column_name='gid', on_delete='CASCADE')
        uid = ForeignKeyField(ResUsers, column_name='uid', on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_groups_users_rel'
            primary_key = CompositeKey('gid', 'uid')
            indexes = ((('uid',), False),)
    db.create_tables([ResGroupsUsersRel])

    class ResUsersApikeys(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        name = TextField()
        index = TextField(index=True, null=True)
        key = TextField(null=True)
        scope = TextField(null=True)
        user_id = ForeignKeyField(ResUsers, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_users_apikeys'
    db.create_tables([ResUsersApikeys])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('res_users_apikeys'))
    migrator.migrate(migrator.drop_table('res_groups_users_rel'))
    migrator.migrate(migrator.drop_table('res_groups_implied_rel'))
    migrator.migrate(migrator.drop_table('res_groups'))
    migrator.migrate(migrator.drop_table('res_company_users_rel'))
    migrator.migrate(migrator.drop_table('product_taxes_rel'))
    migrator.migrate(migrator.drop_table('pos_payment_method_pos_session_rel'))
    migrator.migrate(migrator.drop_table('pos_payment'))
    migrator.migrate(migrator.drop_table('pos_config_restaurant_floor_rel'))
    migrator.migrate(migrator.drop_table('pos_config_pos_payment_method_rel'))
    migrator.migrate(migrator.drop_table('pos_payment_method'))
    migrator.migrate(migrator.drop_table('pos_category_product_product_rel'))
    migrator.migrate(migrator.drop_table('pos_category'))
    migrator.migrate(migrator.drop_table('ir_model_data'))
    migrator.migrate(migrator.drop_table('ir_model'))
    migrator.migrate(migrator.drop_table('http_session'))
    migrator.migrate(migrator.drop_table('account_tax_pos_order_line_rel'))
    migrator.migrate(migrator.drop_table('pos_order_line'))
    migrator.migrate(migrator.drop_table('pos_order'))
    migrator.migrate(migrator.drop_table('restaurant_table'))
    migrator.migrate(migrator.drop_table('restaurant_floor'))
    migrator.migrate(migrator.drop_table('pos_session'))
    migrator.migrate(migrator.drop_table('pos_config'))
    migrator.migrate(migrator.drop_table('res_users'))
    migrator.migrate(migrator.drop_table('res_partner'))
    migrator.migrate(migrator.drop_table('product_product'))
    migrator.migrate(migrator.drop_table('product_category'))
    migrator.migrate(migrator.drop_table('account_tax'))
    migrator.migrate(migrator.drop_table('res_company'))
    migrator.migrate(migrator.drop_table('res_country'))
    migrator.migrate(migrator.drop_table('res_currency'))
