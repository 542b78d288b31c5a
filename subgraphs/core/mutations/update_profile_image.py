"""Mutation `updateProfileImage(image: Upload!)`: the signed-in user's new profile image."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from shared.apps.directives import session_only, signed_in
from shared.errors import ErrorCode, MatewayError
from subgraphs.core.accounts.caller import signed_in_user
from subgraphs.core.context import request_scope
from subgraphs.core.profile.avatar import MAX_IMAGE_BYTES, store_avatar


@strawberry.type(directives=[signed_in()])
class ProfileImage:
    """A stored profile image (a WebP of at most 512x512)."""

    id: strawberry.ID
    url: str = strawberry.field(description="Path of the image on the files service")
    width: int
    height: int


async def _read(image: object) -> bytes:
    """The upload's bytes, at most MAX_IMAGE_BYTES + 1 (enough to tell it is too large)."""
    read = getattr(image, "read", None)
    if read is None:
        raise MatewayError(ErrorCode.BAD_USER_INPUT, "Send the image as a multipart file")
    data = await read(MAX_IMAGE_BYTES + 1)
    return bytes(data)


async def update_profile_image(info: strawberry.Info, image: Upload) -> ProfileImage:
    """Checks, re-encodes and stores the image, then links it to the caller."""
    user = signed_in_user(info.context)
    assert user.user_id is not None
    data = await _read(image)
    directus = request_scope(info.context).service.directus()
    stored = await store_avatar(directus, user.user_id, data)
    return ProfileImage(
        id=strawberry.ID(stored.file_id), url=stored.url, width=stored.width, height=stored.height
    )


# Sessions only: changing how a person appears to others is not something a key should do.
field = strawberry.mutation(
    resolver=update_profile_image,
    description=(
        "Set your profile image (multipart upload): PNG, JPEG or WebP up to 5 MB, "
        "stored re-encoded as a WebP of at most 512x512."
    ),
    directives=[session_only()],
)
