"""hardware_bridge"""
# Generated from a schema diff on 2026-11-22 03:40.
from peewee import *

def up(migrator, db):
    class PosCategory(Model):
        class Meta:
            database = db
            table_name = 'pos_category'

    class ResCompany(Model):
        class Meta:
            database = db
            table_name = 'res_company'

    class HwPrinter(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        name = TextField()
        active = BooleanField(null=True)
        connection = TextField()
        host = TextField(null=True)
        port = IntegerField(null=True)
        device = TextField(null=True)
        paper_width = IntegerField(null=True)
        codepage = TextField(null=True)
        role = TextField()
        drawer_pin = IntegerField(null=True)
        status = TextField(null=True)
        last_error = TextField(null=True)
        last_ok_date = DateTimeField(null=True)
        last_check_date = DateTimeField(null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'hw_printer'
    db.create_tables([HwPrinter])

    class HwPrinterPosCategoryRel(Model):
        printer_id = ForeignKeyField(HwPrinter, on_delete='CASCADE')
        category_id = ForeignKeyField(PosCategory, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'hw_printer_pos_category_rel'
            primary_key = CompositeKey('printer_id', 'category_id')
            indexes = ((('category_id',), False),)
    db.create_tables([HwPrinterPosCategoryRel])

    class HwPrintJob(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        state = TextField(index=True)
        kind = TextField()
        payload = BlobField()
        size = IntegerField(null=True)
        role = TextField(null=True)
        snapshot = TextField(null=True)
        attempts = IntegerField(null=True)
        last_error = TextField(null=True)
        next_try_date = DateTimeField(null=True)
        sent_date = DateTimeField(null=True)
        is_copy = BooleanField(null=True)
        order_id = IntegerField(index=True, null=True)
        company_id = ForeignKeyField(ResCompany, on_delete='CASCADE')
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        printer_id = ForeignKeyField(HwPrinter, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'hw_print_job'
            indexes = ((('printer_id', 'state', 'id'), False),)
    db.create_tables([HwPrintJob])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('hw_print_job'))
    migrator.migrate(migrator.drop_table('hw_printer_pos_category_rel'))
    migrator.migrate(migrator.drop_table('hw_printer'))
