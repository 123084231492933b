"""bus_presence"""
# Generated from a schema diff on 2026-11-22 00:45.
from peewee import *

def up(migrator, db):
    class BusPresence(Model):
        user_id = IntegerField(unique=True)
        last_poll = DateTimeField()
        last_presence = DateTimeField()
        class Meta:
            database = db
            table_name = 'bus_presence'
    db.create_tables([BusPresence])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('bus_presence'))
