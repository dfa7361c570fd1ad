-- Two roles, as docs/operations.md describes: dd_migrator owns the schema and runs migrations;
-- dd_app serves, holds rows only, and is held by row-level security (no superuser, no BYPASSRLS).
-- The passwords are placeholders for local use: set real ones (or another auth method) in production.
create role dd_migrator login password 'dd_migrator' nosuperuser nobypassrls nocreatedb nocreaterole;
create role dd_app login password 'dd_app' nosuperuser nobypassrls nocreatedb nocreaterole;
alter database dd owner to dd_migrator;
