"""rest api refresh tokens"""
# Generated from a schema diff on 2026-11-21 20:12.
from peewee import *

def up(migrator, db):
    class ResUsers(Model):
        class Meta:
            database = db
            table_name = 'res_users'

    class ResUsersAuthToken(Model):
        create_date = DateTimeField(null=True)
        write_date = DateTimeField(null=True)
        family = TextField(index=True)
        token_hash = TextField(unique=True)
        user_agent = TextField(null=True)
        ip = TextField(null=True)
        expires = DateTimeField()
        used_at = DateTimeField(null=True)
        replaced_by = IntegerField(null=True)
        revoked = BooleanField(null=True)
        create_uid = IntegerField(null=True)
        write_uid = IntegerField(null=True)
        user_id = ForeignKeyField(ResUsers, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'res_users_auth_token'
    db.create_tables([ResUsersAuthToken])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('res_users_auth_token'))
