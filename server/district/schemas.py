"""Schemas of the district import API."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields


class ImportArgsSchema(Schema):
    dry_run = fields.Boolean(load_default=True,
                             metadata={"description": "check and count only; write nothing"})


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "the filled-in template (.xlsx)"})


class SheetCountsSchema(Schema):
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    retired = fields.Integer()


class CredentialSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.String()
    temporary_password = fields.String(metadata={"description": "shown once"})


class ImportResultSchema(Schema):
    dry_run = fields.Boolean()
    rows = fields.Integer()
    sheets = fields.Dict(keys=fields.String(), values=fields.Nested(SheetCountsSchema))
    new_accounts = fields.Integer()
    credentials = fields.List(fields.Nested(CredentialSchema),
                              metadata={"description": "new accounts; only in this answer"})
    credentials_url = fields.String(
        allow_none=True, metadata={"description": "XLSX of the same, downloadable once"})
