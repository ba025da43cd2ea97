"""An organization's own bucket, driven by the official client's ``FlexibleStorageMixin``.

The first test follows the storage steps of the official client's member-management test
(``TestOrganizations.test_member_management``); figtrail names its own store ``figtrail`` where GoFigr's
service says ``GoFigr.io``, and only an organization's admins read its storage settings. The bucket is
moto's S3 server (tests/server/s3.py) on loopback, so this module has its own figtrail server that
allows endpoints on private networks.
"""

from __future__ import annotations

import pytest
from gofigr import OrganizationMembership, UnauthorizedError

from tests.compat.conftest import unique
from tests.conftest import start_server, stop_server
from tests.server.s3 import ACCESS_KEY, REGION, SECRET_KEY, start_s3, stop_s3

FLEXTEST = {"bucket": "gofigr-flextest", "key": "data"}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's server (``owner`` and ``other`` are its users)."""
    server = start_server(
        tmp_path_factory.mktemp("compat-storage-home"), {"FIGTRAIL_ORG_STORAGE_ALLOW_PRIVATE_NETWORKS": "1"}
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = start_s3(tmp_path_factory.mktemp("compat-s3"))
    yield server
    stop_s3(server)


def test_member_management_storage_steps(owner, other):
    org = owner.gf.Organization(name=unique("org"), description="").create()
    owner.gf.Workspace(name=unique("worx"), organization=org).create()
    org.fetch()
    assert org.get_storage_info().vendor == "figtrail"
    assert org.get_storage_info().params is None

    org.set_storage_info("aws", FLEXTEST)
    assert org.get_storage_info().vendor == "aws"
    assert org.get_storage_info().params == FLEXTEST

    theirs = other.gf.Organization(api_id=org.api_id)
    with pytest.raises(UnauthorizedError):
        theirs.fetch()
    with pytest.raises(UnauthorizedError):
        theirs.get_storage_info()
    with pytest.raises(UnauthorizedError):
        theirs.set_storage_info("aws", FLEXTEST)

    org.add_member(other.username, OrganizationMembership.WORKSPACE_CREATOR)
    assert theirs.fetch().api_id == org.api_id  # a member now
    with pytest.raises(UnauthorizedError):  # but not an admin: the settings name the bucket
        theirs.get_storage_info()
    assert org.get_storage_info().params == FLEXTEST


def test_new_data_lands_in_the_organizations_bucket(owner, s3):
    bucket = s3.new_bucket()
    params = {
        "bucket": bucket,
        "key": "data",
        "endpoint_url": s3.url,
        "region": REGION,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
    }
    gf = owner.gf
    org = gf.Organization(name=unique("org")).create()
    workspace = gf.Workspace(name=unique("org worx"), organization=org).create()
    with pytest.raises(RuntimeError):
        org.test_storage("aws", {**params, "bucket": "gofigr-badbucket"})
    assert org.test_storage("aws", params).vendor == "aws"
    assert org.get_storage_info().vendor == "figtrail"  # testing changes nothing

    org.set_storage_info("aws", params)
    assert org.get_storage_info().params == {k: v for k, v in params.items() if "access" not in k}
    figure = workspace.get_analysis("Flex").get_figure("Figure")
    revision = figure.revisions.create(gf.Revision(data=[gf.TextData(name="t", contents="in the bucket")]))
    for data in gf.Revision(api_id=revision.api_id).fetch().data:
        info = data.get_storage_info()
        assert info["vendor"] == "AWS"
        assert info["path"].startswith(f"s3://{bucket}/data/blobs/")
        assert data.size_bytes == len(data.fetch().data) > 0
        assert s3.read(bucket, info["path"].removeprefix(f"s3://{bucket}/")) == b"in the bucket"
