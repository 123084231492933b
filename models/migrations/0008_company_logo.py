"""company_logo"""
# Generated from a schema diff on 2026-11-22 04:15.
from peewee import *

def up(migrator, db):
    migrator.migrate(migrator.add_column('res_company', 'logo', BlobField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('res_company', 'logo'))
