"""point of sale"""
# Generated from a schema diff on 2026-11-21 18:05.
from peewee import *

def up(migrator, db):
    class BusBus(Model):
        channel = TextField(index=True)
        message = TextField()
        create_date = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'bus_bus'
    db.create_tables([BusBus])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('bus_bus'))
