"""restaurant_templates"""
# Generated from a schema diff on 2026-11-22 04:19.
from peewee import *

def up(migrator, db):
    migrator.migrate(migrator.add_column('res_company', 'receipt_template', TextField(null=True)))
    migrator.migrate(migrator.add_column('res_company', 'kitchen_template', TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('res_company', 'kitchen_template'))
    migrator.migrate(migrator.drop_column('res_company', 'receipt_template'))
