"""access version"""
# Generated from a schema diff on 2026-11-21 17:21.
from peewee import *

def up(migrator, db):
    class AccessVersion(Model):
        id = IntegerField(primary_key=True)
        value = BigIntegerField()
        class Meta:
            database = db
            table_name = 'access_version'
    db.create_tables([AccessVersion])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('access_version'))
