"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, Garage, ...) through django-storages.

An S3 PUT is atomic (an object appears whole or not at all), so the folder store's temporary-file dance
is not needed here. Keys are content hashes, so overwriting one writes the same bytes again: no
``get_available_name`` suffixes, no ACLs, no signed URLs (blobs are served only through the API).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

from figtrail.config import S3Config


class BlobS3Storage(S3Storage):
    """django-storages' S3 backend with the settings a content-addressed blob store wants."""

    file_overwrite = True
    default_acl = None
    querystring_auth = False

    def touch(self, name: str) -> bool:
        """Renew a stored blob's age (``figtrail gc --min-age`` keeps a blob a publish just reused);
        False if there is no such blob. A server-side copy onto itself, one request like a HEAD."""
        key = self._normalize_name(clean_name(name))
        try:
            self.connection.meta.client.copy_object(
                Bucket=self.bucket_name,
                Key=key,
                CopySource={"Bucket": self.bucket_name, "Key": key},
                MetadataDirective="REPLACE",
            )
        except ClientError as err:
            if err.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return False
            raise
        return True


def storage_options(s3: S3Config) -> dict[str, Any]:
    """The OPTIONS of ``STORAGES["default"]`` for a bucket; None values are left to boto3's own lookup
    (AWS_* variables, ~/.aws, an instance role)."""
    options: dict[str, Any] = {"bucket_name": s3.bucket, "location": s3.prefix}
    if s3.endpoint_url:
        options["endpoint_url"] = s3.endpoint_url
    if s3.access_key_id:
        options["access_key"] = s3.access_key_id
    if s3.secret_access_key:
        options["secret_key"] = s3.secret_access_key
    if s3.region:
        options["region_name"] = s3.region
    if s3.addressing_style:
        options["addressing_style"] = s3.addressing_style
    return options
